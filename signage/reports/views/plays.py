"""Console pages for reports: the index, plays by category/area/board/item/day, one item."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from signage import clock
from signage.accounts.auth import current_user, login_required
from signage.areas.models import Area
from signage.content.models import ContentItem
from signage.db import db
from signage.errors import NotFound, PermissionDenied, ValidationFailed
from signage.http.access import can_any, require_any
from signage.http.export import download, parse_format
from signage.http.labels import CATEGORY_LABELS, category_label
from signage.i18n import local_tz
from signage.permissions import can
from signage.reports import plays as play_queries
from signage.reports.schemas import (
    ACTION,
    GROUP_LABELS,
    PlayFilters,
    file_stem,
    header,
    hours,
    read_filters,
    row_cells,
    sheets,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")
# Rows drawn in the chart (the table lists them all).
CHART_ROWS = 20


@dataclass(frozen=True)
class ReportPage:
    """A link on the reports index; other report pages append theirs to REPORT_PAGES."""

    endpoint: str
    icon: str
    title: Any
    description: Any
    action: str = ACTION


REPORT_PAGES: list[ReportPage] = [
    ReportPage(
        "reports.plays",
        "bi-bar-chart",
        _l("Proof of play"),
        _l("What played where and how often: by category, area, board, content item or day."),
    ),
    ReportPage(
        "indicators.indicators",
        "bi-clipboard-data",
        _l("Indicators"),
        _l("Boards per commune, connected boards and plays per category for a period."),
    ),
    ReportPage(
        "indicators.december",
        "bi-file-earmark-text",
        _l("December report"),
        _l("The yearly report upward: one row per commune, province totals, printable."),
    ),
    ReportPage(
        "alert_reports.history",
        "bi-megaphone",
        _l("Alert outcomes"),
        _l("Ended alerts: how many boards displayed them and how fast."),
        "alert.view",
    ),
]


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """The reports the user may open."""
    me = current_user()
    require_any(me, ACTION)
    return render_template("reports/index.html", title=_("Reports"), pages=REPORT_PAGES)


def _filters() -> PlayFilters:
    today = clock.now().astimezone(local_tz()).date()
    return read_filters(db.session, current_user(), request.args, tz=local_tz(), today=today)


def _chart(group_by: str, report: play_queries.PlayReport) -> dict[str, Any]:
    if group_by == "day":
        # Every day of the period, those without a play at 0, so the line reads as a calendar.
        by_day = {r.key: r.plays for r in report.rows}
        first, last = report.query.first, report.query.last
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return {
            "kind": "line",
            "labels": [d.strftime("%d/%m") for d in days],
            "plays": [by_day.get(d, 0) for d in days],
            "label": _("Plays"),
        }
    rows = report.rows[:CHART_ROWS]
    if group_by in ("area", "board"):
        labels = [r.label for r in rows]
    else:
        labels = [str(row_cells(group_by, r)[0]) for r in rows]
    return {"kind": "bar", "labels": labels, "plays": [r.plays for r in rows], "label": _("Plays")}


@bp.get("/plays")
@login_required
def plays() -> ResponseReturnValue:
    """Plays and play time over a period, grouped as chosen; ?format=csv|xlsx downloads it."""
    me = current_user()
    require_any(me, ACTION)
    args = {k: request.args.get(k, "") for k in ("from", "to", "area", "category", "group_by")}
    try:
        filters = _filters()
        fmt = parse_format(request.args["format"]) if "format" in request.args else None
    except ValidationFailed as exc:
        return render_template(
            "reports/plays.html",
            title=_("Proof of play"),
            args=args,
            errors=list(
                dict.fromkeys(str(m) for m in [exc.message, *[d["message"] for d in exc.details]])
            ),
            report=None,
            **_choices(),
        ), 422
    report = play_queries.plays(db.session, filters.query, now=clock.now())
    if fmt is not None:
        return download(fmt, file_stem(filters.query), sheets(report, filters.area))
    group_by = filters.query.group_by
    args.update(
        {
            "from": filters.period.first.isoformat(),
            "to": filters.period.last.isoformat(),
            "group_by": group_by,
            "area": filters.area.code if filters.area else args["area"],
        }
    )
    return render_template(
        "reports/plays.html",
        title=_("Proof of play"),
        args=args,
        errors=[],
        report=report,
        area=filters.area,
        trail=_trail(filters.area),
        header=header(group_by),
        rows=[(r, row_cells(group_by, r), hours(r.seconds)) for r in report.rows],
        total_hours=hours(report.seconds),
        chart=_chart(group_by, report),
        export={k: v for k, v in args.items() if v},
        **_choices(),
    )


def _choices() -> dict[str, Any]:
    return {"group_labels": GROUP_LABELS, "category_labels": CATEGORY_LABELS}


def _trail(area: Area | None) -> list[Area]:
    """The chosen area's ancestors the user may read reports of, then the area itself."""
    if area is None:
        return []
    ids = [int(p) for p in area.path.strip("/").split("/") if p]
    found = {a.id: a for a in db.session.scalars(select(Area).where(Area.id.in_(ids)))}
    me = current_user()
    return [found[i] for i in ids if i in found and can(me, ACTION, found[i])]


@bp.get("/plays/items/<int:item_id>")
@login_required
def item(item_id: int) -> ResponseReturnValue:
    """Where and how often one content item played, inside the user's report areas."""
    me = current_user()
    content = db.session.get(ContentItem, item_id)
    if not can_any(me, ACTION):
        # Outside the areas one may see, an item reads like a missing one.
        if content is None or not can(me, "content.view", content.area):
            raise NotFound()
        raise PermissionDenied()
    filters = _filters()
    by_area, by_board = play_queries.for_item(db.session, item_id, filters.query, now=clock.now())
    visible = content is not None and can(me, "content.view", content.area)
    if not visible and not by_board.rows:
        # Another province's item, or none: the same answer (ids reveal nothing).
        raise NotFound()
    return render_template(
        "reports/item.html",
        title=_("Where a content item played"),
        content=content,
        filters=filters,
        area=filters.area,
        by_area=[(r, hours(r.seconds)) for r in by_area.rows],
        by_board=[(r, hours(r.seconds)) for r in by_board.rows],
        total=by_board,
        total_hours=hours(by_board.seconds),
        category_label=category_label,
        args={
            "from": filters.period.first.isoformat(),
            "to": filters.period.last.isoformat(),
            "area": filters.area.code if filters.area else "",
        },
    )
