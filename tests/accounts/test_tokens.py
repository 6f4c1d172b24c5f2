"""API token service: shown once, stored hashed, every reason a token stops working."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from signage.accounts import tokens
from signage.audit.services import SYSTEM, Actor
from signage.errors import AuthenticationRequired, PermissionDenied, ValidationFailed

NOW = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)


def create(session, user, actor=SYSTEM, **kwargs):
    row, secret = tokens.create_token(session, actor, user, name="t", now=NOW, **kwargs)
    session.flush()
    return row, secret


def test_secret_is_returned_once_and_stored_as_sha256(session, factory):
    user = factory.user("lan")
    row, secret = create(session, user)
    assert secret.startswith("sgn_") and len(secret) > 40
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert row.prefix == secret[:10]
    uses = []
    assert (
        tokens.authenticate_token(session, secret, now=NOW, used=lambda *u: uses.append(u)) is user
    )
    assert uses == [(row.id, NOW)] and row.last_used_at is None  # noted, written in batches


def test_expiry_is_exclusive(session, factory):
    user = factory.user("lan")
    row, secret = create(session, user, expires_at=NOW + timedelta(hours=1))
    assert tokens.authenticate_token(session, secret, now=NOW + timedelta(minutes=59)) is user
    with pytest.raises(AuthenticationRequired):
        tokens.authenticate_token(session, secret, now=NOW + timedelta(hours=1))
    assert not tokens.is_active(row, now=NOW + timedelta(hours=1))


def test_revoked_deactivated_and_unknown(session, factory):
    user = factory.user("lan")
    row, secret = create(session, user)
    tokens.revoke_token(session, Actor(user), row, now=NOW)
    with pytest.raises(AuthenticationRequired):
        tokens.authenticate_token(session, secret, now=NOW)
    other = factory.user("gone")
    _row, other_secret = create(session, other)
    other.is_active = False
    with pytest.raises(AuthenticationRequired):
        tokens.authenticate_token(session, other_secret, now=NOW)
    for garbage in ("", "sgn_", "not-a-token", "sgn_" + "a" * 300, secret[:-1]):
        with pytest.raises(AuthenticationRequired):
            tokens.authenticate_token(session, garbage, now=NOW)


@pytest.mark.parametrize(
    "expires_at",
    [NOW, NOW - timedelta(days=1), NOW + timedelta(days=3651), datetime(2030, 1, 1)],
    ids=["now", "past", "too-far", "naive"],
)
def test_bad_expiry_is_refused(session, factory, expires_at):
    user = factory.user("lan")
    with pytest.raises(ValidationFailed):
        create(session, user, expires_at=expires_at)
    assert tokens.list_tokens(session, user) == []


def test_tokens_for_deactivated_users_are_refused(session, factory):
    user = factory.user("gone", active=False)
    with pytest.raises(ValidationFailed):
        create(session, user)


def test_only_the_owner_or_their_admin_manages_tokens(session, factory, tree):
    owner = factory.user("lan", ("editor", tree["hn"]))
    stranger = factory.user("stranger", ("admin", tree["hp"]))
    with pytest.raises(PermissionDenied):
        create(session, owner, actor=Actor(stranger))
    row, _secret = create(session, owner)
    with pytest.raises(PermissionDenied):
        tokens.revoke_token(session, Actor(stranger), row, now=NOW)
    admin = factory.user("hn-admin", ("admin", tree["hn"]))
    tokens.revoke_token(session, Actor(admin), row, now=NOW)
    assert row.revoked_at == NOW
