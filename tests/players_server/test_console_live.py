"""The /console namespace: only signed-in users connect, and each hears its own areas' boards."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from signage.audit.services import SYSTEM
from signage.clock import set_clock, system_clock
from signage.players.tokens import issue_token
from signage.realtime import socketio
from tests.conftest import login
from tests.players_server.conftest import auth
from tests.schedules.conftest import make_board

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def console(app, client):
    return socketio.test_client(app, namespace="/console", flask_test_client=client)


def statuses(sio) -> list[dict]:
    return [m["args"][0] for m in sio.get_received("/console") if m["name"] == "board_status"]


@pytest.fixture()
def ward_boards(session, tree):
    a = make_board(session, "HK-LIVE", tree["village"])
    b = make_board(session, "BD-LIVE", tree["bd"])
    tokens = {
        board.code: issue_token(session, SYSTEM, board, now=system_clock()) for board in (a, b)
    }
    session.flush()
    return tokens


def test_an_unauthenticated_connect_is_refused(app, client):
    sio = console(app, client)
    assert not sio.is_connected("/console")


def test_a_stale_session_cookie_is_refused(app, client, factory, tree, session):
    user = factory.user("hk-sup", ("viewer", tree["hk"]))
    login(client, "hk-sup")
    user.security_stamp = "changed-by-sign-out-everywhere"
    session.flush()
    sio = console(app, client)
    assert not sio.is_connected("/console")


def test_a_ward_supervisor_hears_their_ward_and_not_another(
    app, client, factory, tree, ward_boards, connect
):
    set_clock(app, T0)
    factory.user("hk-sup", ("viewer", tree["hk"]))
    assert login(client, "hk-sup").status_code == 302
    sup = console(app, client)
    assert sup.is_connected("/console")
    sup.get_received("/console")

    hk_player = connect(auth(ward_boards["HK-LIVE"]))
    bd_player = connect(auth(ward_boards["BD-LIVE"]))
    assert hk_player.is_connected("/player") and bd_player.is_connected("/player")
    assert statuses(sup) == [{"board": "HK-LIVE", "status": "online"}]

    bd_player.disconnect("/player")
    hk_player.disconnect("/player")
    assert statuses(sup) == [{"board": "HK-LIVE", "status": "offline"}]
    sup.disconnect("/console")


def test_a_province_admin_hears_every_board_once(app, client, factory, tree, ward_boards, connect):
    set_clock(app, T0)
    # Grants on the country and on Hà Nội: rooms overlap, each event still arrives once.
    factory.user("boss", ("admin", tree["vn"]), ("viewer", tree["hn"]))
    login(client, "boss")
    boss = console(app, client)
    assert boss.is_connected("/console")
    boss.get_received("/console")
    connect(auth(ward_boards["HK-LIVE"]))
    connect(auth(ward_boards["BD-LIVE"]))
    got = statuses(boss)
    assert sorted(m["board"] for m in got) == ["BD-LIVE", "HK-LIVE"]
    boss.disconnect("/console")


def test_a_console_socket_ignores_what_clients_send(app, client, factory, tree):
    factory.user("hk-sup", ("viewer", tree["hk"]))
    login(client, "hk-sup")
    sup = console(app, client)
    sup.emit("board_status", {"board": "X", "status": "online"}, namespace="/console")
    sup.emit("heartbeat", {"x": 1}, namespace="/console")
    assert sup.is_connected("/console")
    assert statuses(sup) == []
    sup.disconnect("/console")
