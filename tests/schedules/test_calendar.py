"""All day in the API and the console form, and the week/month calendar of a board or an area."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from signage.schedules.models import Schedule
from tests.conftest import csrf_token, login
from tests.schedules.conftest import make_board
from tests.schedules.test_schedules_api import setup_playlist

# 23/11/2026 is a Monday.
WEEK = "/schedules/calendar?board=HK-1&view=week&start=25/11/2026"


def schedule(client, headers, playlist, **body):
    body = {"target_kind": "area", "target": "01", "playlist": playlist, **body}
    return client.post("/api/v1/schedules", json=body, headers=headers)


def cells(html: str) -> dict[str, str]:
    """The calendar's day cells by their dd/mm/yyyy date."""
    found = re.findall(r'<td class="[^"]*" data-date="([^"]+)">(.*?)</td>', html, re.S)
    return dict(found)


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Schedule))


def test_api_accepts_all_day_and_the_manifest_has_no_gap_at_midnight(
    client, factory, session, store, admin, approver, tree
):
    h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    make_board(session, "HK-1", tree["hk"])
    made = schedule(client, h, pl["id"], windows=["00:00-24:00"], name="Cả ngày")
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["windows"] == ["00:00-24:00"]
    doc = client.get("/api/v1/boards/HK-1/manifest", headers=h).get_json()["manifest"]
    assert [s["kind"] for s in doc["segments"]] == ["programme"]  # 54 h in one piece


@pytest.mark.parametrize(
    ("windows", "says"),
    [
        (["24:01"], "24:01"),
        (["25:00-26:00"], "25:00-26:00"),
        (["abc"], "abc"),
        (["00:00-24:01"], "00:00-24:01"),
        (["06:00-06:00"], "00:00-24:00"),
        (["00:00-00:00"], "00:00-24:00"),
        (["00:00-24:00", "06:00-07:00"], "overlap"),
    ],
)
def test_api_refuses_bad_windows_and_writes_nothing(
    client, factory, session, store, admin, approver, tree, windows, says
):
    h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    resp = schedule(client, h, pl["id"], windows=windows)
    assert resp.status_code == 422
    assert says in str(resp.get_json())
    assert count(session) == 0


def test_console_form_all_day_checkbox(client, factory, session, store, admin, approver, tree):
    _h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    login(client, "root-admin")
    page = client.get("/schedules/new").get_data(as_text=True)
    assert 'placeholder="e.g. 06:00-22:00"' in page and 'id="all_day"' in page
    form = {
        "csrf_token": csrf_token(client, "/schedules/new"),
        "target_kind": "area",
        "target": "01",
        "playlist": pl["id"],
        "windows": "",
        "weekdays": [str(d) for d in range(7)],
        "priority": "normal",
    }
    refused = client.post("/schedules/new", data={**form, "windows": "06:00-06:00"})
    assert refused.status_code == 422 and "00:00-24:00" in refused.get_data(as_text=True)
    hostile = client.post("/schedules/new", data={**form, "windows": "24:01-25:00"})
    assert hostile.status_code == 422 and "24:01-25:00" in hostile.get_data(as_text=True)
    assert count(session) == 0
    typed = client.post("/schedules/new", data={**form, "windows": "00:00-24:00"})
    assert typed.status_code == 302
    ticked = client.post("/schedules/new", data={**form, "all_day": "1", "windows": "x"})
    assert ticked.status_code == 302, ticked.get_data(as_text=True)
    rows = list(session.scalars(select(Schedule).order_by(Schedule.id)))
    assert [s.windows for s in rows] == [["00:00-24:00"], ["00:00-24:00"]]
    edit = client.get(f"/schedules/{rows[1].id}/edit").get_data(as_text=True)
    assert re.search(r'id="all_day" value="1" checked', edit)
    assert 'id="windows" name="windows" value=""' in edit


