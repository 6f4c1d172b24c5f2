"""An alert report in a real browser: a real player displays the alert, it is cancelled, and the
report and its CSV still say it was displayed (#14: cancelling never erases what aired)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from signage_testing.processes import Instance, PlayerProcess, Server, pair, wait_for
from tests.e2e.stack import chromium, player_stack

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

BOARD = "HN-HK-001"
PASSWORD = "e2e-report-password-1"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Instance, Server, PlayerProcess]]:
    yield from player_stack(tmp_path, SIGNAGE_DEMO_PASSWORD=PASSWORD)


def test_report_of_a_cancelled_alert_in_chromium(
    stack: tuple[Instance, Server, PlayerProcess], tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    instance, server, player = stack
    instance.run("db", "upgrade")
    instance.run("seed-demo")
    admin = instance.api(server.url, "admin")
    server.start()
    logs = [player.log, instance.log_path]
    player.start()
    assert pair(admin, BOARD, player.pairing_code(logs))["paired"]
    wait_for("the board online", lambda: admin("GET", f"/boards/{BOARD}/status")["online"],
             logs=logs)  # fmt: skip

    alert = admin("POST", "/alerts", {"template": "storm", "boards": [BOARD]}, expect=201)
    shown = f"('alert', {alert['id']}, 1, 'image'"
    wait_for("the alert on screen", lambda: shown in player.status()["picture"], logs=logs)
    wait_for(
        "the displayed receipt counted",
        lambda: admin("GET", f"/alerts/{alert['id']}/report")["figures"]["displayed"] == 1,
        logs=logs,
    )
    admin("POST", f"/alerts/{alert['id']}/cancel")
    wait_for(
        "the cleared receipt counted",
        lambda: admin("GET", f"/alerts/{alert['id']}/report")["figures"]["cleared"] == 1,
        logs=logs,
    )

    def dump() -> str:
        return f"--- server log ---\n{instance.log_path.read_text(encoding='utf-8')}"

    with chromium(dump) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.set_default_timeout(30_000)
        page.goto(server.url + "/login")
        page.get_by_label("Tên đăng nhập").fill("admin")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.locator("form button[type=submit]").click()
        page.wait_for_url(server.url + "/")

        page.goto(server.url + "/alerts/")
        page.locator("#history-link").click()
        page.wait_for_url("**/alerts/history**")
        row = page.locator("#history-table tbody tr").first
        expect(row).to_contain_text("Đã hủy")
        expect(row.locator("td[data-displayed]")).to_have_text("1 / 1")
        row.locator("a").click()
        page.wait_for_url(f"**/alerts/{alert['id']}/report")
        expect(page.locator("[data-figure='displayed']").first).to_have_text("1")
        expect(page.locator("[data-figure='cleared']")).to_have_text("1")
        expect(page.locator("#report-boards tbody tr")).to_have_count(1)
        expect(page.locator("#report-boards")).to_contain_text("Đã hiển thị")
        expect(page.locator("#report-times")).to_contain_text("giây")

        with page.expect_download() as info:
            page.locator("#export-csv").click()
        body = Path(info.value.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(body)))
        assert rows[0][0] == "Mã bảng tin" and rows[1][0] == BOARD
        assert rows[1][4] == "Đã hiển thị"
        page.screenshot(path=str(tmp_path / "alert-report.png"), full_page=True)
