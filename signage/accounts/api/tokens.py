"""Personal API token endpoints: list mine, create one (secret shown once), revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from signage import clock
from signage.accounts import scopes as token_scopes
from signage.accounts import tokens as services
from signage.accounts.api import operation
from signage.accounts.auth import signed_in_user
from signage.accounts.models import ApiToken
from signage.db import db
from signage.http.api import UtcDateTime, actor, caller_scopes, json_body


class TokenOut(BaseModel):
    """A token as the API shows it: never the secret, only its first characters."""

    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    active: bool
    scopes: list[str] = Field(description="What the token may do; ['*']: everything its owner may.")


class TokenCreated(TokenOut):
    """A new token with its secret; the secret is shown on this response only."""

    token: str = Field(description="The secret: send it as 'Authorization: Bearer <token>'.")


class TokenList(BaseModel):
    tokens: list[TokenOut]


ScopeName = Annotated[
    str, WithJsonSchema({"type": "string", "enum": [token_scopes.ALL, *token_scopes.SCOPES]})
]


class TokenCreate(BaseModel):
    """A token to create for the calling user."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    expires_at: UtcDateTime | None = Field(
        default=None, description="ISO 8601 with UTC offset; omit for a token that never expires."
    )
    # Checked by signage.accounts.scopes.validate, whose messages name the unknown scope.
    scopes: Annotated[list[ScopeName], Field(max_length=token_scopes.MAX_REQUESTED)] | None = Field(
        default=None,
        description="Scopes the token is limited to (see the API guide), or ['*'] for every "
        "scope; omitted: every scope the caller holds.",
    )


def token_out(token: ApiToken) -> dict:
    """Serialise a token without its secret."""
    return TokenOut(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked_at=token.revoked_at,
        active=services.is_active(token, now=clock.now()),
        scopes=token_scopes.shown(services.scopes_of(token)),
    ).model_dump(mode="json")


@operation(
    "/tokens",
    "GET",
    summary="My API tokens (never their secrets)",
    tag="tokens",
    response=TokenList,
    scope="tokens:read",
)
def list_tokens() -> ResponseReturnValue:
    """The caller's tokens, newest first, revoked and expired ones included."""
    rows = services.list_tokens(db.session, signed_in_user())
    return jsonify({"tokens": [token_out(t) for t in rows]})


@operation(
    "/tokens",
    "POST",
    summary="Create an API token for myself; the secret is returned once",
    tag="tokens",
    body=TokenCreate,
    response=TokenCreated,
    status=201,
    scope="tokens:write",
)
def create_token() -> ResponseReturnValue:
    """Create a token for the caller; its secret is in this response only."""
    data = json_body(TokenCreate)
    me, user, held = actor(), signed_in_user(), caller_scopes()
    scopes = held if data.scopes is None else token_scopes.validate(data.scopes)
    beyond = token_scopes.within(scopes, held)
    if beyond:
        # A narrowed token must not mint a wider one.
        raise token_scopes.ScopeMissing(" ".join(beyond))
    token, secret = services.create_token(
        db.session,
        me,
        user,
        name=data.name,
        expires_at=data.expires_at,
        scopes=scopes,
        now=clock.now(),
    )
    resp = jsonify({**token_out(token), "token": secret})
    resp.status_code = 201
    resp.headers["Cache-Control"] = "no-store"
    return resp


@operation(
    "/tokens/<int:token_id>",
    "DELETE",
    summary="Revoke an API token (mine, or of a user I manage)",
    tag="tokens",
    response=TokenOut,
    scope="tokens:write",
)
def revoke_token(token_id: int) -> ResponseReturnValue:
    """Revoke a token; revoking it again changes nothing."""
    token = services.get_visible_token(db.session, actor(), token_id)
    services.revoke_token(db.session, actor(), token, now=clock.now())
    return jsonify(token_out(token))
