"""An all-day schedule made in the console in Chromium, then the board's week and month calendar:
what plays each day, shared stretches, previous/next navigation; no ISO time on the pages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import chromium, console_server, pick, server_log, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

NAME = "Thông báo ngày thường"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real `signage` command: migrate a temp database, seed the demo, serve on a free port."""
    with console_server(tmp_path_factory.mktemp("calendar-e2e")) as served:
        yield served


def test_all_day_schedule_and_week_calendar_in_chromium(server: tuple[str, Path]) -> None:
    from playwright.sync_api import expect

    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        sign_in(page, url)

        page.goto(url + "/schedules/new")
        windows = page.locator("#windows")
        assert windows.input_value() == ""  # the example is a placeholder, not a value
        assert windows.get_attribute("placeholder") == "vd. 06:00-22:00"
        page.locator("#name").fill(NAME)
        page.locator("#target_kind").select_option("board")
        # The target and the playlist are pickers: type, take the suggestion.
        pick(page, "Khu vực, nhóm hoặc bảng tin", "HN-HK-001")
        pick(page, "Danh sách phát", "thong bao ha noi")
        page.locator("#wd-5").uncheck()
        page.locator("#wd-6").uncheck()
        page.locator("#all_day").check()
        page.locator("#schedule-form button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/schedules/\d+$"))
        expect(page.locator("main")).to_contain_text("Cả ngày (00:00-24:00)")

        page.goto(url + "/boards/HN-HK-001")
        page.locator("#board-calendar").click()
        page.wait_for_url("**/schedules/calendar?board=HN-HK-001")
        calendar = page.locator("#schedule-calendar")
        cells = calendar.locator("tbody td")
        expect(cells).to_have_count(7)
        for i in range(5):  # Monday to Friday: the new schedule and the demo's, all day, shared
            cell = cells.nth(i)
            expect(cell).to_contain_text("00:00–24:00")
            expect(cell).to_contain_text(NAME)
            expect(cell).to_contain_text("Cả ngày")
            expect(cell).to_contain_text("2 lịch phát trùng giờ này")
        for i in (5, 6):  # the weekend: only the demo's all-day schedule
            expect(cells.nth(i)).not_to_contain_text(NAME)
            expect(cells.nth(i)).to_contain_text("00:00–24:00")
        first = cells.first.get_attribute("data-date")
        shown = page.locator("main").inner_text()
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:", shown), "an ISO timestamp on the page"

        page.locator("#calendar-next").click()
        page.wait_for_url("**start=**")
        expect(cells.first).not_to_have_attribute("data-date", first or "")
        expect(cells.first).to_contain_text(NAME)
        page.locator("#calendar-month").click()
        page.wait_for_url("**view=month**")
        assert page.locator("#schedule-calendar tbody td").count() in (28, 35, 42)
        expect(page.locator("#calendar-schedules")).to_contain_text(NAME)

        page.locator("#calendar-start").fill("31/02/2026")
        page.locator("#calendar-start").press("Enter")
        expect(page.locator("main")).to_contain_text("dd/mm/yyyy")
