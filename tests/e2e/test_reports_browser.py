"""The plays report in a real browser against the real server: rolled by the CLI, a chart drawn
by the vendored Chart.js, and a CSV download that parses back."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from signage_testing.processes import Instance
from tests.e2e.stack import chromium, console_server, server_log, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.one_pass("sqlite")]

HOSTILE_NAME = '=HYPERLINK("http://example.com","bấm")'


def add_plays(database_url: str) -> None:
    """Ten plays of one demo item on one demo board an hour ago, the board renamed hostile."""
    engine = create_engine(database_url)
    start = datetime.now(UTC) - timedelta(hours=1)
    with engine.begin() as conn:
        board = conn.execute(text("SELECT id FROM boards ORDER BY id LIMIT 1")).scalar_one()
        item = conn.execute(text("SELECT id FROM content_items ORDER BY id LIMIT 1")).scalar_one()
        conn.execute(
            text("UPDATE boards SET name = :n WHERE id = :b"), {"n": HOSTILE_NAME, "b": board}
        )
        batch = conn.execute(
            text(
                "INSERT INTO play_batches (board_id, batch_id, received_at, records) "
                "VALUES (:b, 'e2e-1', :at, 10) RETURNING id"
            ),
            {"b": board, "at": start.replace(tzinfo=None)},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO play_records (batch_id, board_id, item_id, revision_id, start, "
                "duration_s) VALUES (:batch, :b, :i, 1, :s, 30)"
            ),
            [
                {"batch": batch, "b": board, "i": item,
                 "s": (start + timedelta(seconds=30 * n)).replace(tzinfo=None)}
                for n in range(10)
            ],
        )  # fmt: skip
    engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo installation with plays rolled up by `signage reports rollup`, served."""

    def prepare(instance: Instance) -> None:
        add_plays(instance.database_url)
        out = instance.run("reports", "rollup")
        assert "Days rolled up:" in out, out

    with console_server(tmp_path_factory.mktemp("reports-e2e"), prepare) as served:
        yield served


def test_plays_report_and_its_csv_in_chromium(server: tuple[str, Path], tmp_path: Path) -> None:
    from playwright.sync_api import expect

    url, log_path = server
    with chromium(server_log(log_path)) as browser:
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, accept_downloads=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(page, url)

        page.locator("#nav-main a[data-nav='reports.']").click()
        page.wait_for_url("**/reports/")
        page.locator("#report-pages a[href='/reports/plays']").click()
        page.wait_for_url("**/reports/plays")
        page.select_option("#f-group", "board")
        page.locator("#plays-filters button[type=submit]").click()
        table = page.locator("#plays-table")
        expect(table).to_contain_text(HOSTILE_NAME)
        expect(page.locator("#plays-total")).to_contain_text("10 lượt phát")
        expect(page.locator("#plays-chart")).to_have_attribute("data-drawn", "1")

        with page.expect_download() as caught:
            page.locator("#export-csv").click()
        download = caught.value
        assert download.suggested_filename.startswith("plays-board-")
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        context.close()

    assert errors == []
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["Mã bảng tin", "Bảng tin"]
    assert rows[1][1] == "'" + HOSTILE_NAME and rows[1][3] == "10"
