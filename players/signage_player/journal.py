"""Proof of play on disk: records appended to a journal, sealed into batches, deleted on `ack`.

    journal/boards/<board>/open.jsonl                 records not yet in a batch (JSON lines)
    journal/boards/<board>/batches/<batch_id>.jsonl   sealed batches waiting for their ack

Each board the player has been paired with keeps its own journal: after a re-pair to another
board, the old board's batches stay apart and are sent only on a connection that the server
confirmed (in `state`) as that board, never under the new board's token. A journal written
before boards were kept apart (journal/open.jsonl, journal/batches/) belongs to the board the
player remembers and moves there; without a remembered board it is dropped with a log line.

Sealing is one rename of open.jsonl, so a record is in exactly one place at every instant: a
crash loses nothing and never duplicates a record. A torn last line (crash mid-append) is
skipped when read. Batch ids sort by creation time, so "oldest first" is a sort by name.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from signage_player.cache import atomic_write, fsync_dir

log = logging.getLogger(__name__)
MAX_RECORDS = 400  # the server takes 500 and 64 KB a message; 400 records stay well under both
BATCH_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
BOARD_DIR = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class Batch:
    """A sealed batch as sent: its id and its records."""

    batch_id: str
    records: list[dict[str, Any]]

    def payload(self) -> dict[str, Any]:
        """The `proof_of_play` message."""
        return {"batch_id": self.batch_id, "records": self.records}


def _lines(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn line from a crash mid-append
        if isinstance(record, dict):
            out.append(record)
    return out


class Journal:
    """Proof-of-play records and batches under `root`."""

    def __init__(
        self, root: Path, clock: Callable[[], datetime] | None = None, *, board: str = ""
    ) -> None:
        self.root = Path(root)
        self.board = board  # the board whose plays these are ("" when not known)
        self.batches = self.root / "batches"
        self.batches.mkdir(parents=True, exist_ok=True)
        self.open_path = self.root / "open.jsonl"
        self.clock = clock or (lambda: datetime.now(UTC))
        self.counter = 0
        self.open_count = len(_lines(self.open_path))

    def append(
        self,
        item: int,
        revision: int,
        start: datetime,
        duration_s: float,
        *,
        source: str | None = None,
    ) -> None:
        """Add one record durably; seal a batch when it is full. `source` marks a play no
        schedule asked for (fallback_playlist, last_programme)."""
        record: dict[str, Any] = {
            "item_id": item,
            "revision_id": revision,
            "start": start.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "duration_s": round(min(max(duration_s, 0.0), 86_400.0), 3),
        }
        if source:
            record["source"] = source
        with open(self.open_path, "a", encoding="utf-8") as f:
            if f.tell() and not self._ends_with_newline():
                f.write("\n")  # a torn line must not swallow the next record
            f.write(json.dumps(record, separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.open_count += 1
        if self.open_count >= MAX_RECORDS:
            self.seal()

    def _ends_with_newline(self) -> bool:
        with open(self.open_path, "rb") as f:
            f.seek(-1, os.SEEK_END)
            return f.read(1) == b"\n"

    def new_batch_id(self) -> str:
        """A time stamp plus a counter: unique, and sorts by creation."""
        self.counter = (self.counter + 1) % 10_000
        stamp = self.clock().astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        return f"{stamp}-{self.counter:04d}"

    def seal(self) -> str | None:
        """Move the open records into a new batch; its id (None when there was nothing)."""
        if not _lines(self.open_path):
            self.open_path.unlink(missing_ok=True)
            self.open_count = 0
            return None
        batch_id = self.new_batch_id()
        while (self.batches / f"{batch_id}.jsonl").exists():
            batch_id = self.new_batch_id()
        os.replace(self.open_path, self.batches / f"{batch_id}.jsonl")
        fsync_dir(self.batches)
        fsync_dir(self.root)
        self.open_count = 0
        return batch_id

    def pending(self) -> list[Batch]:
        """Sealed batches not yet acknowledged, oldest first (records beyond the limit split)."""
        out = []
        for path in sorted(self.batches.glob("*.jsonl")):
            if not BATCH_ID.match(path.stem):
                continue
            records = _lines(path)
            if not records:
                path.unlink(missing_ok=True)
                continue
            out.append(Batch(path.stem, records[:500]))
        return out

    def ack(self, batch_id: Any) -> bool:
        """Forget an acknowledged batch; False for an unknown or replayed ack (harmless)."""
        if not isinstance(batch_id, str) or not BATCH_ID.match(batch_id):
            return False
        path = self.batches / f"{batch_id}.jsonl"
        if not path.exists():
            return False
        path.unlink(missing_ok=True)
        fsync_dir(self.batches)
        return True

    def drop(self, batch_id: str, reason: str) -> None:
        """Give up a batch the server refused (it would fail again)."""
        log.error("proof-of-play batch %s refused by the server (%s); dropped", batch_id, reason)
        self.ack(batch_id)


def board_dir(code: str) -> str:
    """A directory name for a board code: the code itself when it is a safe name, else a hash."""
    if BOARD_DIR.match(code) and code not in (".", ".."):
        return code
    return "=" + hashlib.sha256(code.encode()).hexdigest()[:32]


def for_board(root: Path, board: str, clock: Callable[[], datetime] | None = None) -> Journal:
    """The journal of `board` under root/boards/; the unkeyed journal in `root` when unknown.

    An unkeyed journal left in `root` (written before journals were kept per board) moves into
    the known board's journal: it was written under that board's token.
    """
    root = Path(root)
    if not board:
        return Journal(root, clock)
    journal = Journal(root / "boards" / board_dir(board), clock, board=board)
    legacy = Journal(root, clock)
    if legacy.seal() is not None or legacy.pending():
        moved = 0
        for path in sorted(legacy.batches.glob("*.jsonl")):
            os.replace(path, journal.batches / path.name)
            moved += 1
        fsync_dir(journal.batches)
        fsync_dir(legacy.batches)
        log.info("proof of play: %d unkeyed batches adopted by board %s", moved, board)
    return journal


def discard(journal: Journal, reason: str) -> int:
    """Seal and delete every batch of a journal (plays that may not be sent); how many."""
    journal.seal()
    batches = journal.pending()
    for batch in batches:
        (journal.batches / f"{batch.batch_id}.jsonl").unlink(missing_ok=True)
    if batches:
        records = sum(len(b.records) for b in batches)
        log.warning(
            "proof of play: %d batches (%d records) dropped: %s", len(batches), records, reason
        )
    return len(batches)


class Outbox:
    """Messages to send once connected (alert receipts), kept on disk until sent."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.items: list[list[Any]] = [
                m for m in data if isinstance(m, list) and len(m) == 2 and isinstance(m[0], str)
            ]
        except (OSError, ValueError, TypeError):
            self.items = []

    def add(self, event: str, payload: dict[str, Any]) -> None:
        """Queue a message durably."""
        self.items.append([event, payload])
        self._save()

    def take(self) -> list[tuple[str, dict[str, Any]]]:
        """Every queued message, oldest first; the queue is emptied."""
        items, self.items = self.items, []
        if items:
            self._save()
        return [(e, p) for e, p in items]

    def _save(self) -> None:
        atomic_write(self.path, json.dumps(self.items).encode())