def test_week_calendar_shows_a_weekday_schedule_on_weekdays_only(
    client, factory, session, store, admin, approver, tree
):
    h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    make_board(session, "HK-1", tree["hk"])
    weekdays = schedule(
        client, h, pl["id"], windows=["00:00-24:00"], weekdays=[0, 1, 2, 3, 4], name="Ngày thường"
    )
    assert weekdays.status_code == 201
    evening = schedule(
        client,
        h,
        pl["id"],
        target_kind="board",
        target="HK-1",
        windows=["22:00-06:00"],
        weekdays=[4],
        priority="priority",
        name="Tối thứ Sáu",
    )
    assert evening.status_code == 201
    login(client, "root-admin")
    resp = client.get(WEEK)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    days = cells(html)
    assert list(days) == [f"{d}/11/2026" for d in range(23, 30)]
    for day in ("23", "24", "25", "26"):
        assert "Ngày thường" in days[f"{day}/11/2026"]
        assert "00:00–24:00" in days[f"{day}/11/2026"]
    for day in ("28", "29"):
        assert "Ngày thường" not in days[f"{day}/11/2026"]
    friday = days["27/11/2026"]
    assert "00:00–22:00" in friday and "22:00–24:00" in friday
    assert "2 schedules share this time" in friday
    # Priority plays first in the shared stretch.
    shared = friday.split("22:00–24:00")[1]
    assert shared.index("Tối thứ Sáu") < shared.index("Ngày thường")
    saturday = days["28/11/2026"]
    assert "00:00–06:00" in saturday and "Tối thứ Sáu" in saturday
    assert "Nothing scheduled" in days["29/11/2026"]
    assert "start=16/11/2026" in html and "start=30/11/2026" in html  # previous / next week
    assert "T00:00" not in html and "+07:00" not in html  # no ISO timestamps
    board_page = client.get("/boards/HK-1").get_data(as_text=True)
    assert "/schedules/calendar?board=HK-1" in board_page
    area_page = client.get("/areas/00070").get_data(as_text=True)
    assert "/schedules/calendar?area=00070" in area_page


def test_month_and_area_calendar(client, factory, session, store, admin, approver, tree):
    h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    made = schedule(client, h, pl["id"], windows=["07:00-08:00"], weekdays=[6], name="Chủ nhật")
    assert made.status_code == 201
    login(client, "root-admin")
    resp = client.get("/schedules/calendar?area=00070&view=month&start=10/11/2026")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    days = cells(html)
    assert next(iter(days)) == "26/10/2026" and list(days)[-1] == "06/12/2026"
    sundays = [d for d, cell in days.items() if "Chủ nhật" in cell]
    expected = ["01/11", "08/11", "15/11", "22/11", "29/11", "06/12"]
    assert sundays == [f"{d}/2026" for d in expected]
    assert "07:00–08:00" in days["01/11/2026"] and "Chủ nhật" not in days["02/11/2026"]
    assert "start=01/10/2026" in html and "start=01/12/2026" in html
    # The Hải Phòng area gets nothing from a Hà Nội schedule.
    other = client.get("/schedules/calendar?area=31&view=week&start=01/11/2026")
    assert other.status_code == 200 and "Chủ nhật" not in other.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("board=HK-1&view=year", 422, "week or the month"),
        ("board=HK-1&start=31/02/2026", 422, "dd/mm/yyyy"),
        ("board=HK-1&start=2026-11-25", 422, "dd/mm/yyyy"),
        ("board=HK-1&start=abc", 422, "dd/mm/yyyy"),
        ("board=HK-1&start=01/01/99999", 422, "dd/mm/yyyy"),
        ("board=HK-1&view=month&start=31/12/9999", 422, "dd/mm/yyyy"),
        ("board=HK-1&start=01/01/0001", 422, "dd/mm/yyyy"),
        ("board=HK-1&start=00/11/2026", 422, "dd/mm/yyyy"),
        ("view=week", 422, "Choose a board or an area"),
        ("board=NOPE", 404, "NOPE"),
        ("area=99999", 422, "99999"),
        ("area=%3Cscript%3E", 422, "&lt;script&gt;"),
    ],
)
def test_calendar_refuses_bad_parameters(
    client, factory, session, tree, admin, query, status, says
):
    make_board(session, "HK-1", tree["hk"])
    login(client, "root-admin")
    resp = client.get(f"/schedules/calendar?{query}")
    assert resp.status_code == status
    assert says in resp.get_data(as_text=True)


def test_calendar_of_a_board_outside_the_users_areas_is_not_found(client, factory, session, tree):
    make_board(session, "HP-1", tree["hp_commune"])
    factory.user("hk-viewer", ("admin", tree["hk"]), locale="en")
    login(client, "hk-viewer")
    assert client.get("/schedules/calendar?board=HP-1").status_code == 404
    assert client.get("/schedules/calendar?area=31").status_code == 422
