"""Audit log endpoint: who changed what, filtered, newest first, within the caller's areas.

It also holds the log's reading side (which entries a user may read and the codes of their
areas), shared with the console page in signage.audit.views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.areas.models import Area
from signage.audit import services
from signage.audit.models import AuditEntry
from signage.db import db
from signage.errors import PermissionDenied
from signage.http.api import UtcDateTime, actor, api_blueprint, operations, query_args
from signage.http.paging import window
from signage.permissions import can, scope_filter, scope_paths

bp = api_blueprint("audit")
operation = operations(bp)

MAX_LIMIT = 500


def visible_to(stmt: Select[AuditEntry], user: User | None) -> Select[AuditEntry]:
    """Keep the entries the user may read: all for audit.view on the root, else their areas."""
    if can(user, "audit.view", None):
        return stmt
    return stmt.join(Area, AuditEntry.area_id == Area.id).where(
        scope_filter(user, "audit.view", Area.path)
    )


def area_codes(session: Session, area_ids: set[int]) -> dict[int, str]:
    """The codes of the areas entries refer to, by id."""
    if not area_ids:
        return {}
    return dict(session.execute(select(Area.id, Area.code).where(Area.id.in_(area_ids))).all())


class AuditQuery(BaseModel):
    """Filters of the audit log; every one is optional."""

    model_config = ConfigDict(extra="forbid")
    action: str | None = Field(None, max_length=64, description="Action or its prefix, e.g. user.")
    actor: str | None = Field(None, max_length=100, description="Username (exact).")
    object_type: str | None = Field(None, max_length=32, description="e.g. user, area, api_token")
    since: UtcDateTime | None = Field(None, description="From this instant (inclusive).")
    until: UtcDateTime | None = Field(None, description="Up to this instant (exclusive).")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000_000)

    @model_validator(mode="after")
    def _window(self) -> AuditQuery:
        if self.since and self.until and self.since >= self.until:
            raise ValueError(_l("'since' must be before 'until'."))
        return self


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    area: str | None
    ip: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


def entry_out(entry: AuditEntry, area_codes: dict[int, str]) -> dict:
    """Serialise an audit entry."""
    return AuditEntryOut(
        id=entry.id,
        at=entry.at,
        actor=entry.actor,
        actor_id=entry.actor_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        area=area_codes.get(entry.area_id) if entry.area_id else None,
        ip=entry.ip,
        details=entry.details or {},
    ).model_dump(mode="json")


@operation(
    "/audit",
    "GET",
    summary="The audit log inside my areas, newest first (needs audit.view)",
    tag="audit",
    query=AuditQuery,
    response=AuditPage,
    scope="audit:read",
)
def list_audit() -> ResponseReturnValue:
    """Audit entries inside the caller's audit.view areas, newest first."""
    me = actor().user
    if not scope_paths(me, "audit.view"):
        raise PermissionDenied(_l("Reading the audit log needs the audit.view permission."))
    args = query_args(AuditQuery)
    stmt = services.query(
        action=args.action,
        actor=args.actor,
        object_type=args.object_type,
        since=args.since,
        until=args.until,
    )
    found = window(db.session, visible_to(stmt, me), limit=args.limit, offset=args.offset)
    codes = area_codes(db.session, {e.area_id for e in found.items if e.area_id})
    return jsonify({"entries": [entry_out(e, codes) for e in found.items], **found.counts()})
