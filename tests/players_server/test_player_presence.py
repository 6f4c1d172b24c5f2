"""Online means online: a board is offline OFFLINE_GRACE after its last socket closed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from signage.boards.presence import OFFLINE_GRACE
from signage.clock import set_clock
from tests.players_server.conftest import auth

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def online(client, factory, admin) -> bool:
    resp = client.get("/api/v1/boards/HK-1/status", headers=factory.bearer(admin))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["online"]


def test_a_stopped_player_is_offline_after_the_grace_time_not_two_minutes(
    app, client, factory, admin, connect, token
):
    set_clock(app, T0)
    first = connect(auth(token))
    assert online(client, factory, admin)
    first.disconnect("/player")
    assert online(client, factory, admin)  # within the grace time: a restart is not an outage
    set_clock(app, T0 + OFFLINE_GRACE + timedelta(seconds=1))
    assert not online(client, factory, admin)
    connect(auth(token))  # back: online at once
    assert online(client, factory, admin)


def test_a_board_with_another_socket_open_stays_online(app, client, factory, admin, connect, token):
    set_clock(app, T0)
    first, second = connect(auth(token)), connect(auth(token))
    first.disconnect("/player")
    set_clock(app, T0 + OFFLINE_GRACE + timedelta(seconds=1))
    assert online(client, factory, admin)
    second.disconnect("/player")
    set_clock(app, T0 + 2 * OFFLINE_GRACE + timedelta(seconds=2))
    assert not online(client, factory, admin)
