"""Which boards went dark (and which came back) since the last run, told once per outage to the
subscribers of their areas and to the areas' webhooks.

A board counts as dark once it has been offline, inside its operating hours, for its area's
threshold (inherited down the tree). Boards that never connected are not "going dark"."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.boards.models import Board, BoardStatus
from signage.boards.presence import is_online, online_clause
from signage.notifications.models import AreaNotice, Outage, Subscription
from signage.notifications.outbox import Event, notify_users, post_webhooks
from signage.permissions import can
from signage.schedules.rules import BoardContext
from signage.schedules.spans import operating_hours
from signage.schedules.timeline import segment_at, timeline

# Operating hours are looked at this far back at most: thresholds are at most a week.
LOOKBACK = timedelta(days=8)
MAX_THRESHOLD_MINUTES = 7 * 24 * 60


@dataclass
class Detected:
    """What one run found: outages opened and closed."""

    dark: list[Event] = field(default_factory=list)
    recovered: list[Event] = field(default_factory=list)


def dark_since(status: BoardStatus) -> datetime:
    """When the board was last heard of: its socket's close if that came last, else last_seen."""
    assert status.last_seen is not None
    gone = status.disconnected_at
    return gone if gone is not None and gone >= status.last_seen else status.last_seen


def thresholds(session: Session) -> dict[int, int]:
    """Area id -> the threshold in minutes that area sets itself."""
    rows = session.execute(
        select(AreaNotice.area_id, AreaNotice.threshold_minutes).where(
            AreaNotice.threshold_minutes.is_not(None)
        )
    )
    return {area_id: minutes for area_id, minutes in rows if minutes}


def threshold_for(path: str, own: dict[int, int], default: int) -> int:
    """The threshold of the deepest area on `path` ('/1/5/9/') that sets one, else default."""
    for part in reversed([p for p in path.split("/") if p]):
        minutes = own.get(int(part))
        if minutes:
            return minutes
    return default


def powered_seconds(board: Board, since: datetime, now: datetime) -> tuple[float, bool]:
    """Seconds of [since, now] inside the board's operating hours, and whether it should be on
    now (schedules' timeline decides; hours it cannot read count as always on)."""
    try:
        hours = operating_hours(board.hours or None)
        if hours is None or hours.always_on:
            return (now - since).total_seconds(), True
        lo = max(since, now - LOOKBACK)
        segments = timeline(
            BoardContext(tz=board.timezone, hours=hours), [], lo, now + timedelta(seconds=1)
        )
    except (ValueError, KeyError):
        return (now - since).total_seconds(), True
    current = segment_at(segments, now)
    on_now = current is not None and current.kind != "off"
    seconds = sum(
        (min(s.end, now) - s.start).total_seconds()
        for s in segments
        if s.kind != "off" and s.start < now
    )
    return seconds, on_now


def _event(board: Board, outage: Outage) -> Event:
    return Event(
        board_id=board.id,
        code=board.code,
        name=board.name,
        area=board.area.name,
        area_path=board.area.path,
        since=outage.dark_since,
        recovered_at=outage.recovered_at,
    )


def find_changes(session: Session, *, now: datetime, default_minutes: int) -> Detected:
    """Open an outage for each board dark past its threshold and close those of boards back
    online; the events of both (each outage is opened and closed once)."""
    found = Detected()
    open_outages = {
        o.board_id: o for o in session.scalars(select(Outage).where(Outage.recovered_at.is_(None)))
    }
    for board_id, outage in open_outages.items():
        status = session.get(BoardStatus, board_id)
        if is_online(status, now):
            outage.recovered_at = now
            found.recovered.append(_event(outage.board, outage))
    own = thresholds(session)
    rows = session.execute(
        select(Board, BoardStatus)
        .join(BoardStatus, BoardStatus.board_id == Board.id)
        .where(BoardStatus.last_seen.is_not(None), ~online_clause(now))
        .order_by(Board.code)
    ).all()
    for board, status in rows:
        if board.id in open_outages or is_online(status, now):
            continue
        since = dark_since(status)
        minutes = threshold_for(board.area.path, own, default_minutes)
        seconds, on_now = powered_seconds(board, since, now)
        if not on_now or seconds < minutes * 60:
            continue
        outage = Outage(board=board, dark_since=since, notified_at=now)
        session.add(outage)
        found.dark.append(_event(board, outage))
    session.flush()
    return found


def subscribers(session: Session, events: list[Event]) -> dict[int, dict[str, list[Event]]]:
    """User id -> channel -> the events of boards in the user's subscribed areas that the user
    may still see (a grant removed since subscribing stops the messages)."""
    out: dict[int, dict[str, list[Event]]] = defaultdict(lambda: defaultdict(list))
    if not events:
        return out
    subs = session.scalars(
        select(Subscription).join(User, User.id == Subscription.user_id).where(User.is_active)
    ).all()
    boards = {b.id: b for b in session.scalars(select(Board).where(
        Board.id.in_({e.board_id for e in events})))}  # fmt: skip
    seen: set[tuple[int, str, int]] = set()
    for sub in subs:
        for event in events:
            board = boards.get(event.board_id)
            if board is None or not event.area_path.startswith(sub.area.path):
                continue
            if not can(sub.user, "board.view", board.area):
                continue
            for channel in ("console", "email"):
                key = (sub.user_id, channel, event.board_id)
                if getattr(sub, channel) and key not in seen:
                    seen.add(key)
                    out[sub.user_id][channel].append(event)
    return out


def detect(session: Session, *, now: datetime, settings: Any) -> Detected:
    """One run of the detection job: find changes, then queue what they tell whom."""
    found = find_changes(session, now=now, default_minutes=settings.notify_offline_minutes)
    for kind, events in (("offline", found.dark), ("recovered", found.recovered)):
        notify_users(session, kind, subscribers(session, events), now=now, settings=settings)
    post_webhooks(session, found.dark, found.recovered, now=now)
    return found
