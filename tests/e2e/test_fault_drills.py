"""Fault drills with real processes: whatever fails, every board converges and no receipt is lost.

Each drill runs on a scratch database (PostgreSQL in CI's second pass) with a redis-server of its
own on a free port. Boards are lightweight protocol clients (tests/e2e/drills.py) plus, in the
restart drill, one real Python player. Waits poll with generous bounds; the only time limits
asserted are the ones the operator is promised (a POST within 2 s, a stop within 10 s).
"""

from __future__ import annotations

import json
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from signage_testing.processes import Instance, PlayerProcess, RedisServer, eventually, free_port
from tests.e2e.drills import Board, Syncer

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("postgresql")]

DRILL_BOARDS = 30
CONVERGE_S = 60  # generous: proves convergence, not speed


def install(instance: Instance, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """Migrate, seed, import DRILL_BOARDS more boards; (operator API token, board tokens)."""
    instance.run("db", "upgrade")
    instance.run("seed-demo")
    rows = ["code,name,area_code,profile"]
    rows += [f"DR-{n:03},Bảng diễn tập {n},00070,led-192x96-mono" for n in range(DRILL_BOARDS)]
    (tmp_path / "boards.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    instance.run("boards", "import", str(tmp_path / "boards.csv"))
    board_tokens = instance.board_tokens(tmp_path / "tokens.csv")
    return instance.run("tokens", "create", "--user", "operator").strip(), board_tokens


@dataclass
class Site:
    """One installation shared by the drills (installing costs more than a drill)."""

    root: Path
    instance: Instance
    queue: RedisServer
    token: str
    tokens: dict[str, str]

    @property
    def drill_codes(self) -> list[str]:
        return sorted(c for c in self.tokens if c.startswith("DR-"))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    """Scratch database, media and a redis-server of its own; removed after the drills."""
    root = tmp_path_factory.mktemp("drills")
    queue = RedisServer(root)
    queue.start()
    instance = Instance(
        root,
        SIGNAGE_MESSAGE_QUEUE=queue.url,
        SIGNAGE_MESSAGE_QUEUE_CHANNEL="drill",
        SIGNAGE_DEMO_PASSWORD="drill-pass-1",
        SIGNAGE_STATUS_FLUSH_SECONDS="1",
    )
    try:
        token, tokens = install(instance, root)
        yield Site(root, instance, queue, token, tokens)
    finally:
        instance.close()
        queue.stop()


def receipts(url: str, token: str, alert_id: int) -> dict:
    resp = requests.get(
        f"{url}/api/v1/alerts/{alert_id}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return resp.json()["receipts"]


def post_alert(url: str, token: str, codes: list[str]) -> tuple[requests.Response, float]:
    began = time.monotonic()
    resp = requests.post(
        f"{url}/api/v1/alerts",
        json={"template": "storm", "boards": codes},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    return resp, time.monotonic() - began


def test_redis_frozen_then_stopped_across_two_processes(site: Site) -> None:
    """Redis frozen during POST /api/v1/alerts, then stopped during the cancel."""
    instance, queue, token, tokens = site.instance, site.queue, site.token, site.tokens
    boards: list[Board] = []
    try:
        first, second = instance.serve(), instance.serve()
        codes = site.drill_codes
        for n, code in enumerate(codes):  # half on each process
            boards.append(Board(first if n % 2 == 0 else second, code, tokens[code]))
        for board in boards:
            board.connect_patiently()
        local = [b for b in boards if b.url == first]
        # A first alert elsewhere warms the process up (fonts, renderer), so that the timed
        # POST below measures what Redis does to it, not a cold start on a loaded machine.
        warm, _took = post_alert(first, token, ["HN-BD-001"])
        assert warm.status_code == 201, warm.text
        with Syncer(boards):
            # Redis frozen: the POST must not wait for it, and this process's boards show it.
            queue.freeze()
            resp, took = post_alert(first, token, codes)
            assert resp.status_code == 201, resp.text
            assert took < 2.0, f"POST took {took:.1f} s with Redis frozen"
            alert = resp.json()["id"]
            eventually(lambda: all(alert in b.holds() for b in local), timeout=CONVERGE_S)
            queue.thaw()
            eventually(lambda: all(alert in b.holds() for b in boards), timeout=CONVERGE_S)

            # Redis stopped: the cancel answers promptly; every board clears once it is back.
            queue.stop()
            began = time.monotonic()
            resp = requests.post(
                f"{first}/api/v1/alerts/{alert}/cancel",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert resp.status_code == 200, resp.text
            assert time.monotonic() - began < 2.0
            queue.start()
            eventually(lambda: all(not b.holds() for b in boards), timeout=CONVERGE_S)
        assert [b.code for b in boards if b.connects != 1 or not b.connected] == []
    finally:
        for board in boards:
            board.close()
        instance.stop()


def python_player(root: Path, url: str, token: str) -> PlayerProcess:
    """The real Python player for one board (token in its config), frames output, started."""
    root.mkdir(parents=True, exist_ok=True)
    player = PlayerProcess(root, url, token=token, settings={"heartbeat_s": 1}, max_files=50)
    player.start()
    return player


def showing_alert(player: PlayerProcess, alert_id: int) -> bool:
    try:
        status = json.loads(player.status_path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return status.get("picture", "").startswith(f"('alert', {alert_id},")


def test_server_stopped_or_killed_between_display_and_receipt_flush(site: Site) -> None:
    """SIGTERM with the players connected: exits within 10 s and keeps the receipts; kill -9:
    the players confirm again to the next process. Either way every board counts as displayed."""
    instance, token, tokens = site.instance, site.token, site.tokens
    # Receipts stay in memory until the process stops: exactly the window a stop hits.
    hold = {"SIGNAGE_ALERT_RECEIPT_FLUSH_SECONDS": "3600"}
    boards: list[Board] = []
    player = None
    try:
        port = free_port()
        url = instance.serve(port, **hold)
        codes = site.drill_codes
        boards = [Board(url, code, tokens[code], reconnect=True) for code in codes]
        for board in boards:
            board.connect_patiently()
        player = python_player(site.root / "player", url, tokens["HN-HK-001"])
        everyone = [*codes, "HN-HK-001"]

        resp, _took = post_alert(url, token, everyone)
        assert resp.status_code == 201, resp.text
        first = resp.json()["id"]
        eventually(lambda: all(first in b.holds() for b in boards), timeout=CONVERGE_S)
        eventually(lambda: showing_alert(player, first), timeout=CONVERGE_S)
        time.sleep(1)  # the receipts reach the server's buffer; 3600 s before it would flush
        assert receipts(url, token, first)["displayed"] == 0

        server = instance.procs.pop()
        began = time.monotonic()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        assert time.monotonic() - began < 10.0, "the server took too long to stop"
        server.log.close()
        assert "Invalid HTTP method" not in instance.log_path.read_text(encoding="utf-8")

        # The next process (same port, receipts again kept in memory): what SIGTERM wrote counts.
        instance.serve(port, **hold)
        assert receipts(url, token, first)["displayed"] == len(everyone)
        eventually(lambda: all(b.connected and b.connects >= 2 for b in boards), timeout=CONVERGE_S)

        resp, _took = post_alert(url, token, everyone)
        second = resp.json()["id"]
        eventually(lambda: all(second in b.holds() for b in boards), timeout=CONVERGE_S)
        eventually(lambda: showing_alert(player, second), timeout=CONVERGE_S)
        time.sleep(1)  # its receipt reaches the buffer, where kill -9 loses it
        server = instance.procs.pop()
        server.kill()  # nothing is flushed: the receipts in memory are gone
        server.wait(timeout=30)
        server.log.close()
        instance.serve(port)  # the usual one-second flush
        eventually(
            lambda: receipts(url, token, second)["displayed"] == len(everyone),
            timeout=CONVERGE_S,
        )
    finally:
        if player is not None:
            player.stop()
        for board in boards:
            board.close()
        instance.stop()
