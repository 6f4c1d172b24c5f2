"""API token scopes: the fixed set of rights a personal token may be narrowed to.

A scope never adds a right: a request with a token needs both the owner's role on the area
and the operation's scope. A token without stored scopes (NULL, shown as "*") has them all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l

from signage.errors import DomainError, ValidationFailed

# Every scope an API operation can require, with its label for people (in this order).
SCOPES: dict[str, Any] = {
    "areas:read": _l("Read the area tree"),
    "areas:write": _l("Create areas (villages, custom zones)"),
    "content:read": _l("Read content items, renditions and display profiles"),
    "content:write": _l("Upload media, write and submit content items"),
    "content:approve": _l("Approve or reject content"),
    "schedules:read": _l("Read playlists and schedules"),
    "schedules:write": _l("Write playlists and schedules"),
    "boards:read": _l("Read boards, groups, status, timelines and manifests"),
    "boards:write": _l("Create and change boards and groups, pair, send commands"),
    "alerts:read": _l("Read alerts, receipts and alert templates"),
    "alerts:write": _l("Send, change, confirm and cancel alerts; edit templates"),
    "cap:write": _l("Send CAP 1.2 messages (for an upstream alerting system)"),
    "audit:read": _l("Read the audit log"),
    "reports:read": _l("Read reports: uptime, proof of play, alert outcomes and indicators"),
    "users:read": _l("Read users and their roles"),
    "users:admin": _l("Create and change users and their roles"),
    "tokens:read": _l("List my API tokens"),
    "tokens:write": _l("Create and revoke API tokens"),
}
# Stored and shown for a token that has every scope, now and in later versions.
ALL = "*"
# Declared by operations that any valid token may call (e.g. "who am I").
ANY_TOKEN = "any"  # noqa: S105 - a marker, not a secret
# More entries than scopes exist can only be an error; refuse before looking at them.
MAX_REQUESTED = 64


class ScopeMissing(DomainError):
    """A valid token whose scopes do not include the one this operation needs."""

    status = 403
    code = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(
            _l("This API token lacks the scope %(scope)s needed here.", scope=scope),
            details=[{"field": "scope", "message": scope}],
        )
        self.scope = scope


def parse(raw: str | None) -> frozenset[str] | None:
    """The scopes stored on a token (space-separated), or None for a full token."""
    if raw is None or raw.strip() == ALL:
        return None
    return frozenset(raw.split())


def serialise(scopes: frozenset[str] | None) -> str | None:
    """The stored form: NULL for a full token, else the scopes in catalogue order."""
    if scopes is None:
        return None
    return " ".join(s for s in SCOPES if s in scopes)


def shown(scopes: frozenset[str] | None) -> list[str]:
    """The scopes as the API lists them: ["*"] for a full token, else in catalogue order."""
    return [ALL] if scopes is None else [s for s in SCOPES if s in scopes]


def validate(requested: Iterable[Any], *, field: str = "scopes") -> frozenset[str] | None:
    """Check a requested list of scopes; None means every scope (["*"])."""
    items = list(requested)
    if len(items) > MAX_REQUESTED:
        raise ValidationFailed(
            details=[{"field": field, "message": _l("At most %(n)s items.", n=MAX_REQUESTED)}]
        )
    if not items:
        raise ValidationFailed(
            details=[{"field": field, "message": _l("Choose at least one scope.")}]
        )
    problems = []
    for i, item in enumerate(items):
        if not isinstance(item, str):
            problems.append({"field": f"{field}.{i}", "message": _l("Must be text.")})
        elif item != ALL and item not in SCOPES:
            problems.append(
                {
                    "field": f"{field}.{i}",
                    "message": _l(
                        "Unknown scope %(scope)s; choose from: %(choices)s.",
                        scope=item[:40],
                        choices=", ".join([ALL, *SCOPES]),
                    ),
                }
            )
    if problems:
        raise ValidationFailed(details=problems)
    if len(set(items)) != len(items):
        raise ValidationFailed(
            details=[{"field": field, "message": _l("Give each scope only once.")}]
        )
    if ALL in items:
        if len(items) > 1:
            raise ValidationFailed(
                details=[{"field": field, "message": _l("“*” (every scope) stands alone.")}]
            )
        return None
    return frozenset(items)


def within(requested: frozenset[str] | None, held: frozenset[str] | None) -> list[str]:
    """The requested scopes a caller holding `held` may not hand out (empty when allowed)."""
    if held is None:
        return []
    if requested is None:
        return [s for s in SCOPES if s not in held]
    return [s for s in SCOPES if s in requested and s not in held]
