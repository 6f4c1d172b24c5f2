"""Issue 10 item 6: logout, password change and "sign out everywhere" end sessions on the server;
idle and absolute timeouts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from signage.clock import set_clock
from tests.conftest import TEST_PASSWORD, login
from tests.web.conftest import audit_count, post_form

T0 = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
NEW_PASSWORD = "a-long-new-password"


def _copy(client, app):
    """A second browser holding a copy of client's session cookie (a stolen or saved cookie)."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def _signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_a_cookie_saved_before_logout_fails_afterwards(app, client, session, hk_editor):
    login(client, "hk-editor")
    saved = _copy(client, app)
    assert _signed_in(saved)
    resp = post_form(client, "/", "/logout", {})
    assert resp.status_code == 302
    assert not _signed_in(client)
    assert not _signed_in(saved)
    assert audit_count(session, "logout") == 1


def test_logout_without_a_session_is_harmless(client):
    resp = post_form(client, "/login", "/logout", {})
    assert resp.status_code == 302


def test_password_change_ends_other_sessions(app, client, session, hk_editor):
    login(client, "hk-editor")
    elsewhere = app.test_client()
    login(elsewhere, "hk-editor")
    page = f"/users/{hk_editor.id}"
    resp = post_form(
        client,
        page,
        f"{page}/password",
        {"current_password": TEST_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert resp.status_code == 302
    assert _signed_in(client)
    assert not _signed_in(elsewhere)


def test_sign_out_everywhere(app, client, session, hn_admin, hk_editor):
    victim_browser = app.test_client()
    login(victim_browser, "hk-editor")
    login(client, "hn-admin")
    page = f"/users/{hk_editor.id}"
    resp = post_form(client, page, f"{page}/sessions/end", {})
    assert resp.status_code == 302
    assert not _signed_in(victim_browser)
    assert _signed_in(client)
    assert audit_count(session, "user.sessions_ended") == 1


def test_sign_out_everywhere_of_oneself(app, client, session, hk_editor):
    login(client, "hk-editor")
    other = app.test_client()
    login(other, "hk-editor")
    page = f"/users/{hk_editor.id}"
    assert post_form(client, page, f"{page}/sessions/end", {}).status_code == 302
    assert not _signed_in(client) and not _signed_in(other)


def test_outsiders_cannot_sign_others_out(app, client, session, hn_admin, hp_viewer):
    browser = app.test_client()
    login(browser, "hp-viewer")
    login(client, "hn-admin")
    resp = post_form(client, "/", f"/users/{hp_viewer.id}/sessions/end", {})
    assert resp.status_code in (403, 404)
    assert _signed_in(browser)
    assert audit_count(session, "user.sessions_ended") == 0


def test_idle_timeout(app, client, hk_editor):
    set_clock(app, T0)
    login(client, "hk-editor")
    set_clock(app, T0 + timedelta(hours=1, minutes=59))
    assert _signed_in(client)  # activity keeps the session alive
    set_clock(app, T0 + timedelta(hours=3, minutes=58))
    assert _signed_in(client)
    set_clock(app, T0 + timedelta(hours=6))
    assert not _signed_in(client)


def test_absolute_timeout(app, client, hk_editor):
    set_clock(app, T0)
    login(client, "hk-editor")
    for hours in range(1, 12):
        set_clock(app, T0 + timedelta(hours=hours))
        assert _signed_in(client)
    set_clock(app, T0 + timedelta(hours=12, minutes=1))
    assert not _signed_in(client)


def test_timeouts_are_settings(app, client, hk_editor):
    app.config["SIGNAGE"].session_idle_seconds = 60
    set_clock(app, T0)
    login(client, "hk-editor")
    set_clock(app, T0 + timedelta(seconds=61))
    assert not _signed_in(client)


def test_a_session_cookie_from_before_the_timeouts_is_refused(app, client, hk_editor):
    login(client, "hk-editor")
    with client.session_transaction() as sess:
        del sess["iat"]
    assert not _signed_in(client)
