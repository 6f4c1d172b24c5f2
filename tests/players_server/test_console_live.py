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


# --- What else the flushes announce: each event reaches the rooms of its boards' areas only.


def named(sio, name: str) -> list[dict]:
    return [m["args"][0] for m in sio.get_received("/console") if m["name"] == name]


@pytest.fixture()
def two_wards(app, client, factory, tree):
    """Console sockets of a Hoàn Kiếm supervisor and a Hải Phòng one (separate cookie jars)."""
    factory.user("hk-sup", ("viewer", tree["hk"]))
    factory.user("hp-sup", ("approver", tree["hp"]))
    socks = {}
    for name in ("hk-sup", "hp-sup"):
        jar = app.test_client()
        assert login(jar, name).status_code == 302
        socks[name] = console(app, jar)
        assert socks[name].is_connected("/console")
        socks[name].get_received("/console")
    yield socks
    for sock in socks.values():
        if sock.is_connected("/console"):
            sock.disconnect("/console")


def test_heartbeats_are_announced_once_per_flush_to_their_area(
    app, session, tree, ward_boards, connect, two_wards
):
    from signage.players.namespace import flush_status

    set_clock(app, T0)
    hk = connect(auth(ward_boards["HK-LIVE"]))
    two_wards["hk-sup"].get_received("/console")
    for item in (1, 2, 3):  # three heartbeats, one flush: one event
        hk.emit("heartbeat", {"current_item": item}, namespace="/player")
    flush_status(app)
    assert named(two_wards["hk-sup"], "board_seen") == [{"boards": ["HK-LIVE"]}]
    assert named(two_wards["hp-sup"], "board_seen") == []


def test_screenshot_upload_is_announced_to_the_boards_area_only(
    app, client, ward_boards, two_wards
):
    from tests.players_server.test_player_http import bearer, png

    resp = client.post(
        "/api/v1/boards/HK-LIVE/screenshot",
        data=png(),
        headers={**bearer(ward_boards["HK-LIVE"]), "Content-Type": "image/png"},
    )
    assert resp.status_code == 201
    assert named(two_wards["hk-sup"], "board_screenshot") == [{"board": "HK-LIVE"}]
    assert named(two_wards["hp-sup"], "board_screenshot") == []


def test_a_rejected_screenshot_announces_nothing(app, client, ward_boards, two_wards):
    from tests.players_server.test_player_http import bearer

    resp = client.post(
        "/api/v1/boards/HK-LIVE/screenshot",
        data=b"<svg onload=alert(1)>",
        headers={**bearer(ward_boards["HK-LIVE"]), "Content-Type": "image/png"},
    )
    assert resp.status_code == 415  # not an image: refused, nothing stored, nobody told
    assert named(two_wards["hk-sup"], "board_screenshot") == []


def test_receipts_are_announced_once_per_alert_and_flush(
    app, client, factory, tree, session, ward_boards, connect, two_wards
):
    operator = factory.user("hn-op", ("operator", tree["hn"]), locale="en")
    hk = connect(auth(ward_boards["HK-LIVE"]))
    resp = client.post(
        "/api/v1/alerts",
        json={"template": "storm", "boards": ["HK-LIVE"]},
        headers=factory.bearer(operator),
    )
    assert resp.status_code == 201, resp.get_json()
    alert_id = resp.get_json()["id"]
    two_wards["hk-sup"].get_received("/console")
    for status in ("received", "displayed"):
        hk.emit(
            "alert_receipt", {"id": alert_id, "version": 1, "status": status}, namespace="/player"
        )
    # Inline background: each receipt flushes at once, so one event per receipt here; a
    # receipt for an alert the board was never sent announces nothing.
    hk.emit(
        "alert_receipt", {"id": 999_999, "version": 1, "status": "displayed"}, namespace="/player"
    )
    assert named(two_wards["hk-sup"], "alert_progress") == [{"alert": alert_id}] * 2
    assert named(two_wards["hp-sup"], "alert_progress") == []


def test_a_batch_of_receipts_is_one_event_per_alert(session, tree):
    from signage.players.presence_feed import announce_receipts

    boards = [make_board(session, f"HK-R{i}", tree["village"]) for i in range(3)]
    sent: list = []
    assert announce_receipts(session, {1: {b.id for b in boards}}, lambda *a: sent.append(a)) == 0
    assert sent == []  # alert 1 was sent to none of them: nothing to tell


def test_the_approval_queue_moving_reaches_approvers_of_that_area(
    app, client, session, factory, tree, two_wards
):
    from signage.audit.services import Actor
    from signage.content import workflow
    from tests.content.test_workflow import new_item

    editor = factory.user("hp-editor", ("editor", tree["hp"]))
    item = new_item(session, editor, tree["hp_commune"])
    workflow.submit(session, Actor(editor), item, now=system_clock())
    session.commit()
    assert named(two_wards["hp-sup"], "approval_queue") == [{}]
    assert named(two_wards["hk-sup"], "approval_queue") == []


def test_the_menu_count_is_the_users_own_queue(app, client, session, factory, tree):
    from signage.audit.services import Actor
    from signage.content import workflow
    from tests.content.test_workflow import new_item

    editor = factory.user("hp-editor", ("editor", tree["hp"]))
    workflow.submit(session, Actor(editor), new_item(session, editor, tree["hp"]), now=T0)
    factory.user("hp-approver", ("approver", tree["hp"]))
    factory.user("hk-approver", ("approver", tree["hk"]))
    jar = app.test_client()
    login(jar, "hp-approver")
    assert jar.get("/live/approvals").get_json() == {"count": 1}
    assert 'id="nav-approvals"' in jar.get("/").get_data(as_text=True)
    other = app.test_client()
    login(other, "hk-approver")
    assert other.get("/live/approvals").get_json() == {"count": 0}
    factory.user("hk-viewer", ("viewer", tree["hk"]))
    viewer = app.test_client()
    login(viewer, "hk-viewer")
    assert viewer.get("/live/approvals").get_json() == {"count": None}
    assert 'id="nav-approvals"' not in viewer.get("/").get_data(as_text=True)
    anonymous = app.test_client().get("/live/approvals")
    assert anonymous.status_code in (302, 401) and b"count" not in anonymous.data
