"""The five real console tasks of issue #13, walked in Chromium as people do them on the demo
installation, each counted (page loads, actions: tests/e2e/tasks.py) and each ending on what the
person sees.

One installation for the module; the tasks run in the issue's order and each starts from what
the one before left (1 writes and submits, 2 approves, 3 plays it on a board): run the module,
not one task. Each task starts signed in on the home page; a second person's sign-in inside a
task counts. Where the console wants a code, the person looks it up through the menu, and that
counts too. docs/console-tasks.md holds the table and where the loads and clicks go.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from signage_testing.processes import Instance, PlayerProcess, wait_for
from tests.e2e.stack import PASSWORD, chromium, console_server, server_log, sign_in
from tests.e2e.tasks import WAIT, Counter

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

WARD = "Phường Ba Đình"  # where the editor's notices and the paired screen are
SCREEN = "Màn hình UBND phường Ba Đình"  # the demo's LCD screen in that ward
ALERT_WARD = "Phường Hoàn Kiếm"  # the demo's LED board there runs the Python player
ALERT_BOARD = "HN-HK-001"
TEXT = ("Lịch khám sức khỏe nghĩa vụ quân sự", "Thanh niên sinh năm 2008 có mặt tại trạm y tế.")
IMAGE = "Ảnh ngày hội hiến máu"
PLAYLIST = "Chương trình phường Ba Đình"


@dataclass
class Installation:
    url: str
    log_path: Path
    tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installation]:
    """The demo served, with a supervisor (viewer of Hà Nội) and a token for the LED board in
    Hoàn Kiếm, whose Python player task 4 starts."""
    root = tmp_path_factory.mktemp("tasks-e2e")
    tokens: dict[str, str] = {}

    def prepare(instance: Instance) -> None:
        instance.run("users", "create", "supervisor", "--password", PASSWORD,
                     "--role", "viewer", "--area", "01")  # fmt: skip
        tokens.update(instance.board_tokens(root / "tokens.csv"))

    with console_server(root, prepare) as (url, log_path):
        yield Installation(url, log_path, tokens)


@pytest.fixture(autouse=True)
def patient_expect() -> None:
    """expect() waits as long as the shared machine may need."""
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT)


def person(browser: Any, site: Installation, user: str) -> Any:
    """A new browser (its own cookies) signed in as `user`, on the home page."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(WAIT)
    sign_in(page, site.url, user)
    return page


def sign_in_counted(t: Counter, page: Any, site: Installation, user: str) -> None:
    """A second person signs in during the task: the sign-in page and the home page load, the
    user name, the password and the button are three actions."""
    t.watch(page)
    sign_in(page, site.url, user)
    t.done_elsewhere(3, f"{user} signs in: user name, password, button")


def area_code(t: Counter, name: str) -> str:
    """What a person does today to learn an area's code: Areas in the menu, search its name."""
    page = t.page
    t.goto_menu("Khu vực")
    t.fill(page.get_by_label("Tìm khu vực theo tên hoặc mã"), name.removeprefix("Phường "))
    t.press(page.get_by_label("Tìm khu vực theo tên hoặc mã"), "Enter")
    page.wait_for_url("**q=**")
    row = page.locator(
        ".area-node", has=page.locator("a.area-name", has_text=re.compile(f"^{re.escape(name)}$"))
    )
    return row.first.locator("code.area-code").inner_text().strip()


def board_code(t: Counter, name: str) -> str:
    """What a person does today to learn a board's code: Boards in the menu, read its row."""
    t.goto_menu("Bảng tin")
    row = t.page.locator("#boards-table tr[data-board]", has_text=name)
    return row.first.locator("td").first.inner_text().strip()


