"""Plays report pages, downloads and API: grants, hostile filters, exports that parse back."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from signage.clock import set_clock
from signage.content.models import ContentItem
from signage.reports.rollup import run
from tests.conftest import login
from tests.reports.conftest import HCM

NOW = datetime(2026, 12, 3, 3, tzinfo=UTC)  # 10:00 on 3 December in Hà Nội
DEC = {"from": "2026-12-01", "to": "2026-12-03"}


@pytest.fixture()
def played(app, session, fleet, tree):
    set_clock(app, NOW)
    fleet.add("hk", fleet.health, datetime(2026, 12, 1, 2, tzinfo=UTC), count=3)
    fleet.add("village", fleet.law, datetime(2026, 12, 1, 2, tzinfo=UTC), count=2)
    fleet.add("bd", fleet.health, datetime(2026, 12, 1, 2, tzinfo=UTC), count=4)
    fleet.add("hp_commune", fleet.law, datetime(2026, 12, 1, 2, tzinfo=UTC), count=7)
    run(session, tz=HCM, now=datetime(2026, 12, 2, 20, tzinfo=UTC), retention_days=90)
    fleet.add("hk", fleet.health, datetime(2026, 12, 3, 1, tzinfo=UTC), count=1)  # today, raw
    session.commit()
    return fleet


@pytest.fixture()
def users(factory, tree):
    return {
        "admin": factory.user("r-admin", ("admin", tree["vn"])),
        "hn": factory.user("r-hn", ("viewer", tree["hn"])),
        "bd": factory.user("r-bd", ("viewer", tree["bd"])),
        "editor": factory.user("r-editor", ("editor", tree["hn"])),
    }


def get(client, user, url, **params):
    """GET url as user (signed in once per client)."""
    if getattr(client, "signed_in_as", None) != user.username:
        login(client, user.username)
        client.signed_in_as = user.username
    return client.get(url, query_string=params)


def test_reports_menu_and_index_for_supervisors_only(client, app, users):
    page = get(client, users["hn"], "/reports/").get_data(as_text=True)
    assert 'href="/reports/plays"' in page and "Xác nhận phát" in page
    assert 'data-nav="reports."' in page
    other = app.test_client()
    home = get(other, users["editor"], "/").get_data(as_text=True)
    assert 'data-nav="reports."' not in home
    assert other.get("/reports/plays").status_code == 403


def test_plays_page_shows_a_table_and_chart_data_in_vietnamese(client, played, users):
    resp = get(client, users["hn"], "/reports/plays", **DEC)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Y tế, phòng, chống dịch bệnh" in html  # the category's label, not its code
    assert "health_epidemic</td>" not in html
    chart = json.loads(re.search(r'id="plays-chart-data">(.*?)</script>', html, re.S).group(1))
    assert chart["plays"] == [8, 2] and chart["kind"] == "bar"
    assert "vendor/chartjs/chart.umd.min.js" in html
    # The area defaults to the supervisor's own; no ISO timestamp on the page.
    assert 'value="01"' in html
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", html)


def test_a_ward_supervisor_sees_only_their_ward(client, played, users):
    for group in ("category", "area", "board", "item", "day"):
        html = get(client, users["bd"], "/reports/plays", group_by=group, **DEC).get_data(
            as_text=True
        )
        assert "Bảng chợ Hàng Da" not in html and "Bảng Hồng Bàng" not in html
        assert re.search(r"\b4 lượt phát", html), group
    api = get(client, users["bd"], "/api/v1/reports/plays", group_by="board", **DEC).get_json()
    assert [r["key"] for r in api["rows"]] == ["B-bd"] and api["plays"] == 4
    body = get(
        client, users["bd"], "/reports/plays", group_by="board", format="csv", **DEC
    ).get_data(as_text=True)
    assert "B-hk" not in body and "B-hp_commune" not in body and "B-bd" in body


@pytest.mark.parametrize("code", ["00070", "31", "99999", "\u202e00004"])
def test_an_area_outside_the_grants_reads_like_an_unknown_one(client, played, users, code):
    resp = get(client, users["bd"], "/api/v1/reports/plays", area=code, **DEC)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"][0]["field"] == "area"
    page = get(client, users["bd"], "/reports/plays", area=code, **DEC)
    assert page.status_code == 422 and "Bảng chợ Hàng Da" not in page.get_data(as_text=True)


HOSTILE = [
    ({"from": "2026-12-03", "to": "2026-12-01"}, "to"),
    ({"from": "2016-01-01", "to": "2026-01-01"}, "to"),
    ({"from": "2026-12-01"}, "to"),
    ({"from": "2026-13-45", "to": "2026-12-01"}, "from"),
    ({**DEC, "group_by": "board; drop table boards"}, "group_by"),
    ({**DEC, "category": "<script>"}, "category"),
    ({**DEC, "format": "pdf"}, "format"),
    ({**DEC, "area": "x" * 33}, "area"),
    ({**DEC, "from": "2026-12-01\x00"}, "from"),
    ({**DEC, "evil": "1"}, "evil"),
]


@pytest.mark.parametrize(("params", "field"), HOSTILE)
def test_hostile_filters_are_refused_by_the_api_naming_the_field(
    client, played, users, params, field
):
    resp = get(client, users["admin"], "/api/v1/reports/plays", **params)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert field in [d["field"] for d in resp.get_json()["error"]["details"]]


@pytest.mark.parametrize(("params", "field"), HOSTILE[:7])
def test_hostile_filters_on_the_page_show_a_message_and_no_figures(
    client, played, users, params, field
):
    resp = get(client, users["admin"], "/reports/plays", **params)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'role="alert"' in html and 'id="plays-table"' not in html


def test_csv_export_parses_back_and_neutralises_a_formula_name(client, played, users):
    resp = get(client, users["admin"], "/reports/plays", group_by="board", format="csv", **DEC)
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "plays-board-2026-12-01-2026-12-03.csv" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Mã bảng tin", "Bảng tin", "Khu vực", "Lượt phát", "Thời lượng phát (giờ)"]
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["B-village"][1] == '\'=HYPERLINK("http://x","bấm")'
    assert by_code["B-hp_commune"][3] == "7"
    assert rows[-1][0] == "Tổng cộng" and rows[-1][3] == "17"


def test_xlsx_export_from_the_api_has_no_formula(client, played, users):
    resp = get(client, users["admin"], "/api/v1/reports/plays", group_by="board", format="xlsx",
               **DEC)  # fmt: skip
    assert resp.status_code == 200
    with zipfile.ZipFile(io.BytesIO(resp.data)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
        names = book.namelist()
    assert "<f>" not in sheet
    assert "<t>'=HYPERLINK(" in strings and "<t>=HYPERLINK(" not in strings
    assert "xl/worksheets/sheet2.xml" in names  # the filters sheet


def test_api_answers_json_with_codes_and_needs_the_reports_scope(client, played, users, factory):
    admin = users["admin"]
    ok = {"Authorization": f"Bearer {factory.token(admin, scopes=frozenset({'reports:read'}))}"}
    resp = client.get("/api/v1/reports/plays", query_string=DEC, headers=ok)
    body = resp.get_json()
    assert resp.status_code == 200
    assert body["from"] == "2026-12-01" and body["group_by"] == "category"
    assert [(r["key"], r["plays"]) for r in body["rows"]] == [
        ("policy_law", 9),
        ("health_epidemic", 8),
    ]
    no = {"Authorization": f"Bearer {factory.token(admin, scopes=frozenset({'audit:read'}))}"}
    denied = client.get("/api/v1/reports/plays", query_string=DEC, headers=no)
    assert denied.status_code == 403
    editor = {"Authorization": f"Bearer {factory.token(users['editor'])}"}
    assert client.get("/api/v1/reports/plays", headers=editor).status_code == 403


def test_one_item_page_lists_boards_inside_the_grants(client, played, users):
    item = played.health.id
    html = get(client, users["bd"], f"/reports/plays/items/{item}", **DEC).get_data(as_text=True)
    assert "Tiêm chủng" in html and "Bảng Ba Đình" in html
    assert "Bảng chợ Hàng Da" not in html
    assert client.get("/reports/plays/items/999999").status_code == 404
    # Another province's item that never played in the ward reads like a missing one.
    hp_item = played.law.id
    played.session.execute(
        update(ContentItem).where(ContentItem.id == hp_item).values(area_id=played.tree["hp"].id)
    )
    played.session.commit()
    assert client.get(f"/reports/plays/items/{hp_item}", query_string=DEC).status_code == 404


def test_the_day_chart_shows_every_day_of_the_period(client, played, users):
    html = get(client, users["admin"], "/reports/plays", group_by="day", **DEC).get_data(
        as_text=True
    )
    chart = json.loads(re.search(r'id="plays-chart-data">(.*?)</script>', html, re.S).group(1))
    assert chart["kind"] == "line"
    assert chart["labels"] == ["01/12", "02/12", "03/12"] and chart["plays"] == [16, 0, 1]
