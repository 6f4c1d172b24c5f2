"""Account services: users, passwords, sign-in with lockout, role grants."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signage.accounts import throttle
from signage.accounts.models import Grant, User
from signage.areas.models import Area
from signage.audit.services import Actor, record
from signage.db import bytewise, fold, fold_text
from signage.errors import (
    Conflict,
    InvalidCredentials,
    NotFound,
    PermissionDenied,
    SignInThrottled,
    ValidationFailed,
)
from signage.permissions import ROLES, can, require, scope_filter, scope_paths

_hasher = PasswordHasher()
# A real hash to verify against for unknown users, so timing does not reveal who exists.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCALES = ("vi", "en")
MIN_PASSWORD = 10
MAX_PASSWORD = 256


@dataclass(frozen=True)
class LoginPolicy:
    """Sign-in throttling: free failures and the longest delay, per account and per address."""

    max_failures: int = 5
    # The longest wait for one address; one account waits at most account_delay (its owner
    # must not be kept out for long by someone else's guesses).
    lockout: timedelta = timedelta(minutes=15)
    account_delay: timedelta = timedelta(minutes=1)
    address_failures: int = 20


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def _check_password(password: str, username: str = "") -> None:
    """The password policy: 10-256 characters, not the username."""
    message = None
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        message = _l("At least 10 characters.")
    elif len(password) > MAX_PASSWORD:
        message = _l("At most 256 characters.")
    elif not password.strip():
        message = _l("The password cannot be only spaces.")
    elif username and password.strip().lower() == username.lower():
        message = _l("The password must not be the username.")
    if message is not None:
        raise ValidationFailed(details=[{"field": "password", "message": message}])


def _clean_text(value: str) -> str:
    """Text as stored: NFC (Vietnamese diacritics composed), inner whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def _profile_problems(
    display_name: str | None, email: str | None, locale: str | None
) -> list[dict[str, object]]:
    problems: list[dict[str, object]] = []
    if display_name is not None and (len(display_name) > 200 or not display_name.isprintable()):
        problems.append(
            {"field": "display_name", "message": _l("At most 200 characters, no control codes.")}
        )
    if email and (len(email) > 254 or not email.isprintable() or not EMAIL_RE.match(email)):
        problems.append(
            {"field": "email", "message": _l("Enter an address like name@example.vn, or nothing.")}
        )
    if locale is not None and locale not in LOCALES:
        problems.append({"field": "locale", "message": _l("Choose Vietnamese or English.")})
    return problems


def normalise_username(username: str) -> str:
    """Usernames are compared lower-case, without surrounding spaces."""
    return (username or "").strip().lower()


