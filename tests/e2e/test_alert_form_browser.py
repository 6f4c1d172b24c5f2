"""The safe alert form in a real browser (#13): an operator of the whole city finds one ward by
typing without accents, ticks it (the city stays unticked, and says so when it was), sees the
summary with the board count, confirms, then cancels after the confirmation page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import chromium, console_server, server_log, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real `signage` command: migrate a temp database, seed the demo, serve on a free port."""
    with console_server(tmp_path_factory.mktemp("alert-form-e2e")) as served:
        yield served


def test_operator_sends_to_one_ward_and_cancels_in_chromium(server: tuple[str, Path]) -> None:
    from playwright.sync_api import expect

    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        sign_in(page, url, "operator")
        page.goto(url + "/alerts/new?template=storm")

        targets = page.locator("#target-areas")
        assert targets.locator("input:checked").count() == 0  # not even the whole city
        box = targets.bounding_box()
        assert box is not None and box["height"] <= 400  # the list scrolls in its own box

        city, ward, other = (
            page.locator("#area-01"),
            page.locator("#area-00070"),
            page.locator("#area-00004"),
        )
        page.locator("#area-filter").fill("hoan kiem")
        expect(ward).to_be_visible()
        expect(other).to_be_hidden()  # Ba Đình does not match
        city.check()
        ward.check()
        expect(city).not_to_be_checked()
        expect(page.locator("#target-note")).to_contain_text("Thành phố Hà Nội")
        expect(page.locator("#target-note")).to_contain_text("Phường Hoàn Kiếm")

        page.locator("#send-button").click()
        expect(page.locator("#summary-boards")).to_have_text("1")  # Bảng tin Hồ Gươm
        expect(page.locator("#summary-online")).to_have_text("0")
        expect(page.locator("#summary-areas")).to_contain_text("Phường Hoàn Kiếm")
        expect(page.locator("#summary-previews figure")).to_have_count(1)
        assert "00070" not in page.locator("#alert-summary").inner_text()

        page.locator("#confirm-send").click()
        page.wait_for_url(re.compile(r".*/alerts/\d+$"))
        expect(page.locator("#alert-state")).to_have_text("Đang phát")

        page.locator("#cancel-button").click()
        page.wait_for_url(re.compile(r".*/alerts/\d+/cancel$"))
        expect(page.locator("#cancel-facts")).to_contain_text("1")
        page.locator("#cancel-confirm").click()
        page.wait_for_url(re.compile(r".*/alerts/\d+$"))
        expect(page.locator("#alert-state")).to_have_text("Đã hủy")
        expect(page.locator("#cancel-button")).to_have_count(0)


def test_operator_picks_boards_by_name_and_on_the_map(server: tuple[str, Path]) -> None:
    from playwright.sync_api import expect

    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        sign_in(page, url, "operator")
        page.goto(url + "/alerts/new?template=storm")
        expect(page.locator("#boards")).to_be_hidden()  # codes are not typed by hand

        page.locator("#boards-picker").fill("ho guom")
        page.locator("#boards-picker-list [role=option]", has_text="Bảng tin Hồ Gươm").click()
        chips = page.locator("#boards-chips li")
        expect(chips).to_have_text(["Bảng tin Hồ Gươm"])
        expect(page.locator("#boards-picker")).to_have_value("")  # ready for the next board
        page.locator(".board-dot[data-code='HN-BD-001']").click()
        expect(chips).to_have_text(["Bảng tin Hồ Gươm", "Màn hình UBND phường Ba Đình"])
        expect(page.locator(".board-dot[data-code='HN-BD-001']")).to_have_class(
            re.compile("picked")
        )

        page.get_by_role("button", name="Bỏ Bảng tin Hồ Gươm").click()
        expect(chips).to_have_text(["Màn hình UBND phường Ba Đình"])
        expect(page.locator(".board-dot[data-code='HN-HK-001']")).not_to_have_class(
            re.compile("picked")
        )
        page.locator("#send-button").click()
        expect(page.locator("#summary-boards")).to_have_text("1")
        assert "HN-BD-001" not in page.locator("#alert-summary").inner_text()
