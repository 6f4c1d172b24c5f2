"""An alert sent on one server process reaches a player connected to another, through Redis."""

from __future__ import annotations

import queue
from pathlib import Path

import pytest
import requests
import socketio

from signage_testing.processes import eventually
from tests.e2e.stack import two_processes

pytestmark = pytest.mark.e2e

BOARD = "HN-HK-001"


@pytest.fixture()
def two_servers(tmp_path: Path):
    """Two `signage serve` processes joined by Redis; an operator's API token; the board's token."""
    for _instance, first, second, token, board_tokens in two_processes(tmp_path, "operator"):
        yield first, second, token, board_tokens[BOARD]


def player(url: str, board_token: str) -> tuple[socketio.Client, queue.Queue]:
    """A bare protocol-1 player on the websocket transport, recording what it receives."""
    got: queue.Queue = queue.Queue()
    sio = socketio.Client(reconnection=False)
    for name in ("state", "alert", "alert_cancel", "error"):
        sio.on(name, lambda data, name=name: got.put((name, data)), namespace="/player")
    sio.connect(
        url,
        namespaces=["/player"],
        transports=["websocket"],
        auth={"token": board_token, "protocol": 1, "player_version": "e2e", "alerts": []},
        wait_timeout=20,
    )
    return sio, got


def next_event(got: queue.Queue, name: str, timeout: float = 20) -> dict:
    while True:
        event, data = got.get(timeout=timeout)
        if event == name:
            return data


def test_alert_crosses_processes_and_receipts_come_back(two_servers) -> None:
    first, second, token, board_token = two_servers
    sio, got = player(second, board_token)
    try:
        assert next_event(got, "state")["alerts"] == []
        headers = {"Authorization": f"Bearer {token}"}
        resp = requests.post(
            f"{first}/api/v1/alerts",
            json={"template": "storm", "boards": [BOARD]},
            headers=headers,
            timeout=30,
        )
        assert resp.status_code == 201, resp.text
        alert = resp.json()
        shown = next_event(got, "alert")  # emitted by the first process, delivered by the second
        assert (shown["id"], shown["version"]) == (alert["id"], 1)
        assert shown["images"]  # a rendition for the board's profile, ready to show
        image = requests.get(second + next(iter(shown["images"].values()))["url"], timeout=10)
        assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"

        sio.emit("alert_receipt", {"id": alert["id"], "version": 1, "status": "displayed"},
                 namespace="/player")  # fmt: skip

        def displayed() -> bool:
            data = requests.get(f"{first}/api/v1/alerts/{alert['id']}", headers=headers, timeout=10)
            return data.json()["receipts"]["displayed"] == 1

        eventually(displayed, timeout=30)

        resp = requests.post(
            f"{first}/api/v1/alerts/{alert['id']}/cancel", headers=headers, timeout=30
        )
        assert resp.status_code == 200
        assert next_event(got, "alert_cancel") == {"id": alert["id"], "version": 2}
    finally:
        sio.disconnect()
