"""Proof of play: nothing lost across a crash, deleted only after its ack, resent oldest first."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from signage_player import manifest as mf
from signage_player.journal import MAX_RECORDS, Journal, Outbox, board_dir
from signage_player.link import Link
from signage_player.player import Player
from tests.players.conftest import T0, FakeClock, document, entry, png, segment, sha


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


def state(board: str) -> dict[str, Any]:
    """The `state` message naming the connection's board."""
    return {"board": {"code": board, "name": f"Bảng {board}"}, "profile": "led-192x96-mono"}


def test_link_resends_unacked_batches_after_a_reconnect_and_drops_refused_ones(config) -> None:
    player = Player(config)
    link = Link(player, threading.Event())
    link.on_state(state("HK-1"))
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


def test_after_a_re_pair_the_old_boards_batches_are_not_sent_under_the_new_board(config) -> None:
    red = png((255, 0, 0))
    fake = FakeClock()
    player = Player(config, clock=mf.Clock(fake.mono, fake.wall))
    player.set_mode("playing")
    player.cache.put(sha(red), red)
    seg = segment(T0, T0 + timedelta(hours=1), "programme", [entry(1, red, 600)])
    player.activate(mf.parse(document([seg]), "v1"))
    link = Link(player, threading.Event())
    link.sio = FakeSio()  # type: ignore[assignment]
    link.on_state(state("HK-1"))
    player.journal.append(9, 90, T0 - timedelta(minutes=5), 30.0)
    player.journal.seal()
    for _ in range(3):  # entry 1 is on screen under HK-1 until the re-pair, 3 s in
        player.frame(lambda key, image: None)
        fake.advance(1.0)
    old_ids = [b.batch_id for b in player.journal.pending()]

    # Re-paired to BD-2: a new connection, whose first sends come before its `state`.
    link.sio, link.inflight, link.confirmed_board = FakeSio(), set(), None  # type: ignore[assignment]
    link.send_batches()
    assert link.sio.sent == []  # type: ignore[union-attr]
    link.on_state(state("BD-2"))
    player.journal.seal()
    link.send_batches()
    assert link.sio.sent == []  # type: ignore[union-attr]  # nothing of HK-1 under BD-2
    player.frame(lambda key, image: None)
    fake.advance(3.0)
    player.restart_playback()  # closes the play that began under BD-2
    player.journal.seal()
    link.send_batches()
    [(event, payload, _)] = link.sio.sent  # type: ignore[union-attr]
    assert event == "proof_of_play" and payload["batch_id"] not in old_ids
    assert [(r["item_id"], r["duration_s"]) for r in payload["records"]] == [(1, 3.0)]

    # HK-1's plays, the one cut by the re-pair included, wait in HK-1's journal.
    link.sio, link.inflight, link.confirmed_board = FakeSio(), set(), None  # type: ignore[assignment]
    link.on_state(state("HK-1"))
    link.send_batches()
    sent = link.sio.sent  # type: ignore[union-attr]
    records = [(r["item_id"], r["duration_s"]) for _, d, _ in sent for r in d["records"]]
    assert records == [(9, 30.0), (1, 3.0)]
    assert not {d["batch_id"] for _, d, _ in sent} & {payload["batch_id"]}


def test_an_unkeyed_journal_goes_to_the_remembered_board_or_is_dropped(config, caplog) -> None:
    legacy = Journal(config.cache_dir / "journal")  # the layout before journals were per board
    legacy.append(5, 50, T0, 12.0)
    legacy.seal()
    legacy.append(6, 60, T0, 8.0)  # still open
    (config.cache_dir / "board.json").write_text('{"code": "HK-1"}', encoding="utf-8")
    player = Player(config)
    assert player.journal.board == "HK-1"
    assert [r["item_id"] for b in player.journal.pending() for r in b.records] == [5, 6]
    assert Journal(config.cache_dir / "journal").pending() == []

    (config.cache_dir / "board.json").unlink()
    orphan = Journal(config.cache_dir / "journal")
    orphan.append(7, 70, T0, 4.0)
    player = Player(config)  # no remembered board: whose plays these were is unknown
    link = Link(player, threading.Event())
    link.sio = FakeSio()  # type: ignore[assignment]
    with caplog.at_level("WARNING"):
        link.on_state(state("BD-2"))
    assert "1 batches (1 records) dropped" in caplog.text
    link.send_batches()
    assert link.sio.sent == []  # type: ignore[union-attr]
    assert Journal(config.cache_dir / "journal").pending() == []


@pytest.mark.parametrize("code", ["../../etc", ".", "..", "a/b", "x" * 64 + "y", "Bảng 1", "-x"])
def test_a_hostile_board_code_keeps_its_journal_inside_the_cache(config, code) -> None:
    player = Player(config)
    player.remember_board(code, "x", "led-192x96-mono")
    player.journal.append(1, 1, T0, 1.0)
    player.journal.seal()
    root = (config.cache_dir / "journal" / "boards").resolve()
    assert player.journal.root.resolve().parent == root
    assert board_dir(code).startswith("=") or board_dir(code) == code
    assert len(player.journal.pending()) == 1
