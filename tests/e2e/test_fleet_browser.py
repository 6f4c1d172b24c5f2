"""The fleet at a glance in Chromium against the real demo server: the home counts, the dark
board, the status map, the board list's filters, and a board coming online without a reload."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import socketio

from signage_testing.processes import Server
from tests.e2e.stack import PASSWORD, chromium

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]


def test_home_and_board_list_in_chromium(server: Server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    tokens = server.instance.board_tokens(tmp_path / "tokens.csv")
    player = socketio.Client(reconnection=False)
    with chromium(lambda: f"--- server log ---\n{server.log()}") as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(20_000)
        page.goto(server.url + "/login")
        page.get_by_label("Tên đăng nhập").fill("admin")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(server.url + "/")

        # The demo: Ba Đình's screen went dark 2 h 15 min before seeding, the others never
        # connected.
        expect(page.locator("[data-count='online']")).to_have_text("0")
        expect(page.locator("[data-count='offline']")).to_have_text("1")
        expect(page.locator("[data-count='never']")).to_have_text("2")
        dark = page.locator("#dark-boards")
        expect(dark).to_contain_text("Màn hình UBND phường Ba Đình")
        expect(dark).to_contain_text(re.compile(r"Mất kết nối 2 giờ 1\d phút"))
        expect(page.locator("#fleet-map .fleet-dot")).to_have_count(3)
        expect(page.locator("#fleet-map .fleet-dot.fleet-offline")).to_have_count(1)
        expect(page.locator("#fleet-live")).to_have_attribute("data-connected", "true")

        # A player connects: the counts and the map follow without a reload.
        try:
            player.connect(
                server.url,
                namespaces=["/player"],
                transports=["websocket"],
                auth={
                    "token": tokens["HP-001"],
                    "protocol": 1,
                    "player_version": "e2e",
                    "alerts": [],
                },
                wait_timeout=20,
            )
            expect(page.locator("[data-count='online']")).to_have_text("1")
            expect(page.locator("[data-count='never']")).to_have_text("1")
            expect(page.locator("#fleet-map .fleet-dot[data-code='HP-001']")).to_have_class(
                re.compile(r"fleet-online")
            )
        finally:
            player.disconnect()
        expect(page.locator("[data-count='online']")).to_have_text("0")
        expect(page.locator("[data-count='offline']")).to_have_text("2")

        # The board list: filtering by status changes the rows, and the filter survives.
        page.locator("#tile-never").click()
        page.wait_for_url("**/boards/?status=never")
        rows = page.locator("#boards-table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("HN-HK-001")
        expect(rows.first.locator(".fleet-badge")).to_have_text("Chưa từng kết nối")
        # (HP-001 just disconnected: presence keeps it online for OFFLINE_GRACE, then offline,
        # so the filters below are ones whose rows do not depend on that moment.)
        page.select_option("#f-status", "")
        page.select_option("#f-dark", "1h")
        page.locator("#filter-button").click()
        page.wait_for_url("**offline_for=1h**")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("HN-BD-001")
        expect(rows.first).to_contain_text("1.4.2")
        expect(rows.first).to_contain_text("3,2 GB")
        expect(rows.first.locator(".fleet-badge")).to_have_text("Ngoại tuyến")
        expect(page.locator("#f-dark")).to_have_value("1h")
        page.select_option("#f-dark", "")
        page.fill("#q", "HN-")
        page.locator("#filter-button").click()
        page.wait_for_url("**q=HN-**")
        expect(rows).to_have_count(2)

        # A hostile value is a clear form error, not a crash.
        resp = page.goto(server.url + "/boards/?status=%3Cscript%3E")
        assert resp is not None and resp.status == 422
        expect(page.locator("#filter-error")).to_be_visible()
