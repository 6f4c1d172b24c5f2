"""User pages: list by scope, create, grants, activation, password reset; CSRF and audit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from signage.accounts.models import Grant, User
from tests.conftest import TEST_PASSWORD, login
from tests.web.conftest import audit_count, post_form, text

NEW_PASSWORD = "a-long-new-password"


def _create(client, **fields):
    data = {
        "username": "nguyen.van.a",
        "display_name": "Nguyễn Văn A",
        "email": "a@example.vn",
        "locale": "vi",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    data.update(fields)
    return post_form(client, "/users/new", "/users/new", data)


def _user(session, username: str) -> User | None:
    session.expire_all()
    return session.scalar(select(User).where(User.username == username))


def test_signed_out_is_sent_to_login(client, admin):
    for path in ("/users", "/users/new", f"/users/{admin.id}"):
        resp = client.get(path)
        assert resp.status_code == 302
        assert "/login" in resp.headers["Location"]


@pytest.mark.parametrize("who", ["hk-editor", "hp-viewer"])
def test_non_admins_cannot_open_user_pages(client, admin, hk_editor, hp_viewer, who):
    login(client, who)
    assert client.get("/users").status_code == 403
    assert client.get("/users/new").status_code == 403
    assert client.get(f"/users/{admin.id}").status_code == 404  # like a missing user
    assert 'data-nav="accounts.user"' not in text(client.get("/"))


def test_root_admin_lists_everyone(client, admin, hn_admin, hk_editor, hp_viewer):
    login(client, "root-admin")
    body = text(client.get("/users"))
    for name in ("root-admin", "hn-admin", "hk-editor", "hp-viewer"):
        assert f'data-username="{name}"' in body


def test_subtree_admin_lists_only_their_users(client, admin, hn_admin, hk_editor, hp_viewer):
    login(client, "hn-admin")
    body = text(client.get("/users"))
    assert 'data-username="hk-editor"' in body
    assert 'data-username="hn-admin"' in body
    assert 'data-username="hp-viewer"' not in body
    assert 'data-username="root-admin"' not in body
    assert client.get(f"/users/{hp_viewer.id}").status_code == 404  # like a missing user


def test_user_search(client, admin, hk_editor, hp_viewer):
    login(client, "root-admin")
    body = text(client.get("/users?q=EDITOR"))
    assert 'data-username="hk-editor"' in body
    assert 'data-username="hp-viewer"' not in body


def test_list_is_paginated(client, factory, admin, tree):
    for i in range(55):
        factory.user(f"bulk{i:02d}", ("viewer", tree["hk"]))
    login(client, "root-admin")
    first = text(client.get("/users"))
    assert first.count("data-username=") == 50
    second = text(client.get("/users?page=2"))
    assert second.count("data-username=") == 6  # 55 + root-admin


def test_create_user(client, session, hn_admin):
    login(client, "hn-admin")
    assert client.get("/users/new").status_code == 200
    resp = _create(client, role="editor", area="00070")
    assert resp.status_code == 302
    user = _user(session, "nguyen.van.a")
    assert user is not None
    assert user.display_name == "Nguyễn Văn A"
    assert [(g.role, g.area.code) for g in user.grants] == [("editor", "00070")]
    assert resp.headers["Location"] == f"/users/{user.id}"
    assert audit_count(session, "user.create") == 1
    assert audit_count(session, "grant.add") == 1
    page = text(client.get(resp.headers["Location"]))
    assert "Đã tạo người dùng nguyen.van.a" in page


def test_root_admin_may_create_a_user_without_a_role(client, session, admin):
    login(client, "root-admin")
    assert _create(client).status_code == 302
    user = _user(session, "nguyen.van.a")
    assert user is not None and user.grants == []
    assert 'id="no-grants"' in text(client.get(f"/users/{user.id}"))


def test_province_admin_must_give_a_first_role(client, session, hn_admin):
    login(client, "hn-admin")
    resp = _create(client)
    assert resp.status_code == 422
    assert _user(session, "nguyen.van.a") is None
    assert audit_count(session, "user.create") == 0


def test_first_role_outside_the_admins_areas_creates_nothing(client, session, hn_admin):
    login(client, "hn-admin")
    assert _create(client, role="editor", area="31").status_code == 403
    assert _create(client, role="editor", area="nowhere").status_code == 422
    assert _user(session, "nguyen.van.a") is None
    assert audit_count(session, "user.create") == 0


def test_duplicate_username_is_409(client, session, admin, hk_editor):
    login(client, "root-admin")
    resp = _create(client, username="HK-Editor")
    assert resp.status_code == 409
    body = text(resp)
    assert "Tên đăng nhập hk-editor đã có người dùng." in body
    assert 'id="user-form"' in body
    assert audit_count(session, "user.create") == 0


def test_invalid_username_is_422(client, session, admin):
    login(client, "root-admin")
    resp = _create(client, username="a!")
    assert resp.status_code == 422
    body = text(resp)
    assert 'id="username-error"' in body
    assert "3-64 ký tự" in body
    assert _user(session, "a!") is None


def test_service_rules_are_reported_on_their_fields(client, session, admin):
    login(client, "root-admin")
    resp = _create(client, email="not-an-address")
    assert resp.status_code == 422
    body = text(resp)
    assert 'id="email-error"' in body
    assert "ten@example.vn" in body
    resp = _create(client, password="nguyen.van.a", confirm="nguyen.van.a")
    assert resp.status_code == 422
    assert "Mật khẩu không được trùng với tên đăng nhập." in text(resp)
    assert _user(session, "nguyen.van.a") is None


def test_every_field_error_shows_at_once(client, admin):
    login(client, "root-admin")
    resp = _create(client, username="a!", confirm="other-password-1")
    assert resp.status_code == 422
    body = text(resp)
    assert 'id="username-error"' in body
    assert 'id="confirm-error"' in body


def test_mismatched_confirmation_is_422(client, session, admin):
    login(client, "root-admin")
    resp = _create(client, confirm="something-else-1")
    assert resp.status_code == 422
    assert "Hai mật khẩu không khớp." in text(resp)
    assert _user(session, "nguyen.van.a") is None


def test_short_password_is_422(client, session, admin):
    login(client, "root-admin")
    resp = _create(client, password="short", confirm="short")
    assert resp.status_code == 422
    assert 'id="password-error"' in text(resp)
    assert _user(session, "nguyen.van.a") is None


def test_create_without_csrf_changes_nothing(client, session, admin):
    login(client, "root-admin")
    resp = client.post(
        "/users/new",
        data={"username": "no-csrf", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert resp.status_code == 400
    assert _user(session, "no-csrf") is None


def test_detail_shows_grants(client, admin, hk_editor):
    login(client, "root-admin")
    resp = client.get(f"/users/{hk_editor.id}")
    assert resp.status_code == 200
    table = re.search(r'id="grants-table">(.*?)</table>', text(resp), re.S).group(1)
    assert "Biên tập viên" in table
    assert "Phường Hoàn Kiếm" in table


def test_unknown_user_is_404(client, admin):
    login(client, "root-admin")
    assert client.get("/users/999999").status_code == 404


def test_add_grant(client, session, hn_admin, factory, tree):
    target = factory.user("new-editor")
    target.created_by_id = hn_admin.id  # a user without grants is managed by their creator
    session.flush()
    login(client, "hn-admin")
    page = f"/users/{target.id}"
    resp = post_form(client, page, f"{page}/grants", {"role": "approver", "area": "00070"})
    assert resp.status_code == 302
    session.expire_all()
    grants = session.scalars(select(Grant).where(Grant.user_id == target.id)).all()
    assert [(g.role, g.area.code) for g in grants] == [("approver", "00070")]
    assert audit_count(session, "grant.add") == 1


def test_add_grant_outside_subtree_is_403_and_writes_nothing(client, session, hn_admin, factory):
    target = factory.user("new-editor")
    target.created_by_id = hn_admin.id
    session.flush()
    login(client, "hn-admin")
    page = f"/users/{target.id}"
    resp = post_form(client, page, f"{page}/grants", {"role": "editor", "area": "31"})
    assert resp.status_code == 403
    assert "Bạn không có quyền thực hiện thao tác này." in text(resp)
    session.expire_all()
    assert session.scalars(select(Grant).where(Grant.user_id == target.id)).all() == []
    assert audit_count(session, "grant.add") == 0


def test_add_grant_unknown_area_is_422(client, session, admin, factory):
    target = factory.user("new-editor")
    login(client, "root-admin")
    page = f"/users/{target.id}"
    resp = post_form(client, page, f"{page}/grants", {"role": "editor", "area": "NOPE"})
    assert resp.status_code == 422
    body = text(resp)
    assert 'id="area-error"' in body
    assert "NOPE" in body


def test_add_grant_twice_is_409(client, admin, hk_editor):
    login(client, "root-admin")
    page = f"/users/{hk_editor.id}"
    resp = post_form(client, page, f"{page}/grants", {"role": "editor", "area": "00070"})
    assert resp.status_code == 409


def test_add_grant_unknown_role_is_422(client, session, admin, factory):
    target = factory.user("new-editor")
    login(client, "root-admin")
    page = f"/users/{target.id}"
    resp = post_form(client, page, f"{page}/grants", {"role": "superuser", "area": "01"})
    assert resp.status_code == 422
    session.expire_all()
    assert session.scalars(select(Grant).where(Grant.user_id == target.id)).all() == []


def test_remove_grant(client, session, hn_admin, hk_editor):
    grant_id = hk_editor.grants[0].id
    login(client, "hn-admin")
    page = f"/users/{hk_editor.id}"
    resp = post_form(client, page, f"{page}/grants/{grant_id}/remove", {})
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Grant, grant_id) is None
    assert audit_count(session, "grant.remove") == 1
    assert "Đã thu hồi vai trò" in text(client.get(page))


def test_remove_grant_without_csrf_changes_nothing(client, session, hn_admin, hk_editor):
    grant_id = hk_editor.grants[0].id
    login(client, "hn-admin")
    resp = client.post(f"/users/{hk_editor.id}/grants/{grant_id}/remove")
    assert resp.status_code == 400
    session.expire_all()
    assert session.get(Grant, grant_id) is not None
    assert audit_count(session, "grant.remove") == 0


def test_last_root_admin_cannot_be_removed(client, session, admin):
    grant_id = admin.grants[0].id
    login(client, "root-admin")
    page = f"/users/{admin.id}"
    resp = post_form(client, page, f"{page}/grants/{grant_id}/remove", {})
    assert resp.status_code == 422
    assert "quản trị viên toàn hệ thống cuối cùng" in text(resp)
    session.expire_all()
    assert session.get(Grant, grant_id) is not None


def test_deactivate_and_activate(app, client, session, hn_admin, hk_editor):
    editor_client = app.test_client()
    login(editor_client, "hk-editor")
    login(client, "hn-admin")
    page = f"/users/{hk_editor.id}"
    resp = post_form(client, page, f"{page}/active", {"active": "0"})
    assert resp.status_code == 302
    assert _user(session, "hk-editor").is_active is False
    # Their session ended and they cannot sign in again.
    assert editor_client.get("/").status_code == 302
    assert login(editor_client, "hk-editor").status_code == 401
    resp = post_form(client, page, f"{page}/active", {"active": "1"})
    assert resp.status_code == 302
    assert _user(session, "hk-editor").is_active is True
    assert audit_count(session, "user.deactivate") == 1
    assert audit_count(session, "user.activate") == 1


def test_deactivate_without_csrf_changes_nothing(client, session, hn_admin, hk_editor):
    login(client, "hn-admin")
    resp = client.post(f"/users/{hk_editor.id}/active", data={"active": "0"})
    assert resp.status_code == 400
    assert _user(session, "hk-editor").is_active is True


def test_cannot_deactivate_self(client, session, admin):
    login(client, "root-admin")
    page = f"/users/{admin.id}"
    resp = post_form(client, page, f"{page}/active", {"active": "0"})
    assert resp.status_code == 422
    assert "Bạn không thể vô hiệu hóa tài khoản của chính mình." in text(resp)
    assert _user(session, "root-admin").is_active is True


def test_subtree_admin_cannot_deactivate_outsider(client, session, hn_admin, hp_viewer):
    login(client, "hn-admin")
    resp = post_form(client, "/", f"/users/{hp_viewer.id}/active", {"active": "0"})
    assert resp.status_code == 404
    assert _user(session, "hp-viewer").is_active is True


def test_reset_password(app, client, session, hn_admin, hk_editor):
    login(client, "hn-admin")
    page = f"/users/{hk_editor.id}"
    resp = post_form(
        client, page, f"{page}/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert resp.status_code == 302
    assert audit_count(session, "user.password") == 1
    other = app.test_client()
    assert login(other, "hk-editor").status_code == 401
    assert login(other, "hk-editor", NEW_PASSWORD).status_code == 302


def test_reset_password_mismatch(client, admin, hk_editor):
    login(client, "root-admin")
    page = f"/users/{hk_editor.id}"
    resp = post_form(
        client, page, f"{page}/password", {"password": NEW_PASSWORD, "confirm": "other-password-1"}
    )
    assert resp.status_code == 422
    assert "Hai mật khẩu không khớp." in text(resp)


def test_changing_own_password_needs_the_current_one(client, session, hk_editor):
    login(client, "hk-editor")
    page = f"/users/{hk_editor.id}"
    body = text(client.get(page))
    assert 'id="current_password"' in body
    assert 'id="grants-table"' in body and 'id="activation"' not in body
    resp = post_form(
        client,
        page,
        f"{page}/password",
        {"current_password": "not-my-password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert resp.status_code == 422
    assert "Mật khẩu hiện tại không đúng." in text(resp)
    assert audit_count(session, "user.password") == 0
    resp = post_form(
        client,
        page,
        f"{page}/password",
        {"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert resp.status_code == 302
    # Still signed in (the session got the new security stamp), and the new password works.
    assert client.get("/").status_code == 200
    assert login(client.application.test_client(), "hk-editor", NEW_PASSWORD).status_code == 302


def test_my_account_link(client, hk_editor):
    login(client, "hk-editor")
    assert f'href="/users/{hk_editor.id}"' in text(client.get("/"))


def test_user_pages_in_english(client, admin, hk_editor):
    client.get("/lang/en")
    login(client, "root-admin")
    body = text(client.get(f"/users/{hk_editor.id}"))
    assert "Editor" in body
    assert "Grant a role" in body
    assert "Reset the password" in body
