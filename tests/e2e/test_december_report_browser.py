"""The December report in a real browser against the real server, as the demo admin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import chromium, console_server, server_log, sign_in
from tests.reports.indicator_world import xlsx_rows

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real `signage` command: migrate a temp database, seed the demo, serve on a free port."""
    with console_server(tmp_path_factory.mktemp("december-e2e")) as served:
        yield served


def test_december_report_in_chromium(server: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.set_default_timeout(15_000)
        sign_in(page, url)

        page.goto(url + "/reports/december?year=2026&area=01")
        heading = page.locator("#doc-heading")
        expect(heading).to_contain_text("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
        expect(heading).to_contain_text("Độc lập - Tự do - Hạnh phúc")
        expect(heading).to_contain_text("THÀNH PHỐ HÀ NỘI")
        expect(page.locator("#date-line")).to_contain_text("Hà Nội, ngày ")
        expect(page.locator("#report-period")).to_have_text(
            "(Số liệu từ ngày 15/12/2025 đến ngày 14/12/2026)"
        )
        rows = page.locator("#units-table tbody tr")
        # Hà Nội's commune-level units, one row each; Hoàn Kiếm holds a demo board.
        assert rows.count() > 100
        hoan_kiem = page.locator("#units-table tr[data-code='00070']")
        expect(hoan_kiem).to_contain_text("Phường Hoàn Kiếm")
        expect(hoan_kiem.locator("td").nth(2)).to_have_text("1")
        expect(page.locator("#totals-table")).to_contain_text("1.5: phường có bảng tin")

        # Printed: the menu and the form are left out, the heading and the table stay.
        page.emulate_media(media="print")
        expect(page.locator("nav.navbar")).to_be_hidden()
        expect(page.locator("#december-filters")).to_be_hidden()
        expect(heading).to_be_visible()
        pdf = page.pdf(path=str(tmp_path / "december.pdf"), format="A4", landscape=True)
        assert pdf[:5] == b"%PDF-"
        page.emulate_media(media="screen")

        with page.expect_download() as info:
            page.locator("#download-xlsx").click()
        download = info.value
        assert download.suggested_filename == "december-report-2026-01.xlsx"
        units = xlsx_rows(Path(download.path()).read_bytes(), 1)
        codes = {row[1] for row in units[1:]}
        assert "00070" in codes and len(codes) == rows.count()
