"""A week or month calendar of what plays on a board or in an area, day by local day.

Built from the pure timeline: each schedule becomes a rule with one token entry, so the
resolved segments say which schedules are on air in each stretch and in which play order
(priority first, then the most specific target). Two or more schedules in one stretch share
it: the first in play order leads and the others follow in the same loop.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage.areas.models import Area
from signage.boards.models import Board
from signage.errors import ValidationFailed
from signage.schedules import rules as pure
from signage.schedules.manifests import schedule_rule
from signage.schedules.models import Schedule
from signage.schedules.spans import SpanError, operating_hours
from signage.schedules.timeline import timeline

VIEWS = ("week", "month")
FIRST_YEAR, LAST_YEAR = 2000, 2099
_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class CalendarSpan:
    """A stretch of one local day: the schedules on air in play order, or the board off."""

    start: datetime  # local
    end: datetime  # local, at most the next midnight
    kind: str  # "programme", "fallback" (nothing scheduled) or "off" (outside operating hours)
    schedules: tuple[Schedule, ...] = ()

    @property
    def start_text(self) -> str:
        """'HH:MM' of the start."""
        return f"{self.start:%H:%M}"

    @property
    def end_text(self) -> str:
        """'HH:MM' of the end, '24:00' when it ends at the next midnight."""
        return "24:00" if self.end.time() == time(0) else f"{self.end:%H:%M}"

    @property
    def shared(self) -> bool:
        """True when several schedules share this stretch (the first in play order leads)."""
        return len(self.schedules) > 1


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One local day and its stretches; `outside` marks days of a month view's edge weeks."""

    day: date
    spans: tuple[CalendarSpan, ...]
    outside: bool = False


@dataclass(frozen=True, slots=True)
class Period:
    """The days a calendar shows and where its previous and next pages start."""

    view: str
    start: date  # the date asked for (a week: its Monday; a month: its 1st)
    first: date
    last: date  # inclusive
    previous: date
    following: date


def parse_date(text: str) -> date:
    """'dd/mm/yyyy' -> date; ValidationFailed with a message for anything else."""
    match = _DATE.match(text or "")
    try:
        if match is None:
            raise ValueError
        day, month, year = (int(g) for g in match.groups())
        if not FIRST_YEAR <= year <= LAST_YEAR:  # far years overflow a month's edge weeks
            raise ValueError
        return date(year, month, day)
    except ValueError:
        raise ValidationFailed(
            details=[
                {
                    "field": "start",
                    "message": _l("Write the date as dd/mm/yyyy, for example 01/07/2025."),
                }
            ]
        ) from None


def period(view: str, start: date) -> Period:
    """The week (Monday to Sunday) or the month (whole weeks around it) that holds `start`."""
    if view not in VIEWS:
        raise ValidationFailed(
            details=[{"field": "view", "message": _l("Choose the week or the month view.")}]
        )
    if view == "week":
        monday = start - timedelta(days=start.weekday())
        return Period(view, monday, monday, monday + 6 * _DAY, monday - 7 * _DAY, monday + 7 * _DAY)
    first_of = start.replace(day=1)
    next_month = (first_of + 32 * _DAY).replace(day=1)
    previous = (first_of - _DAY).replace(day=1)
    first = first_of - timedelta(days=first_of.weekday())
    month_end = next_month - _DAY
    last = month_end + timedelta(days=6 - month_end.weekday())
    return Period(view, first_of, first, last, previous, next_month)


def board_schedules(session: Session, board: Board) -> list[Schedule]:
    """Schedules reaching the board: its own, its groups' and every area on its path."""
    groups = [g.id for g in board.groups]
    return _schedules(session, [("board", [board.id]), ("group", groups), _areas(board.area)])


def area_schedules(session: Session, area: Area) -> list[Schedule]:
    """Schedules reaching every board of the area: those on the area and on its ancestors."""
    return _schedules(session, [_areas(area)])


def days(
    schedules: Sequence[Schedule], per: Period, *, tz: str, hours: dict | None = None
) -> list[CalendarDay]:
    """What plays on each local day of the period, from the resolved timeline."""
    zone = ZoneInfo(tz)
    by_id = {s.id: s for s in schedules}
    context = pure.BoardContext(tz=tz, hours=_hours(hours))
    lo = datetime.combine(per.first, time(0), zone)
    hi = datetime.combine(per.last + _DAY, time(0), zone)
    # One token entry per schedule: the segments then say which schedules are on air.
    rules = [schedule_rule(s, (pure.PlaylistEntry(s.id, 0, 1),)) for s in schedules]
    segments = timeline(context, rules, lo, hi)
    out: list[CalendarDay] = []
    day = per.first
    while day <= per.last:
        day_lo = datetime.combine(day, time(0), zone)
        day_hi = datetime.combine(day + _DAY, time(0), zone)
        spans = []
        for seg in segments:
            start, end = max(seg.start, day_lo), min(seg.end, day_hi)
            if start >= end or seg.kind == "fallback":
                continue
            ids = dict.fromkeys(e.rule_id for e in seg.entries)
            spans.append(
                CalendarSpan(
                    start.astimezone(zone),
                    end.astimezone(zone),
                    seg.kind,
                    tuple(by_id[i] for i in ids),
                )
            )
        outside = per.view == "month" and day.month != per.start.month
        out.append(CalendarDay(day, tuple(spans), outside))
        day += _DAY
    return out


def _hours(hours: dict | None) -> pure.OperatingHours | None:
    try:
        return operating_hours(hours)
    except SpanError:
        return None


def _areas(area: Area) -> tuple[str, list[int]]:
    return ("area", [int(a) for a in area.path.strip("/").split("/") if a])


def _schedules(session: Session, targets: Iterable[tuple[str, list[int]]]) -> list[Schedule]:
    wanted = [
        (Schedule.target_kind == kind) & Schedule.target_id.in_(ids) for kind, ids in targets if ids
    ]
    if not wanted:
        return []
    stmt = select(Schedule).where(Schedule.expired.is_(False), or_(*wanted)).order_by(Schedule.id)
    return list(session.scalars(stmt).unique())
