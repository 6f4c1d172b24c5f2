"""The audit log in a real browser against the seeded demo server: Vietnamese sentences, local
times, and a CSV download that parses back."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import chromium, console_server, server_log, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The real `signage` command: migrate a temp database, seed the demo, serve on a free port."""
    with console_server(tmp_path_factory.mktemp("audit-e2e")) as served:
        yield served


def test_audit_log_in_chromium(server: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.set_default_timeout(15_000)
        sign_in(page, url)

        page.locator("#nav-main a[data-nav='audit.audit']").click()
        page.wait_for_url("**/audit")
        table = page.locator("#audit-table")
        expect(table).to_contain_text("đã phê duyệt tin «Ngày tiêm chủng mở rộng»")
        expect(table).to_contain_text("đã đăng nhập")
        shown = page.locator("main").inner_text()
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:", shown), "an ISO timestamp on the page"
        assert "content.approve" not in shown and "login.succeeded" not in shown
        first_time = table.locator("tbody tr td").first.inner_text()
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}", first_time.strip())

        # A kind of action narrows the log; the download carries the same filter.
        page.get_by_label("Loại hành động").select_option("content")
        page.locator("#audit-filters button[type=submit]").click()
        page.wait_for_url("**kind=content**")
        expect(table).not_to_contain_text("đã đăng nhập")
        with page.expect_download() as caught:
            page.locator("#export-csv").click()
        download = caught.value
        assert download.suggested_filename == "audit-log.csv"
        target = tmp_path / "audit-log.csv"
        download.save_as(target)
        body = target.read_bytes()
        assert body.startswith(b"\xef\xbb\xbf")
        header, *rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert header[:3] == ["Thời gian", "Người thực hiện", "Thao tác"]
        assert any("đã phê duyệt tin «Ngày tiêm chủng mở rộng»" in r[2] for r in rows)
        assert all(r[6].startswith("content.") for r in rows)
