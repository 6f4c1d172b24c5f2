"""Sign-in: wrong passwords, unknown users, growing delays at given instants, deactivation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import extract_parameters
from sqlalchemy import select

from signage.accounts import services, throttle
from signage.accounts.models import LoginThrottle
from signage.audit.models import AuditEntry
from signage.audit.services import Actor
from signage.errors import InvalidCredentials, SignInThrottled
from tests.conftest import TEST_PASSWORD, csrf_token, login

NOW = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)
POLICY = services.LoginPolicy(max_failures=3, lockout=timedelta(minutes=15), address_failures=10)
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


def _fail(session, username, now, ip=IP):
    with pytest.raises(InvalidCredentials):
        services.authenticate(session, username, "wrong-password", now=now, policy=POLICY, ip=ip)


def _throttled(session, username, password, now, ip=IP) -> SignInThrottled:
    with pytest.raises(SignInThrottled) as exc:
        services.authenticate(session, username, password, now=now, policy=POLICY, ip=ip)
    return exc.value


def test_failures_make_the_next_attempt_wait_longer_and_longer(session, factory):
    user = factory.user("lan")
    for i in range(POLICY.max_failures):
        _fail(session, "lan", NOW + timedelta(seconds=i))  # free failures: no wait
    t = NOW + timedelta(seconds=10)
    waits = []
    for i in range(8):
        _fail(session, "lan", t, ip=f"198.51.100.{i}")  # from several addresses
        exc = _throttled(session, "lan", TEST_PASSWORD, t)  # even the right password waits
        assert exc.status == 429
        waits.append(exc.retry_after)
        t += timedelta(seconds=exc.retry_after)
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]  # doubling, capped at the account delay
    # No lock: once the wait is over, the right password works, and the count starts again.
    assert sign_in(session, "lan", TEST_PASSWORD, now=t) is user
    _fail(session, "lan", t)
    assert sign_in(session, "lan", TEST_PASSWORD, now=t) is user
    assert "login.throttled" in [a for a, _, _ in log(session)]


def test_unknown_and_existing_names_are_throttled_alike(session, factory):
    factory.user("lan")
    answers = {}
    for name in ("lan", "nobody"):
        for i in range(POLICY.max_failures + 1):
            _fail(session, name, NOW + timedelta(seconds=i), ip=f"198.51.100.{len(answers)}")
        exc = _throttled(session, name, "whatever", NOW + timedelta(seconds=3), ip="192.0.2.1")
        answers[name] = (exc.status, exc.code, str(exc.message), exc.retry_after)
    assert answers["lan"] == answers["nobody"]


def test_an_attacker_cannot_keep_the_owner_out_for_long(session, factory):
    user = factory.user("lan")
    t = NOW
    for i in range(12):  # guessing as fast as the delays allow, from many addresses
        try:
            _fail(session, "lan", t, ip=f"10.0.{i // 250}.{i % 250}")
        except SignInThrottled as exc:  # pragma: no cover - the loop waits exactly the delay
            raise AssertionError(exc) from None
        row = session.get(LoginThrottle, throttle.account_key("lan"))
        t = row.blocked_until or t
    # The owner never waits more than the account delay.
    exc = _throttled(session, "lan", TEST_PASSWORD, t - timedelta(microseconds=1), ip="192.0.2.9")
    assert exc.retry_after <= POLICY.account_delay.total_seconds()
    assert sign_in(session, "lan", TEST_PASSWORD, now=t) is user


def test_one_address_is_slowed_down_across_names(session, factory):
    for i in range(POLICY.address_failures + 1):
        _fail(session, f"name{i}", NOW)  # one failure each: the names are not throttled
    exc = _throttled(session, "another-name", "whatever", NOW)
    assert exc.retry_after == 1
    # Another address is not affected.
    _fail(session, "another-name", NOW, ip="192.0.2.77")


def test_old_failures_are_forgotten(session, factory):
    factory.user("lan")
    for i in range(POLICY.max_failures):
        _fail(session, "lan", NOW + timedelta(seconds=i))
    later = NOW + throttle.FORGET_AFTER + timedelta(minutes=1)
    _fail(session, "lan", later)  # counts as the first failure again: no wait afterwards
    assert sign_in(session, "lan", TEST_PASSWORD, now=later) is not None


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
    assert session.get(LoginThrottle, throttle.account_key("lan")).failures == 1
    assert [a for a, _, _ in log(session)] == ["login.failed"]
