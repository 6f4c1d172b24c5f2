"""Which content items a schedule plays at a given instant ("on air"), from the stored schedules.

An approved item in no playlist, or only in playlists that no schedule plays at that instant, is
not on air. Each schedule is resolved with the pure timeline over one second from `now`, in the
time zone of the board it targets (Asia/Ho_Chi_Minh for areas and groups).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage.boards.models import Board
from signage.schedules import rules as pure
from signage.schedules.manifests import airing_revisions, rule_of
from signage.schedules.models import PlaylistEntry, Schedule
from signage.schedules.timeline import timeline

_PROBE = timedelta(seconds=1)


def items_on_air(session: Session, item_ids: Iterable[int], *, now: datetime) -> set[int]:
    """The ids among item_ids whose approved revision some schedule plays at now."""
    ids = set(item_ids)
    if not ids:
        return set()
    airing = airing_revisions(session, ids)
    if not airing:
        return set()
    playlists = select(PlaylistEntry.playlist_id).where(PlaylistEntry.item_id.in_(airing))
    stmt = select(Schedule).where(
        Schedule.expired.is_(False),
        Schedule.playlist_id.in_(playlists),
        or_(Schedule.valid_from.is_(None), Schedule.valid_from <= now),
        or_(Schedule.valid_to.is_(None), Schedule.valid_to > now),
    )
    found: set[int] = set()
    for schedule in session.scalars(stmt):
        rule = rule_of(schedule, airing)
        board = pure.BoardContext(tz=_zone(session, schedule))
        for segment in timeline(board, [rule], now, now + _PROBE):
            found.update(e.item_id for e in segment.entries)
    return found & ids


def _zone(session: Session, schedule: Schedule) -> str:
    if schedule.target_kind == "board":
        board = session.get(Board, schedule.target_id)
        if board is not None and board.timezone:
            return board.timezone
    return pure.DEFAULT_TZ
