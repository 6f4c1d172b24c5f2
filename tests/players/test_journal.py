"""Proof of play: nothing lost across a crash, deleted only after its ack, resent oldest first."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from signage_player.journal import MAX_RECORDS, Journal, Outbox
from signage_player.link import Link
from signage_player.player import Player
from tests.players.conftest import T0


def journal(tmp_path: Path) -> Journal:
    ticks = iter(range(10**6))
    return Journal(tmp_path / "journal", clock=lambda: T0 + timedelta(seconds=next(ticks)))


def test_records_go_into_a_batch_that_leaves_only_on_its_ack(tmp_path: Path) -> None:
    j = journal(tmp_path)
    j.append(17, 42, T0, 15.0)
    j.append(18, 43, T0 + timedelta(seconds=15), 15.0)
    batch_id = j.seal()
    assert batch_id is not None
    [batch] = j.pending()
    assert batch.payload() == {
        "batch_id": batch_id,
        "records": [
            {"item_id": 17, "revision_id": 42, "start": "2026-01-01T01:00:00Z", "duration_s": 15.0},
            {"item_id": 18, "revision_id": 43, "start": "2026-01-01T01:00:15Z", "duration_s": 15.0},
        ],
    }
    assert j.seal() is None  # nothing new
    assert j.ack(batch_id) is True
    assert j.pending() == []


def test_a_replayed_or_bogus_ack_is_harmless(tmp_path: Path) -> None:
    j = journal(tmp_path)
    j.append(1, 1, T0, 1.0)
    first = j.seal()
    j.append(2, 2, T0, 1.0)
    second = j.seal()
    assert j.ack(first) is True
    assert j.ack(first) is False  # the same ack again
    for bogus in (None, 7, "", "../open", "x" * 200, {"batch_id": second}):
        assert j.ack(bogus) is False
    assert [b.batch_id for b in j.pending()] == [second]


def test_nothing_is_lost_across_a_crash(tmp_path: Path) -> None:
    j = journal(tmp_path)
    j.append(1, 1, T0, 5.0)
    sealed = j.seal()  # sent, but the ack never came
    j.append(2, 2, T0, 5.0)
    j.append(3, 3, T0, 5.0)
    with open(j.open_path, "a", encoding="utf-8") as f:
        f.write('{"item_id": 4, "revisi')  # the power went off mid-write
    again = journal(tmp_path)  # the player starts again
    assert again.open_count == 2
    again.append(5, 5, T0, 5.0)  # the torn line does not swallow this one
    second = again.seal()
    pending = again.pending()
    assert [b.batch_id for b in pending] == [sealed, second]  # oldest first
    assert [r["item_id"] for r in pending[1].records] == [2, 3, 5]


def test_batch_ids_are_unique_sortable_and_protocol_safe(tmp_path: Path) -> None:
    j = Journal(tmp_path / "j", clock=lambda: T0)  # a frozen clock: the counter separates them
    ids = []
    for i in range(50):
        j.append(i + 1, 1, T0, 1.0)
        ids.append(j.seal())
    assert len(set(ids)) == 50 and ids == sorted(ids)
    assert all(len(i) <= 64 and i.replace(".", "").replace("-", "").isalnum() for i in ids)


def test_a_full_journal_seals_itself(tmp_path: Path) -> None:
    j = journal(tmp_path)
    for i in range(MAX_RECORDS + 1):
        j.append(i + 1, 1, T0, 1.0)
    assert [len(b.records) for b in j.pending()] == [MAX_RECORDS]
    assert j.open_count == 1


def test_outbox_keeps_messages_across_restarts(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "receipts.json")
    box.add("alert_receipt", {"id": 1, "version": 1, "status": "displayed"})
    again = Outbox(tmp_path / "receipts.json")
    assert again.take() == [("alert_receipt", {"id": 1, "version": 1, "status": "displayed"})]
    assert Outbox(tmp_path / "receipts.json").take() == []
    (tmp_path / "receipts.json").write_text("{garbage", encoding="utf-8")
    assert Outbox(tmp_path / "receipts.json").take() == []


class FakeSio:
    """Records emits; the test answers callbacks itself."""

    def __init__(self) -> None:
        self.connected = True
        self.sent: list[tuple[str, Any, Any]] = []

    def emit(self, event: str, data: Any, namespace: str, callback: Any = None) -> None:
        self.sent.append((event, data, callback))


def test_link_resends_unacked_batches_after_a_reconnect_and_drops_refused_ones(config) -> None:
    player = Player(config)
    link = Link(player, threading.Event())
    for i in range(3):
        player.journal.append(i + 1, 1, T0, 1.0)
        player.journal.seal()
    first_ids = [b.batch_id for b in player.journal.pending()]

    link.sio = FakeSio()  # type: ignore[assignment]
    link.send_batches()
    link.send_batches()  # in flight: not sent twice on one connection
    sent = link.sio.sent  # type: ignore[union-attr]
    assert [d["batch_id"] for _, d, _ in sent] == first_ids
    sent[0][2]({"batch_id": first_ids[0], "duplicate": False})  # acknowledged
    sent[1][2]()  # answered without an ack: refused, dropped

    link.sio, link.inflight = FakeSio(), set()  # type: ignore[assignment]  # a reconnect
    link.send_batches()
    assert [d["batch_id"] for _, d, _ in link.sio.sent] == [first_ids[2]]  # type: ignore[union-attr]
    link.on_ack({"batch_id": first_ids[2], "duplicate": True})
    link.on_ack({"batch_id": first_ids[2]})  # replayed ack
    assert player.journal.pending() == []
