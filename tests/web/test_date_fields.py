"""Date fields read day first (dd/mm/yyyy) whatever the browser's language; ISO still works."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

import signage
from signage.schedules.models import Schedule
from tests.conftest import csrf_token, login
from tests.web.conftest import text
from tests.web.test_form_numbers import playlist  # noqa: F401  (fixture)

TEMPLATES = Path(signage.__file__).parent / "web" / "templates"


def test_no_console_template_uses_the_browser_date_pickers():
    """<input type=date> and datetime-local follow the browser's locale (mm/dd/yyyy in en-US)."""
    found = [
        str(p.relative_to(TEMPLATES))
        for p in TEMPLATES.rglob("*.html")
        if re.search(r'type="(date|datetime-local)"', p.read_text(encoding="utf-8"))
    ]
    assert found == []


@pytest.mark.parametrize(
    "page", ["/audit", "/reports/plays", "/reports/indicators", "/alerts/history"]
)
def test_period_filters_show_and_take_day_first(client, admin, page):
    login(client, "root-admin")
    body = text(client.get(f"{page}?from=2026-03-01&to=2026-03-31"))
    assert re.search(r'name="from" value="01/03/2026"', body), page
    assert re.search(r'name="to" value="31/03/2026"', body), page
    assert 'placeholder="dd/mm/yyyy"' in body
    typed = client.get(f"{page}?from=01/03/2026&to=31/03/2026")
    assert typed.status_code == 200
    assert 'name="from" value="01/03/2026"' in text(typed)


@pytest.mark.parametrize(
    "bad", ["31/02/2026", "2026-13-01", "1/3/26", "<b>x</b>", "0" * 500, "01/01/0001", "9999-12-31"]
)
def test_a_bad_day_names_its_field(client, admin, bad):
    login(client, "root-admin")
    resp = client.get("/reports/plays", query_string={"from": bad, "to": "31/03/2026"})
    assert resp.status_code == 422
    assert "Ngày đầu: hãy nhập ngày theo dạng ngày/tháng/năm" in text(resp)
    assert "<b>x</b>" not in text(resp)


def _schedule_form(client, playlist, **fields):  # noqa: F811
    return {
        "csrf_token": csrf_token(client, "/schedules/new"),
        "target_kind": "area",
        "target": "01",
        "playlist": playlist.id,
        "windows": "06:00-07:00",
        "weekdays": ["0", "1"],
        "priority": "normal",
        **fields,
    }


@pytest.mark.parametrize(
    "typed", ["01/12/2026 08:00", "1/12/2026  08:00", "2026-12-01T08:00", "2026-12-01T08:00:00"]
)
def test_schedule_validity_is_typed_day_first(client, session, playlist, typed):  # noqa: F811
    form = _schedule_form(client, playlist, valid_from=typed, valid_to="02/12/2026")
    resp = client.post("/schedules/new", data=form)
    assert resp.status_code == 302
    schedule = session.scalar(select(Schedule))
    assert schedule.valid_from == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 08:00 in UTC+7
    assert schedule.valid_to == datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    edit = text(client.get(f"/schedules/{schedule.id}/edit"))
    assert 'name="valid_from" value="01/12/2026 08:00"' in edit


@pytest.mark.parametrize(
    "bad",
    [
        "31/02/2026 08:00",
        "01/12/2026 25:00",
        "tomorrow",
        "9" * 500,
        "01/01/0001 00:00",
        "31/12/9999",
    ],
)
def test_a_bad_schedule_time_names_its_field_and_saves_nothing(
    client,
    session,
    playlist,  # noqa: F811
    bad,
):
    resp = client.post("/schedules/new", data=_schedule_form(client, playlist, valid_to=bad))
    assert resp.status_code == 422
    assert "Hiệu lực đến: hãy nhập ngày/tháng/năm và giờ" in text(resp)
    assert session.scalar(select(func.count()).select_from(Schedule)) == 0
