"""The indicator pages and API: grants, hostile input, downloads that parse back."""

from __future__ import annotations

import csv
import io

import pytest

from signage.clock import set_clock
from tests.conftest import login
from tests.reports.indicator_world import NOW, build, xlsx_rows

PERIOD = {"from": "2026-03-01", "to": "2026-03-10"}


@pytest.fixture()
def world(app, session, factory):
    set_clock(app, NOW)
    w = build(session, factory)
    a = w["areas"]
    w["users"] = {
        "admin": factory.user("ind-admin", ("admin", a["vn"]), locale="en"),
        "viewer": factory.user("ind-viewer", ("viewer", a["p1"]), locale="en"),
        "editor": factory.user("ind-editor", ("editor", a["p1"]), locale="en"),
        "beta": factory.user("ind-beta", ("viewer", a["p2"]), locale="en"),
    }
    session.commit()
    return w


def api(client, factory, user, path, **params):
    return client.get(path, query_string=params, headers=factory.bearer(user))


# --- API -------------------------------------------------------------------------------------


def test_api_indicators_for_a_province(client, factory, world):
    resp = api(client, factory, world["users"]["viewer"], "/api/v1/reports/indicators", **PERIOD)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["area"] == {"code": "91", "name": "Tỉnh Alpha", "kind": "province"}
    assert body["period"] == {"from": "2026-03-01", "to": "2026-03-10"}
    assert body["rules"] == {"connected_share": 0.8, "large_board_min_pixels": 73728}
    totals = body["totals"]
    assert (totals["share_1_5"], totals["share_2_2"]) == (0.5, pytest.approx(1 / 3))
    assert totals["units"] == {"ward": 2, "commune": 3, "special_zone": 1}
    assert (totals["boards"], totals["boards_connected"], totals["large_boards"]) == (8, 4, 2)
    assert [u["area"]["code"] for u in body["units"]] == [
        "91001", "91002", "91003", "91004", "91005", "91006",
    ]  # fmt: skip
    assert "92001" not in resp.get_data(as_text=True)


def test_api_never_counts_areas_outside_the_grants(client, factory, world):
    viewer = world["users"]["viewer"]
    for code in ("92", "92001", "VN", "99999"):
        resp = api(client, factory, viewer, "/api/v1/reports/indicators", area=code, **PERIOD)
        assert resp.status_code == 422, code
        detail = resp.get_json()["error"]["details"][0]
        # Another province's code reads exactly like a code that does not exist.
        assert (detail["field"], detail["message"]) == ("area", f"Unknown area code: {code}")
    resp = api(client, factory, world["users"]["beta"], "/api/v1/reports/december", year=2026)
    assert resp.get_json()["totals"]["boards"] == 1
    assert {u["area"]["code"] for u in resp.get_json()["units"]} == {"92001"}
    editor = api(client, factory, world["users"]["editor"], "/api/v1/reports/indicators")
    assert editor.status_code == 403


def test_api_country_for_the_root_admin(client, factory, world):
    resp = api(client, factory, world["users"]["admin"], "/api/v1/reports/indicators", **PERIOD)
    body = resp.get_json()
    assert body["area"]["code"] == "VN"
    assert [p["area"]["code"] for p in body["provinces"]] == ["91", "92"]
    assert body["totals"]["boards"] == 9


def test_api_december_report(client, factory, world):
    resp = api(client, factory, world["users"]["viewer"], "/api/v1/reports/december")
    body = resp.get_json()
    assert resp.status_code == 200
    assert body["year"] == 2026
    assert body["period"] == {"from": "2025-12-15", "to": "2026-12-14"}
    assert body["totals"]["plays"] == {"disaster": 5, "policy_law": 203, "health_epidemic": 2}


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/reports/indicators", {"from": "2026-13-01", "to": "2026-03-10"}, "from"),
        ("/api/v1/reports/indicators", {"from": "2026-03-10", "to": "2026-03-01"}, "to"),
        ("/api/v1/reports/indicators", {"from": "2026-03-01"}, "to"),
        ("/api/v1/reports/indicators", {"from": "2000-01-01", "to": "2026-03-01"}, "to"),
        ("/api/v1/reports/indicators", {"from": "1/3/2026'--", "to": "2026-03-10"}, "from"),
        ("/api/v1/reports/indicators", {"area": "x" * 40}, "area"),
        ("/api/v1/reports/indicators", {"area": "91003-T1' OR 1=1"}, "area"),
        ("/api/v1/reports/indicators", {"format": "pdf"}, "format"),
        ("/api/v1/reports/indicators", {"sort": "name"}, "sort"),
        ("/api/v1/reports/indicators", {"area": "91004-T1"}, "area"),  # a village
        ("/api/v1/reports/december", {"year": "abc"}, "year"),
        ("/api/v1/reports/december", {"year": "1999"}, "year"),
        ("/api/v1/reports/december", {"year": "2028"}, "year"),
        ("/api/v1/reports/december", {"year": "99999999999999999999"}, "year"),
        ("/api/v1/reports/december", {"year": "2026", "format": "xls"}, "format"),
    ],
)
def test_api_hostile_input_is_a_clear_422(client, factory, world, path, params, field):
    resp = api(client, factory, world["users"]["admin"], path, **params)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    error = resp.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert field in {d["field"] for d in error.get("details", [])}, error


