"""Tell the console when boards come and go: after the status flush that wrote connections and
disconnections commits, `board_status` {board, status} goes to the /console area rooms of every
area on each board's path (a ward supervisor's room and the province admin's both get it).

The same flushes also say what else changed, once per flush (never per message), naming it only:
`board_seen` {boards} (heartbeats written, one event per area of the boards), `alert_progress`
{alert} (receipts written) and `board_screenshot` {board}; a page fetches what it shows itself.

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

from signage.alerts.models import AlertDelivery
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


def path_rooms(path: str) -> list[str]:
    """The area rooms of every area on a path ('/1/5/' -> area:1, area:5)."""
    return [area_room(int(a)) for a in path.strip("/").split("/") if a]


def _paths(session: Session, board_ids: list[int]) -> list[tuple[int, str, str]]:
    """(board id, code, area path) of these boards, in chunks."""
    out: list[tuple[int, str, str]] = []
    for i in range(0, len(board_ids), CHUNK):
        rows = session.execute(
            select(Board.id, Board.code, Area.path)
            .join(Area, Board.area_id == Area.id)
            .where(Board.id.in_(board_ids[i : i + CHUNK]))
        )
        out.extend((board_id, code, path) for board_id, code, path in rows)
    return out


def _sent(session: Session, alert_ids: list[int]) -> set[tuple[int, int]]:
    """(alert id, board id) of the deliveries of these alerts."""
    out: set[tuple[int, int]] = set()
    for i in range(0, len(alert_ids), CHUNK):
        rows = session.execute(
            select(AlertDelivery.alert_id, AlertDelivery.board_id).where(
                AlertDelivery.alert_id.in_(alert_ids[i : i + CHUNK])
            )
        )
        out |= {(a, b) for a, b in rows}
    return out


def _after_commit(
    session: Session, messages: list[tuple[str, dict[str, Any], list[str]]], send: ConsoleEmit
) -> None:
    def emit_all() -> None:
        # What was written stays written: a console that misses an event catches up on its
        # next page load, so never raise from here.
        try:
            for event, payload, rooms in messages:
                send(event, payload, rooms)
        except Exception:
            log.exception("sending %d console event(s) failed", len(messages))

    if messages:
        run_after_commit(session, emit_all)


def announce_seen(session: Session, pending: Pending, emit: ConsoleEmit | None = None) -> int:
    """After commit, `board_seen` {boards} once per area of the boards whose heartbeat the
    flush wrote (last contact, now playing); the number of events."""
    ids = sorted(pending.heartbeats)
    if not ids:
        return 0
    by_path: dict[str, list[str]] = {}
    for _board_id, code, path in _paths(session, ids):
        by_path.setdefault(path, []).append(code)
    messages = [
        ("board_seen", {"boards": sorted(codes)}, path_rooms(path))
        for path, codes in sorted(by_path.items())
    ]
    _after_commit(session, messages, emit or console_emitter())
    return len(messages)


def announce_receipts(
    session: Session,
    board_ids_by_alert: dict[int, set[int]],
    emit: ConsoleEmit | None = None,
    *,
    checked: bool = False,
) -> int:
    """After commit, `alert_progress` {alert} once per alert whose receipts a flush wrote, to
    the rooms of the areas of the boards that sent them; the number of events. `checked`: the
    pairs are known deliveries already (the receipt buffer's write keeps only those), so the
    deliveries are not read again on every flush of an alert."""
    # Only receipts for alerts the board was sent: a receipt the buffer rejected tells nobody.
    if not checked:
        sent = _sent(session, sorted(board_ids_by_alert))
        board_ids_by_alert = {
            a: {b for b in boards if (a, b) in sent} for a, boards in board_ids_by_alert.items()
        }
    board_ids_by_alert = {a: boards for a, boards in board_ids_by_alert.items() if boards}
    if not board_ids_by_alert:
        return 0
    every = sorted(set().union(*board_ids_by_alert.values()))
    paths = {board_id: path for board_id, _code, path in _paths(session, every)}
    messages = []
    for alert_id in sorted(board_ids_by_alert):
        rooms = sorted(
            {r for b in board_ids_by_alert[alert_id] for r in path_rooms(paths.get(b, ""))}
        )
        if rooms:
            messages.append(("alert_progress", {"alert": alert_id}, rooms))
    _after_commit(session, messages, emit or console_emitter())
    return len(messages)


def announce_screenshot(session: Session, board: Board, emit: ConsoleEmit | None = None) -> None:
    """After commit, `board_screenshot` {board} to the rooms of the board's areas."""
    message = ("board_screenshot", {"board": board.code}, path_rooms(board.area.path))
    _after_commit(session, [message], emit or console_emitter())


def announce(session: Session, pending: Pending, emit: ConsoleEmit | None = None) -> int:
    """After commit, emit `board_status` for each board the flush connected or disconnected;
    the number of boards announced."""
    statuses = changes(pending)
    if not statuses:
        return 0
    messages = [
        ("board_status", {"board": code, "status": statuses[board_id]}, path_rooms(path))
        for board_id, code, path in _paths(session, sorted(statuses))
    ]
    _after_commit(session, messages, emit or console_emitter())
    return len(messages)
