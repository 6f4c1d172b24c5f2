"""Connection sessions: one row per stretch of time a board was connected (uptime's source).

Written by the player status flush (signage.players.telemetry), a few batched statements per
500 boards and never per heartbeat; closed at the board's last socket's disconnect, or by
`close_stale` (job `boards.sessions.sweep`, also run when the scheduler starts) for boards whose
process died without saying so.

Merging: a board that comes back within OFFLINE_GRACE of its disconnect continues its session
(a server restart or a network blip is not an outage, and the board list, which calls such a
board online, agrees with its uptime); a longer gap is an outage between two sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from signage.boards.models import Board, BoardSession, BoardStatus
from signage.boards.presence import OFFLINE_GRACE, ONLINE_WITHIN, is_online

CHUNK = 500


@dataclass
class _Latest:
    """A board's latest session as the batch changes it (id None: new, not yet inserted)."""

    id: int | None
    started_at: datetime
    ended_at: datetime | None
    stored_end: datetime | None = None
    was_open_before: bool = False
    changed: bool = False


@dataclass
class _Writes:
    inserts: list[dict[str, Any]] = field(default_factory=list)
    ends: list[dict[str, Any]] = field(default_factory=list)


def _last_sign(latest: _Latest, status: BoardStatus | None) -> datetime:
    """When a board whose process died was last heard of (never before its session began)."""
    seen = [
        t
        for t in ((status.last_seen, status.disconnected_at) if status else ())
        if t is not None and t >= latest.started_at
    ]
    return max(seen, default=latest.started_at)


def _apply(
    latest: _Latest | None,
    status: BoardStatus | None,
    events: list[tuple[datetime, int, str]],
    board_id: int,
    writes: _Writes,
) -> None:
    """Play one board's connects, disconnects and heartbeats, in time order, on its sessions."""
    heard: datetime | None = None  # a report of this batch, newer than the status row
    for at, _order, kind in sorted(events):
        if kind == "connect":
            if latest is not None and latest.ended_at is None:
                alive = is_online(status, at) or (heard is not None and at - heard <= ONLINE_WITHIN)
                if latest.was_open_before and not alive:
                    # The process holding the socket died: the board was away since its last sign.
                    latest.ended_at, latest.changed = _last_sign(latest, status), True
                    _flush_one(latest, board_id, writes)
                    latest = _Latest(None, at, None)
                continue  # another socket of a connected board, or a reconnect merged
            if latest is not None and at - latest.ended_at <= OFFLINE_GRACE:  # type: ignore[operator]
                latest.ended_at, latest.changed = None, True  # back within the grace time
                continue
            if latest is not None:
                _flush_one(latest, board_id, writes)
            latest = _Latest(None, at, None)
        elif kind == "disconnect":
            if latest is not None and latest.ended_at is None and latest.started_at <= at:
                latest.ended_at, latest.changed = at, True
        else:  # a heartbeat
            heard = at
            if latest is None:  # from a board without any session (e.g. just after an upgrade)
                latest = _Latest(None, at, None)
            elif latest.ended_at is not None and at > latest.ended_at:
                # Its socket on another process never closed: the board was not away.
                latest.ended_at, latest.changed = None, True
    if latest is not None:
        _flush_one(latest, board_id, writes)


def _flush_one(latest: _Latest, board_id: int, writes: _Writes) -> None:
    if latest.id is None:
        writes.inserts.append(
            {"board_id": board_id, "started_at": latest.started_at, "ended_at": latest.ended_at}
        )
    elif latest.changed and latest.ended_at != latest.stored_end:
        writes.ends.append({"s_id": latest.id, "end": latest.ended_at})


def _latest_sessions(session: Session, board_ids: list[int]) -> dict[int, _Latest]:
    newest = (
        select(BoardSession.board_id, func.max(BoardSession.started_at).label("began"))
        .where(BoardSession.board_id.in_(board_ids))
        .group_by(BoardSession.board_id)
        .subquery()
    )
    rows = session.execute(
        select(
            BoardSession.id, BoardSession.board_id, BoardSession.started_at, BoardSession.ended_at
        )
        .join(
            newest,
            (BoardSession.board_id == newest.c.board_id)
            & (BoardSession.started_at == newest.c.began),
        )
        .order_by(BoardSession.id)
    )
    found: dict[int, _Latest] = {}
    for sid, board_id, began, ended in rows:
        found[board_id] = _Latest(sid, began, ended, ended, was_open_before=ended is None)
    return found


def record(
    session: Session,
    *,
    connections: dict[int, datetime],
    disconnections: dict[int, datetime],
    heartbeats: dict[int, datetime],
) -> int:
    """Open, continue and close the sessions of these boards from one status flush (run before
    the status rows are updated: a connect reads the status as it was). Sessions written."""
    ids = sorted(connections.keys() | disconnections.keys() | heartbeats.keys())
    written = 0
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        latest = _latest_sessions(session, chunk)
        # Boards deleted since their player connected are skipped (their rows went with them).
        statuses: dict[int, BoardStatus | None] = {
            board_id: status
            for board_id, status in session.execute(
                select(Board.id, BoardStatus)
                .outerjoin(BoardStatus, BoardStatus.board_id == Board.id)
                .where(Board.id.in_(chunk))
            )
        }
        writes = _Writes()
        for board_id in chunk:
            if board_id not in statuses:
                continue
            events: list[tuple[datetime, int, str]] = []
            # At the same instant: a disconnect, then a connect, then a heartbeat.
            if board_id in disconnections:
                events.append((disconnections[board_id], 0, "disconnect"))
            if board_id in connections:
                events.append((connections[board_id], 1, "connect"))
            if board_id in heartbeats:
                events.append((heartbeats[board_id], 2, "beat"))
            _apply(latest.get(board_id), statuses.get(board_id), events, board_id, writes)
        written += _write(session, writes)
    return written


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Two processes may open the same board's session at once: one open row per board wins.
    return insert(BoardSession.__table__).on_conflict_do_nothing()


def _write(session: Session, writes: _Writes) -> int:
    conn = session.connection()
    if writes.ends:
        table = BoardSession.__table__
        stmt = (
            update(table).where(table.c.id == bindparam("s_id")).values(ended_at=bindparam("end"))
        )
        # Closes first: a board's new open row must not meet its previous one still open.
        closing = [w for w in writes.ends if w["end"] is not None]
        opening = [w for w in writes.ends if w["end"] is None]
        for rows in (closing, opening):
            if rows:
                conn.execute(stmt, rows)
    if writes.inserts:
        conn.execute(_insert(session), writes.inserts)
    return len(writes.ends) + len(writes.inserts)


def close_stale(session: Session, *, now: datetime) -> int:
    """Close the open sessions of boards that are no longer online (their process died without
    closing them) at the board's last sign of life; how many were closed."""
    rows = session.execute(
        select(BoardSession, BoardStatus)
        .outerjoin(BoardStatus, BoardStatus.board_id == BoardSession.board_id)
        .where(BoardSession.ended_at.is_(None))
    ).all()
    closed = 0
    for row, status in rows:
        if is_online(status, now):
            continue
        latest = _Latest(row.id, row.started_at, None)
        row.ended_at = min(_last_sign(latest, status), now)
        closed += 1
    return closed
