"""Tell the console when boards come and go: after the status flush that wrote connections and
disconnections commits, `board_status` {board, status} goes to the /console area rooms of every
area on each board's path (a ward supervisor's room and the province admin's both get it).

A disconnect is announced as "offline" at once, although presence counts the board online for
OFFLINE_GRACE more: a player that comes back within it is announced "online" again by its
connect. A board that simply stops reporting (its process died) is not announced; the pages
show it offline on their next load.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.areas.models import Area
from signage.boards.models import Board
from signage.db import run_after_commit
from signage.players.telemetry import Pending
from signage.realtime import ConsoleEmit, console_emitter
from signage.realtime.rooms import area_room

log = logging.getLogger(__name__)
CHUNK = 500


def changes(pending: Pending) -> dict[int, str]:
    """Board id -> 'online' or 'offline' for what a flush wrote (the later event wins)."""
    out = {board_id: "online" for board_id in pending.connections}
    for board_id, at in pending.disconnections.items():
        conn = pending.connections.get(board_id)
        if conn is None or at >= conn.at:
            out[board_id] = "offline"
    return out


def announce(session: Session, pending: Pending, emit: ConsoleEmit | None = None) -> int:
    """After commit, emit `board_status` for each board the flush connected or disconnected;
    the number of boards announced."""
    statuses = changes(pending)
    if not statuses:
        return 0
    ids = sorted(statuses)
    messages: list[tuple[dict[str, Any], list[str]]] = []
    for i in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(Board.id, Board.code, Area.path)
            .join(Area, Board.area_id == Area.id)
            .where(Board.id.in_(ids[i : i + CHUNK]))
        )
        for board_id, code, path in rows:
            rooms = [area_room(int(a)) for a in path.strip("/").split("/") if a]
            messages.append(({"board": code, "status": statuses[board_id]}, rooms))
    send = emit or console_emitter()

    def emit_all() -> None:
        # The status rows are written: a console that misses an event (a queue hiccup, a
        # process shutting down) catches up on its next page load, so never raise from here.
        try:
            for payload, rooms in messages:
                send("board_status", payload, rooms)
        except Exception:
            log.exception("announcing %d board status change(s) failed", len(messages))

    run_after_commit(session, emit_all)
    return len(messages)
