"""Console page for the audit log: newest first, filters, 50 entries a page."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import select

from signage.accounts.auth import current_user, login_required
from signage.areas.models import Area
from signage.audit.api import visible_to
from signage.audit.services import query
from signage.db import db
from signage.http.access import require_any
from signage.http.paging import page_number, paginate
from signage.i18n import local_tz
from signage.permissions import can

bp = Blueprint("audit", __name__)

PAGE_SIZE = 50
OBJECT_TYPES = ("user", "area", "api_token", "content", "schedule", "board", "alert")


def local_day_start(day: date) -> datetime:
    """Midnight of a local calendar day, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=local_tz()).astimezone(UTC)


def _parse_day(raw: str, errors: list[str], label: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(_("%(field)s is not a date (use YYYY-MM-DD).", field=label))
        return None


@bp.get("/audit")
@login_required
def audit() -> ResponseReturnValue:
    """Who changed what: filter by action prefix, actor, object type and local dates."""
    me = current_user()
    require_any(me, "audit.view")
    args = {k: request.args.get(k, "").strip()[:64] for k in ("action", "actor", "type")}
    args.update({k: request.args.get(k, "").strip()[:10] for k in ("since", "until")})
    errors: list[str] = []
    since = _parse_day(args["since"], errors, _("From"))
    until = _parse_day(args["until"], errors, _("To"))
    stmt = query(
        action=args["action"] or None,
        actor=args["actor"] or None,
        object_type=args["type"] or None,
        since=local_day_start(since) if since else None,
        until=local_day_start(until + timedelta(days=1)) if until else None,
    )
    # Below the root, people see entries about areas in their part of the tree only.
    stmt = visible_to(stmt, me)
    page = paginate(db.session, stmt, page_number(request.args.get("page")), PAGE_SIZE)
    area_ids = {e.area_id for e in page.items if e.area_id is not None}
    areas = {a.id: a for a in db.session.scalars(select(Area).where(Area.id.in_(area_ids)))}
    return render_template(
        "audit/list.html",
        title=_("Audit log"),
        page=page,
        args=args,
        filters={k: v for k, v in args.items() if v},
        errors=errors,
        areas=areas,
        object_types=OBJECT_TYPES,
        scoped=not can(me, "audit.view", None),
    ), (422 if errors else 200)