def test_1_editor_writes_a_notice_and_an_image_and_submits_both(
    site: Installation, tmp_path: Path
) -> None:
    from PIL import Image
    from playwright.sync_api import expect

    photo = tmp_path / "hien-mau.png"
    Image.new("RGB", (800, 450), (200, 30, 40)).save(photo)
    with chromium(server_log(site.log_path)) as browser:
        page = person(browser, site, "editor")
        t = Counter(page, "1 editor: text + image, submit")
        code = area_code(t, WARD)

        t.goto_menu("Nội dung")
        t.click(page.get_by_role("link", name="Thông báo văn bản mới"))
        form = page.locator("#content-form")
        t.fill(form.get_by_label("Mã khu vực"), code)
        t.select(form.get_by_label("Lĩnh vực"), "health_epidemic")
        t.fill(form.get_by_label("Tiêu đề"), TEXT[0])
        t.fill(form.get_by_label("Nội dung"), TEXT[1])
        t.click(form.get_by_role("button", name="Lưu bản nháp"))
        expect(page.locator("h1")).to_have_text(TEXT[0])
        expect(page.locator("#item-state")).to_have_text("Bản nháp")
        t.click(page.get_by_role("button", name="Gửi phê duyệt"))
        expect(page.locator("#item-state")).to_have_text("Chờ phê duyệt")

        t.goto_menu("Nội dung")
        t.click(page.get_by_role("link", name="Tải ảnh lên"))
        form = page.locator("#upload-form")
        t.fill(form.get_by_label("Mã khu vực"), code)
        t.select(form.get_by_label("Lĩnh vực"), "health_epidemic")
        t.fill(form.get_by_label("Tiêu đề"), IMAGE)
        t.upload(form.get_by_label("Ảnh (JPEG, PNG hoặc WebP)"), photo)
        t.click(form.get_by_role("button", name="Tải lên"))
        expect(page.locator("h1")).to_have_text(IMAGE)
        expect(page.locator("#item-state")).to_have_text("Bản nháp")
        t.click(page.get_by_role("button", name="Gửi phê duyệt"))
        expect(page.locator("#item-state")).to_have_text("Chờ phê duyệt")
        expect(page.locator("main")).to_contain_text(WARD)
        t.record()


def test_2_approver_approves_both(site: Installation) -> None:
    from playwright.sync_api import expect

    with chromium(server_log(site.log_path)) as browser:
        page = person(browser, site, "approver")
        t = Counter(page, "2 approver: approve")
        for headline in (TEXT[0], IMAGE):
            t.goto_menu("Danh sách chờ phê duyệt")
            t.click(page.locator("#content-table a", has_text=headline))
            expect(page.locator("h1")).to_have_text(headline)
            t.click(page.get_by_role("button", name="Phê duyệt phiên bản 1"))
            expect(page.locator("#item-state")).to_have_text("Đã phê duyệt")
            expect(page.locator("#airing")).to_have_text("Đang phát: phiên bản 1")
        t.goto_menu("Danh sách chờ phê duyệt")
        expect(page.locator("#content-empty")).to_have_text(
            "Không có nội dung nào chờ bạn phê duyệt."
        )
        t.record()


def test_3_editor_programmes_the_ward_screen_and_pairs_a_browser_player(
    site: Installation,
) -> None:
    from playwright.sync_api import expect

    with chromium(server_log(site.log_path)) as browser:
        page = person(browser, site, "editor")
        t = Counter(page, "3 editor: playlist + all-day schedule + pair")
        code = area_code(t, WARD)

        t.goto_menu("Danh sách phát")
        t.fill(page.get_by_label("Tên", exact=True), PLAYLIST)
        t.fill(page.get_by_label("Mã khu vực"), code)
        t.click(page.get_by_role("button", name="Tạo"))
        expect(page.locator("h1")).to_contain_text(PLAYLIST)
        for headline in (TEXT[0], IMAGE):
            t.select(page.get_by_label("Tin bài đã duyệt"), label=f"{headline} ({WARD})")
            t.click(page.get_by_role("button", name="Thêm", exact=True))
            expect(page.locator("#entries")).to_contain_text(headline)
        expect(page.locator("#entries tbody tr")).to_have_count(2)
        items = [r.get_attribute("data-item") for r in page.locator("#entries tr[data-item]").all()]

        board = board_code(t, SCREEN)
        t.goto_menu("Lịch phát")
        t.click(page.get_by_role("link", name="Thêm lịch phát"))
        form = page.locator("#schedule-form")
        t.fill(form.get_by_label("Tên"), "Cả ngày")
        t.select(form.get_by_label("Đối tượng"), "board")
        t.fill(form.get_by_label("Mã địa bàn, nhóm hoặc bảng tin"), board)
        t.select(form.get_by_label("Danh sách phát"), label=PLAYLIST)
        # Every weekday is ticked already; "all day" is two windows (one "00:00-24:00" is empty).
        t.fill(form.get_by_label("Khung giờ trong ngày"), "00:00-12:00, 12:00-24:00")
        t.click(form.get_by_role("button", name="Lưu"))
        expect(page.locator("main")).to_contain_text("Đã lưu lịch phát và báo cho các bảng tin.")

        # At the screen: the browser player shows its pairing code.
        player = browser.new_page(viewport={"width": 960, "height": 540})
        player.set_default_timeout(WAIT)
        player.goto(site.url + "/player")
        shown = player.locator("#pairing-code")
        expect(shown).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
        pairing = shown.get_attribute("data-code")

        # An editor may not pair a board (board.manage): today an administrator does it.
        t.goto_menu("Bảng tin")
        t.click(page.locator(f"tr[data-board='{board}'] a"))
        expect(page.locator("#pair-form")).to_have_count(0)
        admin = browser.new_page(viewport={"width": 1280, "height": 900})
        admin.set_default_timeout(WAIT)
        sign_in_counted(t, admin, site, "admin")
        t.goto_menu("Bảng tin", page=admin)
        t.click(admin.locator(f"tr[data-board='{board}'] a"))
        t.fill(admin.get_by_label("Mã ghép nối hiển thị trên máy phát"), pairing)
        t.click(admin.get_by_role("button", name="Ghép nối"))
        expect(admin.locator("main")).to_contain_text("Máy phát đã được ghép nối với bảng này.")

        # The player plays the new programme; the editor sees the board online.
        stage = player.locator("#stage")
        expect(player.locator("#pairing")).to_be_hidden()
        expect(stage).to_have_attribute("data-connected", "yes")
        expect(stage).to_have_attribute("data-item", re.compile(f"^({'|'.join(items)})$"))
        t.goto_menu("Bảng tin")
        status = page.locator(f"[data-board-status='{board}']")
        expect(status).to_have_text("Trực tuyến")
        t.record()


