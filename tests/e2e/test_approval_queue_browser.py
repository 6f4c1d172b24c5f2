"""The approval queue in a real browser: an approver ticks two items, approves them with one
comment, sees the success message and the pending count drop by two."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.stack import chromium, console_server, server_log, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Any]]:
    """The demo installation served, with the instance kept to make API tokens."""
    kept: list[Any] = []
    with console_server(tmp_path_factory.mktemp("queue-e2e"), kept.append) as (url, log):
        yield url, log, kept[0]


def test_bulk_approve_in_chromium(server: tuple[str, Path, Any]) -> None:
    from playwright.sync_api import expect

    url, log_path, instance = server
    editor = instance.api(url, "editor")
    ids = []
    for headline in ("Lịch tiêm chủng đợt 1", "Lịch tiêm chủng đợt 2"):
        body = {"area": "01", "category": "health_epidemic", "headline": headline, "body": "E2E"}
        item = editor("POST", "/content", body, expect=201)
        editor("POST", f"/content/{item['id']}/submit")
        ids.append(item["id"])

    with chromium(server_log(log_path)) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        sign_in(page, url, "approver")
        page.goto(url + "/content/queue")
        count = page.locator("#pending-count")
        before = int(count.inner_text())
        assert before >= 2
        table = page.locator("#content-table")
        expect(table).to_contain_text("Lịch tiêm chủng đợt 1")
        row = table.locator(f"tr[data-item='{ids[0]}']")
        expect(row.locator(".queue-author")).to_contain_text("editor")
        boxes = page.locator("input[name='item']")
        page.locator("#pick-all").check()  # ticks the whole page, then clears it again
        assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
        page.locator("#pick-all").uncheck()
        assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))
        for item_id in ids:
            page.locator(f"#pick-{item_id}").check()
        page.get_by_label("Một ý kiến chung cho mọi tin đã đánh dấu (bắt buộc khi trả lại)").fill(
            "Nội dung đúng, cho phát."
        )
        page.locator("#bulk-approve").click()
        page.wait_for_url("**/content/queue")
        expect(page.locator(".alert-success")).to_contain_text("Đã duyệt 2 tin.")
        expect(count).to_have_text(str(before - 2))
        expect(page.locator("main")).not_to_contain_text("Lịch tiêm chủng đợt")
