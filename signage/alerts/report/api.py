"""Alert report endpoints: one alert's figures and boards, and the same as CSV or XLSX."""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict

from signage.alerts.report.figures import BoardOutcome, alert_report, reported_alert
from signage.alerts.report.views import board_sheet, summary_sheet
from signage.clock import iso_utc
from signage.db import db
from signage.http.api import actor, api_blueprint, operations, query_args
from signage.http.export import download
from signage.i18n import local_tz

bp = api_blueprint("alert_reports")
operation = operations(bp)


class ExportQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal["csv", "xlsx"]


def _board_out(b: BoardOutcome) -> dict[str, object]:
    return {
        "code": b.code,
        "name": b.name,
        "area": b.area_code,
        "outcome": b.outcome,
        "online_at_send": b.online_at_send,
        "first_sent_at": iso_utc(b.first_sent_at) if b.first_sent_at else None,
        "received_at": iso_utc(b.received_at) if b.received_at else None,
        "displayed_at": iso_utc(b.displayed_at) if b.displayed_at else None,
        "cleared_at": iso_utc(b.cleared_at) if b.cleared_at else None,
        "seconds_to_display": b.seconds_to_display,
        "removed": b.retired,  # the board was deleted after the alert
    }


@operation("/alerts/<int:alert_id>/report", "GET", summary="What an alert reached, per board",
           tag="alerts", errors=(404,), scope="alerts:read")  # fmt: skip
def alert_report_get(alert_id: int) -> ResponseReturnValue:
    """Counts over the boards in your areas only (`targeted` ... `cleared`; `displayed` plus the
    four not-displayed outcomes add up to `targeted`), seconds from send to display (median,
    95th percentile, max), the slowest boards and every board's outcome. Kept after the alert
    ended: cancelling or expiry never erases what was displayed."""
    alert, paths = reported_alert(db.session, actor().user, alert_id)
    report = alert_report(db.session, alert, paths)
    return jsonify(
        {
            "alert": {
                "id": alert.id,
                "headline": alert.headline,
                "state": alert.state,
                "area": alert.area.code,
                "sent": iso_utc(alert.sent),
                "ended_at": iso_utc(alert.ended_at) if alert.ended_at else None,
            },
            "figures": report.figures(),
            "slowest": [_board_out(b) for b in report.slowest],
            "boards": [_board_out(b) for b in report.boards],
        }
    )


@operation("/alerts/<int:alert_id>/report/export", "GET", query=ExportQuery,
           summary="An alert's report per board, as CSV or XLSX", tag="alerts", errors=(404,),
           scope="alerts:read")  # fmt: skip
def alert_report_export(alert_id: int) -> ResponseReturnValue:
    """CSV: one row per board in your areas; XLSX adds a summary sheet. Text that a
    spreadsheet would read as a formula is written with a leading apostrophe."""
    alert, paths = reported_alert(db.session, actor().user, alert_id)
    fmt = query_args(ExportQuery).format
    report = alert_report(db.session, alert, paths)
    stamp = alert.sent.astimezone(local_tz()).strftime("%Y%m%d-%H%M")
    sheets = [board_sheet(alert, report.boards), summary_sheet(alert, report)]
    return download(fmt, f"bao-cao-canh-bao-{stamp}", sheets)
