"""Uptime from connection sessions: how long each board was connected within a period."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage.boards.models import BoardSession


def online_seconds(
    session: Session,
    board_ids: Iterable[int] | None,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
) -> dict[int, float]:
    """Seconds each board was connected within [start, min(end, now)); None = every board.

    Boards without a session in the period are absent (0 s). An open session counts until now."""
    stop = min(end, now)
    if stop <= start:
        return {}
    query = select(BoardSession.board_id, BoardSession.started_at, BoardSession.ended_at).where(
        BoardSession.started_at < stop,
        or_(BoardSession.ended_at.is_(None), BoardSession.ended_at > start),
    )
    if board_ids is not None:
        ids = list(board_ids)
        if not ids:
            return {}
        query = query.where(BoardSession.board_id.in_(ids))
    totals: dict[int, float] = {}
    for board_id, began, ended in session.execute(query):
        lo = max(began, start)
        hi = min(ended or stop, stop)
        if hi > lo:
            totals[board_id] = totals.get(board_id, 0.0) + (hi - lo).total_seconds()
    return totals
