"""API of the ministry's indicators and the December report (scope reports:read)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field

from signage import clock
from signage.config import month_day
from signage.db import db
from signage.http.api import actor, api_blueprint, operations, query_args
from signage.http.export import download
from signage.http.period import parse_period
from signage.i18n import local_tz
from signage.reports.december import december_report, parse_year
from signage.reports.indicators import compute
from signage.reports.views import indicator_tables as tables

bp = api_blueprint("indicators")
operation = operations(bp)
DEFAULT_DAYS = 30


class IndicatorQuery(BaseModel):
    """The period (local days, both included) and the area of the indicators."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: str | None = Field(
        None, alias="from", max_length=10, description="First day, yyyy-mm-dd or dd/mm/yyyy."
    )
    to: str | None = Field(None, max_length=10, description="Last day (included).")
    area: str | None = Field(
        None, max_length=32, description="Area code; default: my widest report area."
    )
    format: Literal["csv", "xlsx"] | None = Field(None, description="Download instead of JSON.")


class DecemberQuery(BaseModel):
    """The report year and the area of the December report."""

    model_config = ConfigDict(extra="forbid")
    year: int | None = Field(None, ge=2000, le=2200, description="Report year; default: this one.")
    area: str | None = Field(
        None, max_length=32, description="Area code; default: my widest report area."
    )
    format: Literal["csv", "xlsx"] | None = Field(None, description="Download instead of JSON.")


class AreaRef(BaseModel):
    code: str
    name: str
    kind: str


class UnitKinds(BaseModel):
    ward: int
    commune: int
    special_zone: int


class IndicatorTotals(BaseModel):
    """Totals of a province or of the whole area; shares are 0..1, null without a denominator."""

    area: AreaRef | None
    units: UnitKinds
    units_with_board: UnitKinds
    share_1_5: float | None
    share_1_6: float | None
    share_special_zones: float | None
    share_units: float | None
    districts: int
    districts_with_large_boards: int
    districts_connected: int
    share_2_2: float | None
    boards: int
    large_boards: int
    boards_connected: int
    share_boards_connected: float | None
    uptime: float | None
    plays: dict[str, int]


class IndicatorUnit(BaseModel):
    """One commune-level unit (ward, commune, special zone)."""

    area: AreaRef
    province: str | None
    boards: int
    has_board: bool
    boards_connected: int
    large_boards: int
    uptime: float | None
    plays: dict[str, int]


class IndicatorPeriod(BaseModel):
    from_: str = Field(alias="from")
    to: str


class IndicatorRules(BaseModel):
    connected_share: float
    large_board_min_pixels: int


class IndicatorReport(BaseModel):
    area: AreaRef
    period: IndicatorPeriod
    as_of: str
    rules: IndicatorRules
    totals: IndicatorTotals
    provinces: list[IndicatorTotals]
    units: list[IndicatorUnit]
    year: int | None = None


def _today() -> date:
    return clock.now().astimezone(local_tz()).date()


@operation(
    "/reports/indicators",
    "GET",
    summary="The ministry's indicators for a period and area (needs report.view)",
    tag="reports",
    query=IndicatorQuery,
    response=IndicatorReport,
    scope="reports:read",
    errors=(422,),
    downloads=True,
)
def get_indicators() -> ResponseReturnValue:
    """Indicators 1.5, 1.6, 2.2, boards, uptime and plays per commune-level unit and province."""
    args = query_args(IndicatorQuery)
    raw = {"from": args.from_ or "", "to": args.to or ""}
    period = parse_period(raw, tz=local_tz(), today=_today(), default_days=DEFAULT_DAYS)
    root = tables.report_root(db.session, actor().user, args.area)
    report = compute(db.session, root, period, now=clock.now(), rules=tables.rules())
    if args.format:
        name = f"indicators-{root.code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
        return download(args.format, name, tables.sheets(report))
    return jsonify(tables.report_json(report))


@operation(
    "/reports/december",
    "GET",
    summary="The December report of a year: one row per commune, province totals",
    tag="reports",
    query=DecemberQuery,
    response=IndicatorReport,
    scope="reports:read",
    errors=(422,),
    downloads=True,
)
def get_december_report() -> ResponseReturnValue:
    """The indicators over report year `year` (15/12 of the year before to 14/12 by default)."""
    args = query_args(DecemberQuery)
    year = parse_year(str(args.year) if args.year is not None else None, today=_today())
    root = tables.report_root(db.session, actor().user, args.area)
    settings = current_app.config["SIGNAGE"]
    report = december_report(
        db.session,
        root,
        year,
        start=month_day(settings.report_year_start),
        tz=local_tz(),
        now=clock.now(),
        rules=tables.rules(),
    )
    if args.format:
        return download(args.format, f"december-report-{year}-{root.code}", tables.sheets(report))
    return jsonify(tables.report_json(report, year))
