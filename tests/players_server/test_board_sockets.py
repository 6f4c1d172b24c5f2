"""Live sockets follow the board: moving, regrouping, deleting, revoking (issue 10, item 4)."""

from __future__ import annotations

from signage.audit.services import Actor
from signage.boards import services
from signage.boards.models import BoardGroup
from signage.boards.services import BoardSockets
from signage.clock import system_clock
from signage.realtime import socketio
from signage.realtime.rooms import CONTROL_EVENT, CONTROL_ROOM
from tests.players_server.conftest import auth, events


def reaches(sio, room: str) -> bool:
    """True if an emit to the room reaches this test client."""
    sio.get_received("/player")
    socketio.emit("probe", {"room": room}, to=room, namespace="/player")
    return events(sio, "probe") == [{"room": room}]


def test_moved_board_leaves_the_old_areas_and_joins_the_new(player, client, factory, admin, tree):
    assert reaches(player, f"area:{tree['hk'].id}")
    assert not reaches(player, f"area:{tree['hp'].id}")
    resp = client.patch(
        "/api/v1/boards/HK-1", json={"area": "11311"}, headers=factory.bearer(admin)
    )
    assert resp.status_code == 200, resp.json
    for old in ("hn", "hk", "village"):
        assert not reaches(player, f"area:{tree[old].id}"), old
    for new in ("vn", "hp", "hp_commune"):
        assert reaches(player, f"area:{tree[new].id}"), new
    assert reaches(player, "board:HK-1")
    assert player.is_connected("/player")


def test_regrouped_board_joins_and_leaves_group_rooms(
    player, client, factory, admin, tree, session
):
    group = BoardGroup(code="MARKETS", name="Chợ", area=tree["hn"])
    session.add(group)
    session.flush()
    room = f"group:{group.id}"
    assert not reaches(player, room)
    h = factory.bearer(admin)
    resp = client.post("/api/v1/groups/MARKETS/members", json={"add": ["HK-1"]}, headers=h)
    assert resp.status_code == 200, resp.json
    assert reaches(player, room)
    resp = client.post("/api/v1/groups/MARKETS/members", json={"remove": ["HK-1"]}, headers=h)
    assert resp.status_code == 200, resp.json
    assert not reaches(player, room)
    assert reaches(player, f"area:{tree['hk'].id}")


def test_renamed_board_moves_to_its_new_board_room(player, session, board, admin):
    services.update_board(session, Actor(admin), board, code="HK-9", now=system_clock())
    session.commit()
    assert reaches(player, "board:HK-9")
    assert not reaches(player, "board:HK-1")


def test_deleted_board_is_disconnected(player, client, factory, admin, connect, token):
    player.get_received("/player")
    resp = client.delete("/api/v1/boards/HK-1", headers=factory.bearer(admin))
    assert resp.status_code == 204
    assert not player.is_connected("/player")
    assert not connect(auth(token)).is_connected("/player")


def test_revoked_board_is_disconnected(player, client, factory, admin):
    player.get_received("/player")
    resp = client.post("/api/v1/boards/HK-1/revoke", headers=factory.bearer(admin))
    assert resp.status_code == 200
    assert not player.is_connected("/player")


def test_refused_change_moves_nothing(player, session, board, factory, tree):
    moved: list = []
    outsider = factory.user("hp-admin", ("admin", tree["hp"]), locale="en")
    sockets = BoardSockets(move=lambda code, rooms: moved.append(code), close=moved.append)
    try:
        services.update_board(
            session, Actor(outsider), board, area=tree["hp"], now=system_clock(), sockets=sockets
        )
    except Exception:
        session.rollback()
    assert moved == []
    assert reaches(player, f"area:{tree['hk'].id}")


def test_other_board_edits_leave_sockets_alone(session, board, admin):
    moved: list = []
    sockets = BoardSockets(move=lambda code, rooms: moved.append(code), close=moved.append)
    services.update_board(
        session, Actor(admin), board, name="Bảng mới", now=system_clock(), sockets=sockets
    )
    session.commit()
    assert moved == []


def test_control_messages_reach_no_player_and_junk_is_ignored(player, tree):
    player.get_received("/player")
    for junk in (
        "x",
        None,
        [1],
        {"board": 5},
        {"board": "HK-1", "rooms": "area:1"},
        {"board": "HK-1", "rooms": [1]},
    ):
        socketio.emit(CONTROL_EVENT, junk, to=CONTROL_ROOM, namespace="/player")
    assert player.get_received("/player") == []
    assert player.is_connected("/player")
    assert reaches(player, "board:HK-1")


def test_a_player_cannot_send_the_control_event(player, tree):
    player.get_received("/player")
    player.emit(CONTROL_EVENT, {"board": "HK-1", "close": True}, namespace="/player")
    assert [e["code"] for e in events(player, "error")] == ["unknown_event"]
    assert player.is_connected("/player")


def test_moving_an_area_moves_its_boards_sockets(player, session, admin, tree):
    from signage.areas.services import move_area

    assert reaches(player, f"area:{tree['hk'].id}")
    move_area(
        session, Actor(admin), tree["village"], tree["bd"], now=system_clock()
    )  # the board's village
    session.commit()
    assert not reaches(player, f"area:{tree['hk'].id}")
    assert reaches(player, f"area:{tree['bd'].id}")
    assert reaches(player, f"area:{tree['village'].id}")
