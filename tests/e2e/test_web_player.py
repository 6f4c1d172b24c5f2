"""The browser player in headless Chromium against the real server process.

Pair, play, change the programme, commands, the alert overlay (alert events injected into the
player's real websocket), server down + reload (service worker), restart + resync, revoke.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from signage_testing.processes import Server
from tests.e2e.stack import (
    WAIT,
    approved_item,
    board_programme,
    chromium,
    non_black_share,
    until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

BOARD = "E2E-LCD-1"
RECONNECT_WAIT = 180_000  # backoff with full jitter may wait up to 60 s per attempt


def _frames(sent: list[str], event: str) -> list[Any]:
    """Payloads of Socket.IO events the page sent (`42/player,["event", payload]`)."""
    found = []
    for frame in sent:
        if frame.startswith("42/player,"):
            name, *args = json.loads(frame[len("42/player,") :].lstrip("0123456789"))
            if name == event:
                found.append(args[0] if args else None)
    return found


def test_web_player_in_chromium(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)

    admin, approver = server.api("admin"), server.api("e2e-approver")
    first, playlist = board_programme(
        admin, approver, BOARD, "Màn hình chợ E2E", "E2E", "Lịch tiêm chủng tháng Mười Một"
    )

    console: list[str] = []  # the page's console, printed on failure
    sent: list[str] = []  # websocket frames the page sent
    received: list[str] = []  # and those the server sent it
    sockets: list[Any] = []  # the page's side of each websocket

    def through(ws: Any) -> None:
        upstream = ws.connect_to_server()

        def from_page(message: str | bytes) -> None:
            sent.append(message if isinstance(message, str) else message.decode())
            upstream.send(message)

        def from_server(message: str | bytes) -> None:
            received.append(message if isinstance(message, str) else message.decode())
            ws.send(message)

        ws.on_message(from_page)
        upstream.on_message(from_server)
        sockets.append(ws)

    def inject(event: str, payload: dict) -> None:
        sockets[-1].send("42/player," + json.dumps([event, payload]))

    def log() -> str:
        return "\n".join([
            "--- browser console ---", *console,
            "--- websocket, page -> server ---", *(m[:300] for m in sent[-30:]),
            "--- websocket, server -> page ---", *(m[:300] for m in received[-30:]),
            f"--- server log ({server.log_path}) ---", server.log(),
        ])  # fmt: skip

    with chromium(log) as browser:
        context = browser.new_context(viewport={"width": 960, "height": 540}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(WAIT)
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
        page.route_web_socket(re.compile(r".*/socket\.io/.*"), through)

        # Unpaired: a big pairing code and Vietnamese instructions.
        page.goto(server.url + "/player")
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        expect(page.locator("#pairing")).to_be_visible()
        expect(page.locator("#pairing")).to_contain_text("Mã ghép nối")
        code_el = page.locator("#pairing-code")
        expect(code_el).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
        code = code_el.get_attribute("data-code")
        assert code is not None
        page.screenshot(path=str(tmp_path / "pairing.png"))
        assert non_black_share(tmp_path / "pairing.png") > 0.5

        # The operator pairs it; the programme plays full screen.
        admin("POST", f"/boards/{BOARD}/pair", {"pairing_code": code})
        stage = page.locator("#stage")
        expect(page.locator("#pairing")).to_be_hidden()
        expect(stage).to_have_attribute("data-connected", "yes")
        expect(stage).to_have_attribute("data-kind", "programme")
        expect(stage).to_have_attribute("data-item", str(first))
        frame = page.locator("#frame")
        expect(frame).to_be_visible()
        until(
            page,
            "document.getElementById('frame').complete"
            " && document.getElementById('frame').naturalWidth > 0",
        )
        first_src = frame.get_attribute("src")
        assert first_src and re.fullmatch(r"/media/[0-9a-f]{64}\.png", first_src)
        page.screenshot(path=str(tmp_path / "first.png"))
        assert non_black_share(tmp_path / "first.png") > 0.3
        # Connections reach the board's status in the next batched write (about 1 s).
        for _ in range(120):
            status = admin("GET", f"/boards/{BOARD}/status")
            if status["online"]:
                break
            page.wait_for_timeout(500)
        assert status["online"] and status["paired"]
        assert status["player_version"].startswith("signage-webplayer")

        # A new programme: the player switches to the new image.
        second = approved_item(admin, approver, "Thông báo chi trả lương hưu")
        admin(
            "PUT",
            f"/playlists/{playlist['id']}",
            {"name": "E2E", "items": [{"item": second}]},
        )
        expect(stage).to_have_attribute("data-item", str(second))
        until(
            page,
            "document.getElementById('frame').complete"
            " && document.getElementById('frame').naturalWidth > 0",
        )
        second_src = frame.get_attribute("src")
        assert second_src and second_src != first_src
        page.screenshot(path=str(tmp_path / "second.png"))
        assert non_black_share(tmp_path / "second.png") > 0.3
        assert (tmp_path / "first.png").read_bytes() != (tmp_path / "second.png").read_bytes()

        # Commands from the console: identify, screenshot.
        admin("POST", f"/boards/{BOARD}/commands", {"name": "identify"}, expect=202)
        expect(page.locator("#identify")).to_be_visible()
        expect(page.locator("#identify-code")).to_have_text(BOARD)
        expect(page.locator("#identify-name")).to_have_text("Màn hình chợ E2E")
        shot = admin("POST", f"/boards/{BOARD}/commands", {"name": "screenshot"}, 202)
        deadline = time.monotonic() + 60
        status = admin("GET", f"/boards/{BOARD}/status")
        while time.monotonic() < deadline and not (
            status["last_command"] and status["last_command"].get("id") == shot["id"]
        ):
            page.wait_for_timeout(500)  # not time.sleep: lets Playwright relay frames
            status = admin("GET", f"/boards/{BOARD}/status")
        assert status["last_command"]["id"] == shot["id"], status["last_command"]
        assert status["last_command"]["ok"], status["last_command"]
        assert status["screenshot_url"]
        shot_req = urllib.request.Request(  # screenshots are not public
            server.url + status["screenshot_url"],
            headers={"Authorization": f"Bearer {admin.token}"},
        )
        with urllib.request.urlopen(shot_req) as resp:
            assert resp.read()[:8] == b"\x89PNG\r\n\x1a\n"

        # A real alert through the API: on screen at once, receipt counted, cancelled.
        sent_alert = admin("POST", "/alerts", {"template": "storm", "boards": [BOARD]}, expect=201)
        expect(stage).to_have_attribute("data-alert", str(sent_alert["id"]))
        expect(page.locator("#alert-image")).to_have_attribute(
            "src", sent_alert["images"]["lcd-1920x1080"]["url"]
        )
        expect(page.locator("#alert-image")).to_be_visible()
        for _ in range(120):
            progress = admin("GET", f"/alerts/{sent_alert['id']}")["receipts"]
            if progress["displayed"] == 1:
                break
            page.wait_for_timeout(500)
        assert progress == {"targeted": 1, "delivered": 1, "displayed": 1, "offline": 0}
        admin("POST", f"/alerts/{sent_alert['id']}/cancel")
        expect(page.locator("#alert")).to_be_hidden()

        # Alerts (server side built elsewhere): injected into the live websocket.
        inject(
            "alert",
            {
                "id": 7,
                "version": 1,
                "category": "storm",
                "severity": "severe",
                "headline": "Bão số 9 đổ bộ",
                "body": "Người dân ở trong nhà, tránh xa bờ biển.",
                "expires_at": None,
                "images": {},
            },
        )
        overlay = page.locator("#alert")
        expect(overlay).to_be_visible()
        expect(page.locator("#alert-text")).to_contain_text("Bão số 9 đổ bộ")
        inject(
            "alert",
            {
                "id": 8,
                "version": 1,
                "category": "fire",
                "severity": "extreme",
                "headline": "Cháy lớn",
                "body": "",
                "expires_at": "2099-01-01T00:00:00Z",
                "images": {"lcd-1920x1080": {"url": first_src, "sha256": "x"}},
            },
        )
        expect(stage).to_have_attribute("data-alert", "8")
        expect(page.locator("#alert-image")).to_have_attribute("src", first_src)
        expect(page.locator("#alert-image")).to_be_visible()
        inject("alert_cancel", {"id": 8, "version": 2})
        expect(stage).to_have_attribute("data-alert", "7")
        expect(page.locator("#alert-text")).to_be_visible()
        inject("alert_cancel", {"id": 7, "version": 2})
        expect(overlay).to_be_hidden()
        until(page, "(localStorage.getItem('signage.alerts') || '') === '{}'")
        receipts = _frames(sent, "alert_receipt")
        assert {"id": 7, "version": 1, "status": "displayed"} in receipts
        assert {"id": 8, "version": 1, "status": "displayed"} in receipts
        assert {"id": 8, "version": 2, "status": "cleared"} in receipts
        assert {"id": 7, "version": 2, "status": "cleared"} in receipts
        assert _frames(sent, "heartbeat"), "no heartbeat sent"

        # An alert active when the server goes away stays up across a reload.
        inject(
            "alert",
            {
                "id": 9,
                "version": 1,
                "category": "flood",
                "severity": "moderate",
                "headline": "Nước sông dâng cao",
                "body": "",
                "expires_at": None,
                "images": {},
            },
        )
        expect(stage).to_have_attribute("data-alert", "9")

        # Server down: a reload still plays the programme from the caches.
        server.stop()
        page.reload()
        expect(stage).to_have_attribute("data-connected", "no")
        expect(stage).to_have_attribute("data-kind", "programme")
        expect(stage).to_have_attribute("data-item", str(second))
        expect(page.locator("#alert-text")).to_contain_text("Nước sông dâng cao")
        until(
            page,
            "document.getElementById('frame').complete"
            " && document.getElementById('frame').naturalWidth > 0",
        )
        assert frame.get_attribute("src") == second_src
        # The image under the alert came from the cache and has content.
        lit = page.evaluate(
            """() => {
              const img = document.getElementById('frame');
              const c = document.createElement('canvas');
              c.width = 480; c.height = 270;
              const ctx = c.getContext('2d');
              ctx.drawImage(img, 0, 0, c.width, c.height);
              const d = ctx.getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 48) n++;
              return n / (c.width * c.height);
            }"""
        )
        assert lit > 0.3, lit
        page.screenshot(path=str(tmp_path / "offline.png"))
        assert non_black_share(tmp_path / "offline.png") > 0.3

        # Server back: the player reconnects by itself and the board is online again.
        restarted = datetime.now().astimezone()
        server.start()
        expect(stage).to_have_attribute("data-connected", "yes", timeout=RECONNECT_WAIT)
        for _ in range(120):  # the connection is written in the next batch (about 1 s)
            status = admin("GET", f"/boards/{BOARD}/status")
            connected = status["connected_at"]
            if connected and datetime.fromisoformat(connected) >= restarted:
                break
            page.wait_for_timeout(500)
        assert status["online"]
        assert datetime.fromisoformat(status["connected_at"]) >= restarted
        # The server's list of active alerts (empty) replaces what the player kept.
        expect(overlay).to_be_hidden()
        expect(stage).to_have_attribute("data-item", str(second))
        page.screenshot(path=str(tmp_path / "resynced.png"))
        assert non_black_share(tmp_path / "resynced.png") > 0.3
        # Proof of play kept through the outage is sent on reconnect and acknowledged.
        until(
            page,
            "(localStorage.getItem('signage.pop.batches') || '{}') === '{}'"
            " && JSON.parse(localStorage.getItem('signage.pop.pending') || '[]').length === 0",
        )
        batches = _frames(sent, "proof_of_play")
        played = {r["item_id"] for b in batches for r in b["records"]}
        assert {first, second} <= played, batches

        # Revoked: the player drops the board and shows pairing again.
        admin("POST", f"/boards/{BOARD}/revoke")
        expect(page.locator("#pairing")).to_be_visible()
        expect(page.locator("#pairing-not-paired")).to_contain_text("thu hồi")
        expect(code_el).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
        assert page.evaluate("localStorage.getItem('signage.token')") is None
        assert not admin("GET", f"/boards/{BOARD}/status")["paired"]

        # Paired again, now with an LED board and nothing scheduled: the fallback (unit
        # name, clock, date), never a blank screen; LED images scale without smoothing.
        led = admin("GET", "/boards/HP-001")
        code = code_el.get_attribute("data-code")
        admin("POST", "/boards/HP-001/pair", {"pairing_code": code})
        expect(page.locator("#pairing")).to_be_hidden()
        expect(stage).to_have_attribute("data-kind", "fallback")
        expect(page.locator("#fallback")).to_be_visible()
        expect(page.locator("#fallback-name")).to_have_text(led["area_name"])
        expect(page.locator("#fallback-clock")).to_have_text(re.compile(r"^\d{2}:\d{2}$"))
        expect(page.locator("body")).to_have_class(re.compile(r"\bled\b"))
        rendering = page.evaluate(
            "getComputedStyle(document.getElementById('frame')).imageRendering"
        )
        assert rendering == "pixelated"
        page.screenshot(path=str(tmp_path / "fallback.png"))
        assert non_black_share(tmp_path / "fallback.png") > 0.5

        # `reload` reloads the page, which comes back paired and playing.
        page.evaluate("window.beforeReload = true")
        admin("POST", "/boards/HP-001/commands", {"name": "reload"}, expect=202)
        until(page, "window.beforeReload === undefined")
        expect(stage).to_have_attribute("data-connected", "yes")
        expect(stage).to_have_attribute("data-kind", "fallback")