def get_user(session: Session, user_id: int) -> User:
    """The user with this id, or NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such user."))
    return user


def find_user(session: Session, username: str) -> User | None:
    """The user with this username, if any."""
    name = normalise_username(username)
    # No stored username is this long or holds control characters (PostgreSQL refuses NUL).
    if not name or len(name) > 64 or not name.isprintable():
        return None
    return session.scalar(select(User).where(User.username == name))


def may_view_user(actor_user: User | None, target: User) -> bool:
    """Users see themselves; admins see users holding a role inside their user.view scope."""
    if actor_user is None or not actor_user.is_active:
        return False
    if actor_user is target or can(actor_user, "user.view", None):
        return True
    if not target.grants:
        return may_manage_user(actor_user, target)
    return any(can(actor_user, "user.view", g.area) for g in target.grants)


def visible_users(actor_user: User | None, text: str = "") -> Select[User]:
    """Users the actor may see (see may_view_user), optionally matching text, by username."""
    stmt = select(User).order_by(bytewise(User.username))
    if not can(actor_user, "user.view", None):
        in_scope = (
            select(Grant.user_id)
            .join(Area, Grant.area_id == Area.id)
            .where(scope_filter(actor_user, "user.view", Area.path))
        )
        own = []
        if actor_user is not None:
            # Oneself, and the accounts this admin created that hold no role yet.
            created = and_(User.created_by_id == actor_user.id, ~User.grants.any())
            own = (
                [User.id == actor_user.id, created]
                if scope_paths(actor_user, "user.manage")
                else [User.id == actor_user.id]
            )
        stmt = stmt.where(or_(User.id.in_(in_scope), *own))
    needle = fold_text(" ".join((text or "").split()))
    if needle:
        stmt = stmt.where(
            or_(
                User.username.contains(needle, autoescape=True),
                fold(User.display_name).contains(needle, autoescape=True),
                fold(User.email).contains(needle, autoescape=True),
            )
        )
    return stmt


def may_manage_user(actor_user: User | None, target: User) -> bool:
    """An admin may manage a user whose every grant lies in the admin's subtrees.

    A user without any grant belongs to no area: only installation-wide admins and the admin
    who created the account may manage it (otherwise any province's admin could take it over).
    """
    if not target.grants:
        if can(actor_user, "user.manage", None):
            return True
        return (
            actor_user is not None
            and target.created_by_id is not None
            and target.created_by_id == actor_user.id
            and bool(scope_paths(actor_user, "user.manage"))
        )
    return all(can(actor_user, "user.manage", g.area) for g in target.grants)


def create_user(
    session: Session,
    actor: Actor,
    username: str,
    password: str,
    *,
    display_name: str = "",
    email: str = "",
    locale: str = "vi",
    grants: Sequence[tuple[str, Area]] = (),
    check_permission: bool = True,
    now: datetime,
) -> User:
    """Create a user with their first grants, all or nothing.

    Only installation-wide admins may create a user without any grant; other admins must
    give at least one role on an area they manage, in the same step.
    """
    if check_permission:
        if not scope_paths(actor.user, "user.manage"):
            raise PermissionDenied()
        if not grants and not can(actor.user, "user.manage", None):
            raise ValidationFailed(
                details=[
                    {
                        "field": "grants",
                        "message": _l("Give at least one role on an area you manage."),
                    }
                ]
            )
    for role, area in grants:
        if role not in ROLES:
            raise ValidationFailed(details=[{"field": "role", "message": _l("Unknown role.")}])
        require(actor.user, "user.manage", area)
    name = normalise_username(username)
    display_name, email = _clean_text(display_name), (email or "").strip()
    problems = []
    if not USERNAME_RE.match(name):
        problems.append(
            {
                "field": "username",
                "message": _l("3-64 characters: letters a-z, digits, dot, dash, underscore."),
            }
        )
    problems += _profile_problems(display_name, email, locale)
    if problems:
        raise ValidationFailed(details=problems)
    _check_password(password, name)
    taken = Conflict(_l("The username %(name)s is already taken.", name=name))
    if find_user(session, name) is not None:
        raise taken
    user = User(
        username=name,
        display_name=display_name,
        email=email,
        password_hash=hash_password(password),
        security_stamp=secrets.token_hex(16),
        locale=locale,
        created_by_id=actor.user.id if actor.user is not None else None,
    )
    try:
        # A concurrent request may take the name between the check and the insert.
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        raise taken from None
    record(session, actor, "user.create", "user", user.id, details={"username": name}, now=now)
    for role, area in grants:
        add_grant(session, actor, user, role, area, now=now)
    return user


def update_profile(
    session: Session,
    actor: Actor,
    user: User,
    *,
    display_name: str | None = None,
    email: str | None = None,
    locale: str | None = None,
    now: datetime,
) -> list[str]:
    """Change a user's display name, email or language (None = keep); returns changed fields."""
    if actor.user is not user and not may_manage_user(actor.user, user):
        raise PermissionDenied()
    if display_name is not None:
        display_name = _clean_text(display_name)
    if email is not None:
        email = email.strip()
    problems = _profile_problems(display_name, email, locale)
    if problems:
        raise ValidationFailed(details=problems)
    changed = []
    for field, value in (("display_name", display_name), ("email", email), ("locale", locale)):
        if value is not None and getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if changed:
        record(session, actor, "user.update", "user", user.id, details={"fields": changed}, now=now)
    return changed


def set_password(
    session: Session,
    actor: Actor,
    user: User,
    password: str,
    *,
    current_password: str | None = None,
    check_permission: bool = True,
    now: datetime,
) -> None:
    """Change a password (checking current_password when given); existing sessions end."""
    if check_permission and actor.user is not user and not may_manage_user(actor.user, user):
        raise PermissionDenied()
    if current_password is not None and not verify_password(user, current_password):
        raise ValidationFailed(
            details=[
                {"field": "current_password", "message": _l("The current password is not right.")}
            ]
        )
    _check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.security_stamp = secrets.token_hex(16)
    user.failed_logins = 0
    user.locked_until = None
    record(session, actor, "user.password", "user", user.id, now=now)


def end_sessions(
    session: Session, actor: Actor, user: User, *, action: str = "logout", now: datetime
) -> None:
    """End every console session of user (a new security stamp); logout or "everywhere"."""
    if actor.user is not user and not may_manage_user(actor.user, user):
        raise PermissionDenied()
    user.security_stamp = secrets.token_hex(16)
    record(session, actor, action, "user", user.id, now=now)


def set_active(session: Session, actor: Actor, user: User, active: bool, *, now: datetime) -> None:
    """Activate or deactivate a user; deactivation ends their sessions."""
    if not may_manage_user(actor.user, user):
        raise PermissionDenied()
    if actor.user is user and not active:
        raise ValidationFailed(_l("You cannot deactivate your own account."))
    user.is_active = active
    user.security_stamp = secrets.token_hex(16)
    if active:
        user.failed_logins = 0
        user.locked_until = None
    record(
        session, actor, "user.activate" if active else "user.deactivate", "user", user.id, now=now
    )


def verify_password(user: User, password: str) -> bool:
    """True if password is the user's password."""
    try:
        return _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def authenticate(
    session: Session, username: str, password: str, *, now: datetime, policy: LoginPolicy, ip: str
) -> User:
    """Check a username and password, throttled per typed name and per address.

    Unknown, deactivated and existing users get the same answers: 401 for a wrong pair,
    429 (SignInThrottled) while the typed name or the address must wait.
    """
    typed = "".join(c for c in normalise_username(username) if c.isprintable())[:100]
    keys = {
        throttle.account_key(normalise_username(username)): throttle.Limit(
            policy.max_failures, policy.account_delay
        ),
        throttle.address_key(ip): throttle.Limit(policy.address_failures, policy.lockout),
    }
    user = find_user(session, username)
    actor = Actor(user, ip) if user is not None else Actor(None, ip, label_override=typed or "?")
    object_id = user.id if user is not None else ""
    try:
        throttle.check(session, list(keys), now)
    except SignInThrottled:
        record(session, actor, "login.throttled", "user", object_id, now=now)
        raise
    if user is None or not user.is_active:
        # A real hash check, so that timing does not reveal who exists either.
        try:
            _hasher.verify(_DUMMY_HASH, password or "x")
        except VerificationError:
            pass
        ok = False
    else:
        ok = verify_password(user, password)
    if not ok:
        failures = throttle.fail(session, keys, now)
        record(
            session,
            actor,
            "login.failed",
            "user",
            object_id,
            details={"failures": failures},
            now=now,
        )
        raise InvalidCredentials()
    assert user is not None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    throttle.forget(session, next(iter(keys)))
    user.last_login_at = now
    record(session, actor, "login.succeeded", "user", user.id, now=now)
    return user


def add_grant(
    session: Session, actor: Actor, user: User, role: str, area: Area, *, now: datetime
) -> Grant:
    """Grant a role on an area subtree; the actor must manage users on that area."""
    if role not in ROLES:
        raise ValidationFailed(details=[{"field": "role", "message": _l("Unknown role.")}])
    require(actor.user, "user.manage", area)
    exists = session.scalar(
        select(func.count())
        .select_from(Grant)
        .where(Grant.user_id == user.id, Grant.role == role, Grant.area_id == area.id)
    )
    if exists:
        raise Conflict(_l("This user already has that role on that area."))
    grant = Grant(user=user, role=role, area=area)
    session.add(grant)
    session.flush()
    record(
        session,
        actor,
        "grant.add",
        "user",
        user.id,
        area_id=area.id,
        details={"role": role, "area": area.code},
        now=now,
    )
    return grant


def remove_grant(session: Session, actor: Actor, grant: Grant, *, now: datetime) -> None:
    """Withdraw a grant; the actor must manage users on its area and keep one admin at root."""
    require(actor.user, "user.manage", grant.area)
    if grant.role == "admin" and grant.area.parent_id is None:
        others = session.scalar(
            select(func.count())
            .select_from(Grant)
            .join(User)
            .where(
                Grant.role == "admin",
                Grant.area_id == grant.area_id,
                Grant.id != grant.id,
                User.is_active.is_(True),
            )
        )
        if not others:
            raise ValidationFailed(_l("The last installation-wide admin cannot be removed."))
    user = grant.user
    record(
        session,
        actor,
        "grant.remove",
        "user",
        user.id,
        area_id=grant.area_id,
        details={"role": grant.role, "area": grant.area.code},
        now=now,
    )
    user.grants.remove(grant)
    session.flush()
