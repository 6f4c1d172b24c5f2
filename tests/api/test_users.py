"""Users over the API: scoped listing, creation, changes, grants; audit of each change."""

from __future__ import annotations

from sqlalchemy import select

from signage.accounts.models import Grant, User
from signage.audit.models import AuditEntry
from tests.api.helpers import assert_error, audit_actions, fields, last_audit_id, snapshot
from tests.conftest import TEST_PASSWORD, csrf_token, login

IP = {"REMOTE_ADDR": "198.51.100.20"}
PASSWORD = "a-long-enough-pass"


def usernames(resp) -> list[str]:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return [u["username"] for u in resp.get_json()["users"]]


# --- listing and visibility -------------------------------------------------------------------


def test_root_admin_lists_everyone(client, factory, tree, root_admin, hn_editor, hp_editor):
    loner = factory.user("no-grants")
    names = usernames(client.get("/api/v1/users", headers=factory.bearer(root_admin)))
    assert names == sorted(["root-admin", "hn-editor", "hp-editor", loner.username])


def test_area_admin_lists_only_users_inside_their_areas(client, factory, tree, hn_admin, hp_editor):
    factory.user("hk-approver", ("approver", tree["hk"]))
    factory.user("village-viewer", ("viewer", tree["village"]))
    factory.user("no-grants")
    factory.user("both-cities", ("editor", tree["hn"]), ("editor", tree["hp"]))
    names = usernames(client.get("/api/v1/users", headers=factory.bearer(hn_admin)))
    assert names == ["both-cities", "hk-approver", "hn-admin", "village-viewer"]


def test_listing_needs_user_view(client, factory, hn_editor):
    err = assert_error(client.get("/api/v1/users", headers=factory.bearer(hn_editor)), 403)
    assert "user.view" in err["message"]


def test_listing_pages_and_search(client, session, factory, tree, root_admin):
    factory.user("a-b", ("viewer", tree["hn"]))
    factory.user("ab", ("viewer", tree["hn"]))
    factory.user("a.c", ("viewer", tree["hn"]))
    nguyen = factory.user("nguyen", ("viewer", tree["hn"]))
    nguyen.display_name = "Nguyễn Thị Đào"
    session.flush()
    auth = factory.bearer(root_admin)
    # Byte order on every backend (a locale collation would ignore '-' and '.').
    assert usernames(client.get("/api/v1/users?limit=3", headers=auth)) == ["a-b", "a.c", "ab"]
    page = client.get("/api/v1/users?limit=2&offset=2", headers=auth).get_json()
    assert [u["username"] for u in page["users"]] == ["ab", "nguyen"]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)
    # Search ignores case and Vietnamese diacritics.
    for q in ("ĐÀO", "dao", "nguyen thi"):
        assert usernames(client.get(f"/api/v1/users?q={q}", headers=auth)) == ["nguyen"], q
    assert usernames(client.get("/api/v1/users?q=%25", headers=auth)) == []  # LIKE escaped


def test_get_user_respects_visibility(client, factory, hn_admin, hn_editor, hp_editor):
    auth = factory.bearer(hn_admin)
    assert client.get(f"/api/v1/users/{hn_editor.id}", headers=auth).status_code == 200
    err = assert_error(client.get(f"/api/v1/users/{hp_editor.id}", headers=auth), 404)
    assert err["message"] == "No such user."
    # Anyone sees themselves; an editor sees nobody else.
    own = factory.bearer(hp_editor)
    assert client.get(f"/api/v1/users/{hp_editor.id}", headers=own).status_code == 200
    assert_error(client.get(f"/api/v1/users/{hn_editor.id}", headers=own), 404)


# --- creation ---------------------------------------------------------------------------------


