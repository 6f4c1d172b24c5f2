"""Connecting to /player: tokens, rooms, state; revocation disconnects."""

from __future__ import annotations

from signage.boards.models import BoardGroup, BoardStatus
from signage.realtime import socketio
from tests.players_server.conftest import auth, events


def test_good_token_gets_state(player, board, session):
    received = player.get_received("/player")
    states = [m["args"][0] for m in received if m["name"] == "state"]
    assert len(states) == 1
    state = states[0]
    assert state["board"] == {"code": "HK-1", "name": board.name}
    assert state["profile"] == board.profile.key
    assert len(state["manifest_version"]) == 64
    assert state["server_time"].endswith("Z")
    assert state["alerts"] == []
    row = session.get(BoardStatus, board.id)
    assert row is not None and row.player_version == "test-1"


def test_player_joins_board_area_and_group_rooms(connect, token, board, tree, session):
    group = BoardGroup(code="MARKETS", name="Chợ", area=tree["hn"], boards=[board])
    session.add(group)
    session.flush()
    sio = connect(auth(token))
    sio.get_received("/player")
    rooms = ["board:HK-1", f"group:{group.id}"]
    rooms += [f"area:{tree[k].id}" for k in ("vn", "hn", "hk", "village")]
    for room in rooms:
        socketio.emit("probe", {"room": room}, to=room, namespace="/player")
    assert events(sio, "probe") == [{"room": r} for r in rooms]
    socketio.emit("probe", {}, to=f"area:{tree['hp'].id}", namespace="/player")
    assert events(sio, "probe") == []


def test_bad_missing_and_wrong_protocol_are_refused(connect, token):
    assert not connect(auth("sgb_nope")).is_connected("/player")
    assert not connect(None).is_connected("/player")
    assert not connect({"token": token}).is_connected("/player")
    assert not connect(auth(token, protocol=2)).is_connected("/player")
    assert not connect(auth(123)).is_connected("/player")


def test_revoking_disconnects_the_board(player, client, factory, admin, connect, token):
    player.get_received("/player")
    resp = client.post("/api/v1/boards/HK-1/revoke", headers=factory.bearer(admin))
    assert resp.status_code == 200, resp.json
    assert resp.json["revoked"] == 1
    assert not player.is_connected("/player")
    assert not connect(auth(token)).is_connected("/player")


def test_command_reaches_the_board(player, client, factory, admin):
    player.get_received("/player")
    resp = client.post(
        "/api/v1/boards/HK-1/commands", json={"name": "identify"}, headers=factory.bearer(admin)
    )
    assert resp.status_code == 202, resp.json
    assert events(player, "command") == [{"id": resp.json["id"], "name": "identify"}]
    bad = client.post(
        "/api/v1/boards/HK-1/commands", json={"name": "format-disk"}, headers=factory.bearer(admin)
    )
    assert bad.status_code == 422
