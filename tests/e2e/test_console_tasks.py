"""The five real console tasks of issue #13, walked in Chromium as people do them on the demo
installation, each counted (page loads, actions: tests/e2e/tasks.py) and each ending on what the
person sees.

One installation for the module; the tasks run in the issue's order and each starts from what
the one before left (1 writes and submits, 2 approves, 3 plays it on a board): run the module,
not one task. Each task starts signed in on the home page. Areas, boards, playlists and items
are chosen with the pickers by name (typing part of it, clicking a suggestion): no code is looked
up or typed. docs/console-tasks.md holds the table and where the loads and clicks go.
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
AREA_LABEL = "Khu vực"  # the area pickers' label (they search by name)


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

        t.goto_menu("Tin bài")
        t.click(page.get_by_role("link", name="Thông báo văn bản mới"))
        form = page.locator("#content-form")
        t.pick(form.get_by_label(AREA_LABEL), "ba dinh", WARD)
        t.select(form.get_by_label("Lĩnh vực"), "health_epidemic")
        t.fill(form.get_by_label("Tiêu đề"), TEXT[0])
        t.fill(form.get_by_label("Nội dung"), TEXT[1])
        t.click(form.get_by_role("button", name="Lưu và gửi phê duyệt"))
        expect(page.locator("h1")).to_have_text(TEXT[0])
        expect(page.locator("main")).to_contain_text("Đã lưu và gửi phê duyệt.")
        expect(page.locator("#item-state")).to_have_text("Chờ phê duyệt")

        t.goto_menu("Tin bài")
        t.click(page.get_by_role("link", name="Tải ảnh lên"))
        form = page.locator("#upload-form")
        t.pick(form.get_by_label(AREA_LABEL), "ba dinh", WARD)
        t.select(form.get_by_label("Lĩnh vực"), "health_epidemic")
        t.fill(form.get_by_label("Tiêu đề"), IMAGE)
        t.upload(form.get_by_label("Ảnh (JPEG, PNG hoặc WebP)"), photo)
        t.click(form.get_by_role("button", name="Tải lên và gửi phê duyệt"))
        expect(page.locator("h1")).to_have_text(IMAGE)
        expect(page.locator("#item-state")).to_have_text("Chờ phê duyệt")
        expect(page.locator("main")).to_contain_text(WARD)
        t.record()


def test_2_approver_approves_both(site: Installation) -> None:
    """A real approver reads each item before approving it: the queue, the oldest item, Approve,
    which lands on the next waiting item, Approve again, which lands on the empty queue. (Ticking
    both in the queue and "Approve the ticked items" costs one load less but approves unread.)"""
    from playwright.sync_api import expect

    with chromium(server_log(site.log_path)) as browser:
        page = person(browser, site, "approver")
        t = Counter(page, "2 approver: approve")
        t.goto_menu("Danh sách chờ phê duyệt")
        expect(page.locator("#pending-count")).to_have_text("2")
        t.click(page.locator("#content-table a", has_text=TEXT[0]))
        for headline, following in ((TEXT[0], IMAGE), (IMAGE, None)):
            expect(page.locator("h1")).to_have_text(headline)
            expect(page.locator("#item-state")).to_have_text("Chờ phê duyệt")
            t.click(page.get_by_role("button", name="Phê duyệt phiên bản 1"))
            expect(page.locator("main")).to_contain_text("Đã phê duyệt")
            if following:
                expect(page.locator("h1")).to_have_text(following)
        expect(page.locator("main")).to_contain_text("Không còn tin chờ duyệt.")
        expect(page.locator("#content-empty")).to_have_text(
            "Không có tin bài nào chờ bạn phê duyệt."
        )
        t.record()


def test_3_editor_programmes_the_ward_screen_and_pairs_a_browser_player(
    site: Installation,
) -> None:
    from playwright.sync_api import expect

    with chromium(server_log(site.log_path)) as browser:
        page = person(browser, site, "editor")
        t = Counter(page, "3 editor: playlist + all-day schedule + pair")

        t.goto_menu("Danh sách phát")
        t.fill(page.get_by_label("Tên", exact=True), PLAYLIST)
        t.pick(page.get_by_label(AREA_LABEL), "ba dinh", WARD)
        t.click(page.get_by_role("button", name="Tạo"))
        expect(page.locator("h1")).to_contain_text(PLAYLIST)
        for n, (typed, headline) in enumerate((("lich kham", TEXT[0]), ("hien mau", IMAGE)), 1):
            # Choosing a suggestion adds it at once (the picker presses Add).
            t.pick(page.get_by_label("Tin bài đã duyệt"), typed, headline)
            expect(page.locator("#entries tbody tr")).to_have_count(n)
            expect(page.locator("#entries")).to_contain_text(headline)
        items = [r.get_attribute("data-item") for r in page.locator("#entries tr[data-item]").all()]

        t.goto_menu("Lịch phát")
        t.click(page.get_by_role("link", name="Thêm lịch phát"))
        form = page.locator("#schedule-form")
        t.fill(form.get_by_label("Tên"), "Cả ngày")
        t.select(form.get_by_label("Đối tượng"), "board")
        t.pick(form.get_by_label("Khu vực, nhóm hoặc bảng tin"), "ubnd phuong ba", SCREEN)
        t.pick(form.get_by_label("Danh sách phát"), "chuong trinh", PLAYLIST)
        t.check(form.get_by_label("Cả ngày (00:00-24:00, không ngắt lúc nửa đêm)"))
        t.click(form.get_by_role("button", name="Lưu"))
        expect(page.locator("main")).to_contain_text("Đã lưu lịch phát và báo cho các bảng tin.")

        # At the screen: the browser player shows its pairing code.
        player = browser.new_page(viewport={"width": 960, "height": 540})
        player.set_default_timeout(WAIT)
        player.goto(site.url + "/player")
        shown = player.locator("#pairing-code")
        expect(shown).to_have_attribute("data-code", re.compile(r"^[A-Z0-9]{6}$"))
        pairing = shown.get_attribute("data-code")

        # The editor pairs the ward's screen from its board page (board.pair).
        t.goto_menu("Bảng tin")
        # The row with the screen's name; its link is the board's code.
        t.click(page.locator("#boards-table tr[data-board]", has_text=SCREEN).locator("a").first)
        expect(page.locator("h1")).to_contain_text(SCREEN)
        t.fill(page.get_by_label("Mã ghép nối hiển thị trên thiết bị phát"), pairing)
        t.click(page.get_by_role("button", name="Ghép nối"))
        expect(page.locator("main")).to_contain_text("Thiết bị phát đã được ghép nối với bảng này.")

        # The player plays the new programme; the editor sees the board online.
        stage = player.locator("#stage")
        expect(player.locator("#pairing")).to_be_hidden()
        expect(stage).to_have_attribute("data-connected", "yes")
        expect(stage).to_have_attribute("data-item", re.compile(f"^({'|'.join(items)})$"))
        # The board's page turns online by itself when the player connects (no reload).
        expect(page.locator("#player-status")).to_contain_text("Trực tuyến")
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
            # Nothing comes ticked: find the ward by name (no accents needed) and tick it.
            expect(form.locator("#target-areas input:checked")).to_have_count(0)
            t.fill(form.get_by_label("Tìm địa bàn"), "hoan kiem")
            t.check(form.get_by_label(ALERT_WARD, exact=True))
            t.click(page.locator("#send-button"))
            # The summary: where it goes and how many boards, before anything leaves.
            expect(page.locator("#summary-boards")).to_have_text("1")
            expect(page.locator("#summary-online")).to_have_text("1")
            expect(page.locator("#summary-areas")).to_contain_text(ALERT_WARD)
            t.click(page.locator("#confirm-send"))
            expect(page.locator("#alert-state")).to_have_text("Đang phát")
            expect(page.locator("main")).to_contain_text(ALERT_WARD)
            expect(page.locator("[data-count='targeted']")).to_have_text("1")
            # The progress page follows the board by itself (no reload): displayed.
            expect(page.locator("[data-count='displayed']")).to_have_text("1", timeout=WAIT)
            t.click(page.locator("#cancel-button"))
            expect(page.locator("#cancel-facts")).to_contain_text("1")
            t.click(page.locator("#cancel-confirm"))
            expect(page.locator("#alert-state")).to_have_text("Đã hủy")
            expect(page.locator("#cancel-button")).to_have_count(0)
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