def test_create_user_with_grants_is_audited(client, session, factory, tree, hn_admin):
    auth = factory.bearer(hn_admin)
    mark = last_audit_id(session)
    body = {
        "username": "HK-Editor",
        "password": PASSWORD,
        "display_name": "  Trần   Văn  A ",
        "email": "a@example.vn",
        "locale": "en",
        "grants": [{"role": "editor", "area": "00070"}, {"role": "viewer", "area": "01"}],
    }
    resp = client.post("/api/v1/users", json=body, headers=auth, environ_base=IP)
    assert resp.status_code == 201, resp.get_json()
    out = resp.get_json()
    assert out["username"] == "hk-editor"
    assert out["display_name"] == "Trần Văn A"
    assert "password" not in out and "password_hash" not in out
    assert sorted((g["role"], g["area"]) for g in out["grants"]) == [
        ("editor", "00070"),
        ("viewer", "01"),
    ]
    entries = session.scalars(select(AuditEntry).where(AuditEntry.id > mark)).all()
    assert [e.action for e in entries] == ["user.create", "grant.add", "grant.add"]
    assert {(e.actor, e.actor_id, e.object_type, e.object_id, e.ip) for e in entries} == {
        ("hn-admin", hn_admin.id, "user", str(out["id"]), "198.51.100.20")
    }
    assert entries[1].area_id == tree["hk"].id


def test_area_admin_cannot_grant_outside_their_subtree(client, session, factory, hn_admin):
    auth = factory.bearer(hn_admin)
    before = snapshot(session)
    body = {"username": "sneaky", "password": PASSWORD, "grants": [{"role": "admin", "area": "31"}]}
    # Another province's area reads like an unknown code (no existence oracle).
    err = assert_error(client.post("/api/v1/users", json=body, headers=auth), 422)
    assert err["details"] == [{"field": "grants.0.area", "message": "Unknown area code: 31"}]
    assert snapshot(session) == before
    assert session.scalar(select(User).where(User.username == "sneaky")) is None


def test_area_admin_must_give_a_role(client, session, factory, hn_admin):
    auth = factory.bearer(hn_admin)
    before = snapshot(session)
    body = {"username": "orphan", "password": PASSWORD}
    err = assert_error(client.post("/api/v1/users", json=body, headers=auth), 422)
    assert "grants" in fields(err)
    assert snapshot(session) == before


def test_unknown_area_code_is_a_field_error(client, session, factory, root_admin):
    auth = factory.bearer(root_admin)
    before = snapshot(session)
    body = {
        "username": "someone",
        "password": PASSWORD,
        "grants": [{"role": "viewer", "area": "01"}, {"role": "viewer", "area": "99999"}],
    }
    err = assert_error(client.post("/api/v1/users", json=body, headers=auth), 422)
    assert fields(err) == {"grants.1.area": "Unknown area code: 99999"}
    assert snapshot(session) == before


def test_create_user_checks_username_password_and_email(client, session, factory, root_admin):
    auth = factory.bearer(root_admin)
    before = snapshot(session)
    cases = [
        ({"username": "ab"}, "username"),
        ({"username": "tên-việt"}, "username"),
        ({"username": "a b c"}, "username"),
        ({"password": "short"}, "password"),
        ({"password": "New-User-1", "username": "new-user-1"}, "password"),
        ({"password": " " * 12}, "password"),
        ({"email": "not-an-email"}, "email"),
    ]
    for change, field in cases:
        body = {"username": "new-user", "password": PASSWORD, **change}
        err = assert_error(client.post("/api/v1/users", json=body, headers=auth), 422)
        assert field in fields(err), (change, err)
    assert snapshot(session) == before


def test_editor_cannot_create_users(client, session, factory, hn_editor):
    auth = factory.bearer(hn_editor)
    before = snapshot(session)
    body = {
        "username": "x-user",
        "password": PASSWORD,
        "grants": [{"role": "viewer", "area": "01"}],
    }
    assert_error(client.post("/api/v1/users", json=body, headers=auth), 403)
    assert snapshot(session) == before


# --- changes ----------------------------------------------------------------------------------


def test_user_changes_own_profile(client, session, factory, hn_editor):
    auth = factory.bearer(hn_editor)
    mark = last_audit_id(session)
    body = {"display_name": "Lê Thị B", "email": "b@example.vn", "locale": "vi"}
    resp = client.patch(f"/api/v1/users/{hn_editor.id}", json=body, headers=auth, environ_base=IP)
    assert resp.status_code == 200
    assert {k: resp.get_json()[k] for k in body} == body
    entry = session.scalars(select(AuditEntry).where(AuditEntry.id > mark)).one()
    assert (entry.action, entry.actor, entry.ip) == ("user.update", "hn-editor", "198.51.100.20")
    assert entry.details == {"fields": ["display_name", "email", "locale"]}


