"""Issue #13 point 1 in a real browser: an area and a board are chosen by typing their name
without accents and picking with the keyboard, never by typing their code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import chromium, console_server, pick, server_log, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo installation (Hà Nội, Hải Phòng, boards, a programme), served."""
    with console_server(tmp_path_factory.mktemp("pickers-e2e")) as served:
        yield served


def test_upload_area_and_schedule_board_are_picked_by_name(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    from PIL import Image
    from playwright.sync_api import expect

    url, log_path = server
    picture = tmp_path / "cho.png"
    Image.new("RGB", (64, 32), (200, 30, 30)).save(picture)
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        sign_in(page, url)

        # Upload: the area is found as "hoan kiem" and shown by its name and path.
        page.goto(url + "/content/upload")
        box = page.get_by_role("combobox", name="Khu vực")
        box.focus()
        page.keyboard.type("hoan kiem")
        first = page.get_by_role("option").first
        expect(first).to_contain_text("Phường Hoàn Kiếm")
        expect(first).to_contain_text("Thành phố Hà Nội › Phường Hoàn Kiếm")
        # Escape closes the list and leaves the text as typed.
        page.keyboard.press("Escape")
        expect(page.locator("#area-list")).to_be_hidden()
        expect(box).to_have_value("hoan kiem")
        box.fill("")
        pick(page, "Khu vực", "hoan kiem")
        expect(box).to_have_value("Phường Hoàn Kiếm")
        assert page.locator("#upload-form input[type=hidden][name=area]").input_value() == "00070"
        page.get_by_label("Tiêu đề").fill("Chợ phiên cuối tuần")
        page.locator("#file").set_input_files(str(picture))
        page.locator("#upload-form button[type=submit]:not([name])").click()
        page.wait_for_url(re.compile(r".*/content/\d+$"))
        expect(page.locator("main")).to_contain_text("Phường Hoàn Kiếm")
        expect(page.locator("main")).to_contain_text("Chợ phiên cuối tuần")

        # Schedule: the target is a board, found by the name of its ward.
        page.goto(url + "/schedules/new")
        page.get_by_label("Tên").first.fill("Buổi sáng Hoàn Kiếm")
        page.locator("#target_kind").select_option("board")
        pick(page, "Khu vực, nhóm hoặc bảng tin", "hoan kiem")
        target = page.locator("#schedule-form input[type=hidden][name=target]")
        assert target.input_value() == "HN-HK-001"
        expect(page.get_by_role("combobox", name="Khu vực, nhóm hoặc bảng tin")).to_have_value(
            "Bảng tin Hồ Gươm"
        )
        pick(page, "Danh sách phát", "thong bao ha noi")
        assert page.locator("#schedule-form input[type=hidden][name=playlist]").input_value()
        expect(page.get_by_role("combobox", name="Danh sách phát")).to_have_value(
            "Thông báo Hà Nội"
        )
        page.locator("#windows").fill("06:30-07:00")
        page.locator("#schedule-form button[type=submit]").click()
        page.wait_for_url(re.compile(r".*/schedules/\d+$"))
        expect(page.locator("main")).to_contain_text("Bảng tin Hồ Gươm")

        # Playlist: an approved item is found by its headline; Enter adds its row at once.
        page.goto(url + "/playlists/")
        page.locator("#playlists-table tbody a").first.click()
        page.wait_for_url(re.compile(r".*/playlists/\d+$"))
        rows = page.locator("#entries tbody tr[data-item]")
        before = rows.count()
        pick(page, "Tin bài đã duyệt", "tiem chung")
        expect(rows).to_have_count(before + 1)
        expect(rows.last).to_contain_text("Ngày tiêm chủng mở rộng")
