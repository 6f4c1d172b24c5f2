"""Whether a board's player is paired and online, from the status its heartbeats and
connections wrote (signage.players.telemetry writes it; the console and alerts read it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.boards.models import Board, BoardStatus, BoardToken

ONLINE_WITHIN = timedelta(seconds=120)  # three missed 30 s heartbeats, plus the flush delay
# A board whose last socket closed is offline this long after, unless it came back meanwhile
# (a player reconnecting after a server restart does so within its first backoff steps).
OFFLINE_GRACE = timedelta(seconds=15)


def is_online(row: BoardStatus | None, now: datetime) -> bool:
    """True if the player reported within ONLINE_WITHIN and its socket did not close more
    than OFFLINE_GRACE ago without a newer sign of life."""
    if not (row and row.last_seen and now - row.last_seen <= ONLINE_WITHIN):
        return False
    gone = row.disconnected_at
    return gone is None or gone < row.last_seen or now - gone <= OFFLINE_GRACE


def online_clause(now: datetime) -> Any:
    """`is_online` as a SQL condition on BoardStatus."""
    s = BoardStatus
    return (s.last_seen >= now - ONLINE_WITHIN) & (
        s.disconnected_at.is_(None)
        | (s.disconnected_at < s.last_seen)
        | (s.disconnected_at >= now - OFFLINE_GRACE)
    )


def has_active_token(session: Session, board: Board) -> bool:
    """True if the board has a token that still authenticates."""
    return (
        session.scalar(
            select(BoardToken.id).where(
                BoardToken.board_id == board.id, BoardToken.revoked_at.is_(None)
            )
        )
        is not None
    )