def test_empty_patch_changes_nothing(client, session, factory, hn_editor):
    auth = factory.bearer(hn_editor)
    before = snapshot(session)
    resp = client.patch(f"/api/v1/users/{hn_editor.id}", json={}, headers=auth)
    assert resp.status_code == 200
    assert snapshot(session) == before


def test_patch_refuses_bad_input(client, session, factory, root_admin, hn_editor):
    auth = factory.bearer(root_admin)
    before = snapshot(session)
    cases = [
        ({"display_name": None}, "display_name", "Leave the field out"),
        ({"is_active": "false"}, "is_active", "true or false"),
        ({"is_active": 0}, "is_active", "true or false"),
        ({"locale": "fr"}, "locale", "'vi'"),
        ({"email": "x@"}, "email", "name@example.vn"),
        ({"password": "short"}, "password", "10 characters"),
        ({"username": "renamed"}, "username", "Unknown field"),
        ({"display_name": "x" * 201}, "display_name", "At most 200"),
    ]
    for body, field, text in cases:
        err = assert_error(
            client.patch(f"/api/v1/users/{hn_editor.id}", json=body, headers=auth), 422
        )
        assert text in fields(err).get(field, ""), (body, err)
    assert snapshot(session) == before


def test_own_password_change_needs_the_current_password(client, session, factory, hn_editor):
    auth = factory.bearer(hn_editor)
    url = f"/api/v1/users/{hn_editor.id}"
    before = snapshot(session)
    err = assert_error(
        client.patch(url, json={"password": "brand-new-password"}, headers=auth), 422
    )
    assert "current_password" in fields(err)
    body = {"password": "brand-new-password", "current_password": "wrong-password"}
    err = assert_error(client.patch(url, json=body, headers=auth), 422)
    assert fields(err) == {"current_password": "The current password is not right."}
    assert snapshot(session) == before
    mark = last_audit_id(session)
    body["current_password"] = TEST_PASSWORD
    assert client.patch(url, json=body, headers=auth).status_code == 200
    assert audit_actions(session, mark) == ["user.password"]


def test_own_password_change_keeps_this_console_session(client, session, hn_editor):
    login(client, "hn-editor")
    body = {"password": "brand-new-password", "current_password": TEST_PASSWORD}
    headers = {"X-CSRFToken": csrf_token(client, "/")}
    assert (
        client.patch(f"/api/v1/users/{hn_editor.id}", json=body, headers=headers).status_code == 200
    )
    assert client.get("/api/v1/me").status_code == 200


def test_admin_resets_password_and_ends_the_users_sessions(
    client, factory, app, hn_admin, hn_editor
):
    victim = app.test_client()
    login(victim, "hn-editor")
    assert victim.get("/api/v1/me").status_code == 200
    resp = client.patch(
        f"/api/v1/users/{hn_editor.id}",
        json={"password": "reset-by-admin-1"},
        headers=factory.bearer(hn_admin),
    )
    assert resp.status_code == 200
    assert_error(victim.get("/api/v1/me"), 401)
    assert login(victim, "hn-editor", "reset-by-admin-1").status_code == 302


def test_deactivation_ends_sessions_and_tokens(client, session, factory, app, hn_admin, hn_editor):
    editor_token = factory.bearer(hn_editor)
    auth = factory.bearer(hn_admin)
    victim = app.test_client()
    login(victim, "hn-editor")
    mark = last_audit_id(session)
    resp = client.patch(f"/api/v1/users/{hn_editor.id}", json={"is_active": False}, headers=auth)
    assert resp.status_code == 200 and resp.get_json()["is_active"] is False
    assert audit_actions(session, mark) == ["user.deactivate"]
    assert_error(victim.get("/api/v1/me"), 401)
    assert_error(client.get("/api/v1/me", headers=editor_token), 401)


def test_nobody_deactivates_themselves(client, session, factory, hn_admin):
    auth = factory.bearer(hn_admin)
    before = snapshot(session)
    resp = client.patch(f"/api/v1/users/{hn_admin.id}", json={"is_active": False}, headers=auth)
    err = assert_error(resp, 422)
    assert "own account" in err["message"]
    assert snapshot(session) == before


def test_editor_cannot_change_others(client, session, factory, tree, hn_editor):
    colleague = factory.user("colleague", ("editor", tree["hn"]))
    auth = factory.bearer(hn_editor)
    before = snapshot(session)
    assert_error(
        client.patch(f"/api/v1/users/{colleague.id}", json={"locale": "en"}, headers=auth), 404
    )
    assert snapshot(session) == before


