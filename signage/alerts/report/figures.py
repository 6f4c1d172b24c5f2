"""One alert's report: targeted, delivered, displayed, offline at send, cleared, and the time
from send to each board's display (median, p95, slowest boards).

Only boards in the reader's grants (alert.view or report.view) are counted or listed: a ward
supervisor reading a province-wide alert sees their ward's boards and nothing else."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from signage.alerts.models import Alert, AlertDelivery, RetiredDelivery
from signage.areas.models import Area
from signage.boards.models import Board
from signage.errors import NotFound
from signage.permissions import can, scope_paths

SLOWEST = 10
# Outcome of one board, exclusive, in the order a reader scans them.
OUTCOMES = (
    "displayed",  # shown on screen (any version)
    "received_not_displayed",  # the player received it but never confirmed the display
    "online_not_displayed",  # online when sent, yet neither received nor displayed
    "offline_at_send",  # offline when sent and never received it
    "never_delivered",  # no receipt, and whether it was online at send is not recorded
)


def report_paths(user: Any) -> list[str]:
    """The area paths whose boards the user may read in alert reports (alert.view, report.view)."""
    paths = sorted(set(scope_paths(user, "alert.view")) | set(scope_paths(user, "report.view")))
    minimal: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(kept) for kept in minimal):
            minimal.append(path)
    return minimal


def in_paths(column: InstrumentedAttribute[str], paths: Sequence[str]) -> ColumnElement[bool]:
    """A WHERE clause: the area path lies under one of these paths (none: nothing)."""
    if not paths:
        return false()
    return or_(*[column.startswith(p, autoescape=True) for p in paths])


def reported_alert(session: Session, user: Any, alert_id: int) -> tuple[Alert, list[str]]:
    """The alert and the reader's paths, if the user may see the alert or one board it reached;
    otherwise NotFound, exactly like a missing alert."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(_l("No such alert."))
    paths = report_paths(user)
    if can(user, "alert.view", alert.area) or can(user, "report.view", alert.area):
        return alert, paths
    reached = session.scalar(
        select(AlertDelivery.board_id)
        .join(Board, Board.id == AlertDelivery.board_id)
        .join(Area, Area.id == Board.area_id)
        .where(AlertDelivery.alert_id == alert.id, in_paths(Area.path, paths))
        .limit(1)
    )
    if reached is None:  # a board it reached may have been deleted since
        reached = session.scalar(
            select(RetiredDelivery.id)
            .join(Area, Area.id == RetiredDelivery.area_id)
            .where(RetiredDelivery.alert_id == alert.id, in_paths(Area.path, paths))
            .limit(1)
        )
    if reached is None:
        raise NotFound(_l("No such alert."))
    return alert, paths


@dataclass
class BoardOutcome:
    """What one board did with the alert."""

    code: str
    name: str
    area_code: str
    area_name: str
    first_sent_at: datetime | None
    received_at: datetime | None
    displayed_at: datetime | None
    cleared_at: datetime | None
    online_at_send: bool | None
    seconds_to_display: float | None
    retired: bool = False  # the board was deleted after the alert

    @property
    def outcome(self) -> str:
        """One of OUTCOMES."""
        if self.displayed_at is not None:
            return "displayed"
        if self.received_at is not None:
            return "received_not_displayed"
        if self.online_at_send is None:
            return "never_delivered"
        return "online_not_displayed" if self.online_at_send else "offline_at_send"


@dataclass
class AlertReport:
    """The figures of one alert over the reader's boards, and every board's outcome.

    delivered, displayed and cleared overlap; displayed plus the four not-displayed outcomes
    (received_not_displayed ... never_delivered) add up to targeted."""

    targeted: int = 0
    delivered: int = 0
    displayed: int = 0
    online_not_displayed: int = 0
    offline_at_send: int = 0
    never_delivered: int = 0
    cleared: int = 0
    received_not_displayed: int = 0
    median_s: float | None = None
    p95_s: float | None = None
    max_s: float | None = None
    slowest: list[BoardOutcome] = field(default_factory=list)
    boards: list[BoardOutcome] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """The counts and send-to-display times (seconds), without the boards."""
        names = ("targeted", "delivered", "displayed", "cleared", "received_not_displayed",
                 "online_not_displayed", "offline_at_send", "never_delivered", "median_s",
                 "p95_s", "max_s")  # fmt: skip
        return {n: getattr(self, n) for n in names}


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) with linear interpolation between ranks; None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def sent_time(alert: Alert, delivery: AlertDelivery | RetiredDelivery) -> datetime | None:
    """When the alert was first sent to this board (older rows: when it went on air)."""
    return delivery.first_sent_at or alert.activated_at or alert.sent


def alert_report(
    session: Session, alert: Alert, paths: Sequence[str], *, slowest: int = SLOWEST
) -> AlertReport:
    """The report of an alert over the boards under paths (the reader's grants)."""
    d = AlertDelivery
    rows = session.execute(
        select(d, Board.code, Board.name, Area.code, Area.name)
        .join(Board, Board.id == d.board_id)
        .join(Area, Area.id == Board.area_id)
        .where(d.alert_id == alert.id, in_paths(Area.path, paths))
        .order_by(Board.code)
    ).all()
    r = RetiredDelivery
    retired = session.execute(
        select(r, r.board_code, r.board_name, Area.code, Area.name)
        .join(Area, Area.id == r.area_id)
        .where(r.alert_id == alert.id, in_paths(Area.path, paths))
    ).all()
    report = AlertReport()
    for gone, rows_of in ((False, rows), (True, retired)):
        for delivery, code, name, area_code, area_name in rows_of:
            board = _outcome(alert, delivery, code, name, area_code, area_name, gone)
            report.boards.append(board)
            _tally(report, board)
    report.boards.sort(key=lambda b: (b.code, b.retired))
    times = [b.seconds_to_display for b in report.boards if b.seconds_to_display is not None]
    report.median_s = percentile(times, 50)
    report.p95_s = percentile(times, 95)
    report.max_s = max(times) if times else None
    timed = [b for b in report.boards if b.seconds_to_display is not None]
    timed.sort(key=lambda b: (-(b.seconds_to_display or 0.0), b.code))
    report.slowest = timed[:slowest]
    return report


def _outcome(
    alert: Alert,
    delivery: AlertDelivery | RetiredDelivery,
    code: str,
    name: str,
    area_code: str,
    area_name: str,
    retired: bool,
) -> BoardOutcome:
    sent = sent_time(alert, delivery)
    seconds = None
    if delivery.displayed_at is not None and sent is not None:
        seconds = max(0.0, (delivery.displayed_at - sent).total_seconds())
    return BoardOutcome(
        code, name, area_code, area_name, sent, delivery.received_at, delivery.displayed_at,
        delivery.cleared_at, delivery.online_at_send, seconds, retired,
    )  # fmt: skip


def _tally(report: AlertReport, board: BoardOutcome) -> None:
    report.targeted += 1
    report.delivered += board.received_at is not None or board.displayed_at is not None
    report.displayed += board.displayed_at is not None
    report.cleared += board.cleared_at is not None
    if board.outcome != "displayed":  # the four ways of not reaching the screen
        setattr(report, board.outcome, getattr(report, board.outcome) + 1)
