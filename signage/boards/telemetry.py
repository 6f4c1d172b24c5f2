"""Player telemetry: heartbeats buffered in memory and flushed in batches; proof of play.

Heartbeats never touch the database one by one: `StatusBuffer` keeps the latest report of
each board and `flush` writes them all with one executemany UPDATE (SQLite blocks the gevent
loop during queries, so per-heartbeat writes would stall every player).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signage.boards.models import Board, BoardStatus, PlayBatch, PlayRecord

ONLINE_WITHIN = timedelta(seconds=120)  # three missed 30 s heartbeats, plus the flush delay


@dataclass(frozen=True)
class Heartbeat:
    """One player report."""

    at: datetime
    manifest_version: str
    player_version: str
    current_item: int | None
    free_disk: int | None
    uptime: int | None


class StatusBuffer:
    """The latest heartbeat of each board in this process, until the next flush."""

    def __init__(self, interval: float = 15.0) -> None:
        self.interval = interval
        self._latest: dict[int, Heartbeat] = {}
        self._lock = threading.Lock()
        self.last_flush: datetime | None = None

    def add(self, board_id: int, beat: Heartbeat) -> None:
        """Keep this report (replacing the board's previous one)."""
        with self._lock:
            self._latest[board_id] = beat

    def pending(self) -> int:
        """How many boards wait to be flushed."""
        return len(self._latest)

    def due(self, now: datetime) -> bool:
        """True when the last flush is at least `interval` seconds old (the clock starts now)."""
        if self.last_flush is None:
            self.last_flush = now
        return (now - self.last_flush).total_seconds() >= self.interval

    def take(self) -> dict[int, Heartbeat]:
        """Remove and return every pending report (give them back with `restore` on failure)."""
        with self._lock:
            batch, self._latest = self._latest, {}
        return batch

    def restore(self, batch: dict[int, Heartbeat]) -> None:
        """Put back reports whose write failed; a newer report of the same board wins."""
        with self._lock:
            for board_id, beat in batch.items():
                newer = self._latest.get(board_id)
                if newer is None or newer.at < beat.at:
                    self._latest[board_id] = beat

    def flush(self, session: Session, *, now: datetime) -> int:
        """Write every pending report with one batched UPDATE; the number of boards written.

        If the write (or the caller's commit) fails, the caller restores the batch.
        """
        batch = self.take()
        self.last_flush = now
        return self.write(session, batch)

    def write(self, session: Session, batch: dict[int, Heartbeat]) -> int:
        """One executemany UPDATE for these reports."""
        if not batch:
            return 0
        rows = [
            {
                "b_id": board_id,
                "last_seen": beat.at,
                "manifest_version": beat.manifest_version,
                "player_version": beat.player_version,
                "current_item": beat.current_item,
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
        return len(rows)


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


def mark_connected(
    session: Session, board: Board, *, now: datetime, manifest_version: str, player_version: str
) -> BoardStatus:
    """Record a (re)connection: seen now, with what the player reported in its auth."""
    row = status_of(session, board)
    row.connected_at = row.last_seen = now
    row.manifest_version, row.player_version = manifest_version, player_version
    return row


def is_online(row: BoardStatus | None, now: datetime) -> bool:
    """True if the player reported within ONLINE_WITHIN."""
    return bool(row and row.last_seen and now - row.last_seen <= ONLINE_WITHIN)


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