def test_area_admin_cannot_change_users_with_roles_elsewhere(
    client, session, factory, tree, hn_admin, hp_editor
):
    both = factory.user("both-cities", ("editor", tree["hn"]), ("editor", tree["hp"]))
    auth = factory.bearer(hn_admin)
    before = snapshot(session)
    for body in ({"display_name": "x"}, {"is_active": False}, {"password": "takeover-pass-1"}):
        assert_error(client.patch(f"/api/v1/users/{both.id}", json=body, headers=auth), 403)
    assert_error(
        client.patch(f"/api/v1/users/{hp_editor.id}", json={"locale": "en"}, headers=auth), 404
    )
    assert snapshot(session) == before
    session.refresh(both)
    assert both.is_active and both.display_name == ""


# --- grants -----------------------------------------------------------------------------------


def test_hanoi_admin_cannot_create_a_grant_in_haiphong(
    client, session, factory, tree, hn_admin, hn_editor
):
    auth = factory.bearer(hn_admin)
    before = snapshot(session)
    resp = client.post(
        f"/api/v1/users/{hn_editor.id}/grants", json={"role": "admin", "area": "31"}, headers=auth
    )
    err = assert_error(resp, 422, "validation_failed")  # like an unknown area code
    assert err["details"] == [{"field": "area", "message": "Unknown area code: 31"}]
    assert snapshot(session) == before


def test_grant_and_withdraw_inside_the_subtree(client, session, factory, tree, hn_admin, hn_editor):
    auth = factory.bearer(hn_admin)
    mark = last_audit_id(session)
    resp = client.post(
        f"/api/v1/users/{hn_editor.id}/grants",
        json={"role": "approver", "area": "00070"},
        headers=auth,
        environ_base=IP,
    )
    assert resp.status_code == 201
    grant_id = next(g["id"] for g in resp.get_json()["grants"] if g["role"] == "approver")
    again = client.post(
        f"/api/v1/users/{hn_editor.id}/grants",
        json={"role": "approver", "area": "00070"},
        headers=auth,
    )
    assert_error(again, 409)
    resp = client.delete(
        f"/api/v1/users/{hn_editor.id}/grants/{grant_id}", headers=auth, environ_base=IP
    )
    assert resp.status_code == 200
    assert [g["role"] for g in resp.get_json()["grants"]] == ["editor"]
    entries = session.scalars(select(AuditEntry).where(AuditEntry.id > mark)).all()
    assert [(e.action, e.area_id, e.ip) for e in entries] == [
        ("grant.add", tree["hk"].id, "198.51.100.20"),
        ("grant.remove", tree["hk"].id, "198.51.100.20"),
    ]


def test_grant_errors_write_nothing(client, session, factory, tree, hn_admin, hn_editor, hp_editor):
    auth = factory.bearer(hn_admin)
    hp_grant = session.scalars(select(Grant).where(Grant.user_id == hp_editor.id)).one()
    before = snapshot(session)
    url = f"/api/v1/users/{hn_editor.id}/grants"
    err = assert_error(client.post(url, json={"role": "viewer", "area": "nope"}, headers=auth), 422)
    assert fields(err) == {"area": "Unknown area code: nope"}
    assert_error(client.post(url, json={"role": "root", "area": "01"}, headers=auth), 422)
    assert_error(
        client.post(
            f"/api/v1/users/{hp_editor.id}/grants",
            json={"role": "viewer", "area": "01"},
            headers=auth,
        ),
        404,
    )
    assert_error(
        client.delete(f"/api/v1/users/{hp_editor.id}/grants/{hp_grant.id}", headers=auth), 404
    )
    assert_error(
        client.delete(f"/api/v1/users/{hn_editor.id}/grants/{hp_grant.id}", headers=auth), 404
    )
    assert snapshot(session) == before


def test_the_last_installation_admin_stays(client, session, factory, root_admin):
    grant = root_admin.grants[0]
    auth = factory.bearer(root_admin)
    before = snapshot(session)
    resp = client.delete(f"/api/v1/users/{root_admin.id}/grants/{grant.id}", headers=auth)
    err = assert_error(resp, 422)
    assert "last" in err["message"]
    assert snapshot(session) == before
