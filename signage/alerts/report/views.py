"""Console pages of alert reports: one alert's outcome per board, the history of ended alerts;
both exportable as CSV or XLSX, both limited to the boards in the reader's grants."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signage import clock
from signage.accounts.auth import current_user, login_required
from signage.alerts.models import Alert
from signage.alerts.report.figures import BoardOutcome, alert_report, report_paths, reported_alert
from signage.alerts.report.history import ended_alerts
from signage.db import db
from signage.errors import DomainError, PermissionDenied, ValidationFailed
from signage.http.export import Sheet, download, parse_format
from signage.http.paging import Page, page_number
from signage.http.period import Period, parse_period
from signage.i18n import local_tz

bp = Blueprint("alert_reports", __name__, url_prefix="/alerts")

PAGE_SIZE = 50
HISTORY_DAYS = 30  # the history page opens on the last 30 days
SECONDS = "%d/%m/%Y %H:%M:%S"
OUTCOME_LABELS = {
    "displayed": _l("Displayed"),
    "received_not_displayed": _l("Received, not displayed"),
    "online_not_displayed": _l("Online when sent, never received"),
    "offline_at_send": _l("Offline when sent, never received"),
    "never_delivered": _l("Never delivered"),
}
STATE_LABELS = {
    "pending_confirmation": _l("Waiting for confirmation"),
    "active": _l("On air"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}


def duration_words(seconds: float | None) -> str:
    """A duration as people say it: '2 minutes 5 seconds' ('' when unknown)."""
    if seconds is None:
        return ""
    if seconds < 1:
        return _("under a second")
    total = round(seconds)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)s days %(h)s hours", d=days, h=hours)
    if hours:
        return _("%(h)s hours %(m)s minutes", h=hours, m=minutes)
    if minutes:
        return _("%(m)s minutes %(s)s seconds", m=minutes, s=secs)
    return _("%(s)s seconds", s=secs)


def local(value: datetime | None) -> str:
    """A stored UTC time as dd/mm/yyyy HH:MM:SS local time ('' when absent)."""
    return value.astimezone(local_tz()).strftime(SECONDS) if value else ""


def _alert(alert_id: int) -> tuple[Alert, list[str]]:
    try:
        return reported_alert(db.session, current_user(), alert_id)
    except DomainError:
        abort(404)


@bp.get("/<int:alert_id>/report")
@login_required
def report(alert_id: int) -> ResponseReturnValue:
    """The alert's outcome on the reader's boards: figures, slowest boards, every board."""
    alert, paths = _alert(alert_id)
    figures = alert_report(db.session, alert, paths)
    number = page_number(request.args.get("page"))
    start = (number - 1) * PAGE_SIZE
    page = Page(figures.boards[start : start + PAGE_SIZE], number, PAGE_SIZE, len(figures.boards))
    return render_template(
        "alerts/report.html",
        title=_("Alert report"),
        alert=alert,
        report=figures,
        page=page,
        outcomes=OUTCOME_LABELS,
        states=STATE_LABELS,
        words=duration_words,
        local=local,
    )


def board_sheet(alert: Alert, boards: list[BoardOutcome]) -> Sheet:
    """The per-board table of a report, as downloaded."""
    yes_no = {True: _("yes"), False: _("no"), None: _("unknown")}
    return Sheet(
        _("Boards"),
        [
            _("Board code"),
            _("Board"),
            _("Area code"),
            _("Area"),
            _("Outcome"),
            _("Online when sent"),
            _("First sent"),
            _("Received"),
            _("Displayed"),
            _("Cleared"),
            _("Seconds from send to display"),
            _("Board removed since"),
        ],  # fmt: skip
        [
            [
                b.code,
                b.name,
                b.area_code,
                b.area_name,
                str(OUTCOME_LABELS[b.outcome]),
                yes_no[b.online_at_send],
                local(b.first_sent_at),
                local(b.received_at),
                local(b.displayed_at),
                local(b.cleared_at),
                round(b.seconds_to_display, 1) if b.seconds_to_display is not None else "",
                yes_no[b.retired],
            ]
            for b in boards
        ],  # fmt: skip
    )


def summary_sheet(alert: Alert, figures: Any) -> Sheet:
    """The alert and its figures as label/value rows (the XLSX's second sheet)."""
    f = figures.figures()
    rows: list[list[Any]] = [
        [_("Alert"), alert.headline],
        [_("State"), str(STATE_LABELS.get(alert.state, ""))],
        [_("Area"), alert.area.name],
        [_("Sent"), local(alert.sent)],
        [_("Ended"), local(alert.ended_at)],
        [_("Targeted"), f["targeted"]],
        [_("Delivered"), f["delivered"]],
        [_("Displayed"), f["displayed"]],
        [_("Cleared"), f["cleared"]],
    ]
    rows += [[str(OUTCOME_LABELS[k]), f[k]] for k in list(OUTCOME_LABELS)[1:]]
    rows += [
        [_("Median seconds from send to display"), _rounded(f["median_s"])],
        [_("95th percentile, seconds"), _rounded(f["p95_s"])],
        [_("Slowest, seconds"), _rounded(f["max_s"])],
    ]
    return Sheet(_("Summary"), [_("Figure"), _("Value")], rows)


def _rounded(value: float | None) -> Any:
    return round(value, 1) if value is not None else ""


@bp.get("/<int:alert_id>/report/export")
@login_required
def report_export(alert_id: int) -> ResponseReturnValue:
    """The per-board table of the report as CSV or XLSX (XLSX adds the summary)."""
    alert, paths = _alert(alert_id)
    fmt = parse_format(request.args.get("format"))
    figures = alert_report(db.session, alert, paths)
    sheets = [board_sheet(alert, figures.boards), summary_sheet(alert, figures)]
    stamp = alert.sent.astimezone(local_tz()).strftime("%Y%m%d-%H%M")
    return download(fmt, f"bao-cao-canh-bao-{stamp}", sheets)


def _period() -> Period:
    today = clock.now().astimezone(local_tz()).date()
    return parse_period(request.args, tz=local_tz(), today=today, default_days=HISTORY_DAYS)


def _history_reader() -> tuple[Any, list[str]]:
    me = current_user()
    paths = report_paths(me)
    if not paths:
        raise PermissionDenied()
    return me, paths


@bp.get("/history")
@login_required
def history() -> ResponseReturnValue:
    """Ended alerts sent in a period, with what reached the reader's boards."""
    me, paths = _history_reader()
    args = {k: request.args.get(k, "") for k in ("from", "to")}
    try:
        period = _period()
    except ValidationFailed as exc:
        empty = Page([], 1, PAGE_SIZE, 0)
        page = render_template(
            "alerts/history.html",
            title=_("Alert history"),
            page=empty,
            args=args,
            period=None,
            error=exc.message,
            states=STATE_LABELS,
        )
        return page, 422
    number = page_number(request.args.get("page"))
    rows, total = ended_alerts(db.session, me, paths, period.start, period.end,
                               limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)  # fmt: skip
    return render_template(
        "alerts/history.html",
        title=_("Alert history"),
        page=Page(rows, number, PAGE_SIZE, total),
        args={"from": period.first.isoformat(), "to": period.last.isoformat()},
        period=period,
        error=None,
        states=STATE_LABELS,
    )


@bp.get("/history/export")
@login_required
def history_export() -> ResponseReturnValue:
    """The history of the period as CSV or XLSX."""
    me, paths = _history_reader()
    fmt = parse_format(request.args.get("format"))
    period = _period()
    rows, _total = ended_alerts(db.session, me, paths, period.start, period.end)
    sheet = Sheet(
        _("Alert history"),
        [
            _("Alert"),
            _("State"),
            _("Area"),
            _("Sent"),
            _("Ended"),
            _("Targeted"),
            _("Delivered"),
            _("Displayed"),
        ],  # fmt: skip
        [
            [
                r.alert.headline,
                str(STATE_LABELS.get(r.alert.state, "")),
                r.alert.area.name,
                local(r.alert.sent),
                local(r.alert.ended_at),
                r.targeted,
                r.delivered,
                r.displayed,
            ]
            for r in rows
        ],  # fmt: skip
    )
    name = f"lich-su-canh-bao-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
    return download(fmt, name, [sheet])
