"""Reports API: proof-of-play figures as JSON, CSV or XLSX, inside the caller's report areas."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from signage import clock
from signage.db import db
from signage.http.api import actor, api_blueprint, operations, query_args
from signage.http.export import download, parse_format
from signage.i18n import local_tz
from signage.reports import plays as play_queries
from signage.reports.schemas import (
    PlaysQueryArgs,
    PlaysReportOut,
    file_stem,
    read_filters,
    row_out,
    sheets,
)

bp = api_blueprint("reports")
operation = operations(bp)


@operation(
    "/reports/plays",
    "GET",
    summary="Plays and play time by category, area, board, item or day (needs report.view)",
    tag="reports",
    query=PlaysQueryArgs,
    response=PlaysReportOut,
    scope="reports:read",
)
def plays() -> ResponseReturnValue:
    """Proof of play over local days `from`..`to` (default: the last 30), counted only on boards
    inside the caller's report.view areas (and inside `area` if given); `group_by` area lists the
    area's children. With `format` csv or xlsx the same table is a download."""
    args = query_args(PlaysQueryArgs)
    fmt = parse_format(args.format) if args.format is not None else None
    now = clock.now()
    tz = local_tz()
    filters = read_filters(
        db.session, actor().user, request.args, tz=tz, today=now.astimezone(tz).date()
    )
    report = play_queries.plays(db.session, filters.query, now=now)
    if fmt is not None:
        return download(fmt, file_stem(filters.query), sheets(report, filters.area))
    query = filters.query
    return jsonify(
        {
            "from": query.first.isoformat(),
            "to": query.last.isoformat(),
            "area": filters.area.code if filters.area else None,
            "category": query.category,
            "group_by": query.group_by,
            "rows": [row_out(query.group_by, r) for r in report.rows],
            "plays": report.plays,
            "seconds": report.seconds,
        }
    )
