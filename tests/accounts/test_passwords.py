"""The password policy, for new users and for password changes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from signage.accounts import services
from signage.accounts.models import User
from signage.audit.services import SYSTEM, Actor
from signage.clock import system_clock
from signage.errors import PermissionDenied, ValidationFailed


def problems(exc: pytest.ExceptionInfo) -> set[str]:
    return {d["field"] for d in exc.value.details}


@pytest.mark.parametrize(
    "password",
    ["", "short", "123456789", " " * 12, "x" * 257, "Lan-Nguyen", "lan-nguyen"],
    ids=["empty", "short", "nine", "spaces", "too-long", "username-case", "username"],
)
def test_bad_passwords_are_refused_and_nothing_is_created(session, password):
    with pytest.raises(ValidationFailed) as exc:
        services.create_user(
            session, SYSTEM, "lan-nguyen", password, check_permission=False, now=system_clock()
        )
    assert problems(exc) == {"password"}
    assert session.scalar(select(func.count()).select_from(User)) == 0


@pytest.mark.parametrize("password", ["x" * 10, "x" * 256, "mật khẩu dài đủ"])
def test_good_passwords_are_hashed_with_argon2id(session, password):
    user = services.create_user(
        session, SYSTEM, "lan-nguyen", password, check_permission=False, now=system_clock()
    )
    assert user.password_hash.startswith("$argon2id$")
    assert password not in user.password_hash
    assert services.verify_password(user, password)


def test_set_password_applies_the_policy_and_keeps_the_old_one(session, factory):
    user = factory.user("lan-nguyen")
    old_hash, old_stamp = user.password_hash, user.security_stamp
    for bad in ("short", "lan-nguyen"):
        with pytest.raises(ValidationFailed):
            services.set_password(session, Actor(user), user, bad, now=system_clock())
    assert (user.password_hash, user.security_stamp) == (old_hash, old_stamp)


def test_set_password_checks_the_current_password_when_given(session, factory):
    user = factory.user("lan-nguyen")
    with pytest.raises(ValidationFailed) as exc:
        services.set_password(
            session,
            Actor(user),
            user,
            "a-new-password-1",
            current_password="not-it-at-all",
            now=system_clock(),
        )
    assert problems(exc) == {"current_password"}


def test_only_the_user_or_their_admin_sets_a_password(session, factory, tree):
    user = factory.user("lan-nguyen", ("editor", tree["hn"]))
    stranger = factory.user("stranger", ("admin", tree["hp"]))
    with pytest.raises(PermissionDenied):
        services.set_password(
            session, Actor(stranger), user, "a-new-password-1", now=system_clock()
        )
    admin = factory.user("hn-admin", ("admin", tree["hn"]))
    services.set_password(session, Actor(admin), user, "a-new-password-1", now=system_clock())
    assert services.verify_password(user, "a-new-password-1")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"display_name": "x" * 201}, "display_name"),
        ({"display_name": "Lan\x00"}, "display_name"),
        ({"email": "lan\x00@example.vn"}, "email"),
        ({"email": "no-at-sign"}, "email"),
        ({"email": "two@@example.vn"}, "email"),
        ({"email": "a@b.c" + "x" * 250}, "email"),
        ({"locale": "fr"}, "locale"),
    ],
)
def test_profile_checks(session, factory, change, field):
    user = factory.user("lan-nguyen")
    with pytest.raises(ValidationFailed) as exc:
        services.update_profile(session, Actor(user), user, **change, now=system_clock())
    assert problems(exc) == {field}
    assert (user.display_name, user.email, user.locale) == ("", "", "vi")


def test_profile_text_is_stored_nfc(session, factory):
    user = factory.user("lan-nguyen")
    decomposed = "Nguye\u0302\u0303n"  # ễ typed as e + combining marks
    changed = services.update_profile(
        session, Actor(user), user, display_name=decomposed, now=system_clock()
    )
    assert changed == ["display_name"]
    assert user.display_name == "Nguyễn"
    assert (
        services.update_profile(
            session, Actor(user), user, display_name="Nguyễn", now=system_clock()
        )
        == []
    )
