"""What the console hears from a status flush: the later of a connect and a disconnect wins, the
rooms are those of every area on the board's path, and nothing goes out before the commit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from signage.players.presence_feed import announce, changes
from signage.players.telemetry import Connection, Pending
from signage.realtime.rooms import area_room
from tests.schedules.conftest import make_board

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def conn(at: datetime) -> Connection:
    return Connection(at, "", "test")


def test_the_later_event_of_a_board_wins():
    pending = Pending(
        connections={1: conn(T0), 2: conn(T0 + timedelta(seconds=5)), 3: conn(T0)},
        heartbeats={},
        disconnections={1: T0 + timedelta(seconds=1), 2: T0, 4: T0},
    )
    assert changes(pending) == {1: "offline", 2: "online", 3: "online", 4: "offline"}


def test_a_flush_without_connections_announces_nothing(session):
    sent: list = []
    pending = Pending(connections={}, heartbeats={})
    assert announce(session, pending, lambda *a: sent.append(a)) == 0
    session.commit()
    assert sent == []


def test_events_go_to_every_area_on_the_path_after_commit(session, tree):
    board = make_board(session, "HK-FEED", tree["village"])
    sent: list = []
    announce(session, Pending({board.id: conn(T0)}, {}), lambda *a: sent.append(a))
    assert sent == []  # not before the commit
    session.commit()
    path = [tree[k] for k in ("vn", "hn", "hk", "village")]
    assert sent == [
        ("board_status", {"board": "HK-FEED", "status": "online"}, [area_room(a.id) for a in path])
    ]


def test_a_failing_emit_does_not_undo_the_flush(session, tree, caplog):
    board = make_board(session, "HK-FEED", tree["village"])

    def broken(*_args):
        raise ConnectionError("queue away")

    announce(session, Pending({}, {}, {board.id: T0}), broken)
    session.commit()  # no exception: the rows stay written
    assert "sending 1 console event(s) failed" in caplog.text