def test_api_control_characters_are_refused(client, factory, world):
    resp = api(
        client, factory, world["users"]["admin"], "/api/v1/reports/indicators", area="9\x001"
    )
    assert resp.status_code == 422


def test_api_xlsx_parses_back_and_neutralises_names(client, factory, session, world):
    world["areas"]["w2"].name = '=HYPERLINK("http://evil")'
    session.commit()
    resp = api(client, factory, world["users"]["viewer"], "/api/v1/reports/december", format="xlsx")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == (
        'attachment; filename="december-report-2026-91.xlsx"'
    )
    units = xlsx_rows(resp.data, 1)
    assert units[0][:5] == ["Province", "Code", "Commune-level unit", "Kind", "Boards"]
    by_code = {row[1]: row for row in units[1:]}
    assert list(by_code) == ["91001", "91002", "91003", "91004", "91005", "91006"]
    assert by_code["91002"][2] == '\'=HYPERLINK("http://evil")'
    # Since its installation on 1 January, six days online of 78 (the clock says 20 March).
    assert by_code["91003"][4:9] == [1.0, "Yes", 0.0, 0.0, 7.7]
    assert by_code["91001"][4] == 1.0 and by_code["91001"][5] == "Yes"
    assert by_code["91002"][5] == "No"
    totals = xlsx_rows(resp.data, 2)
    header, total = totals[0], totals[-1]
    assert total[header.index("1.5: wards with a board (%)")] == 50.0
    # Over the report year so far D1's board was online 21 days of 78: not connected.
    assert total[header.index("2.2: districts connected (%)")] == 0.0
    assert total[header.index("Boards")] == 8.0
    method = xlsx_rows(resp.data, 3)
    assert ["Period", "15/12/2025 – 14/12/2026"] in method


def test_api_csv_holds_the_communes(client, factory, world):
    resp = api(
        client, factory, world["users"]["viewer"], "/api/v1/reports/indicators",
        format="csv", **PERIOD,
    )  # fmt: skip
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][2] == "Commune-level unit"
    assert [r[1] for r in rows[1:]] == ["91001", "91002", "91003", "91004", "91005", "91006"]
    c2 = rows[4]
    assert c2[4:9] == ["1", "Yes", "1", "100.0", "90.0"]


# --- console -----------------------------------------------------------------------------------


def test_console_indicators_page(client, world):
    login(client, "ind-viewer")
    resp = client.get("/reports/indicators", query_string=PERIOD)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Tỉnh Alpha" in html and "Xã Bốn" in html
    assert "Phường Chín" not in html
    assert "01/03/2026 – 10/03/2026" in html
    assert "80 %" in html  # the page says what "connected" means
    assert "1/2 · 50.0 %" in html  # 1.5
    xlsx = client.get("/reports/indicators", query_string={**PERIOD, "format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx_rows(xlsx.data, 1)[1][1] == "91001"


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        ("/reports/indicators", {"from": "2026-03-10", "to": "2026-03-01"}, "comes before"),
        ("/reports/indicators", {"area": "92"}, "Unknown area code: 92"),
        ("/reports/indicators", {"format": "pdf"}, "CSV or XLSX"),
        ("/reports/december", {"year": "１９"}, "Choose a report year from 2000 to 2027"),
        ("/reports/december", {"area": "<script>alert(1)</script>"}, "Unknown area code"),
    ],
)
def test_console_hostile_input(client, world, path, params, message):
    login(client, "ind-viewer")
    resp = client.get(path, query_string=params)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert message in html
    assert "<script>alert(1)" not in html


def test_console_december_report_is_vietnamese_and_printable(client, world):
    login(client, "ind-viewer")  # an English-speaking user: the document stays Vietnamese
    resp = client.get("/reports/december", query_string={"year": "2026", "area": "91"})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in html
    assert "Độc lập - Tự do - Hạnh phúc" in html
    assert "Alpha, ngày 20 tháng 03 năm 2026" in html
    assert "TỈNH ALPHA" in html
    assert "15/12/2025" in html and "14/12/2026" in html
    assert "@media print" in html
    for name in ("Phường Một", "Phường Hai", "Xã Ba", "Xã Bốn", "Xã Năm", "Đặc khu Sáu"):
        assert name in html
    assert "Phường Chín" not in html


def test_console_refuses_roles_without_reports(client, world):
    login(client, "ind-editor")
    assert client.get("/reports/indicators").status_code == 403
    assert client.get("/reports/december").status_code == 403


def test_xlsx_totals_per_province_for_the_country_only(client, factory, world):
    admin = world["users"]["admin"]
    country = api(client, factory, admin, "/api/v1/reports/indicators", format="xlsx", **PERIOD)
    names = [r[0] for r in xlsx_rows(country.data, 2)[1:]]
    assert names == ["Tỉnh Alpha", "Tỉnh Beta", "Việt Nam"]
    commune = api(
        client, factory, admin, "/api/v1/reports/indicators", format="xlsx", area="91004", **PERIOD
    )
    totals = xlsx_rows(commune.data, 2)
    assert [r[0] for r in totals[1:]] == ["Xã Bốn"]
    assert totals[1][totals[0].index("Boards")] == 1.0
