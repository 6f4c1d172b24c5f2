"""An alert sent on one server process reaches a player connected to another, through Redis."""

from __future__ import annotations

import csv
import os
import queue
import secrets
from pathlib import Path

import pytest
import requests
import socketio

from tests.e2e.processes import Instance, eventually

pytestmark = pytest.mark.e2e

REDIS = os.environ.get("SIGNAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
BOARD = "HN-HK-001"


@pytest.fixture()
def two_servers(tmp_path: Path):
    """Two `signage serve` processes on one database (PostgreSQL in CI's second pass), joined by
    the Redis message queue."""
    instance = Instance(
        tmp_path,
        SIGNAGE_MESSAGE_QUEUE=REDIS,
        # Pub/sub ignores the Redis database number: a channel of its own keeps other runs out.
        SIGNAGE_MESSAGE_QUEUE_CHANNEL=f"signage-e2e-{secrets.token_hex(4)}",
        SIGNAGE_DEMO_PASSWORD="e2e-pass-1",
    )
    try:
        yield from _serve_two(instance, tmp_path)
    finally:
        instance.close()


def _serve_two(instance: Instance, tmp_path: Path):
    instance.run("db", "upgrade")
    instance.run("seed-demo")
    instance.run("boards", "issue-tokens", "--out", str(tmp_path / "tokens.csv"))
    token = instance.run("tokens", "create", "--user", "operator").strip()
    with open(tmp_path / "tokens.csv", encoding="utf-8") as fh:
        board_tokens = dict(csv.reader(fh))
    first, second = instance.serve(), instance.serve()
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
