"""Console pages of the ministry's indicators and the printable December report."""

from __future__ import annotations

import functools
from datetime import date
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _

from signage import clock
from signage.accounts.auth import current_user, login_required
from signage.areas.models import Area
from signage.config import month_day
from signage.db import db
from signage.errors import ValidationFailed
from signage.http.access import require_any
from signage.http.export import download, parse_format
from signage.http.labels import kind_label
from signage.http.period import parse_period
from signage.i18n import local_tz
from signage.reports.december import december_report, parse_year
from signage.reports.indicators import compute, province_of
from signage.reports.views import indicator_tables as tables

bp = Blueprint("indicators", __name__)
DEFAULT_DAYS = 30


def today() -> date:
    """Today's local date by the app's clock."""
    return clock.now().astimezone(local_tz()).date()


def _errors(exc: ValidationFailed) -> list[str]:
    """What to tell the person: the message, or each field's when the message is generic."""
    if exc.message is ValidationFailed.default_message:
        return [str(d.get("message", "")) for d in exc.details] or [str(exc.message)]
    return [str(exc.message)]


def place_name(area: Area | None) -> str:
    """The place of a document's date line: the province's name without "Tỉnh"/"Thành phố"."""
    if area is None:
        return "……"
    for prefix in ("Thành phố ", "Tỉnh "):
        if area.name.startswith(prefix):
            return area.name[len(prefix) :]
    return area.name


@bp.get("/reports/indicators")
@login_required
def indicators() -> ResponseReturnValue:
    """The indicators for a chosen period and area; ?format=xlsx|csv downloads them."""
    me = current_user()
    require_any(me, "report.view")
    args = {k: request.args.get(k, "").strip()[:40] for k in ("from", "to", "area")}
    try:
        period = parse_period(request.args, tz=local_tz(), today=today(), default_days=DEFAULT_DAYS)
        root = tables.report_root(db.session, me, args["area"])
        fmt = parse_format(request.args["format"]) if "format" in request.args else None
    except ValidationFailed as exc:
        return render_template(
            "reports/indicators.html",
            title=_("Indicators"),
            report=None,
            args=args,
            errors=_errors(exc),
        ), 422
    report = compute(db.session, root, period, now=clock.now(), rules=tables.rules())
    if fmt is not None:
        name = f"indicators-{root.code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
        return download(fmt, name, tables.sheets(report))
    args.update({"from": period.first.isoformat(), "to": period.last.isoformat()})
    return render_template(
        "reports/indicators.html",
        title=_("Indicators"),
        report=report,
        args=args,
        errors=[],
        **_helpers(),
    )


@bp.get("/reports/december")
@login_required
def december() -> ResponseReturnValue:
    """The December report of a year, printable, in Vietnamese; ?format=xlsx|csv downloads it."""
    me = current_user()
    require_any(me, "report.view")
    args = {k: request.args.get(k, "").strip()[:40] for k in ("year", "area")}
    settings = current_app.config["SIGNAGE"]
    try:
        year = parse_year(args["year"], today=today())
        root = tables.report_root(db.session, me, args["area"])
        fmt = parse_format(request.args["format"]) if "format" in request.args else None
    except ValidationFailed as exc:
        return render_template(
            "reports/indicators.html",
            title=_("December report"),
            report=None,
            args=args,
            errors=_errors(exc),
            december=True,
        ), 422
    report = december_report(
        db.session,
        root,
        year,
        start=month_day(settings.report_year_start),
        tz=local_tz(),
        now=clock.now(),
        rules=tables.rules(),
    )
    if fmt is not None:
        return download(fmt, f"december-report-{year}-{root.code}", tables.sheets(report))
    # An official document: Vietnamese whatever the console's language.
    with force_locale("vi"):
        return render_template(
            "reports/december.html",
            title=_("December report"),
            report=report,
            year=year,
            province=province_of(report),
            place=place_name(province_of(report)),
            today=today(),
            args={"year": str(year), "area": root.code},
            **_helpers(),
        )


def _helpers() -> dict[str, Any]:
    numbers = tables.Numbers()  # in the page's language (the December report: Vietnamese)
    return {
        "percent": tables.percent,
        "percent_text": numbers.percent_text,
        "number_text": numbers.number_text,
        "plays_cells": numbers.plays_cells,
        "category_label": tables.category_label,
        # One translation a kind, not one a row (a country: 3,321 rows).
        "kind_label": functools.cache(kind_label),
    }
