"""Sign-in, sign-out, language switch, open redirects and CSRF on the console."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from signage.clock import set_clock
from tests.conftest import TEST_PASSWORD, csrf_token, login
from tests.web.conftest import audit_count, text


def test_home_redirects_to_login_when_signed_out(client):
    resp = client.get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"].startswith("/login")


def test_login_page_is_vietnamese_by_default(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    assert resp.mimetype == "text/html"
    body = text(resp)
    assert 'lang="vi"' in body
    assert "Đăng nhập" in body
    assert "Tên đăng nhập" in body
    assert "Bảng tin điện tử" in body


def test_login_success_lands_on_home_with_nav(client, admin):
    resp = login(client, "root-admin")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    body = text(client.get("/"))
    assert "Trang chủ" in body
    for label in ("Khu vực", "Người dùng", "Nhật ký thao tác", "Khóa API của tôi"):
        assert label in body


def test_wrong_password_shows_translated_message(client, admin):
    resp = login(client, "root-admin", "wrong-password-1")
    assert resp.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in text(resp)


def test_unknown_user_gets_the_same_message(client, tree):
    resp = login(client, "nobody-here", "wrong-password-1")
    assert resp.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in text(resp)


def test_empty_form_is_rejected(client):
    resp = client.post("/login", data={"csrf_token": csrf_token(client)})
    assert resp.status_code == 400
    assert "Nhập cả tên đăng nhập và mật khẩu." in text(resp)


T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def test_failures_slow_down_without_locking_and_reveal_no_account(app, client, session, admin):
    set_clock(app, T0)
    answers = {}
    for name in ("root-admin", "nobody-here"):
        for _ in range(5):
            assert login(client, name, "wrong-password-1").status_code == 401
        assert login(client, name, "wrong-password-1").status_code == 401  # 1 s wait now
        resp = login(client, name, TEST_PASSWORD)
        assert resp.status_code == 429
        assert "đợi 1 giây" in text(resp)
        body = re.sub(r'name="csrf_token"[^>]*>', "", text(resp))
        answers[name] = body.replace(name, "NAME")
    assert "Quá nhiều lần đăng nhập sai" in answers["root-admin"]
    assert answers["root-admin"] == answers["nobody-here"]
    # No lock: once the wait is over the owner signs in.
    set_clock(app, T0 + timedelta(seconds=2))
    assert login(client, "root-admin", TEST_PASSWORD).status_code == 302


def test_throttle_message_in_english(app, client, admin):
    set_clock(app, T0)
    client.get("/lang/en")
    for _ in range(7):
        resp = login(client, "root-admin", "wrong-password-1")
    assert resp.status_code == 429
    assert "Too many failed sign-ins" in text(resp)


def test_language_switch_shows_english(client, admin):
    login(client, "root-admin")
    resp = client.get("/lang/en?next=/")
    assert resp.status_code == 302
    body = text(client.get("/"))
    assert 'lang="en"' in body
    for label in ("Home", "Areas", "Users", "Audit log", "My API tokens", "Sign out"):
        assert label in body
    assert "Trang chủ" not in body
    client.get("/lang/vi")
    assert "Trang chủ" in text(client.get("/"))


def test_language_survives_sign_in(client, admin):
    client.get("/lang/en")
    login(client, "root-admin")
    assert "My API tokens" in text(client.get("/"))


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/path",
        "https://evil.example/",
        "/\\evil.example",
        "\\\\evil",
    ],
)
def test_next_is_not_followed_off_site(client, admin, target):
    resp = client.post(
        "/login",
        query_string={"next": target},
        data={
            "username": "root-admin",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    resp = client.get("/lang/en", query_string={"next": target})
    assert resp.headers["Location"] == "/"


def test_next_is_followed_on_site(client, admin):
    resp = client.get("/areas")
    assert resp.status_code == 302
    assert "next=/areas" in resp.headers["Location"]
    resp = client.post(
        "/login?next=/areas",
        data={
            "username": "root-admin",
            "password": TEST_PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert resp.headers["Location"] == "/areas"


def test_login_without_csrf_is_rejected(client, admin):
    resp = client.post("/login", data={"username": "root-admin", "password": TEST_PASSWORD})
    assert resp.status_code == 400
    assert "uid" not in (client.get_cookie("session").value if client.get_cookie("session") else "")
    assert client.get("/").status_code == 302


def test_logout_ends_the_session(client, admin):
    login(client, "root-admin")
    resp = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert resp.status_code == 302
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_sign_in(client, factory, tree):
    factory.user("gone-user", ("editor", tree["hn"]), active=False)
    assert login(client, "gone-user").status_code == 401


def test_home_lists_my_roles(client, hk_editor):
    login(client, "hk-editor")
    body = text(client.get("/"))
    assert "Biên tập viên" in body
    assert "Phường Hoàn Kiếm" in body
    # An editor sees neither Users nor the audit log in the navigation.
    assert 'data-nav="accounts.user"' not in body
    assert 'data-nav="audit.audit"' not in body
    assert 'data-nav="areas.area"' in body
    assert 'data-nav="accounts.token"' in body


def test_content_sections_follow_roles(client, factory, tree, hk_editor):
    factory.user("hn-approver", ("approver", tree["hn"]))
    login(client, "hk-editor")
    body = text(client.get("/"))
    assert 'data-nav="content."' in body
    assert 'data-nav="content.queue"' not in body
    other = client.application.test_client()
    login(other, "hn-approver")
    assert 'data-nav="content.queue"' in text(other.get("/"))


@pytest.mark.parametrize(
    "target", ["/%0d%0a", "/%0d%0aSet-Cookie:%20x=1", "/users%0a", "/%7f", "/%00"]
)
def test_next_with_control_characters_goes_home_and_keeps_the_audit_entry(
    client, session, admin, target
):
    token = csrf_token(client)
    resp = client.post(
        f"/login?next={target}",
        data={"username": "root-admin", "password": TEST_PASSWORD, "csrf_token": token},
    )
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert audit_count(session, "login.succeeded") == 1
    resp = client.get(f"/lang/en?next={target}")
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/"
