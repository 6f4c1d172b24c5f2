"""My API tokens: the secret is shown once, works as a Bearer token, and revocation ends it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from signage.accounts.models import ApiToken
from tests.conftest import login
from tests.web.conftest import audit_count, post_form, text

SECRET_RE = re.compile(r"sgn_[A-Za-z0-9_-]{20,}")


def _create(client, name="tích hợp", expires="90", scopes=("*",)):
    data = {"name": name, "expires": expires, "scopes": list(scopes)}
    return post_form(client, "/tokens", "/tokens", data)


def test_signed_out_is_sent_to_login(client):
    assert client.get("/tokens").status_code == 302


def test_any_signed_in_user_may_open_it(client, factory):
    factory.user("plain-user")
    login(client, "plain-user")
    resp = client.get("/tokens")
    assert resp.status_code == 200
    assert 'id="no-tokens"' in text(resp)


def test_token_is_shown_once_and_works(client, session, hk_editor):
    login(client, "hk-editor")
    resp = _create(client)
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    secret = SECRET_RE.search(text(resp)).group(0)
    assert "chỉ hiển thị một lần" in text(resp)
    listing = text(client.get("/tokens"))
    assert secret not in listing
    assert secret[:10] in listing  # the prefix identifies it
    assert "tích hợp" in listing
    assert audit_count(session, "token.create") == 1

    api = client.application.test_client()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200
    assert me.json["username"] == "hk-editor"
    session.expire_all()
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == hk_editor.id))
    assert token.last_used_at is not None
    assert token.expires_at is not None


def test_revoked_token_gives_401(client, session, hk_editor):
    login(client, "hk-editor")
    secret = SECRET_RE.search(text(_create(client, expires="never"))).group(0)
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == hk_editor.id))
    assert token.expires_at is None
    resp = post_form(client, "/tokens", f"/tokens/{token.id}/revoke", {})
    assert resp.status_code == 302
    assert "Đã thu hồi khóa" in text(client.get("/tokens"))
    api = client.application.test_client()
    resp = api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert resp.status_code == 401
    assert audit_count(session, "token.revoke") == 1


def test_revoke_without_csrf_changes_nothing(client, session, hk_editor):
    login(client, "hk-editor")
    _create(client)
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == hk_editor.id))
    assert client.post(f"/tokens/{token.id}/revoke").status_code == 400
    session.expire_all()
    assert session.get(ApiToken, token.id).revoked_at is None


def test_cannot_revoke_someone_elses_token(client, session, factory, hk_editor, hp_viewer):
    factory.token(hp_viewer, name="của người khác")
    other = session.scalar(select(ApiToken).where(ApiToken.user_id == hp_viewer.id))
    login(client, "hk-editor")
    resp = post_form(client, "/tokens", f"/tokens/{other.id}/revoke", {})
    assert resp.status_code == 404
    session.expire_all()
    assert session.get(ApiToken, other.id).revoked_at is None
    assert "của người khác" not in text(client.get("/tokens"))


def test_name_is_required(client, session, hk_editor):
    login(client, "hk-editor")
    resp = _create(client, name="")
    assert resp.status_code == 422
    assert 'id="name-error"' in text(resp)
    assert session.scalar(select(ApiToken).where(ApiToken.user_id == hk_editor.id)) is None


def test_scope_checkboxes_have_vietnamese_labels(client, hk_editor):
    login(client, "hk-editor")
    page = text(client.get("/tokens"))
    assert page.count('type="checkbox" name="scopes"') == 19  # "everything" + 18 scopes
    assert 'value="*" id="scope-1" checked' in page
    assert "Gửi bản tin CAP 1.2" in page


def test_scoped_token_shows_its_rights_and_is_limited(client, session, hk_editor):
    login(client, "hk-editor")
    resp = _create(client, scopes=("cap:write", "areas:read"))
    assert resp.status_code == 200
    created = text(resp)
    assert "Gửi bản tin CAP 1.2" in created and "Xem cây khu vực" in created
    secret = SECRET_RE.search(created).group(0)
    token = session.scalar(select(ApiToken).where(ApiToken.user_id == hk_editor.id))
    assert token.scopes == "areas:read cap:write"
    listing = text(client.get("/tokens"))
    assert "Gửi bản tin CAP 1.2" in listing
    api = client.application.test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/areas", headers=auth).status_code == 200
    assert api.get("/api/v1/boards", headers=auth).status_code == 403


@pytest.mark.parametrize(
    "scopes",
    [(), ("boards:explode",), ("*", "cap:write"), ("<script>",), ("cap:write", "x" * 3000)],
)
def test_bad_scope_choices_write_nothing(client, session, hk_editor, scopes):
    login(client, "hk-editor")
    resp = _create(client, scopes=scopes)
    assert resp.status_code == 422
    assert 'id="scopes-error"' in text(resp)
    assert "<script>" not in text(resp).replace('value="<script>"', "")
    assert session.scalar(select(ApiToken).where(ApiToken.user_id == hk_editor.id)) is None
