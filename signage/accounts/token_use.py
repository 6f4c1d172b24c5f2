"""When each API token was last used: kept in memory, written at most once a minute per token.

Writing `last_used_at` inside every authenticated request turned read-only requests into write
transactions; on SQLite two concurrent clients then failed with `database is locked` (a read
transaction that upgrades to a write after another writer committed is refused at once, whatever
the busy timeout). Requests now only note the use here; a background task writes the notes in
one short batched transaction of its own, like the players' status buffer.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import bindparam, or_, update
from sqlalchemy.orm import Session

from signage.accounts.models import ApiToken
from signage.realtime import background

log = logging.getLogger(__name__)
EVERY = timedelta(minutes=1)
_MAX_REMEMBERED = 100_000


class TokenUseBuffer:
    """Pending last-use times by token id; a token is noted again only a minute after."""

    def __init__(self, every: timedelta = EVERY) -> None:
        self.every = every
        self._pending: dict[int, datetime] = {}
        self._noted: dict[int, datetime] = {}
        self._lock = threading.Lock()

    def seen(self, token_id: int, at: datetime) -> None:
        """Note a use; ignored if this token was noted less than a minute before."""
        with self._lock:
            last = self._noted.get(token_id)
            if last is not None and at - last < self.every:
                return
            if len(self._noted) >= _MAX_REMEMBERED:
                self._noted.clear()
            self._noted[token_id] = at
            self._pending[token_id] = at

    def pending(self) -> int:
        """How many tokens wait to be written."""
        with self._lock:
            return len(self._pending)

    def take(self) -> dict[int, datetime]:
        """Remove and return what is pending."""
        with self._lock:
            batch, self._pending = self._pending, {}
        return batch

    def restore(self, batch: dict[int, datetime]) -> None:
        """Put back what a failed write took; newer notes win."""
        with self._lock:
            for token_id, at in batch.items():
                if self._pending.get(token_id, at) <= at:
                    self._pending[token_id] = at

    @staticmethod
    def write(session: Session, batch: dict[int, datetime]) -> int:
        """One batched UPDATE; a time never moves backwards. Tokens written."""
        if not batch:
            return 0
        table = ApiToken.__table__
        stmt = (
            update(table)
            .where(
                table.c.id == bindparam("t_id"),
                or_(table.c.last_used_at.is_(None), table.c.last_used_at < bindparam("at")),
            )
            .values(last_used_at=bindparam("at"))
        )
        rows = [{"t_id": t, "at": at} for t, at in sorted(batch.items())]
        session.connection().execute(stmt, rows)
        return len(rows)


def token_uses(app: Any = None) -> TokenUseBuffer:
    """This process's token-use buffer."""
    return (app or current_app).extensions["signage_token_uses"]


def flush(app: Any = None) -> int:
    """Write the pending uses in their own transaction; on failure they wait for the next."""
    from signage.db import db

    buffer = token_uses(app)
    batch = buffer.take()
    if not batch:
        return 0
    try:
        with db.scope() as session:
            return buffer.write(session, batch)
    except Exception:
        buffer.restore(batch)
        raise


_flushers: set[int] = set()


def note_use(token_id: int, at: datetime) -> None:
    """Note that a token authenticated a request now; written later, off the request."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    token_uses(app).seen(token_id, at)
    policy = background(app)  # SIGNAGE_BACKGROUND_TASKS: a loop, or written now (tests)
    policy.buffered(lambda: flush(app))
    if id(app) not in _flushers:
        _flushers.add(id(app))
        # its own loop; the process's exit flush is registered by whoever serves players
        policy.loop(app, EVERY.total_seconds() / 2, lambda: flush(app), "writing API token uses")


def init_app(app: Flask) -> None:
    """Give the app its buffer, written also when the process stops (SIGTERM, worker exit)."""
    from signage.realtime.lifecycle import on_flush

    app.extensions["signage_token_uses"] = TokenUseBuffer()
    on_flush(app, "API token uses", flush)
