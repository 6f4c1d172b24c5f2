"""Issue 10 item 2: an admin of one province cannot take over an account of another."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signage.accounts import services
from signage.accounts.models import User
from signage.audit.services import Actor
from signage.clock import system_clock
from signage.errors import PermissionDenied, ValidationFailed
from tests.conftest import TEST_PASSWORD, login
from tests.web.conftest import post_form

NOW = system_clock()

NEW_PASSWORD = "a-long-new-password"
TAKEN_PASSWORD = "hai-phong-owns-you-now"


@pytest.fixture()
def admins(factory, tree):
    return {
        "root": factory.user("root-admin", ("admin", tree["vn"])),
        "hn": factory.user("hn-admin", ("admin", tree["hn"])),
        "hp": factory.user("hp-admin", ("admin", tree["hp"])),
    }


def test_the_ha_noi_hai_phong_takeover_is_refused(client, session, admins):
    """The reproduced attack: HN creates a user, HP sets its password, HN grants, HP logs in."""
    login(client, "hn-admin")
    created = post_form(
        client,
        "/users/new",
        "/users/new",
        {
            "username": "hn-new-editor",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "locale": "vi",
            "role": "editor",
            "area": "01",
        },
    )
    assert created.status_code == 302
    victim = session.scalar(select(User).where(User.username == "hn-new-editor"))
    client.post("/logout", data={})

    other = type(client)(client.application, client.response_wrapper)
    login(other, "hp-admin")
    # Hải Phòng's admin neither sees the account nor can set its password.
    assert other.get(f"/users/{victim.id}").status_code in (403, 404)
    resp = post_form(
        other,
        "/users",
        f"/users/{victim.id}/password",
        {"password": TAKEN_PASSWORD, "confirm": TAKEN_PASSWORD},
    )
    assert resp.status_code in (403, 404)
    session.expire_all()
    assert services.verify_password(session.get(User, victim.id), NEW_PASSWORD)
    fresh = type(client)(client.application, client.response_wrapper)
    assert login(fresh, "hn-new-editor", TAKEN_PASSWORD).status_code == 401
    assert fresh.get("/").status_code == 302


def test_a_user_without_grants_belongs_to_installation_admins_and_their_creator(
    session, admins, factory
):
    root, hn, hp = admins["root"], admins["hn"], admins["hp"]
    orphan = services.create_user(session, Actor(root, ""), "orphan", TEST_PASSWORD, now=NOW)
    assert orphan.grants == []
    assert services.may_manage_user(root, orphan)
    assert not services.may_manage_user(hn, orphan)
    assert not services.may_manage_user(hp, orphan)
    assert not services.may_view_user(hp, orphan)
    with pytest.raises(PermissionDenied):
        services.set_password(session, Actor(hp, ""), orphan, TAKEN_PASSWORD, now=NOW)

    # An account whose last grant was withdrawn stays with its creator, not with everyone.
    mine = services.create_user(
        session,
        Actor(hn, ""),
        "mine",
        TEST_PASSWORD,
        grants=[("editor", hn.grants[0].area)],
        now=NOW,
    )
    services.remove_grant(session, Actor(hn, ""), mine.grants[0], now=NOW)
    assert services.may_manage_user(hn, mine) and services.may_view_user(hn, mine)
    assert not services.may_manage_user(hp, mine) and not services.may_view_user(hp, mine)
    visible = session.scalars(services.visible_users(hn)).all()
    assert mine in visible and orphan not in visible
    assert mine not in session.scalars(services.visible_users(hp)).all()


def test_province_admins_create_users_only_with_a_grant_in_their_areas(session, admins, tree):
    hn = Actor(admins["hn"], "")
    with pytest.raises(ValidationFailed):
        services.create_user(session, hn, "bare", TEST_PASSWORD, now=NOW)
    with pytest.raises(PermissionDenied):
        services.create_user(
            session, hn, "elsewhere", TEST_PASSWORD, grants=[("editor", tree["hp"])], now=NOW
        )
    assert session.scalar(select(User).where(User.username.in_(["bare", "elsewhere"]))) is None


def test_api_creates_user_and_first_grant_in_one_step(client, session, admins, factory, tree):
    headers = factory.bearer(admins["hn"])
    resp = client.post(
        "/api/v1/users", json={"username": "api-bare", "password": NEW_PASSWORD}, headers=headers
    )
    assert resp.status_code == 422
    resp = client.post(
        "/api/v1/users",
        json={
            "username": "api-hp",
            "password": NEW_PASSWORD,
            "grants": [{"role": "viewer", "area": "31"}],
        },
        headers=headers,
    )
    assert resp.status_code == 422  # another province's area reads like an unknown code
    assert session.scalar(select(User).where(User.username.in_(["api-bare", "api-hp"]))) is None
    resp = client.post(
        "/api/v1/users",
        json={
            "username": "api-hn",
            "password": NEW_PASSWORD,
            "grants": [{"role": "viewer", "area": "01"}],
        },
        headers=headers,
    )
    assert resp.status_code == 201
    user_id = resp.get_json()["id"]
    hp_headers = factory.bearer(admins["hp"])
    assert client.get(f"/api/v1/users/{user_id}", headers=hp_headers).status_code == 404
    resp = client.patch(
        f"/api/v1/users/{user_id}", json={"password": TAKEN_PASSWORD}, headers=hp_headers
    )
    assert resp.status_code == 404
