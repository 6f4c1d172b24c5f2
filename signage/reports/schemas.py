"""What the plays report pages, downloads and API share: reading a request's filters, the
rows as people read them, the downloadable sheets and the API's JSON models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.areas.models import Area
from signage.content.models import CATEGORIES
from signage.errors import PermissionDenied, ValidationFailed
from signage.http.areas import named_area
from signage.http.export import Sheet
from signage.http.labels import category_label
from signage.http.period import Period, parse_period
from signage.permissions import can, scope_paths
from signage.reports.plays import GROUPS, PlayQuery, PlayReport, PlayRow
from signage.reports.rollup import UNKNOWN_CATEGORY

ACTION = "report.view"
# A report opened without dates covers the last 30 days, today included.
DEFAULT_DAYS = 30
GROUP_LABELS: dict[str, Any] = {
    "category": _l("Category"),
    "area": _l("Area"),
    "board": _l("Board"),
    "item": _l("Content item"),
    "day": _l("Day"),
}
REPORT_CATEGORIES = (*CATEGORIES, UNKNOWN_CATEGORY)


@dataclass
class PlayFilters:
    """A request's filters, checked: the period, the area and the query built from them."""

    period: Period
    query: PlayQuery
    area: Area | None


def _choice(args: Mapping[str, str], name: str, choices: tuple[str, ...], default: str) -> str:
    value = (args.get(name) or default).strip()
    if value not in choices:
        raise ValidationFailed(
            details=[
                {
                    "field": name,
                    "message": _l("Choose one of: %(choices)s.", choices=", ".join(choices)),
                }
            ]
        )
    return value


def report_scope(user: User | None) -> list[str] | None:
    """The area paths the user may read reports of; None for the whole installation."""
    if can(user, ACTION, None):
        return None
    paths = scope_paths(user, ACTION)
    if not paths:
        raise PermissionDenied(_l("Reports need the report.view permission."))
    return paths


def read_filters(
    session: Session, user: User | None, args: Mapping[str, str], *, tz: ZoneInfo, today: date
) -> PlayFilters:
    """The period, area, category and grouping a request asks for, or a 422 naming the field.

    An area outside the user's report areas reads exactly like an unknown one; without an
    area, a user with one report area gets that one."""
    scope = report_scope(user)
    period = parse_period(args, tz=tz, today=today, default_days=DEFAULT_DAYS)
    group_by = _choice(args, "group_by", GROUPS, "category")
    category = (args.get("category") or "").strip() or None
    if category is not None:
        _choice(args, "category", REPORT_CATEGORIES, "")
    code = (args.get("area") or "").strip()
    area: Area | None = None
    if code:
        area = named_area(session, user, code, field="area", action=ACTION)
    elif scope is not None and len(scope) == 1:
        area = session.scalar(select(Area).where(Area.path == scope[0]))
    query = PlayQuery(
        first=period.first,
        last=period.last,
        tz=tz,
        group_by=group_by,
        area=area,
        category=category,
        scope=scope,
    )
    return PlayFilters(period, query, area)


def hours(seconds: float) -> float:
    """Seconds as hours with one decimal."""
    return round(seconds / 3600, 1)


def row_cells(group_by: str, row: PlayRow) -> list[Any]:
    """The cells of a row as people read them (before plays and hours)."""
    if group_by == "category":
        return [category_label(str(row.key))]
    if group_by == "area":
        return [row.code, row.label]
    if group_by == "board":
        return [row.code, row.label, row.detail]
    if group_by == "item":
        headline = _("Deleted content item") if row.extra.get("deleted") else row.label
        return [headline, category_label(row.detail) if row.detail else ""]
    return [row.key]


def header(group_by: str) -> list[str]:
    """The column titles of a report grouped by group_by."""
    first = {
        "category": [_("Category")],
        "area": [_("Area code"), _("Area")],
        "board": [_("Board code"), _("Board"), _("Area")],
        "item": [_("Content item"), _("Category")],
        "day": [_("Day")],
    }[group_by]
    return [*first, _("Plays"), _("Play time (hours)")]


def sheets(report: PlayReport, area: Area | None) -> list[Sheet]:
    """The report as downloadable sheets: the table, then the filters it was made with."""
    query = report.query
    title = _("Plays by %(group)s", group=str(GROUP_LABELS[query.group_by]).lower())
    rows = [[*row_cells(query.group_by, r), r.plays, hours(r.seconds)] for r in report.rows]
    blanks = [""] * (len(header(query.group_by)) - 3)
    rows.append([_("Total"), *blanks, report.plays, hours(report.seconds)])
    filters = [
        [_("From"), query.first],
        [_("To"), query.last],
        [_("Area"), f"{area.name} ({area.code})" if area else _("All my areas")],
        [_("Category"), category_label(query.category) if query.category else _("All")],
    ]
    return [
        Sheet(title, header(query.group_by), rows),
        Sheet(_("Filters"), [_("Filter"), _("Value")], filters),
    ]


def file_stem(query: PlayQuery) -> str:
    """The download's file name without extension."""
    return f"plays-{query.group_by}-{query.first.isoformat()}-{query.last.isoformat()}"


class PlaysQueryArgs(BaseModel):
    """Filters of the plays report; every one is optional."""

    model_config = ConfigDict(extra="forbid")
    from_: str | None = Field(
        None, alias="from", max_length=10, description="First local day, yyyy-mm-dd."
    )
    to: str | None = Field(None, max_length=10, description="Last local day (included).")
    area: str | None = Field(None, max_length=32, description="Area code (default: all mine).")
    category: str | None = Field(None, max_length=32, description="Decree 49 category code.")
    group_by: str | None = Field(None, max_length=16, description=" | ".join(GROUPS))
    format: str | None = Field(None, max_length=8, description="csv | xlsx: a download.")


class PlaysRowOut(BaseModel):
    key: str
    label: str
    plays: int
    seconds: float
    area: str | None = None
    category: str | None = None


class PlaysReportOut(BaseModel):
    from_: date = Field(alias="from")
    to: date
    area: str | None
    category: str | None
    group_by: str
    rows: list[PlaysRowOut]
    plays: int
    seconds: float


def row_out(group_by: str, row: PlayRow) -> dict[str, Any]:
    """A row as the API sends it: codes, not ids, where the thing has one."""
    out: dict[str, Any] = {"plays": row.plays, "seconds": row.seconds}
    if group_by == "category":
        out.update(key=str(row.key), label=category_label(str(row.key)))
    elif group_by == "area":
        out.update(key=row.code, label=row.label)
    elif group_by == "board":
        out.update(key=row.code, label=row.label, area=row.detail)
    elif group_by == "item":
        out.update(key=str(row.key), label=row.label, category=row.detail or None)
    else:
        out.update(key=row.key.isoformat(), label=row.key.isoformat())
    return out
