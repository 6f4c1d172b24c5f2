"""Player telemetry: heartbeats buffered in memory and flushed in batches; proof of play.

Heartbeats and connections never touch the database one by one: `StatusBuffer` keeps the
latest report and the latest connection of each board, and `flush` writes them with a few batched
statements (SQLite blocks the gevent loop during queries, so per-heartbeat writes would stall
every player; a write per connection was most of a player's connect cost, which matters when
thousands of players reconnect after a restart).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signage.boards.models import Board, BoardStatus, PlayBatch, PlayRecord
from signage.boards.sessions import record as record_sessions

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Heartbeat:
    """One player report."""

    at: datetime
    manifest_version: str
    player_version: str
    current_item: int | None
    free_disk: int | None
    uptime: int | None


@dataclass(frozen=True)
class Connection:
    """A player (re)connected, with what it reported in its auth."""

    at: datetime
    manifest_version: str
    player_version: str


@dataclass
class Pending:
    """What one flush writes: the latest connection and heartbeat of each board."""

    connections: dict[int, Connection]
    heartbeats: dict[int, Heartbeat]
    disconnections: dict[int, datetime] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.connections.keys() | self.heartbeats.keys() | self.disconnections.keys())


class StatusBuffer:
    """The latest heartbeat and connection of each board in this process, until the next flush.

    Heartbeats are written every `interval` seconds; connections at every flush, which the
    server's background loop runs each second (so "connected at" lags by about a second).
    """

    def __init__(self, interval: float = 15.0) -> None:
        self.interval = interval
        self._latest: dict[int, Heartbeat] = {}
        self._connected: dict[int, Connection] = {}
        self._disconnected: dict[int, datetime] = {}
        self._lock = threading.Lock()
        self.last_flush: datetime | None = None

    def add(self, board_id: int, beat: Heartbeat) -> None:
        """Keep this report (replacing the board's previous one)."""
        with self._lock:
            self._latest[board_id] = beat

    def connected(self, board_id: int, conn: Connection) -> None:
        """Keep this connection; it is newer than a pending heartbeat of the board."""
        with self._lock:
            self._connected[board_id] = conn
            beat = self._latest.get(board_id)
            if beat is not None:  # written after the connection: must not undo what it says
                self._latest[board_id] = replace(
                    beat,
                    at=conn.at,
                    manifest_version=conn.manifest_version,
                    player_version=conn.player_version,
                )

    def disconnected(self, board_id: int, at: datetime) -> None:
        """The board's last socket on this process closed at `at`."""
        with self._lock:
            self._disconnected[board_id] = at

    def pending(self) -> int:
        """How many boards wait to be flushed."""
        with self._lock:
            return len(self._latest.keys() | self._connected.keys() | self._disconnected.keys())

    def pending_connections(self) -> int:
        """How many connections and disconnections wait to be flushed."""
        return len(self._connected) + len(self._disconnected)

    def due(self, now: datetime) -> bool:
        """True when the last flush is at least `interval` seconds old (the clock starts now)."""
        if self.last_flush is None:
            self.last_flush = now
        return (now - self.last_flush).total_seconds() >= self.interval

    def take(self, *, heartbeats: bool = True) -> Pending:
        """Remove and return what is pending (give it back with `restore` if the write fails)."""
        with self._lock:
            connections, self._connected = self._connected, {}
            gone, self._disconnected = self._disconnected, {}
            batch: dict[int, Heartbeat] = {}
            if heartbeats:
                batch, self._latest = self._latest, {}
        return Pending(connections, batch, gone)

    def restore(self, pending: Pending) -> None:
        """Put back what a failed flush took; anything newer that arrived meanwhile wins."""
        with self._lock:
            for board_id, conn in pending.connections.items():
                newer = self._connected.get(board_id)
                if newer is None or newer.at < conn.at:
                    self._connected[board_id] = conn
            for board_id, beat in pending.heartbeats.items():
                newer_beat = self._latest.get(board_id)
                if newer_beat is None or newer_beat.at < beat.at:
                    self._latest[board_id] = beat
            for board_id, at in pending.disconnections.items():
                self._disconnected[board_id] = max(at, self._disconnected.get(board_id, at))

    def write(self, session: Session, pending: Pending) -> int:
        """Connections: one INSERT of the missing status rows per 500 boards, then one batched
        UPDATE; heartbeats: one batched UPDATE. The number of boards written.

        Connection sessions first (boards.sessions reads the status as it was before)."""
        record_sessions(
            session,
            connections={b: c.at for b, c in pending.connections.items()},
            disconnections=pending.disconnections,
            heartbeats={b: beat.at for b, beat in pending.heartbeats.items()},
        )
        if pending.connections:
            _write_connections(session, pending.connections)
        if pending.heartbeats:
            _write_heartbeats(session, pending.heartbeats)
        if pending.disconnections:
            table = BoardStatus.__table__
            stmt = (
                update(table)
                .where(table.c.board_id == bindparam("b_id"))
                .values(disconnected_at=bindparam("at"))
            )
            rows = [{"b_id": b, "at": at} for b, at in sorted(pending.disconnections.items())]
            session.connection().execute(stmt, rows)
        return len(pending)


def _write_connections(session: Session, connections: dict[int, Connection]) -> None:
    table = BoardStatus.__table__
    ids = sorted(connections)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        # Only boards that still exist and have no row; another process may insert the same
        # row at the same moment, hence ON CONFLICT.
        missing = select(Board.id, literal(""), literal("")).where(
            Board.id.in_(chunk), ~exists().where(table.c.board_id == Board.id)
        )
        ins = insert(table).from_select(["board_id", "manifest_version", "player_version"], missing)
        session.connection().execute(ins.on_conflict_do_nothing(index_elements=["board_id"]))
    stmt = (
        update(table)
        .where(table.c.board_id == bindparam("b_id"))
        .values(
            connected_at=bindparam("at"),
            last_seen=bindparam("at"),
            manifest_version=bindparam("manifest_version"),
            player_version=bindparam("player_version"),
        )
    )
    rows = [
        {
            "b_id": board_id,
            "at": c.at,
            "manifest_version": c.manifest_version,
            "player_version": c.player_version,
        }
        for board_id, c in sorted(connections.items())
    ]
    session.connection().execute(stmt, rows)


def _current_items(session: Session, batch: dict[int, Heartbeat]) -> dict[int, int | None]:
    """Each board's reported current item, if its manifest plays it; otherwise None (logged).

    A player could otherwise make the console show any item's headline as "now playing"."""
    from signage.players.access import manifest_items

    claimed = {b: beat.current_item for b, beat in batch.items() if beat.current_item is not None}
    playing = manifest_items(session, list(claimed)) if claimed else {}
    accepted: dict[int, int | None] = {}
    for board_id, item in claimed.items():
        if item in playing.get(board_id, frozenset()):
            accepted[board_id] = item
        else:
            log.info("board %s reported current_item %s, not in its manifest", board_id, item)
    return accepted


def _write_heartbeats(session: Session, batch: dict[int, Heartbeat]) -> None:
    current = _current_items(session, batch)
    rows = [
        {
            "b_id": board_id,
            "last_seen": beat.at,
            "manifest_version": beat.manifest_version,
            "player_version": beat.player_version,
            "current_item": current.get(board_id),
            "free_disk": beat.free_disk,
            "uptime": beat.uptime,
        }
        for board_id, beat in sorted(batch.items())
    ]
    table = BoardStatus.__table__
    stmt = (
        update(table)
        .where(table.c.board_id == bindparam("b_id"))
        .values(
            last_seen=bindparam("last_seen"),
            manifest_version=bindparam("manifest_version"),
            player_version=bindparam("player_version"),
            current_item=bindparam("current_item"),
            free_disk=bindparam("free_disk"),
            uptime=bindparam("uptime"),
        )
    )
    session.connection().execute(stmt, rows)


def status_of(session: Session, board: Board) -> BoardStatus:
    """The board's status row, created if missing."""
    row = session.get(BoardStatus, board.id)
    if row is None:
        row = BoardStatus(board_id=board.id, manifest_version="", player_version="")
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # created concurrently by another connection of this board
            row = session.get(BoardStatus, board.id)
            assert row is not None
    return row


def record_plays(
    session: Session, board: Board, batch_id: str, records: list[dict[str, Any]], *, now: datetime
) -> bool:
    """Store a proof-of-play batch once; False if this board already sent this batch id."""
    exists = select(PlayBatch.id).where(
        PlayBatch.board_id == board.id, PlayBatch.batch_id == batch_id
    )
    if session.scalar(exists) is not None:
        return False
    batch = PlayBatch(board_id=board.id, batch_id=batch_id, received_at=now, records=len(records))
    try:
        with session.begin_nested():
            session.add(batch)
    except IntegrityError:  # the same batch arrived twice at once (reconnect race)
        return False
    if records:
        session.execute(
            PlayRecord.__table__.insert(),
            [{"batch_id": batch.id, "board_id": board.id, **r} for r in records],
        )
    return True


def store_command_result(
    session: Session, board: Board, command_id: str, ok: bool, detail: str, *, now: datetime
) -> None:
    """Keep the last command result the player reported."""
    row = status_of(session, board)
    row.last_command = {"id": command_id, "ok": ok, "detail": detail, "at": now.isoformat()}
