"""Audit log endpoints: who changed what, filtered, newest first, within the caller's areas;
each entry with its sentence in the caller's language; the filtered log as CSV or XLSX.

The reading side (which entries a user may read, sentences, names) is shared with the console
page: signage.audit.views.reading and signage.audit.views.sentences."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import Select

from signage.accounts.models import User
from signage.audit import services
from signage.audit.views.reading import EXPORT_MAX, sheet, visible_to, within_area
from signage.audit.views.sentences import Described, describe
from signage.db import db
from signage.errors import PermissionDenied
from signage.http.api import UtcDateTime, actor, api_blueprint, operations, query_args
from signage.http.areas import named_area
from signage.http.export import download
from signage.http.paging import window
from signage.permissions import scope_paths

bp = api_blueprint("audit")
operation = operations(bp)

MAX_LIMIT = 500


class AuditQuery(BaseModel):
    """Filters of the audit log; every one is optional."""

    model_config = ConfigDict(extra="forbid")
    action: str | None = Field(None, max_length=64, description="Action or its prefix, e.g. user.")
    actor: str | None = Field(None, max_length=100, description="Username (exact).")
    object_type: str | None = Field(None, max_length=32, description="e.g. user, area, api_token")
    area: str | None = Field(None, max_length=32, description="Area code: that area and below.")
    since: UtcDateTime | None = Field(None, description="From this instant (inclusive).")
    until: UtcDateTime | None = Field(None, description="Up to this instant (exclusive).")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=1_000_000_000)

    @model_validator(mode="after")
    def _window(self) -> AuditQuery:
        if self.since and self.until and self.since >= self.until:
            raise ValueError(_l("'since' must be before 'until'."))
        return self


class AuditExportQuery(AuditQuery):
    """The filters of the log and the file format of the download."""

    format: Literal["csv", "xlsx"] = Field(description="csv or xlsx")
    limit: int = Field(EXPORT_MAX, ge=1, le=EXPORT_MAX)


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_id: int | None
    actor_name: str = Field(description="Full name, username, or 'System' for jobs and feeds.")
    action: str
    summary: str = Field(description="The entry as a sentence, in the request's language.")
    object_type: str
    object_id: str
    object_label: str = Field(description="The object as the sentence names it.")
    object_name: str
    object_code: str
    object_deleted: bool
    area: str | None
    area_name: str | None
    ip: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


def entry_out(d: Described) -> dict:
    """Serialise an audit entry with its sentence and the names of what it refers to."""
    e = d.entry
    return AuditEntryOut(
        id=e.id,
        at=e.at,
        actor=e.actor,
        actor_id=e.actor_id,
        actor_name=d.actor,
        action=e.action,
        summary=d.sentence,
        object_type=e.object_type,
        object_id=e.object_id,
        object_label=d.object_label,
        object_name=d.object_name,
        object_code=d.object_code,
        object_deleted=d.object_deleted,
        area=d.area_code or None,
        area_name=d.area or None,
        ip=e.ip,
        details=e.details or {},
    ).model_dump(mode="json")


def _reader() -> User | None:
    me = actor().user
    if not scope_paths(me, "audit.view"):
        raise PermissionDenied(_l("Reading the audit log needs the audit.view permission."))
    return me


def _filtered(me: User | None, args: AuditQuery) -> Select[Any]:
    stmt = services.query(
        action=args.action,
        actor=args.actor,
        object_type=args.object_type,
        since=args.since,
        until=args.until,
    )
    if args.area:
        stmt = within_area(stmt, named_area(db.session, me, args.area, action="audit.view"))
    return visible_to(stmt, me)


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
    """Audit entries inside the caller's audit.view areas, newest first, each with a sentence
    (`summary`) in the caller's language and the names of the objects it refers to."""
    me = _reader()
    args = query_args(AuditQuery)
    found = window(db.session, _filtered(me, args), limit=args.limit, offset=args.offset)
    described = describe(db.session, found.items)
    return jsonify({"entries": [entry_out(d) for d in described], **found.counts()})


@operation(
    "/audit/export",
    "GET",
    summary="Download the filtered audit log as CSV or XLSX (needs audit.view)",
    tag="audit",
    query=AuditExportQuery,
    scope="audit:read",
)
def export_audit() -> ResponseReturnValue:
    """The filtered log, newest first (at most `limit` entries), as a CSV (UTF-8 with BOM) or
    XLSX file: local time, person, sentence, object name and code, area, action code, address.
    Cells that a spreadsheet would read as a formula start with an apostrophe."""
    me = _reader()
    args = query_args(AuditExportQuery)
    entries = list(db.session.scalars(_filtered(me, args).offset(args.offset).limit(args.limit)))
    return download(args.format, "audit-log", [sheet(describe(db.session, entries))])
