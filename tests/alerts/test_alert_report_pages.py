"""Alert report pages and downloads: grants respected in every format, formulas neutralised,
hostile formats, periods and page numbers refused or ignored with a clear message."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from signage.alerts.models import AlertDelivery
from signage.clock import set_clock
from tests.conftest import login
from tests.schedules.conftest import make_board

T0 = datetime(2026, 9, 2, 1, 0, tzinfo=UTC)  # 08:00 on 02/09/2026 in Ha Noi
HOSTILE_NAME = "=cmd|' /C calc'!A0"


@pytest.fixture()
def citywide(app, client, factory, session, tree):
    """A confirmed Hà Nội-wide alert, displayed on HK-1 (named like a formula) after 4 s and
    on BD-1 after 65 s, then cancelled."""
    set_clock(app, T0)
    admin = factory.user("city-admin", ("admin", tree["vn"]), locale="en")
    second = factory.user("city-admin2", ("admin", tree["vn"]), locale="en")
    hk = make_board(session, "HK-1", tree["hk"])
    hk.name = HOSTILE_NAME
    bd = make_board(session, "BD-1", tree["bd"])
    make_board(session, "HP-1", tree["hp_commune"])
    resp = client.post(
        "/api/v1/alerts", json={"template": "storm", "areas": ["01"]}, headers=factory.bearer(admin)
    )
    alert = resp.get_json()
    url = f"/api/v1/alerts/{alert['id']}"
    ok = client.post(f"{url}/confirm", json={"version": 1}, headers=factory.bearer(second))
    assert ok.status_code == 200
    for board, seconds in ((hk, 4), (bd, 65)):
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.alert_id == alert["id"], AlertDelivery.board_id == board.id)
            .values(displayed_at=T0 + timedelta(seconds=seconds))
        )
    session.commit()
    set_clock(app, T0 + timedelta(minutes=30))
    assert client.post(f"{url}/cancel", headers=factory.bearer(admin)).status_code == 200
    return alert


@pytest.fixture()
def ward_viewer(factory, tree):
    return factory.user("hk-viewer", ("viewer", tree["hk"]), locale="en")


def rows_of(csv_body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(csv_body.decode("utf-8").lstrip("\ufeff"))))


def test_report_page_shows_local_times_words_and_only_the_readers_boards(
    client, citywide, ward_viewer
):
    login(client, "hk-viewer")
    resp = client.get(f"/alerts/{citywide['id']}/report")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert 'data-figure="targeted">1<' in html and 'data-figure="displayed">1<' in html
    assert "02/09/2026 08:00:04" in html  # displayed, local time with seconds
    assert "4 seconds" in html
    assert "Bảng BD-1" not in html and "Bảng HP-1" not in html
    assert "&#39;=cmd" not in html and "=cmd|" in html  # HTML-escaped, shown as written
    # The ward viewer may not open the province-wide alert itself: no link to it.
    assert f'href="/alerts/{citywide["id"]}"' not in html


def test_report_page_for_the_city_counts_both_and_words_minutes(client, factory, tree, citywide):
    factory.user("hn-viewer", ("viewer", tree["hn"]), locale="en")
    login(client, "hn-viewer")
    html = client.get(f"/alerts/{citywide['id']}/report").get_data(as_text=True)
    assert 'data-figure="targeted">2<' in html and 'data-figure="displayed">2<' in html
    assert "1 minutes 5 seconds" in html  # the slowest: BD-1 after 65 s
    assert 'data-figure="cleared">0<' in html


def test_report_csv_is_neutralised_and_limited_to_grants(client, citywide, ward_viewer):
    login(client, "hk-viewer")
    resp = client.get(f"/alerts/{citywide['id']}/report/export?format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = rows_of(resp.data)
    assert len(rows) == 2  # header + HK-1
    board = dict(zip(rows[0], rows[1], strict=True))
    assert board["Board"] == "'" + HOSTILE_NAME
    assert board["Displayed"] == "02/09/2026 08:00:04"
    assert board["Seconds from send to display"] == "4.0"
    assert board["Outcome"] == "Displayed"


def test_report_xlsx_holds_no_formula_and_no_other_ward(client, factory, citywide, ward_viewer):
    resp = client.get(
        f"/api/v1/alerts/{citywide['id']}/report/export?format=xlsx",
        headers=factory.bearer(ward_viewer),
    )
    assert resp.status_code == 200
    with zipfile.ZipFile(io.BytesIO(resp.data)) as book:
        sheets = [book.read(n).decode() for n in book.namelist() if n.startswith("xl/worksheets/")]
        strings = book.read("xl/sharedStrings.xml").decode()
    assert all("<f>" not in s for s in sheets)
    assert "'" + HOSTILE_NAME in strings
    assert "BD-1" not in strings and "HP-1" not in strings


@pytest.mark.parametrize("fmt", ["", "pdf", "CSV;rm", "csv\u0000", "x" * 5000])
def test_hostile_formats_are_refused_clearly(client, factory, citywide, ward_viewer, fmt):
    login(client, "hk-viewer")
    page = client.get(f"/alerts/{citywide['id']}/report/export", query_string={"format": fmt})
    assert page.status_code == 422
    assert "CSV or XLSX" in page.get_data(as_text=True)
    api = client.get(
        f"/api/v1/alerts/{citywide['id']}/report/export",
        query_string={"format": fmt},
        headers=factory.bearer(ward_viewer),
    )
    assert api.status_code == 422 and api.get_json()["error"]["details"]


def test_api_export_refuses_a_repeated_or_unknown_parameter(client, factory, citywide, ward_viewer):
    url = f"/api/v1/alerts/{citywide['id']}/report/export"
    headers = factory.bearer(ward_viewer)
    twice = client.get(f"{url}?format=csv&format=xlsx", headers=headers)
    extra = client.get(f"{url}?format=csv&board=HP-1", headers=headers)
    assert twice.status_code == extra.status_code == 422


def test_history_lists_the_ended_alert_with_the_readers_counts(client, citywide, ward_viewer):
    login(client, "hk-viewer")
    html = client.get("/alerts/history?from=01/09/2026&to=2026-09-03").get_data(as_text=True)
    assert 'id="history-table"' in html
    assert "<td data-displayed>1 / 1</td>" in html
    assert "Cancelled" in html and "02/09/2026 08:00:00" in html
    before = client.get("/alerts/history?from=2026-08-01&to=2026-08-31").get_data(as_text=True)
    assert 'id="no-history"' in before


def test_history_export_is_limited_to_grants(app, client, factory, tree, citywide, ward_viewer):
    login(client, "hk-viewer")
    resp = client.get("/alerts/history/export?format=csv&from=2026-09-01&to=2026-09-30")
    rows = rows_of(resp.data)
    assert rows[0][-3:] == ["Targeted", "Delivered", "Displayed"]
    assert rows[1][-3:] == ["1", "1", "1"]  # a display counts as delivered
    factory.user("hp-viewer", ("viewer", tree["hp_commune"]), locale="en")
    other = app.test_client()
    login(other, "hp-viewer")
    mine = rows_of(
        other.get("/alerts/history/export?format=csv&from=2026-09-01&to=2026-09-30").data
    )
    assert mine == [rows[0]]  # the alert reached none of their boards


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-45&to=2026-09-03",
        "from=<script>&to=2026-09-03",
        "from=2026-09-03&to=2026-09-01",
        "from=2026-09-01",
        "from=2020-01-01&to=2026-01-01",
        "from=99999-01-01&to=2026-01-01",
    ],
)
def test_hostile_periods_get_a_clear_422(client, citywide, ward_viewer, query):
    login(client, "hk-viewer")
    page = client.get(f"/alerts/history?{query}")
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert 'id="period-error"' in html and "<script>" not in html.split('id="history-period"')[1]
    assert client.get(f"/alerts/history/export?format=csv&{query}").status_code == 422


@pytest.mark.parametrize("number", ["-1", "abc", "99999999999", "0"])
def test_hostile_page_numbers_show_a_page(client, citywide, ward_viewer, number):
    login(client, "hk-viewer")
    assert client.get(f"/alerts/{citywide['id']}/report?page={number}").status_code == 200
    assert client.get(f"/alerts/history?page={number}").status_code == 200


def test_a_user_without_grants_gets_no_history(client, factory, citywide):
    factory.user("nobody")
    login(client, "nobody")
    assert client.get("/alerts/history").status_code == 403
    assert client.get(f"/alerts/{citywide['id']}/report").status_code == 404


def test_report_page_reads_in_vietnamese(client, factory, tree, citywide):
    factory.user("hk-viewer-vi", ("viewer", tree["hk"]), locale="vi")
    login(client, "hk-viewer-vi")
    html = client.get(f"/alerts/{citywide['id']}/report").get_data(as_text=True)
    assert "Báo cáo cảnh báo" in html and "Đã hủy" in html
    assert "4 giây" in html and "Đã hiển thị" in html
    history = client.get("/alerts/history?from=01/09/2026&to=03/09/2026").get_data(as_text=True)
    assert "Lịch sử cảnh báo" in history and "Tải về CSV" in history


def test_a_formula_headline_is_neutralised_in_the_history_and_summary(
    app, client, factory, session, tree
):
    set_clock(app, T0)
    operator = factory.user("hk-op", ("operator", tree["hk"]), locale="en")
    make_board(session, "HK-9", tree["hk"])
    headline = '=HYPERLINK("http://x","bấm")'
    resp = client.post(
        "/api/v1/alerts",
        json={"template": "storm", "boards": ["HK-9"], "headline": headline},
        headers=factory.bearer(operator),
    )
    assert resp.status_code == 201, resp.get_json()
    alert_id = resp.get_json()["id"]
    client.post(f"/api/v1/alerts/{alert_id}/cancel", headers=factory.bearer(operator))
    login(client, "hk-op")
    rows = rows_of(
        client.get("/alerts/history/export?format=csv&from=2026-09-02&to=2026-09-02").data
    )
    assert rows[1][0] == "'" + headline
    body = client.get(f"/alerts/{alert_id}/report/export?format=xlsx").data
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "'=HYPERLINK(" in strings
