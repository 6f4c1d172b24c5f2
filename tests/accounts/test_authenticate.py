"""Sign-in: wrong passwords, unknown users, lockout and unlock at given instants, deactivation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import extract_parameters
from sqlalchemy import select

from signage.accounts import services
from signage.accounts.models import User
from signage.audit.models import AuditEntry
from signage.audit.services import Actor
from signage.errors import AccountLocked, InvalidCredentials
from tests.conftest import TEST_PASSWORD, csrf_token, login

NOW = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)
POLICY = services.LoginPolicy(max_failures=3, lockout=timedelta(minutes=15))
IP = "203.0.113.5"


def sign_in(session, username, password, now=NOW):
    return services.authenticate(session, username, password, now=now, policy=POLICY, ip=IP)


def log(session) -> list[tuple[str, str, str]]:
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    return [(e.action, e.actor, e.ip) for e in rows]


def test_right_password_signs_in(session, factory):
    user = factory.user("lan")
    assert sign_in(session, " LAN ", TEST_PASSWORD) is user  # usernames ignore case and spaces
    assert user.last_login_at == NOW
    assert log(session) == [("login.succeeded", "lan", IP)]


def test_wrong_password_is_counted_and_logged(session, factory):
    user = factory.user("lan")
    with pytest.raises(InvalidCredentials) as exc:
        sign_in(session, "lan", "wrong-password")
    assert exc.value.status == 401 and exc.value.code == "invalid_credentials"
    assert user.failed_logins == 1
    entry = session.scalars(select(AuditEntry)).one()
    assert (entry.action, entry.actor_id, entry.ip, entry.details) == (
        "login.failed",
        user.id,
        IP,
        {"failures": 1},
    )


def test_unknown_user_gets_the_same_error(session, factory):
    factory.user("lan")
    errors = []
    for username, password in (("lan", "wrong-password"), ("nobody", "wrong-password"), ("", "")):
        with pytest.raises(InvalidCredentials) as exc:
            sign_in(session, username, password)
        errors.append((type(exc.value), exc.value.status, exc.value.code, exc.value.message))
    assert errors[0] == errors[1] == errors[2]
    # The attempt is logged under the name that was typed, without a user.
    entry = session.scalars(select(AuditEntry).where(AuditEntry.actor == "nobody")).one()
    assert (entry.action, entry.actor_id, entry.object_id) == ("login.failed", None, "")


def test_unknown_user_costs_a_real_password_check():
    # Same argon2 parameters as real hashes, so an unknown name takes as long as a wrong password.
    real = extract_parameters(services.hash_password("whatever-password"))
    assert extract_parameters(services._DUMMY_HASH) == real
    assert real.type.name == "ID"


@pytest.mark.parametrize("username", ["a\x00b", "x" * 10_000, "\ud800", "'; DROP TABLE users; --"])
def test_hostile_usernames_are_just_wrong(session, factory, username):
    with pytest.raises(InvalidCredentials):
        sign_in(session, username, "whatever-password")
    entry = session.scalars(select(AuditEntry)).one()
    assert entry.action == "login.failed"
    assert len(entry.actor) <= 100 and entry.actor.isprintable()
    session.flush()  # storable on every backend


def test_lockout_after_max_failures_and_unlock_after_the_lockout(session, factory):
    user = factory.user("lan")
    for i in range(POLICY.max_failures - 1):
        with pytest.raises(InvalidCredentials):
            sign_in(session, "lan", "wrong-password", now=NOW + timedelta(seconds=i))
    with pytest.raises(AccountLocked) as exc:
        sign_in(session, "lan", "wrong-password", now=NOW + timedelta(seconds=10))
    assert exc.value.status == 423
    locked_until = NOW + timedelta(seconds=10) + POLICY.lockout
    assert user.locked_until == locked_until
    # While locked, even the right password is refused, and the refusal is logged.
    with pytest.raises(AccountLocked):
        sign_in(session, "lan", TEST_PASSWORD, now=locked_until - timedelta(seconds=1))
    assert [a for a, _, _ in log(session)][-3:] == ["login.failed", "user.lock", "login.locked"]
    # From the end of the lockout, the right password works again.
    assert sign_in(session, "lan", TEST_PASSWORD, now=locked_until) is user
    assert user.locked_until is None and user.failed_logins == 0


def test_success_resets_the_failure_count(session, factory):
    user = factory.user("lan")
    for _ in range(POLICY.max_failures - 1):
        with pytest.raises(InvalidCredentials):
            sign_in(session, "lan", "wrong-password")
    sign_in(session, "lan", TEST_PASSWORD)
    assert user.failed_logins == 0
    # So the next failures start counting from zero: no lock after one more.
    with pytest.raises(InvalidCredentials):
        sign_in(session, "lan", "wrong-password")
    assert user.locked_until is None


def test_deactivated_user_cannot_sign_in(session, factory):
    factory.user("lan", active=False)
    with pytest.raises(InvalidCredentials):
        sign_in(session, "lan", TEST_PASSWORD)


def test_deactivation_ends_an_open_session(client, session, factory, tree):
    admin = factory.user("root-admin", ("admin", tree["vn"]))
    user = factory.user("lan", ("editor", tree["hn"]))
    assert login(client, "lan").status_code == 302
    assert client.get("/api/v1/me").status_code == 200
    stamp = user.security_stamp
    services.set_active(session, Actor(admin), user, False, now=NOW)
    session.flush()
    assert user.security_stamp != stamp
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/").status_code == 302  # back to the sign-in page
    # Reactivation does not revive the old session either.
    services.set_active(session, Actor(admin), user, True, now=NOW)
    session.flush()
    assert client.get("/api/v1/me").status_code == 401


def test_password_change_ends_other_sessions(client, session, factory, tree):
    user = factory.user("lan", ("editor", tree["hn"]))
    login(client, "lan")
    services.set_password(session, Actor(user), user, "a-new-password-1", now=NOW)
    session.flush()
    assert client.get("/api/v1/me").status_code == 401
    assert login(client, "lan", "a-new-password-1").status_code == 302


def test_sign_in_starts_a_fresh_session(client, factory, tree):
    user = factory.user("lan", ("editor", tree["hn"]))
    csrf_token(client)
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    login(client, "lan")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert (sess["uid"], sess["stamp"]) == (user.id, user.security_stamp)


def test_login_failures_through_the_form_are_recorded(client, session, factory):
    factory.user("lan")
    resp = login(client, "lan", "wrong-password")
    assert resp.status_code == 401
    assert session.scalar(select(User.failed_logins).where(User.username == "lan")) == 1
    assert [a for a, _, _ in log(session)] == ["login.failed"]
