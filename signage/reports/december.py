"""The December report: the indicators over a fixed yearly window, one row per commune.

Report year Y covers 15 December of Y-1 to 14 December of Y (SIGNAGE_REPORT_YEAR_START moves the
first day; "01-01" makes it the calendar year). Without a choice, Y is today's calendar year: the
window in progress until the cut-off day, the finished one from then until 31 December, when the
report is due upward."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from signage.areas.models import Area
from signage.clock import Period
from signage.errors import ValidationFailed
from signage.reports.indicators import ROOT_KINDS, Report, Rules, compute

FIRST_YEAR = 2000


def year_window(year: int, start: tuple[int, int], tz: ZoneInfo) -> Period:
    """The local days of report year `year` for a window starting on (month, day)."""
    month, day = start
    if (month, day) == (1, 1):
        return Period(date(year, 1, 1), date(year, 12, 31), tz)
    return Period(date(year - 1, month, day), date(year, month, day) - timedelta(days=1), tz)


def parse_year(raw: str | None, *, today: date) -> int:
    """The report year asked for (today's year if absent), or a 422 naming the field."""
    text = (raw or "").strip()
    if not text:
        return today.year
    last = today.year + 1
    if not text.isascii() or not text.isdigit() or not FIRST_YEAR <= int(text) <= last:
        raise ValidationFailed(
            _l("Choose a report year from %(first)d to %(last)d.", first=FIRST_YEAR, last=last),
            details=[{"field": "year", "message": f"{FIRST_YEAR}..{last}"}],
        )
    return int(text)


def check_root(area: Area) -> Area:
    """The area, if a report can be made for it (the country, a province, a district or unit)."""
    if area.kind not in ROOT_KINDS:
        raise ValidationFailed(
            _l("Reports cover the country, a province or city, a former district or a commune."),
            details=[{"field": "area", "message": area.kind}],
        )
    return area


def december_report(
    session: Session,
    root: Area,
    year: int,
    *,
    start: tuple[int, int],
    tz: ZoneInfo,
    now: datetime,
    rules: Rules,
) -> Report:
    """The indicators of report year `year` for the root's subtree."""
    return compute(session, check_root(root), year_window(year, start, tz), now=now, rules=rules)
