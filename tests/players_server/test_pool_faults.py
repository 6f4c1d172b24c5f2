"""Soak findings (issue #11): a batch the server cannot store is answered, resent and stored once;
`alert_sync` re-reads a stale snapshot once, not once per message, and needs no connection when
nothing differs."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import TimeoutError as PoolTimeout

from signage.boards.models import PlayBatch, PlayRecord
from signage.config import ConfigError, Settings
from signage.db import db
from signage.players import telemetry
from signage.players.reconcile import ActiveAlerts
from signage_player.link import Link
from signage_player.player import Player
from tests.players.conftest import config  # noqa: F401  (the player config fixture)
from tests.players.test_journal import state
from tests.players_server.conftest import auth, events
from tests.players_server.test_player_events import play_batch

T0 = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def failing_store(monkeypatch):
    """record_plays writes its rows, then the pool times out: `fail` times in a row."""
    real = telemetry.record_plays
    state = {"fail": 1, "calls": 0}

    def store(*args: Any, **kwargs: Any) -> bool:
        state["calls"] += 1
        new = real(*args, **kwargs)
        if state["fail"] > 0:
            state["fail"] -= 1
            raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")
        return new

    monkeypatch.setattr(telemetry, "record_plays", store)
    return state


def test_a_batch_that_cannot_be_stored_is_answered_unavailable_and_nothing_is_half_written(
    player, session, board, failing_store
):
    player.get_received("/player")
    answer = player.emit("proof_of_play", play_batch("b-1"), namespace="/player", callback=True)
    assert answer["error"]["code"] == "unavailable"
    assert answer["error"]["batch_id"] == "b-1" and answer["error"]["retry_after_s"] > 0
    assert "batch_id" not in answer  # not an ack: players must not forget the batch
    assert [e["code"] for e in events(player, "error")] == ["unavailable"]
    assert count(session, PlayBatch) == 0 and count(session, PlayRecord) == 0

    again = player.emit("proof_of_play", play_batch("b-1"), namespace="/player", callback=True)
    assert again == {"batch_id": "b-1", "duplicate": False}
    assert count(session, PlayBatch) == 1 and count(session, PlayRecord) == 3


class ServerSio:
    """The Python player's Socket.IO client, wired to the server's test client: callbacks are
    answered with what the handler returned."""

    def __init__(self, test_client) -> None:
        self.client, self.connected = test_client, True
        self.sent: list[Any] = []

    def emit(self, name: str, data: Any, namespace: str, callback: Any = None) -> None:
        self.sent.append(data.get("batch_id"))
        answer = self.client.emit(name, data, namespace=namespace, callback=callback is not None)
        if callback is not None:
            callback(answer)


def test_the_python_player_resends_an_unavailable_batch_after_a_delay_and_it_is_stored_once(
    player,
    session,
    board,
    failing_store,
    config,  # noqa: F811  (a fixture)
):
    device = Player(config)
    link = Link(device, threading.Event())
    link.on_state(state(board.code))
    now = [1000.0]
    link.monotonic = lambda: now[0]
    for i in range(3):
        device.journal.append(1, 2, T0 + timedelta(seconds=i), 10.0)
    device.journal.seal()
    [batch_id] = [b.batch_id for b in device.journal.pending()]

    link.sio = ServerSio(player)  # type: ignore[assignment]
    link.send_batches()  # the store fails: answered `unavailable`
    link.on_error(events(player, "error")[0])  # the `error` event does not drop it either
    assert [b.batch_id for b in device.journal.pending()] == [batch_id]
    link.send_batches()  # too early: waits for the delay, same connection, no reconnect
    assert link.sio.sent == [batch_id]  # type: ignore[union-attr]
    now[0] += 200  # past the longest delay (120 s with jitter)
    link.send_batches()
    assert link.sio.sent == [batch_id, batch_id]  # type: ignore[union-attr]
    assert device.journal.pending() == []  # acknowledged
    assert count(session, PlayBatch) == 1 and count(session, PlayRecord) == 3
    assert failing_store["calls"] == 2


@pytest.mark.parametrize(
    "answer",
    [
        {"error": {"code": "unavailable", "retry_after_s": "soon"}},
        {"error": {"code": "unavailable", "retry_after_s": -5}},
        {"error": {"code": "unavailable", "retry_after_s": 10**9}},
        {"error": {"code": "unavailable"}},
    ],
)
def test_a_hostile_retry_after_keeps_the_batch_and_a_bounded_delay(
    config,  # noqa: F811  (a fixture)
    answer,
) -> None:
    device = Player(config)
    link = Link(device, threading.Event())
    link.on_state(state("HK-1"))
    link.monotonic = lambda: 0.0
    device.journal.append(1, 2, T0, 1.0)
    device.journal.seal()
    sent: list[Any] = []

    class Sio:
        connected = True

        def emit(self, name, data, namespace, callback=None):
            sent.append(data["batch_id"])
            callback(answer)

    link.sio = Sio()  # type: ignore[assignment]
    link.send_batches()
    assert len(device.journal.pending()) == 1
    [(batch_id, at)] = link.retry_at.items()
    assert 1.0 <= at <= 180.0


class SlowSession:
    """A session whose snapshot query waits until released; counts the queries."""

    def __init__(self) -> None:
        self.queries = 0
        self.entered, self.release = threading.Event(), threading.Event()

    def execute(self, _statement: Any) -> list[tuple[int, int, int]]:
        self.queries += 1
        self.entered.set()
        assert self.release.wait(30)
        return [(7, 1, self.queries)]


def test_a_stale_snapshot_is_read_by_one_caller_while_the_others_answer_from_the_old_one():
    snapshot = ActiveAlerts(max_age=0)  # always stale
    session = SlowSession()
    session.release.set()
    assert snapshot.of(session, 7, now=T0) == {1: 1}
    session.release.clear()
    session.entered.clear()
    reader = threading.Thread(target=snapshot.of, args=(session, 7), kwargs={"now": T0})
    reader.start()
    assert session.entered.wait(30)  # the reader is inside its query
    for _ in range(50):  # a herd of alert_sync meanwhile: no query, the previous snapshot
        assert snapshot.of(session, 7, now=T0) == {1: 1}
    assert session.queries == 2
    session.release.set()
    reader.join(30)
    assert snapshot.of(session, 7, now=T0) == {1: 3}


def test_alert_sync_that_matches_the_snapshot_takes_no_connection(app, player):
    player.emit("alert_sync", {"alerts": []}, namespace="/player")  # reads the snapshot
    app.extensions["signage_active_alerts"].max_age = 3600
    checkouts: list[Any] = []
    engine = db.engine
    listener = lambda *a: checkouts.append(a)  # noqa: E731
    event.listen(engine, "checkout", listener)
    try:
        player.get_received("/player")
        for _ in range(20):
            player.emit("alert_sync", {"alerts": []}, namespace="/player")
    finally:
        event.remove(engine, "checkout", listener)
    assert checkouts == [] and player.get_received("/player") == []


def test_pool_settings_come_from_the_environment_and_are_checked():
    settings = Settings.from_env({"SIGNAGE_DB_POOL_SIZE": "30", "SIGNAGE_DB_MAX_OVERFLOW": "0"})
    assert (settings.db_pool_size, settings.db_max_overflow) == (30, 0)
    assert settings.db_pool_timeout_seconds == 10
    for bad in ({"SIGNAGE_DB_POOL_SIZE": "0"}, {"SIGNAGE_DB_MAX_OVERFLOW": "-1"}):
        with pytest.raises(ConfigError, match=next(iter(bad))):
            Settings.from_env(bad)
    with pytest.raises(ConfigError, match="SIGNAGE_DB_POOL_TIMEOUT_SECONDS"):
        Settings.from_env({"SIGNAGE_DB_POOL_TIMEOUT_SECONDS": "soon"})


def test_a_connect_without_a_database_connection_is_refused_not_left_hanging(
    connect, token, monkeypatch
):
    import signage.players.namespace as handlers

    def no_connection(*_args: Any, **_kwargs: Any) -> Any:
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")

    real = handlers.authenticate_board
    monkeypatch.setattr(handlers, "authenticate_board", no_connection)
    refused = connect(auth(token))
    assert not refused.is_connected("/player")  # refused at once: the player backs off, retries
    monkeypatch.setattr(handlers, "authenticate_board", real)
    assert connect(auth(token)).is_connected("/player")
