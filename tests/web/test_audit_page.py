"""The audit log page: who may open it, sentences newest first, local times, filters, paging,
never an ISO timestamp, an internal id or a raw action code."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from signage.accounts.models import User
from signage.audit.services import SYSTEM, Actor, record
from tests.conftest import login
from tests.web.conftest import text


def _rows(body: str) -> list[str]:
    tbody = re.search(r'id="audit-table">.*?<tbody>(.*?)</tbody>', body, re.S)
    return re.findall(r"<tr>(.*?)</tr>", tbody.group(1), re.S) if tbody else []


def _sentences(body: str) -> list[str]:
    found = re.findall(r'<td class="audit-sentence">(.*?)</td>', body, re.S)
    return [html.unescape(s) for s in found]


def visible_text(body: str) -> str:
    """What a person sees: the body without tags, scripts and attribute values."""
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", main))


@pytest.fixture()
def entries(session, factory, tree, admin):
    base = datetime(2025, 3, 1, 17, 30, tzinfo=UTC)  # 00:30 on 2 March in Viet Nam
    actor = Actor(admin, "10.0.0.1")
    other = factory.user("ba-tu")
    record(session, actor, "user.create", "user", other.id, now=base, details={"username": "ba-tu"})
    record(
        session,
        actor,
        "grant.add",
        "user",
        other.id,
        area_id=tree["hk"].id,
        details={"role": "viewer", "area": "00070"},
        now=base + timedelta(hours=1),
    )
    record(
        session,
        SYSTEM,
        "area.create",
        "area",
        "11311",
        area_id=tree["hp_commune"].id,
        now=base + timedelta(days=2),
    )
    session.flush()


WINDOW = "from=2025-03-01&to=2025-03-05"


def test_signed_out_is_sent_to_login(client):
    assert client.get("/audit").status_code == 302


def test_editor_is_forbidden(client, hk_editor):
    login(client, "hk-editor")
    assert client.get("/audit").status_code == 403


def test_admin_reads_sentences_newest_first_in_local_time(client, admin, entries):
    login(client, "root-admin")
    resp = client.get(f"/audit?{WINDOW}")
    assert resp.status_code == 200
    body = text(resp)
    assert _sentences(body) == [
        "Hệ thống đã tạo khu vực «Phường Hồng Bàng» (mã 11311)",
        "root-admin đã cấp cho người dùng (tên đăng nhập ba-tu) vai trò Người xem ở Phường Hoàn Kiếm",
        "root-admin đã tạo người dùng (tên đăng nhập ba-tu)",
    ]
    rows = _rows(body)
    assert "02/03/2025 00:30:00" in rows[2]
    assert "Phường Hoàn Kiếm" in rows[1]


def test_no_iso_timestamp_raw_code_or_internal_id(client, admin, entries, factory):
    login(client, "root-admin")
    body = text(client.get(f"/audit?{WINDOW}"))
    seen = visible_text(body)
    assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", body), "an ISO timestamp"
    for code in ("user.create", "grant.add", "area.create", "area:", "viewer", "content_item"):
        assert code not in seen, code
    user_id = factory.session.scalar(select(User.id).where(User.username == "ba-tu"))
    assert f" {user_id} " not in seen and f"#{user_id}" not in seen


def test_english(client, factory, tree, entries):
    factory.user("en-admin", ("admin", tree["vn"]), locale="en")
    login(client, "en-admin")
    body = text(client.get(f"/audit?{WINDOW}"))
    assert "System created area «Phường Hồng Bàng» (code 11311)" in _sentences(body)


def test_hostile_names_are_escaped(client, session, factory, tree, admin):
    evil = factory.user("evil")
    evil.display_name = '<img src=x onerror="alert(1)">=HYPERLINK("http://x")'
    record(
        session,
        Actor(evil),
        "user.password",
        "user",
        evil.id,
        now=datetime(2025, 3, 10, tzinfo=UTC),
    )
    session.flush()
    login(client, "root-admin")
    body = text(client.get("/audit?kind=user"))
    assert "<img src=x" not in body
    assert "&lt;img src=x onerror=" in body


def test_filters(client, admin, entries):
    login(client, "root-admin")

    def count(query: str) -> int:
        resp = client.get(f"/audit?{query}")
        assert resp.status_code == 200, text(resp)
        return len(_rows(text(resp)))

    assert count(f"kind=user&{WINDOW}") == 2
    assert count(f"kind=area&{WINDOW}") == 1
    assert count(f"actor=system&{WINDOW}") == 1
    assert count(f"area=01&{WINDOW}") == 1  # Hà Nội and below: the grant in Hoàn Kiếm
    assert count(f"area=31&{WINDOW}") == 1
    # Local dates: 2 March (Viet Nam) holds the first two entries, stored on 1 March UTC.
    assert count("from=02/03/2025&to=02/03/2025") == 2
    assert count("from=2025-03-01&to=2025-03-01") == 0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday&to=2025-03-01", "Ngày đầu: hãy nhập ngày theo dạng ngày/tháng/năm"),
        ("from=2025-03-05&to=2025-03-01", "ngày cuối"),
        ("from=2025-03-01", "ngày cuối"),
        ("from=2020-01-01&to=2025-01-01", "tối đa"),
        ("kind=%27%3Bdrop", "Loại hành động: Chọn một loại hành động trong danh sách"),
        ("area=%3Cscript%3E", "Khu vực không tồn tại"),
        ("actor=" + "x" * 101, "Tối đa 100"),
        ("actor=a%00b", "Người thực hiện (tên đăng nhập): Không được chứa ký tự điều khiển"),
    ],
)
def test_hostile_filters_are_422(client, admin, entries, query, message):
    login(client, "root-admin")
    resp = client.get(f"/audit?{query}")
    assert resp.status_code == 422
    body = text(resp)
    assert message.lower() in body.lower()
    assert not _rows(body) and "<script>" not in body


def test_viewer_sees_only_their_areas(client, hp_viewer, entries):
    login(client, "hp-viewer")
    body = text(client.get(f"/audit?{WINDOW}"))
    assert _sentences(body) == ["Hệ thống đã tạo khu vực «Phường Hồng Bàng» (mã 11311)"]
    # Another province's area is answered like an unknown code, not filtered to nothing.
    other = client.get(f"/audit?area=00070&{WINDOW}")
    assert other.status_code == 422
    unknown = client.get(f"/audit?area=99999&{WINDOW}")
    assert visible_text(text(unknown)).replace("99999", "00070") == visible_text(text(other))


def test_pagination(client, session, admin):
    base = datetime(2024, 1, 1, tzinfo=UTC)
    for i in range(120):
        record(session, SYSTEM, "board.update", "board", f"B-{i}", now=base + timedelta(minutes=i))
    session.flush()
    login(client, "root-admin")
    first = _rows(text(client.get("/audit?kind=board")))
    assert len(first) == 50
    assert "(mã B-119)" in first[0]
    third = text(client.get("/audit?kind=board&page=3"))
    assert len(_rows(third)) == 20
    assert "kind=board" in third  # pager links keep the filters


def test_ward_viewer_never_sees_another_wards_entries(client, session, factory, tree):
    factory.user("hk-viewer", ("viewer", tree["hk"]))
    base = datetime(2025, 3, 3, 3, 0, tzinfo=UTC)
    for code, area in (("HK-9", tree["village"]), ("BD-9", tree["bd"])):
        record(session, SYSTEM, "board.update", "board", code, area_id=area.id, now=base)
    record(session, SYSTEM, "area.import", "area", "all", now=base)  # installation-wide
    session.flush()
    login(client, "hk-viewer")
    body = text(client.get("/audit?from=2025-03-01&to=2025-03-05"))
    assert _sentences(body) == ["Hệ thống đã sửa bảng tin đã xóa (mã HK-9)"]
    export = client.get("/audit/export?format=csv&from=2025-03-01&to=2025-03-05")
    assert "BD-9" not in export.get_data(as_text=True)
    assert "HK-9" in export.get_data(as_text=True)
    assert client.get("/audit?area=00004").status_code == 422  # Ba Đình: not theirs


def test_no_action_code_shows_for_any_recorded_action(client, session, admin, tree):
    from tests.audit.test_action_sentences import ACTIONS

    at = datetime(2025, 4, 1, 5, 0, tzinfo=UTC)
    details = {"targets": [f"area:{tree['hk'].id}"], "target": "area:00070", "role": "editor"}
    for code in ACTIONS:
        record(
            session,
            Actor(admin),
            code,
            "board",
            "X-1",
            area_id=tree["hk"].id,
            details=details,
            now=at,
        )
    session.flush()
    login(client, "root-admin")
    pages = [text(client.get(f"/audit?from=2025-04-01&to=2025-04-01&page={n}")) for n in (1, 2)]
    body = "".join(pages)
    assert len(_rows(pages[0])) + len(_rows(pages[1])) == len(ACTIONS)
    seen = visible_text(body)
    shown = [code for code in ACTIONS if re.search(rf"(?<![\w.]){re.escape(code)}(?![\w.])", seen)]
    assert not shown, shown
    assert not re.search(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", body)
    assert "area:" not in seen and "editor" not in seen