def test_4_operator_sends_watches_and_cancels_an_alert_on_one_ward(
    site: Installation, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    player = PlayerProcess(tmp_path, site.url, token=site.tokens[ALERT_BOARD])
    logs = [player.log, site.log_path]
    try:
        player.start()
        wait_for(
            "the LED board's player connected", lambda: player.status()["connected"], logs=logs
        )
        with chromium(server_log(site.log_path)) as browser:
            page = person(browser, site, "operator")
            t = Counter(page, "4 operator: send, watch, cancel an alert on one ward")
            t.goto_menu("Cảnh báo")
            t.click(page.locator("#alert-templates a[data-template='storm']"))
            form = page.locator("#send-alert")
            headline = form.get_by_label("Tiêu đề").input_value()
            assert headline, "the template fills the headline in"
            # The operator's whole city comes ticked: untick it, open its units, tick the ward.
            city = form.get_by_label("Thành phố Hà Nội")
            expect(city).to_be_checked()
            t.uncheck(city)
            hanoi = form.locator("details", has=page.get_by_label(ALERT_WARD, exact=True))
            t.click(hanoi.locator("summary"))
            t.check(form.get_by_label(ALERT_WARD, exact=True))
            t.click(page.locator("#send-button"))
            expect(page.locator("#alert-state")).to_have_text("Đang phát")
            expect(page.locator("main")).to_contain_text(ALERT_WARD)
            expect(page.locator("[data-count='targeted']")).to_have_text("1")
            # The progress page follows the board by itself (no reload): displayed.
            expect(page.locator("[data-count='displayed']")).to_have_text("1", timeout=WAIT)
            t.click(page.locator("#cancel-button"))
            expect(page.locator("#alert-state")).to_have_text("Đã hủy")
            t.record()
        wait_for(
            "the alert off the LED board",
            lambda: "alert" not in player.status()["picture"],
            logs=logs,
        )
    finally:
        player.stop()


def test_5_supervisor_reads_the_audit_log(site: Installation) -> None:
    from playwright.sync_api import expect

    with chromium(server_log(site.log_path)) as browser:
        page = person(browser, site, "supervisor")
        t = Counter(page, "5 supervisor: audit log")
        t.goto_menu("Nhật ký thao tác")
        log = page.locator("#audit-table")
        expect(log).to_contain_text(f"đã phê duyệt tin «{TEXT[0]}»")
        expect(log).to_contain_text(f"đã phê duyệt tin «{IMAGE}»")
        expect(log).to_contain_text("đã ghép nối thiết bị phát với")
        t.select(page.get_by_label("Loại hành động"), "alert")
        t.click(page.locator("#audit-filters button[type=submit]"))
        page.wait_for_url("**kind=alert**")
        expect(log).to_contain_text("operator đã phát")
        expect(log).to_contain_text(ALERT_WARD)
        expect(log).to_contain_text("operator đã hủy")
        expect(log).not_to_contain_text("đã phê duyệt tin")
        shown = page.locator("main").inner_text()
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:", shown), "an ISO timestamp on the page"
        t.record()
