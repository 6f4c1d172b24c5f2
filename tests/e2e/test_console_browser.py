"""The console in a real browser against the real server: sign-in, area tree, language switch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import chromium, console_server, server_log

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

PASSWORD = "e2e-demo-password-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real `signage` command: migrate a temp database, seed the demo, serve on a free port."""
    with console_server(tmp_path_factory.mktemp("console-e2e")) as served:
        yield served


def test_console_in_chromium(server: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, log_path = server
    shot = tmp_path / "areas-en.png"
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)

        # Signed out: the console sends us to the sign-in page, in Vietnamese.
        page.goto(url + "/")
        page.wait_for_url("**/login**")
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        expect(page.locator("h1")).to_have_text("Đăng nhập")
        expect(page.get_by_label("Tên đăng nhập")).to_be_visible()

        page.get_by_label("Tên đăng nhập").fill("admin")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(url + "/")
        nav = page.locator("#nav-main")
        expect(nav).to_contain_text("Khu vực")
        expect(nav).to_contain_text("Người dùng")

        # The tree shows one level; Hà Nội expands in place.
        nav.locator("a[data-nav='areas.area']").click()
        page.wait_for_url("**/areas")
        tree = page.locator("#area-tree")
        expect(tree).to_contain_text("Thành phố Hà Nội")
        expect(tree).to_contain_text("Thành phố Hải Phòng")
        expect(tree).not_to_contain_text("Phường Hoàn Kiếm")
        hanoi = page.locator(".area-node[data-code='01']")
        toggle = hanoi.locator(".area-toggle").first
        toggle.click()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        expect(hanoi.locator(".area-children")).to_contain_text("Phường Hoàn Kiếm")

        # English on request, navigation included.
        page.locator("a[data-lang='en']").click()
        page.wait_for_url("**/areas")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(nav).to_contain_text("Areas")
        expect(nav).to_contain_text("Users")
        expect(nav).to_contain_text("Audit log")
        expect(nav).to_contain_text("My API tokens")
        expect(page.locator("#area-tree")).to_contain_text("Thành phố Hà Nội")
        page.screenshot(path=str(shot), full_page=True)

    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000
    from PIL import Image

    with Image.open(shot) as image:
        assert image.width == 1280 and image.height >= 900
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50  # a rendered page, not a blank
