"""A board moved or deleted on one server process: its socket on another process follows at once,
through the Redis message queue (issue 10, item 4)."""

from __future__ import annotations

from pathlib import Path
from queue import Empty

import pytest
import requests
import socketio

from signage_testing.processes import Instance, eventually
from tests.e2e.stack import REDIS, two_processes
from tests.e2e.test_alerts_two_processes import BOARD, next_event, player

pytestmark = pytest.mark.e2e


@pytest.fixture()
def servers(tmp_path: Path):
    """Two `signage serve` processes joined by Redis; an admin's API token; the board's token."""
    for instance, first, second, admin, board_tokens in two_processes(tmp_path, "admin"):
        yield instance, first, second, admin, board_tokens[BOARD]


def area_id(instance: Instance, code: str) -> int:
    from sqlalchemy import select

    from signage.areas.models import Area
    from signage.db import make_engine

    engine = make_engine(instance.env["SIGNAGE_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return conn.execute(select(Area.id).where(Area.code == code)).scalar_one()
    finally:
        engine.dispose()


def test_moved_board_joins_its_new_area_and_a_deleted_one_is_closed(servers) -> None:
    instance, first, second, admin, board_token = servers
    headers = {"Authorization": f"Bearer {admin}"}
    queue_writer = socketio.RedisManager(
        REDIS, channel=instance.env["SIGNAGE_MESSAGE_QUEUE_CHANNEL"], write_only=True
    )
    sio, got = player(second, board_token)
    sio.on("probe", lambda data: got.put(("probe", data)), namespace="/player")
    try:
        next_event(got, "state")
        communes = requests.get(
            f"{first}/api/v1/areas", params={"parent": "31"}, headers=headers, timeout=30
        ).json()["areas"]
        commune = communes[0]["code"]
        room = f"area:{area_id(instance, commune)}"
        resp = requests.patch(
            f"{first}/api/v1/boards/{BOARD}", json={"area": commune}, headers=headers, timeout=30
        )
        assert resp.status_code == 200, resp.text
        # The first process handled the move; the socket lives on the second and does not
        # reconnect: an emit to the new commune's room (through the queue, from a third
        # process, like any alert fan-out) must reach that same socket.

        def probe_arrives() -> bool:
            queue_writer.emit("probe", {"room": room}, namespace="/player", room=room)
            try:
                return next_event(got, "probe", timeout=1) == {"room": room}
            except Empty:
                return False

        eventually(probe_arrives, timeout=30)
        assert sio.connected

        resp = requests.delete(f"{first}/api/v1/boards/{BOARD}", headers=headers, timeout=30)
        assert resp.status_code == 204, resp.text
        eventually(lambda: not sio.connected, timeout=30)
    finally:
        if sio.connected:
            sio.disconnect()
