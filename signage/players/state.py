"""What a player gets when it connects: the rooms its socket joins and the `state` message.

A query, testable without a socket; the /player handler only authenticates, joins and emits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from signage.alerts.delivery import payload as alert_payload
from signage.alerts.queries import active_for_board
from signage.boards.models import Board
from signage.boards.services import rooms_for
from signage.clock import iso_utc
from signage.schedules.models import BoardManifest


def connection_state(
    session: Session, board: Board, *, now: datetime
) -> tuple[list[str], dict[str, Any]]:
    """The board's rooms and its `state` {board, profile, manifest_version, server_time,
    alerts} (docs/protocol.md); a missing or expired manifest is regenerated first."""
    state = {
        "board": {"code": board.code, "name": board.name},
        "profile": board.profile.key,
        "manifest_version": manifest_version(session, board, now),
        "server_time": iso_utc(now),
        "alerts": [alert_payload(a) for a in active_for_board(session, board.id, now=now)],
    }
    return rooms_for(session, board), state


def manifest_version(session: Session, board: Board, now: datetime) -> str:
    """The board's current manifest version, regenerated when missing or expired."""
    row = session.get(BoardManifest, board.id)
    if row is None or row.valid_until <= now:
        from signage.schedules.manifests import publisher

        publisher().boards(session, [board.id], now=now)
        row = session.get(BoardManifest, board.id)
    return row.version if row is not None else ""
