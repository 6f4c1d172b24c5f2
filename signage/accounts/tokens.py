"""Personal API tokens: shown once, stored as SHA-256, revocable, optionally expiring."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from signage.accounts import scopes as token_scopes
from signage.accounts.models import ApiToken, User
from signage.accounts.services import may_manage_user
from signage.audit.services import Actor, record
from signage.errors import AuthenticationRequired, NotFound, PermissionDenied, ValidationFailed

TOKEN_PREFIX = "sgn_"  # noqa: S105 - a public marker, not a secret
MAX_ACTIVE_TOKENS = 50
MAX_LIFETIME = timedelta(days=3650)


def digest(secret: str) -> str:
    """SHA-256 hex of a token secret, as stored (API, board and pairing secrets alike)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(
    session: Session,
    actor: Actor,
    user: User,
    *,
    name: str = "",
    expires_at: datetime | None = None,
    scopes: frozenset[str] | None = None,
    now: datetime,
) -> tuple[ApiToken, str]:
    """Create a token for user; returns the row and the secret, which is never stored.

    `scopes` (checked with signage.accounts.scopes.validate) narrows it; None: every scope."""
    if actor.user is not None and actor.user is not user:
        if not may_manage_user(actor.user, user):
            raise PermissionDenied()
    if not user.is_active:
        raise ValidationFailed(_l("The account %(name)s is deactivated.", name=user.username))
    name = " ".join((name or "").split())
    if len(name) > 100 or not name.isprintable():
        raise ValidationFailed(
            details=[{"field": "name", "message": _l("At most 100 printable characters.")}]
        )
    if expires_at is not None and expires_at.tzinfo is None:
        raise ValidationFailed(
            details=[{"field": "expires_at", "message": _l("Include the UTC offset.")}]
        )
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed(
            details=[{"field": "expires_at", "message": _l("The expiry must be in the future.")}]
        )
    if expires_at is not None and expires_at > now + MAX_LIFETIME:
        raise ValidationFailed(
            details=[{"field": "expires_at", "message": _l("At most ten years from now.")}]
        )
    if count_active(session, user, now=now) >= MAX_ACTIVE_TOKENS:
        raise ValidationFailed(
            _l(
                "This account already has %(n)s active API tokens; revoke unused ones first.",
                n=MAX_ACTIVE_TOKENS,
            )
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=digest(secret),
        expires_at=expires_at,
        scopes=token_scopes.serialise(scopes),
    )
    session.add(token)
    session.flush()
    record(
        session,
        actor,
        "token.create",
        "api_token",
        token.id,
        details={"user": user.username, "scopes": " ".join(token_scopes.shown(scopes))},
        now=now,
    )
    return token, secret


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """All of a user's tokens, newest first (revoked and expired ones included)."""
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )


def count_active(session: Session, user: User, *, now: datetime) -> int:
    """How many of a user's tokens still authenticate."""
    return (
        session.scalar(
            select(func.count())
            .select_from(ApiToken)
            .where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > now),
            )
        )
        or 0
    )


def is_active(token: ApiToken, *, now: datetime) -> bool:
    """True unless the token was revoked or has expired."""
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def get_visible_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """A token its owner, or an admin over the owner, may see; NotFound for anyone else."""
    token = session.get(ApiToken, token_id)
    if token is None or (
        actor.user is not token.user and not may_manage_user(actor.user, token.user)
    ):
        raise NotFound(_l("No such API token."))
    return token


def scopes_of(token: ApiToken) -> frozenset[str] | None:
    """The token's scopes, or None when it has every scope."""
    return token_scopes.parse(token.scopes)


def authenticate_token(
    session: Session,
    secret: str,
    *,
    now: datetime,
    used: Callable[[int, datetime], None] | None = None,
) -> User:
    """The active user owning this token, or AuthenticationRequired saying why not."""
    return authenticate_api_token(session, secret, now=now, used=used).user


def authenticate_api_token(
    session: Session,
    secret: str,
    *,
    now: datetime,
    used: Callable[[int, datetime], None] | None = None,
) -> ApiToken:
    """The active token with this secret (its user is active), or AuthenticationRequired.

    `used(token id, now)` notes the use; it is not written here, so that a read-only request
    stays a read-only transaction (see signage.accounts.token_use)."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise AuthenticationRequired(_l("The API token is not valid."))
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None:
        raise AuthenticationRequired(_l("The API token is not valid."))
    if token.revoked_at is not None:
        raise AuthenticationRequired(_l("The API token was revoked."))
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthenticationRequired(_l("The API token has expired."))
    if not token.user.is_active:
        raise AuthenticationRequired(_l("The account of this API token is deactivated."))
    if used is not None:
        used(token.id, now)
    return token


def revoke_token(session: Session, actor: Actor, token: ApiToken, *, now: datetime) -> None:
    """Revoke a token; the owner, an admin over the owner or the system (CLI) may do it."""
    if actor.user is not None and actor.user is not token.user:
        if not may_manage_user(actor.user, token.user):
            raise PermissionDenied()
    if token.revoked_at is None:
        token.revoked_at = now
        record(session, actor, "token.revoke", "api_token", token.id, now=now)
