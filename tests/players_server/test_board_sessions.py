"""Connection sessions recorded through the real /player handlers and the status flush."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from signage.boards.models import BoardSession, BoardStatus
from signage.boards.presence import OFFLINE_GRACE, ONLINE_WITHIN
from signage.boards.sessions import close_stale, record
from signage.clock import set_clock
from signage.jobs import sweep_sessions
from signage.players.namespace import flush_status
from signage.realtime import socketio
from tests.players_server.conftest import auth

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def spans(session, board) -> list[tuple[datetime, datetime | None]]:
    session.expire_all()
    rows = session.scalars(
        select(BoardSession).where(BoardSession.board_id == board.id).order_by(BoardSession.id)
    )
    return [(r.started_at, r.ended_at) for r in rows]


def namespace():
    return next(h for h in socketio.namespace_handlers if h.namespace == "/player")


def test_connect_opens_a_session_and_the_last_disconnect_closes_it(
    app, session, board, connect, token
):
    set_clock(app, T0)
    first = connect(auth(token))
    assert spans(session, board) == [(T0, None)]
    set_clock(app, T0 + 5 * S)
    second = connect(auth(token))  # a duplicate connect of the same board: the same session
    set_clock(app, T0 + 60 * S)
    first.disconnect("/player")
    assert spans(session, board) == [(T0, None)]  # another socket is still open
    set_clock(app, T0 + 90 * S)
    second.disconnect("/player")
    assert spans(session, board) == [(T0, T0 + 90 * S)]


def test_a_reconnect_within_the_grace_time_continues_the_session(
    app, session, board, connect, token
):
    set_clock(app, T0)
    first = connect(auth(token))
    set_clock(app, T0 + 60 * S)
    first.disconnect("/player")
    set_clock(app, T0 + 60 * S + OFFLINE_GRACE)  # a server restart: not an outage
    second = connect(auth(token))
    assert spans(session, board) == [(T0, None)]
    set_clock(app, T0 + 200 * S)
    second.disconnect("/player")
    set_clock(app, T0 + 200 * S + OFFLINE_GRACE + S)  # longer: an outage between two sessions
    connect(auth(token))
    assert spans(session, board) == [
        (T0, T0 + 200 * S),
        (T0 + 200 * S + OFFLINE_GRACE + S, None),
    ]


def test_a_crashed_process_leaves_a_session_the_sweep_closes_at_the_last_sign(
    app, session, board, connect, token
):
    set_clock(app, T0)
    sio = connect(auth(token))
    set_clock(app, T0 + 30 * S)
    sio.emit("heartbeat", {"uptime": 30}, namespace="/player")
    flush_status(app)
    # The process dies: its sockets vanish without a disconnect being recorded.
    namespace().players.clear()
    namespace().sockets.clear()
    sio.disconnect("/player")
    set_clock(app, T0 + 30 * S + ONLINE_WITHIN - S)
    assert sweep_sessions(app) == 0  # still online as far as anyone can tell
    assert spans(session, board) == [(T0, None)]
    set_clock(app, T0 + 30 * S + ONLINE_WITHIN + S)
    assert sweep_sessions(app) == 1
    assert spans(session, board) == [(T0, T0 + 30 * S)]
    assert sweep_sessions(app) == 0  # idempotent
    set_clock(app, T0 + 600 * S)
    connect(auth(token))
    assert spans(session, board) == [(T0, T0 + 30 * S), (T0 + 600 * S, None)]


def test_a_reconnect_after_a_crash_before_any_sweep_splits_the_session(
    app, session, board, connect, token
):
    set_clock(app, T0)
    sio = connect(auth(token))
    namespace().players.clear()
    namespace().sockets.clear()
    sio.disconnect("/player")
    set_clock(app, T0 + ONLINE_WITHIN + 10 * S)  # another process takes the player back
    connect(auth(token))
    assert spans(session, board) == [(T0, T0), (T0 + ONLINE_WITHIN + 10 * S, None)]


def test_a_heartbeat_from_another_process_reopens_a_session_closed_by_this_one(session, board):
    """Process A saw the board's last socket close; process B still holds one and reports."""
    session.add(BoardStatus(board_id=board.id, last_seen=T0, connected_at=T0))
    session.flush()
    record(session, connections={board.id: T0}, disconnections={}, heartbeats={})
    record(session, connections={}, disconnections={board.id: T0 + 60 * S}, heartbeats={})
    assert spans(session, board) == [(T0, T0 + 60 * S)]
    # A report taken before the close (flushed late) proves nothing...
    record(session, connections={}, disconnections={}, heartbeats={board.id: T0 + 50 * S})
    assert spans(session, board) == [(T0, T0 + 60 * S)]
    # ...one after it does: B's socket never closed.
    record(session, connections={}, disconnections={}, heartbeats={board.id: T0 + 75 * S})
    assert spans(session, board) == [(T0, None)]


