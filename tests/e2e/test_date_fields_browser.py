"""Date fields in a real Chromium set to US English: still typed and shown day first."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import chromium, console_server, server_log, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real `signage` command with the demo seeded."""
    with console_server(tmp_path_factory.mktemp("dates-e2e")) as served:
        yield served


def test_report_period_is_typed_day_first_in_a_us_browser(server: tuple[str, Path]) -> None:
    from playwright.sync_api import expect

    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(locale="en-US", viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        sign_in(page, url)
        page.goto(url + "/reports/plays")
        first, last = page.locator("#f-from"), page.locator("#f-to")
        assert first.get_attribute("placeholder") == "dd/mm/yyyy"
        first.fill("01/11/2026")
        last.fill("25/11/2026")
        last.press("Enter")
        page.wait_for_url("**to=25%2F11%2F2026**")
        expect(page.locator("#plays-total")).to_contain_text("từ 01/11/2026 đến 25/11/2026")
        expect(first).to_have_value("01/11/2026")

        first.fill("31/02/2026")
        last.press("Enter")
        expect(page.locator("main")).to_contain_text("Ngày đầu: hãy nhập ngày theo dạng")
        expect(first).to_have_value("31/02/2026")
