"""Console page for the audit log: sentences people read, newest first, filters, 50 a page,
and the filtered log as CSV or XLSX."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from signage.accounts.auth import current_user, login_required
from signage.audit.views.reading import (
    EXPORT_MAX,
    LogFilter,
    parse_filter,
    problems,
    sheet,
    today,
)
from signage.audit.views.sentences import ACTION_KINDS, describe
from signage.db import db
from signage.errors import ValidationFailed
from signage.http.access import require_any
from signage.http.export import download, parse_format
from signage.http.paging import page_number, paginate
from signage.permissions import can

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50


@bp.get("/audit")
@login_required
def audit() -> ResponseReturnValue:
    """Who changed what, as sentences: filter by period, person, kind of action and area."""
    me = current_user()
    require_any(me, "audit.view")
    errors: list[str] = []
    try:
        flt = parse_filter(db.session, me, request.args, today=today())
    except ValidationFailed as exc:
        errors = problems(exc)
        flt = None
    page = None
    rows = []
    if flt is not None:
        page = paginate(
            db.session, flt.statement(me), page_number(request.args.get("page")), PAGE_SIZE
        )
        rows = describe(db.session, page.items)
    args = {
        k: (request.args.get(k) or "").strip()[:100]
        for k in ("from", "to", "actor", "kind", "area")
    }
    return render_template(
        "audit/list.html",
        title=_("Audit log"),
        page=page,
        rows=rows,
        args=args,
        filters=flt.raw if flt else {},
        errors=errors,
        kinds=ACTION_KINDS,
        scoped=not can(me, "audit.view", None),
    ), (422 if errors else 200)


@bp.get("/audit/export")
@login_required
def export() -> ResponseReturnValue:
    """The filtered log (newest first, at most EXPORT_MAX entries) as CSV or XLSX."""
    me = current_user()
    require_any(me, "audit.view")
    fmt = parse_format(request.args.get("format"))
    flt: LogFilter = parse_filter(db.session, me, request.args, today=today())
    entries = list(db.session.scalars(flt.statement(me).limit(EXPORT_MAX)))
    return download(fmt, "audit-log", [sheet(describe(db.session, entries))])
