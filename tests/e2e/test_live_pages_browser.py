"""Live console pages in Chromium against the real demo server: a board page turns online when
its player connects, and an alert's per-board table fills in as the player's receipts flush,
without a reload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import socketio

from signage_testing.processes import Server
from tests.e2e.stack import WAIT, chromium, sign_in, until

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]
BOARD = "HP-001"  # a demo board that never connected


def test_board_and_alert_pages_follow_the_player(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    tokens = server.instance.board_tokens(tmp_path / "tokens.csv")
    admin = server.api("admin")
    player = socketio.Client(reconnection=False)
    with chromium(lambda: f"--- server log ---\n{server.log()}") as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(WAIT)
        sign_in(page, server.url)
        page.goto(f"{server.url}/boards/{BOARD}")
        status = page.locator("#player-status")
        expect(status).to_contain_text("Ngoại tuyến")
        until(page, "document.documentElement.dataset.live === 'connected'")

        try:
            player.connect(
                server.url,
                namespaces=["/player"],
                transports=["websocket"],
                auth={"token": tokens[BOARD], "protocol": 1, "player_version": "e2e-live"},
                wait_timeout=20,
            )
            # Pairing done, player connected: online without a reload.
            expect(page.locator("#player-status .badge").first).to_have_text("Trực tuyến")
            expect(status).to_contain_text("e2e-live")
            assert page.evaluate("performance.getEntriesByType('navigation').length") == 1

            alert = admin("POST", "/alerts", {"template": "storm", "boards": [BOARD]}, expect=201)
            page.goto(f"{server.url}/alerts/{alert['id']}")
            until(page, "document.documentElement.dataset.live === 'connected'")
            row = page.locator(f"#delivery-table tr[data-board='{BOARD}']")
            expect(row.locator(".d-displayed")).to_have_text("-")
            expect(page.locator("#alert-missing")).to_contain_text(BOARD)
            for receipt in ("received", "displayed"):
                player.emit(
                    "alert_receipt",
                    {"id": alert["id"], "version": 1, "status": receipt},
                    namespace="/player",
                )
            when = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}")
            expect(row.locator(".d-received")).to_have_text(when)
            expect(row.locator(".d-displayed")).to_have_text(when)
            expect(page.locator("#all-displayed")).to_be_visible()
            expect(page.locator("#alert-progress [data-count='displayed']")).to_have_text("1")
        finally:
            player.disconnect()
        page.goto(f"{server.url}/boards/{BOARD}")
        expect(page.locator("#player-status")).to_contain_text("e2e-live")

        # The menu's approval count follows the queue: submitted, then decided.
        badge = page.locator("#nav-approvals")
        expect(badge).to_be_hidden()
        until(page, "document.documentElement.dataset.live === 'connected'")
        # Written by the ward's editor: an approver's own revisions are not in their count.
        editor = server.api("editor")
        item = editor(
            "POST",
            "/content",
            {"area": "00070", "category": "health_epidemic", "headline": "Tin E2E", "body": "E2E"},
            expect=201,
        )
        editor("POST", f"/content/{item['id']}/submit")
        expect(badge).to_have_text("1")
        expect(badge).to_be_visible()
        server.api("approver")("POST", f"/content/{item['id']}/approve", {"comment": ""})
        expect(badge).to_be_hidden()
        assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
