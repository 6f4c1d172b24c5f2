"""The area tree pages: one level at a time, search, adding hand-made areas, permissions."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from signage.areas.models import Area
from tests.conftest import login
from tests.web.conftest import audit_count, post_form, text


def test_signed_out_is_sent_to_login(client, tree):
    for path in ("/areas", "/areas/01", "/areas/01/children", "/areas?q=ha"):
        resp = client.get(path)
        assert resp.status_code == 302
        assert resp.headers["Location"].startswith("/login?next=")


def test_root_admin_sees_provinces(client, admin):
    login(client, "root-admin")
    resp = client.get("/areas")
    assert resp.status_code == 200
    body = text(resp)
    assert "Thành phố Hà Nội" in body
    assert "Thành phố Hải Phòng" in body
    assert "Thành phố trực thuộc trung ương" in body  # kind label, translated
    # Only one level: wards are not rendered until asked for.
    assert "Phường Hoàn Kiếm" not in body


def test_area_page_shows_breadcrumb_children_and_counts(client, admin):
    login(client, "root-admin")
    body = text(client.get("/areas/01"))
    crumb = re.search(r'id="area-breadcrumb">(.*?)</ol>', body, re.S).group(1)
    assert "Việt Nam" in crumb
    assert "Phường Hoàn Kiếm" in body
    assert "Phường Ba Đình" in body
    assert "00070" in body
    assert "Tổ dân phố 1" not in body  # grandchildren stay collapsed
    assert "1 khu vực" in body  # Hoàn Kiếm has one child


def test_children_fragment_for_in_place_expansion(client, admin):
    login(client, "root-admin")
    resp = client.get("/areas/00070/children")
    assert resp.status_code == 200
    body = text(resp)
    assert "<html" not in body
    assert "Tổ dân phố 1" in body
    assert "Tổ dân phố" in body  # kind label residential_group


def test_legacy_parent_parameter_redirects(client, admin):
    login(client, "root-admin")
    resp = client.get("/areas?parent=01")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/areas/01"


def test_scoped_user_starts_at_their_area(client, hk_editor):
    login(client, "hk-editor")
    body = text(client.get("/areas"))
    assert 'id="area-title">Phường Hoàn Kiếm' in body
    assert "Tổ dân phố 1" in body
    assert "Thành phố Hải Phòng" not in body


@pytest.mark.parametrize("path", ["/areas/31", "/areas/01", "/areas/VN", "/areas/31/children"])
def test_areas_outside_scope_answer_like_missing_ones(client, hk_editor, path):
    login(client, "hk-editor")
    resp = client.get(path)
    assert resp.status_code == 404
    missing = client.get(path.replace(path.split("/")[2], "NOPE"))
    assert missing.status_code == 404

    # CSRF tokens differ from page to page (and may contain "31"): compare without them. The
    # code is replaced as a whole word only: ids such as /users/1310 hold "31" too.
    def page(r, code):
        html = re.sub(r'(name="csrf-token" content|value)="[^"]*"', "", text(r))
        return re.sub(rf"(?<!\w){re.escape(code)}(?!\w)", "X", html)

    assert page(resp, path.split("/")[2]) == page(missing, "NOPE")


def test_user_without_roles_cannot_open_areas(client, factory, tree):
    factory.user("no-roles")
    login(client, "no-roles")
    assert client.get("/areas").status_code == 403
    assert 'data-nav="areas.area"' not in text(client.get("/"))


@pytest.mark.parametrize("query", ["hoàn kiếm", "HOÀN KIẾM", "hoan kiem", "Hoan", "00070"])
def test_search_by_name_or_code(client, admin, query):
    login(client, "root-admin")
    resp = client.get("/areas", query_string={"q": query})
    assert resp.status_code == 200
    results = re.search(r'id="search-results">(.*?)</ul>', text(resp), re.S).group(1)
    assert "Phường Hoàn Kiếm" in results
    assert "Hải Phòng" not in results


def test_search_is_limited_to_scope(client, hk_editor):
    login(client, "hk-editor")
    body = text(client.get("/areas?q=phong"))
    assert "Hồng Bàng" not in body
    assert "Không có khu vực nào" in body


def test_search_handles_d_with_stroke(client, admin):
    login(client, "root-admin")
    body = text(client.get("/areas?q=ba dinh"))
    assert "Phường Ba Đình" in body


def test_large_levels_are_paginated(client, session, factory, admin, tree):
    for i in range(205):
        session.add(
            Area(
                code=f"Z{i:03d}",
                name=f"Khu {i}",
                kind="custom",
                parent=tree["hp_commune"],
                depth=3,
                path="",
            )
        )
    session.flush()
    for a in session.scalars(select(Area).where(Area.code.like("Z%"))):
        a.path = f"{tree['hp_commune'].path}{a.id}/"
    session.flush()
    login(client, "root-admin")
    body = text(client.get("/areas/11311"))
    assert body.count('class="area-node"') == 200
    assert 'rel="next"' in body
    page2 = text(client.get("/areas/11311?page=2"))
    assert page2.count('class="area-node"') == 5
    fragment = text(client.get("/areas/11311/children"))
    assert fragment.count('class="area-node"') == 200
    assert "/areas/11311?page=2" in fragment


def test_admin_sees_add_form_editor_does_not(app, hn_admin, hk_editor):
    admin_client = app.test_client()
    login(admin_client, "hn-admin")
    assert 'id="add-area"' in text(admin_client.get("/areas/00070"))
    editor_client = app.test_client()
    login(editor_client, "hk-editor")
    assert 'id="add-area"' not in text(editor_client.get("/areas/00070"))


def test_admin_adds_a_village(client, session, hn_admin):
    login(client, "hn-admin")
    resp = post_form(
        client,
        "/areas/00070",
        "/areas/00070/children",
        {"kind": "residential_group", "code": "00070-T2", "name": "  Tổ dân phố   2 "},
    )
    assert resp.status_code == 302
    area = session.scalar(select(Area).where(Area.code == "00070-T2"))
    assert area is not None and area.name == "Tổ dân phố 2"
    assert area.parent.code == "00070"
    assert audit_count(session, "area.create") == 1
    body = text(client.get(resp.headers["Location"]))
    assert "Đã thêm khu vực Tổ dân phố 2 (00070-T2)." in body


def test_duplicate_area_code_is_a_conflict(client, session, hn_admin):
    login(client, "hn-admin")
    resp = post_form(
        client,
        "/areas/00070",
        "/areas/00070/children",
        {"kind": "village", "code": "00070-T1", "name": "Thôn trùng"},
    )
    assert resp.status_code == 409
    assert "00070-T1" in text(resp)
    assert 'id="add-area"' in text(resp)
    assert session.scalar(select(Area).where(Area.name == "Thôn trùng")) is None


def test_invalid_area_code_is_shown_on_the_field(client, session, hn_admin):
    login(client, "hn-admin")
    resp = post_form(
        client,
        "/areas/00070",
        "/areas/00070/children",
        {"kind": "village", "code": "bad code!", "name": "Thôn A"},
    )
    assert resp.status_code == 422
    assert "is-invalid" in text(resp)
    assert session.scalar(select(Area).where(Area.name == "Thôn A")) is None


def test_adding_outside_scope_is_forbidden(client, session, hn_admin, hk_editor):
    login(client, "hn-admin")
    resp = post_form(
        client,
        "/areas/00070",
        "/areas/31/children",
        {"kind": "custom", "code": "X-HP", "name": "Chợ"},
    )
    assert resp.status_code == 404
    assert session.scalar(select(Area).where(Area.code == "X-HP")) is None


def test_editor_cannot_add(client, session, hk_editor):
    login(client, "hk-editor")
    resp = post_form(
        client,
        "/areas/00070",
        "/areas/00070/children",
        {"kind": "custom", "code": "X-E", "name": "Chợ"},
    )
    assert resp.status_code == 403
    assert session.scalar(select(Area).where(Area.code == "X-E")) is None


def test_add_without_csrf_changes_nothing(client, session, hn_admin):
    login(client, "hn-admin")
    resp = client.post(
        "/areas/00070/children", data={"kind": "custom", "code": "X-C", "name": "Chợ"}
    )
    assert resp.status_code == 400
    assert session.scalar(select(Area).where(Area.code == "X-C")) is None
