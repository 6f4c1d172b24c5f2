"""Events from players: heartbeats (batched), proof of play (idempotent), malformed messages."""

from __future__ import annotations

import pytest
from sqlalchemy import event, func, select

from signage.boards.models import BoardStatus, PlayBatch, PlayRecord
from signage.players.namespace import flush_status, status_buffer
from tests.players_server.conftest import auth, events, plays
from tests.schedules.conftest import make_board


def beat(**overrides) -> dict:
    data = {
        "current_item": 7,
        "manifest_version": "abc",
        "player_version": "1.2.3",
        "free_disk": 10_000_000_000,
        "uptime": 3600,
    }
    return {**data, **overrides}


def test_heartbeats_are_written_in_one_batched_statement(app, connect, session, tree, token, board):
    from signage.audit.services import SYSTEM
    from signage.clock import system_clock
    from signage.db import db
    from signage.players.tokens import issue_token

    other = make_board(session, "HK-2", tree["hk"])
    other_token = issue_token(session, SYSTEM, other, now=system_clock())
    session.flush()
    status_buffer().interval = 3600
    one, two = connect(auth(token)), connect(auth(other_token))
    plays(session, board, 7)
    for n in range(5):
        one.emit("heartbeat", beat(uptime=n), namespace="/player")
        two.emit("heartbeat", beat(current_item=None, uptime=100 + n), namespace="/player")
    assert status_buffer().pending() == 2
    session.expire_all()
    assert session.get(BoardStatus, board.id).uptime is None  # nothing written yet

    statements = []

    def count(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE BOARD_STATUS"):
            statements.append(executemany)

    conn = session.connection()
    target = conn.engine
    event.listen(target, "before_cursor_execute", count)
    try:
        assert flush_status() == 2
    finally:
        event.remove(target, "before_cursor_execute", count)
    assert statements == [True]  # one executemany UPDATE for both boards
    assert db.sessionmaker is not None
    session.expire_all()
    first, second = session.get(BoardStatus, board.id), session.get(BoardStatus, other.id)
    assert (first.uptime, first.current_item, first.player_version) == (4, 7, "1.2.3")
    assert (second.uptime, second.current_item, second.free_disk) == (104, None, 10_000_000_000)
    assert first.manifest_version == "abc" and first.last_seen is not None
    assert status_buffer().pending() == 0


def test_heartbeat_flushes_by_itself_once_the_interval_passed(player, session, board):
    status_buffer().interval = 0
    player.emit("heartbeat", beat(uptime=42), namespace="/player")
    session.expire_all()
    assert session.get(BoardStatus, board.id).uptime == 42


def play_batch(batch_id: str = "b-1", n: int = 3) -> dict:
    return {
        "batch_id": batch_id,
        "records": [
            {"item_id": 1, "revision_id": 2, "start": f"2026-01-01T08:00:0{i}Z", "duration_s": 10}
            for i in range(n)
        ],
    }


def test_proof_of_play_is_acked_and_a_replay_is_not_duplicated(player, session, board):
    player.get_received("/player")
    ack = player.emit("proof_of_play", play_batch(), namespace="/player", callback=True)
    assert ack == {"batch_id": "b-1", "duplicate": False}
    assert events(player, "ack") == [{"batch_id": "b-1", "duplicate": False}]
    again = player.emit("proof_of_play", play_batch(), namespace="/player", callback=True)
    assert again == {"batch_id": "b-1", "duplicate": True}
    assert events(player, "ack") == [{"batch_id": "b-1", "duplicate": True}]
    count = session.scalar(select(func.count()).select_from(PlayRecord))
    assert count == 3
    assert session.scalar(select(func.count()).select_from(PlayBatch)) == 1
    rows = session.scalars(select(PlayRecord).order_by(PlayRecord.start)).all()
    assert rows[0].board_id == board.id and rows[0].duration_s == 10
    assert rows[0].start.isoformat() == "2026-01-01T08:00:00+00:00"


MALFORMED = [
    ("heartbeat", "not an object"),
    ("heartbeat", {"uptime": "long"}),
    ("heartbeat", {"unknown_field": 1}),
    ("heartbeat", {"free_disk": -1}),
    ("heartbeat", [1, 2]),
    ("proof_of_play", {"batch_id": "x"}),
    ("proof_of_play", {"batch_id": "x", "records": [{"item_id": "1"}]}),
    ("proof_of_play", {"batch_id": "x", "records": [{}] * 501}),
    ("proof_of_play", play_batch("bad id with spaces")),
    ("proof_of_play", {"batch_id": "x", "records": [{**play_batch()["records"][0], "start": "?"}]}),
    (
        "proof_of_play",
        {"batch_id": "x", "records": [{**play_batch()["records"][0], "start": "2026-01-01T08:00"}]},
    ),
    ("command_result", {"command_id": "c", "ok": "yes"}),
    ("command_result", None),
    ("unknown_event", {"a": 1}),
    ("heartbeat", {"x": "y" * 70_000}),
]


@pytest.mark.parametrize(("name", "payload"), MALFORMED)
def test_malformed_messages_get_an_error_and_the_connection_stays_usable(
    player, session, board, name, payload
):
    player.get_received("/player")
    player.emit(name, payload, namespace="/player")
    errors = events(player, "error")
    assert len(errors) == 1 and errors[0]["code"] in (
        "invalid_message",
        "unknown_event",
        "payload_too_large",
    ), errors
    assert player.is_connected("/player")
    ack = player.emit("proof_of_play", play_batch("ok"), namespace="/player", callback=True)
    assert ack["batch_id"] == "ok"


def test_command_result_is_kept_on_the_status(player, session, board):
    player.emit(
        "command_result", {"command_id": "c1", "ok": True, "detail": "shown"}, namespace="/player"
    )
    session.expire_all()
    row = session.get(BoardStatus, board.id)
    assert row.last_command["id"] == "c1" and row.last_command["ok"] is True


def test_connections_are_buffered_and_written_in_batches(session, tree, board):
    """A connect is queued, not written by the handler; a flush writes many with few statements."""
    from datetime import timedelta

    from signage.clock import system_clock
    from signage.players.telemetry import Connection, Heartbeat, StatusBuffer

    others = [make_board(session, f"HK-{n}", tree["hk"]) for n in range(2, 6)]
    session.add(BoardStatus(board_id=board.id, uptime=9, current_item=3))  # seen before
    plays(session, board, 3)
    buffer, now = StatusBuffer(interval=3600), system_clock()
    buffer.add(board.id, Heartbeat(now - timedelta(seconds=5), "old", "0.9", 3, None, 9))
    for b in [board, *others]:
        buffer.connected(b.id, Connection(now, "m-1", "2.0"))
    assert buffer.pending() == 5 and buffer.pending_connections() == 5

    statements = []

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(statement.split()[0].upper())

    target = session.connection().engine
    event.listen(target, "before_cursor_execute", count)
    try:
        assert buffer.write(session, buffer.take(heartbeats=False)) == 5
    finally:
        event.remove(target, "before_cursor_execute", count)
    # Sessions: the boards' latest sessions and statuses, one INSERT of the five new sessions;
    # status: the four missing rows, then all five.
    assert statements == ["SELECT", "SELECT", "INSERT", "INSERT", "UPDATE"]
    session.expire_all()
    for b in [board, *others]:
        row = session.get(BoardStatus, b.id)
        assert (row.connected_at, row.last_seen) == (now, now)
        assert (row.manifest_version, row.player_version) == ("m-1", "2.0")
    assert session.get(BoardStatus, board.id).uptime == 9  # what a heartbeat said stays
    # The heartbeat still pending is older than the connection: it must not undo it.
    assert buffer.pending() == 1 and buffer.pending_connections() == 0
    assert buffer.write(session, buffer.take()) == 1
    session.expire_all()
    row = session.get(BoardStatus, board.id)
    assert (row.last_seen, row.manifest_version, row.player_version) == (now, "m-1", "2.0")
    assert row.uptime == 9 and row.current_item == 3


def test_a_connection_of_a_board_deleted_before_the_flush_is_skipped(session, tree):
    from signage.boards.models import Board
    from signage.clock import system_clock
    from signage.players.telemetry import Connection, StatusBuffer

    gone, kept = make_board(session, "HK-8", tree["hk"]), make_board(session, "HK-9", tree["hk"])
    buffer, now = StatusBuffer(), system_clock()
    buffer.connected(gone.id, Connection(now, "", "1"))
    buffer.connected(kept.id, Connection(now, "", "1"))
    gone_id = gone.id
    session.delete(session.get(Board, gone_id))
    session.flush()
    assert buffer.write(session, buffer.take()) == 2
    session.expire_all()
    assert session.get(BoardStatus, gone_id) is None
    assert session.get(BoardStatus, kept.id).connected_at == now


def test_connect_is_recorded_by_the_flush_not_the_handler(
    connect, token, board, session, monkeypatch
):
    """Outside tests the background loop flushes each second; the handler only queues."""
    from signage.players import namespace as player_module

    calls = []
    monkeypatch.setattr(player_module, "flush_status", lambda *a, **kw: calls.append(kw))
    sio = connect(auth(token))
    assert sio.is_connected("/player")
    monkeypatch.undo()
    assert calls == [{"heartbeats": False}]
    assert session.get(BoardStatus, board.id) is None  # nothing written by the handler
    assert status_buffer().pending_connections() == 1
    assert flush_status(heartbeats=False) == 1
    session.expire_all()
    row = session.get(BoardStatus, board.id)
    assert row.connected_at is not None and row.player_version == "test-1"


def test_current_item_outside_the_manifest_is_ignored(
    player, session, board, tree, caplog, factory, client
):
    """A player cannot make the console show another item's headline (issue 10, item 13)."""
    from tests.schedules.conftest import make_board

    other = make_board(session, "HP-1", tree["hp_commune"])
    plays(session, board, 3)
    plays(session, other, 99)  # another board's item
    for forged in (99, 4, 2**31 - 1, -1, 0):
        player.emit("heartbeat", beat(current_item=forged), namespace="/player")
        with caplog.at_level("INFO", logger="signage.players.telemetry"):
            flush_status()
        session.expire_all()
        row = session.get(BoardStatus, board.id)
        assert row.current_item is None and row.uptime == 3600, forged
        assert "not in its manifest" in caplog.text
    player.emit("heartbeat", beat(current_item=3), namespace="/player")
    flush_status()
    session.expire_all()
    assert session.get(BoardStatus, board.id).current_item == 3


def test_board_without_a_manifest_reports_no_current_item(session, board):
    from signage.clock import system_clock
    from signage.players.telemetry import Heartbeat, StatusBuffer

    session.add(BoardStatus(board_id=board.id))
    session.flush()
    buffer = StatusBuffer()
    buffer.add(board.id, Heartbeat(system_clock(), "v", "p", 5, None, 1))
    buffer.write(session, buffer.take())
    session.expire_all()
    assert session.get(BoardStatus, board.id).current_item is None


def test_proof_of_play_keeps_why_an_unscheduled_item_aired(player, session, board):
    """Never blank: plays of the fallback playlist or the looped last programme are marked,
    so reports can tell them from scheduled plays; an unknown marker is refused whole."""
    batch = play_batch("marked", 3)
    batch["records"][0]["source"] = "fallback_playlist"
    batch["records"][1]["source"] = "last_programme"
    ack = player.emit("proof_of_play", batch, namespace="/player", callback=True)
    assert ack == {"batch_id": "marked", "duplicate": False}
    rows = session.scalars(select(PlayRecord).order_by(PlayRecord.start)).all()
    assert [r.source for r in rows] == ["fallback_playlist", "last_programme", None]

    player.get_received("/player")
    bad = play_batch("bad-source", 1)
    bad["records"][0]["source"] = "whatever"
    player.emit("proof_of_play", bad, namespace="/player")
    assert [e["code"] for e in events(player, "error")] == ["invalid_message"]
    stored = select(func.count()).select_from(PlayBatch).where(PlayBatch.batch_id == "bad-source")
    assert session.scalar(stored) == 0
