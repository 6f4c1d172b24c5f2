"""Personal API tokens over the API: list mine, create (secret once), revoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from signage.accounts.models import ApiToken
from signage.accounts.tokens import MAX_ACTIVE_TOKENS
from signage.audit.models import AuditEntry
from signage.clock import system_clock
from tests.api.helpers import assert_error, audit_actions, fields, last_audit_id, snapshot

IP = {"REMOTE_ADDR": "203.0.113.7"}


def test_create_returns_the_secret_once_and_it_works(client, session, factory, hn_editor):
    auth = factory.bearer(hn_editor)
    mark = last_audit_id(session)
    expires = (system_clock() + timedelta(days=30)).astimezone(UTC).replace(microsecond=0)
    local = expires.astimezone(datetime.now().astimezone().tzinfo)
    resp = client.post(
        "/api/v1/tokens",
        json={"name": "  bảng tin script  ", "expires_at": local.isoformat()},
        headers=auth,
        environ_base=IP,
    )
    assert resp.status_code == 201
    assert resp.headers["Cache-Control"] == "no-store"
    body = resp.get_json()
    assert body["token"].startswith("sgn_") and body["token"].startswith(body["prefix"])
    assert body["name"] == "bảng tin script"
    assert body["active"] is True
    assert datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00")) == expires
    # The secret authenticates, and is stored only as a hash.
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.get_json()["username"] == "hn-editor"
    row = session.get(ApiToken, body["id"])
    assert body["token"] not in (row.token_hash, row.prefix, row.name)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.id > mark)).one()
    assert (entry.action, entry.actor, entry.object_type, entry.object_id, entry.ip) == (
        "token.create",
        "hn-editor",
        "api_token",
        str(body["id"]),
        "203.0.113.7",
    )


def test_list_shows_my_tokens_without_secrets(client, session, factory, hn_editor, hp_editor):
    auth = factory.bearer(hn_editor)
    client.post("/api/v1/tokens", json={"name": "second"}, headers=auth)
    factory.token(hp_editor)  # someone else's
    resp = client.get("/api/v1/tokens", headers=auth)
    assert resp.status_code == 200
    tokens = resp.get_json()["tokens"]
    assert [t["name"] for t in tokens] == ["second", ""]  # newest first
    for t in tokens:
        assert "token" not in t and "token_hash" not in t
        assert set(t) == {
            "id",
            "name",
            "prefix",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "active",
            "scopes",
        }


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({}, "name", "required"),
        ({"name": "   "}, "name", "empty"),
        ({"name": "x" * 101}, "name", "At most 100"),
        ({"name": "x", "expires_at": "2030-01-01T00:00:00"}, "expires_at", "UTC offset"),
        ({"name": "x", "expires_at": "next week"}, "expires_at", "ISO 8601"),
        ({"name": "x", "expires_at": "2001-01-01T00:00:00+07:00"}, "expires_at", "future"),
        ({"name": "x", "expires_at": "2999-01-01T00:00:00+07:00"}, "expires_at", "ten years"),
        ({"name": "x", "expires_at": "9999-12-31T23:59:59-12:00"}, "expires_at", "out of range"),
        ({"name": "x", "user": "root-admin"}, "user", "Unknown field"),
    ],
)
def test_create_refuses_bad_input(client, session, factory, hn_editor, body, field, text):
    auth = factory.bearer(hn_editor)
    before = snapshot(session)
    err = assert_error(client.post("/api/v1/tokens", json=body, headers=auth), 422)
    assert text in fields(err)[field]
    assert snapshot(session) == before


def test_create_refuses_beyond_the_active_token_limit(client, session, factory, hn_editor):
    secrets = [factory.token(hn_editor) for _ in range(MAX_ACTIVE_TOKENS)]
    auth = {"Authorization": f"Bearer {secrets[0]}"}
    before = snapshot(session)
    err = assert_error(client.post("/api/v1/tokens", json={"name": "one more"}, headers=auth), 422)
    assert "revoke" in err["message"]
    assert snapshot(session) == before
    # Revoking one (not the one in use) makes room again.
    first = session.scalars(select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert client.delete(f"/api/v1/tokens/{first.id}", headers=auth).status_code == 200
    assert client.post("/api/v1/tokens", json={"name": "x"}, headers=auth).status_code == 201


def test_revoke_my_token(client, session, factory, hn_editor):
    auth = factory.bearer(hn_editor)
    created = client.post("/api/v1/tokens", json={"name": "old"}, headers=auth).get_json()
    mark = last_audit_id(session)
    resp = client.delete(f"/api/v1/tokens/{created['id']}", headers=auth, environ_base=IP)
    assert resp.status_code == 200
    assert resp.get_json()["active"] is False and resp.get_json()["revoked_at"]
    assert audit_actions(session, mark) == ["token.revoke"]
    assert_error(
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {created['token']}"}), 401
    )
    # Revoking again changes nothing and records nothing.
    mark = last_audit_id(session)
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=auth).status_code == 200
    assert audit_actions(session, mark) == []


def test_revoking_someone_elses_token_is_not_found(client, session, factory, hn_editor, hp_editor):
    factory.token(hp_editor)
    theirs = session.scalars(select(ApiToken).where(ApiToken.user_id == hp_editor.id)).one()
    auth = factory.bearer(hn_editor)
    before = snapshot(session)
    assert_error(client.delete(f"/api/v1/tokens/{theirs.id}", headers=auth), 404)
    assert_error(client.delete("/api/v1/tokens/999999", headers=auth), 404)
    assert snapshot(session) == before
    session.refresh(theirs)
    assert theirs.revoked_at is None


def test_an_admin_may_revoke_tokens_of_users_they_manage(
    client, session, factory, hn_admin, hn_editor
):
    factory.token(hn_editor)
    theirs = session.scalars(select(ApiToken).where(ApiToken.user_id == hn_editor.id)).one()
    resp = client.delete(f"/api/v1/tokens/{theirs.id}", headers=factory.bearer(hn_admin))
    assert resp.status_code == 200
    session.refresh(theirs)
    assert theirs.revoked_at is not None
