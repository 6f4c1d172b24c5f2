"""Offline notifications in a real browser against the real server: the bell in the menu,
subscribing to an area, the area's settings refusing a loopback webhook."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import chromium, console_server, server_log, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real `signage` command: migrate a temp database, seed the demo, serve on a free port."""
    with console_server(tmp_path_factory.mktemp("notify-e2e")) as served:
        yield served


def test_subscribe_and_area_settings_in_chromium(server: tuple[str, Path]) -> None:
    from playwright.sync_api import expect

    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        sign_in(page, url)

        # The bell opens the (empty) list; no unread badge yet.
        page.locator("#nav-notifications").click()
        page.wait_for_url("**/notifications/")
        expect(page.locator("#no-notifications")).to_be_visible()
        expect(page.locator("#nav-unread")).to_have_count(0)

        # Subscribe to Hà Nội in the console.
        page.get_by_role("link", name="Đăng ký của tôi").click()
        page.get_by_label("Khu vực", exact=True).fill("01")
        page.get_by_role("button", name="Đăng ký").click()
        expect(page.locator("#subscriptions")).to_contain_text("Thành phố Hà Nội")

        # The area's settings refuse a loopback webhook with a clear message.
        page.get_by_role("link", name="Cài đặt địa bàn").click()
        page.get_by_label("Địa chỉ webhook").fill("http://127.0.0.1:9/hook")
        page.get_by_role("button", name="Lưu").click()
        expect(page.locator("#area-notice")).to_contain_text("địa chỉ nội bộ")
        page.get_by_label("Ngưỡng mất kết nối (phút)").fill("30")
        page.get_by_label("Địa chỉ webhook").fill("")
        page.get_by_role("button", name="Lưu").click()
        expect(page.locator(".alert-success")).to_contain_text("Đã lưu")
