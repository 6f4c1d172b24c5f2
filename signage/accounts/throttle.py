"""Sign-in throttling: growing delays per typed username and per client address, never a lock.

Failed sign-ins are counted under the name that was typed, whether or not such a user exists,
so throttling reveals nothing about which accounts exist. After a few free failures each new
failure makes the next attempt wait twice as long, up to a cap; an attacker can slow guessing
down but cannot keep the real owner out for long.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signage.accounts.models import LoginThrottle
from signage.errors import SignInThrottled

# Failures older than this are forgotten (the count starts again from zero).
FORGET_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Limit:
    """free failures before delays start, and the longest delay."""

    free: int
    longest: timedelta


def account_key(username: str) -> str:
    """The throttle key of a typed username (hashed: the table never holds typed secrets)."""
    return "user:" + hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()


def address_key(ip: str) -> str:
    """The throttle key of a client address."""
    return "addr:" + (ip or "?")[:64]


def delay(failures: int, limit: Limit) -> timedelta:
    """How long the next attempt waits after this many failures: 0, then 1 s, 2 s, 4 s ... cap."""
    extra = failures - limit.free
    if extra <= 0:
        return timedelta(0)
    return min(limit.longest, timedelta(seconds=2 ** min(extra - 1, 30)))


def check(session: Session, keys: list[str], now: datetime) -> None:
    """Raise SignInThrottled if any of the keys must still wait."""
    wait = timedelta(0)
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            wait = max(wait, row.blocked_until - now)
    if wait:
        raise SignInThrottled(seconds=max(1, int(wait.total_seconds() + 0.999)))


def fail(session: Session, limits: dict[str, Limit], now: datetime) -> int:
    """Count one failure under each key; returns the failure count of the first key."""
    counts = []
    for key, limit in limits.items():
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=now)
            try:
                # Another process may insert the same key at the same moment.
                with session.begin_nested():
                    session.add(row)
                    session.flush()
            except IntegrityError:
                row = session.get(LoginThrottle, key, populate_existing=True)
                assert row is not None
        if now - row.last_failure_at > FORGET_AFTER:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = delay(row.failures, limit)
        row.blocked_until = now + wait if wait else None
        counts.append(row.failures)
    session.flush()
    return counts[0] if counts else 0


def forget(session: Session, key: str) -> None:
    """Clear the failures of a key (after a successful sign-in)."""
    row = session.get(LoginThrottle, key)
    if row is not None:
        session.delete(row)
        session.flush()
