"""The audit log page: who may open it, newest first, filters, local times, pagination."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from signage.audit.services import SYSTEM, Actor, record
from tests.conftest import login
from tests.web.conftest import text


def _rows(body: str) -> list[str]:
    tbody = re.search(r'id="audit-table">.*?<tbody>(.*?)</tbody>', body, re.S)
    return re.findall(r"<tr>(.*?)</tr>", tbody.group(1), re.S) if tbody else []


@pytest.fixture()
def entries(session, tree, admin):
    base = datetime(2025, 3, 1, 17, 30, tzinfo=UTC)  # 00:30 on 2 March in Viet Nam
    actor = Actor(admin, "10.0.0.1")
    record(session, actor, "user.create", "user", 7, now=base, details={"username": "bà-tư"})
    record(
        session, actor, "grant.add", "user", 7, area_id=tree["hn"].id, now=base + timedelta(hours=1)
    )
    record(
        session,
        SYSTEM,
        "area.create",
        "area",
        "31-X",
        area_id=tree["hp"].id,
        now=base + timedelta(days=2),
    )
    session.flush()


def test_signed_out_is_sent_to_login(client):
    assert client.get("/audit").status_code == 302


def test_editor_is_forbidden(client, hk_editor):
    login(client, "hk-editor")
    assert client.get("/audit").status_code == 403


def test_admin_sees_newest_first_in_local_time(client, admin, entries):
    login(client, "root-admin")
    resp = client.get("/audit?since=2025-03-01&until=2025-03-05")
    assert resp.status_code == 200
    rows = _rows(text(resp))
    assert [re.search(r"<code>([a-z.]+)</code>", r).group(1) for r in rows] == [
        "area.create",
        "grant.add",
        "user.create",
    ]
    assert "02/03/2025 00:30:00" in rows[2]
    assert "bà-tư" in rows[2]
    assert "Đã tạo người dùng" in rows[2]  # the action's translated description
    assert "Thành phố Hà Nội" in rows[1]


def test_filters(client, admin, entries):
    login(client, "root-admin")
    assert len(_rows(text(client.get("/audit?action=grant.")))) == 1
    assert len(_rows(text(client.get("/audit?actor=system&since=2025-03-01")))) == 1
    assert len(_rows(text(client.get("/audit?type=area&since=2025-03-01")))) == 1
    # Local dates: 2 March (Viet Nam) holds the first two entries, stored on 1 March UTC.
    assert len(_rows(text(client.get("/audit?since=2025-03-02&until=2025-03-02")))) == 2
    assert len(_rows(text(client.get("/audit?since=2025-03-01&until=2025-03-01")))) == 0


def test_bad_date_is_reported(client, admin, entries):
    login(client, "root-admin")
    resp = client.get("/audit?since=yesterday")
    assert resp.status_code == 422
    assert "YYYY-MM-DD" in text(resp)


def test_viewer_sees_only_their_areas(client, hp_viewer, entries):
    login(client, "hp-viewer")
    resp = client.get("/audit?since=2025-03-01&until=2025-03-05")
    assert resp.status_code == 200
    rows = _rows(text(resp))
    assert len(rows) == 1
    assert "area.create" in rows[0]


def test_pagination(client, session, admin):
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(120):
        record(session, SYSTEM, "board.test", "board", i, now=base + timedelta(minutes=i))
    session.flush()
    login(client, "root-admin")
    first = _rows(text(client.get("/audit?action=board.")))
    assert len(first) == 50
    assert " 119</td>" in first[0]
    third = text(client.get("/audit?action=board.&page=3"))
    assert len(_rows(third)) == 20
    assert "action=board." in third  # pager links keep the filters
