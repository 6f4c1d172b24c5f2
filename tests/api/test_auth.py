"""Who may call the API: Bearer tokens in every bad state, and console sessions with CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from signage.accounts import services
from signage.accounts.models import ApiToken
from signage.accounts.tokens import revoke_token
from signage.audit.services import SYSTEM, Actor
from signage.clock import system_clock
from tests.api.helpers import assert_error, snapshot
from tests.conftest import csrf_token, login

NEW_TOKEN = {"name": "script"}


def test_valid_token_authenticates_and_is_marked_used(client, session, factory, hn_editor):
    secret = factory.token(hn_editor)
    resp = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert resp.status_code == 200
    assert resp.get_json()["username"] == "hn-editor"
    token = session.scalars(select(ApiToken).execution_options(populate_existing=True)).one()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer garbage",
        "Bearer sgn_" + "x" * 43,
        "Bearer sgn_" + "x" * 500,
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Token sgn_abc",
        "bearer\tsgn_abc",
        "💥",
    ],
)
def test_garbage_authorization_header(client, session, header):
    before = snapshot(session)
    for method, path in (("get", "/api/v1/me"), ("post", "/api/v1/tokens")):
        resp = getattr(client, method)(path, json=NEW_TOKEN, headers={"Authorization": header})
        err = assert_error(resp, 401, "unauthenticated")
        assert "token" in err["message"].lower() or "Bearer" in err["message"]
    assert snapshot(session) == before


def test_bearer_scheme_is_case_insensitive(client, factory, hn_editor):
    secret = factory.token(hn_editor)
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"bearer {secret}"}).status_code == 200
    )


def test_expired_token(client, session, factory, hn_editor):
    now = system_clock()
    row, secret = services_create(session, hn_editor, expires_at=now + timedelta(seconds=1))
    row.expires_at = now - timedelta(seconds=1)  # time has passed
    session.flush()
    before = snapshot(session)
    resp = client.post(
        "/api/v1/tokens", json=NEW_TOKEN, headers={"Authorization": f"Bearer {secret}"}
    )
    err = assert_error(resp, 401)
    assert "expired" in err["message"]
    assert snapshot(session) == before


def test_revoked_token(client, session, factory, hn_editor):
    row, secret = services_create(session, hn_editor)
    revoke_token(session, SYSTEM, row, now=system_clock())
    session.flush()
    before = snapshot(session)
    resp = client.post(
        "/api/v1/tokens", json=NEW_TOKEN, headers={"Authorization": f"Bearer {secret}"}
    )
    err = assert_error(resp, 401)
    assert "revoked" in err["message"]
    assert snapshot(session) == before


def test_token_of_a_deactivated_user(client, session, factory, tree, root_admin, hn_editor):
    secret = factory.token(hn_editor)
    services.set_active(session, Actor(root_admin), hn_editor, False, now=system_clock())
    session.flush()
    before = snapshot(session)
    resp = client.post(
        "/api/v1/tokens", json=NEW_TOKEN, headers={"Authorization": f"Bearer {secret}"}
    )
    err = assert_error(resp, 401)
    assert "deactivated" in err["message"]
    assert snapshot(session) == before
    # Reactivated, the same token works again: deactivation is not revocation.
    services.set_active(session, Actor(root_admin), hn_editor, True, now=system_clock())
    session.flush()
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    )


def services_create(session, user, **kwargs):
    from signage.accounts.tokens import create_token

    row, secret = create_token(session, SYSTEM, user, name="t", now=system_clock(), **kwargs)
    session.flush()
    return row, secret


def test_session_cookie_reads_without_csrf(client, hn_editor):
    assert login(client, "hn-editor").status_code == 302
    resp = client.get("/api/v1/me")
    assert resp.status_code == 200
    assert resp.get_json()["username"] == "hn-editor"


def test_session_cookie_post_without_csrf_header_is_refused(client, session, hn_editor):
    login(client, "hn-editor")
    before = snapshot(session)
    for headers in ({}, {"X-CSRFToken": "forged"}):
        err = assert_error(client.post("/api/v1/tokens", json=NEW_TOKEN, headers=headers), 400)
        assert err["code"] == "csrf_failed"
        assert "X-CSRFToken" in err["message"]
    assert_error(client.delete("/api/v1/tokens/1"), 400, "csrf_failed")
    assert snapshot(session) == before


def test_session_cookie_post_with_csrf_header_works(client, session, hn_editor):
    login(client, "hn-editor")
    token = csrf_token(client, "/")
    resp = client.post("/api/v1/tokens", json=NEW_TOKEN, headers={"X-CSRFToken": token})
    assert resp.status_code == 201


def test_signed_out_session_is_not_authenticated(client, session, hn_editor):
    login(client, "hn-editor")
    token = csrf_token(client, "/")
    client.post("/logout", data={"csrf_token": token})
    assert_error(client.get("/api/v1/me"), 401)