def test_a_disconnect_and_a_reconnect_in_one_flush_keep_one_session(session, board):
    record(session, connections={board.id: T0}, disconnections={}, heartbeats={})
    record(
        session,
        connections={board.id: T0 + 61 * S},
        disconnections={board.id: T0 + 60 * S},
        heartbeats={board.id: T0 + 61 * S},
    )
    assert spans(session, board) == [(T0, None)]
    # Replayed after a failed write, the same batch changes nothing.
    record(
        session,
        connections={board.id: T0 + 61 * S},
        disconnections={board.id: T0 + 60 * S},
        heartbeats={},
    )
    assert spans(session, board) == [(T0, None)]


def test_an_old_disconnect_never_closes_a_newer_session(session, board):
    record(session, connections={board.id: T0}, disconnections={}, heartbeats={})
    record(session, connections={}, disconnections={board.id: T0 - 60 * S}, heartbeats={})
    assert spans(session, board) == [(T0, None)]


def test_at_most_one_open_session_per_board(session, board):
    import pytest
    from sqlalchemy.exc import IntegrityError

    session.add(BoardSession(board_id=board.id, started_at=T0))
    session.flush()
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(BoardSession(board_id=board.id, started_at=T0 + S))
        session.flush()
    # Two processes opening the same board's session at once: the second insert is a no-op.
    from signage.boards.sessions import _insert

    session.connection().execute(
        _insert(session), [{"board_id": board.id, "started_at": T0 + S, "ended_at": None}]
    )
    assert spans(session, board) == [(T0, None)]


def test_the_sweep_leaves_online_boards_and_closes_boards_without_status(session, board, tree):
    from tests.schedules.conftest import make_board

    other = make_board(session, "HK-2", tree["hk"])
    session.add(BoardStatus(board_id=board.id, last_seen=T0, connected_at=T0))
    session.add_all(
        [
            BoardSession(board_id=board.id, started_at=T0 - 60 * S),
            BoardSession(board_id=other.id, started_at=T0 - 60 * S),
        ]
    )
    session.flush()
    assert close_stale(session, now=T0 + 10 * S) == 1
    session.flush()
    assert spans(session, board) == [(T0 - 60 * S, None)]
    assert spans(session, other) == [(T0 - 60 * S, T0 - 60 * S)]


def test_the_scheduler_closes_stale_sessions_when_it_starts(app, session, board, monkeypatch):
    """A single process restarted after a crash: its boards' sessions end before any job runs."""
    from signage import jobs

    session.add(BoardStatus(board_id=board.id, last_seen=T0, connected_at=T0))
    session.add(BoardSession(board_id=board.id, started_at=T0))
    session.flush()
    set_clock(app, T0 + 10 * ONLINE_WITHIN)

    class Idle:
        def start(self) -> None:
            pass

    monkeypatch.setattr(jobs, "build_scheduler", lambda _app: Idle())
    started = jobs.start_embedded(app)
    try:
        assert spans(session, board) == [(T0, T0)]
    finally:
        started.signage_lock.release()


def test_a_report_in_the_same_flush_proves_the_board_alive_at_a_connect(session, board):
    """The status row is stale (its writes failed for minutes) but this batch holds a report."""
    session.add(BoardStatus(board_id=board.id, last_seen=T0, connected_at=T0))
    session.add(BoardSession(board_id=board.id, started_at=T0))
    session.flush()
    later = T0 + 2 * ONLINE_WITHIN
    record(
        session,
        connections={board.id: later},
        disconnections={},
        heartbeats={board.id: later - 30 * S},
    )
    assert spans(session, board) == [(T0, None)]
