"""The December report reads whole months from the monthly totals: the same numbers as by day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete

from signage.clock import Period
from signage.reports.december import december_report
from signage.reports.indicators import Report, Rules
from signage.reports.models import PlayDay, PlayMonth
from signage.reports.rollup import day_ranges, month_of, roll_month, whole_months
from tests.reports.indicator_world import build

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
RULES = Rules(connected_share=0.8, large_min_pixels=384 * 192)
NOW = datetime(2026, 12, 20, 3, tzinfo=HCM)
# Report year 2026: 15/12/2025 .. 14/12/2026, eleven whole months and two ragged ends.
FIRST, LAST = date(2025, 12, 15), date(2026, 12, 14)
CATEGORIES = ("disaster", "policy_law", "health_epidemic")


@pytest.fixture()
def world(session, factory):
    return build(session, factory)


def plays_everywhere(session, world) -> None:
    """Plays on days all over the year and just outside it, on every board (a test one too)."""
    days = [FIRST - timedelta(days=1), FIRST, date(2025, 12, 31), date(2026, 1, 1)]
    days += [date(2026, m, d) for m in range(2, 13) for d in (1, 14, 28)]
    days += [LAST, LAST + timedelta(days=1), date(2026, 12, 31)]
    for n, brd in enumerate(world["boards"].values()):
        for k, day in enumerate(sorted(set(days))):
            session.add(
                PlayDay(
                    day=day,
                    board_id=brd.id,
                    area_id=brd.area_id,
                    item_id=100 + k % 2,
                    category=CATEGORIES[(n + k) % len(CATEGORIES)],
                    plays=1 + (n * 7 + k) % 13,
                    seconds=10.0,
                )
            )
    session.flush()


def figures(report: Report) -> dict[str, object]:
    """Every plays figure of a report: per unit, per province and in total."""
    out: dict[str, object] = {u.area.code: dict(u.figures.plays) for u in report.units}
    out.update({f"p{t.area.code}": dict(t.figures.plays) for t in report.provinces if t.area})
    out["total"] = dict(report.total.figures.plays)
    return out


def report(session, root) -> Report:
    return december_report(session, root, 2026, start=(12, 15), tz=HCM, now=NOW, rules=RULES)


@pytest.mark.parametrize("root", ["vn", "p1", "c1"])
def test_months_and_days_give_the_numbers_of_days_alone(session, world, root):
    plays_everywhere(session, world)
    area = world["areas"][root]
    by_days = figures(report(session, area))
    assert by_days["total"]  # there is something to compare
    for month in sorted({month_of(d) for d in [FIRST, *whole_months(FIRST, LAST), LAST]}):
        roll_month(session, month)
    session.flush()
    assert figures(report(session, area)) == by_days


def test_whole_months_are_read_from_the_monthly_totals(session, world):
    plays_everywhere(session, world)
    for month in whole_months(FIRST, LAST):
        roll_month(session, month)
    before = report(session, world["areas"]["vn"]).total.figures.total_plays
    # The days of a whole month are no longer read: only its monthly totals are.
    session.execute(
        delete(PlayDay).where(PlayDay.day >= date(2026, 3, 1), PlayDay.day < date(2026, 4, 1))
    )
    session.flush()
    assert report(session, world["areas"]["vn"]).total.figures.total_plays == before
    # A whole month the rollup has not summed (no monthly rows) is read day by day.
    session.execute(delete(PlayMonth).where(PlayMonth.month == date(2026, 3, 1)))
    session.flush()
    assert report(session, world["areas"]["vn"]).total.figures.total_plays < before


def test_month_splitting_of_a_window():
    assert whole_months(FIRST, LAST) == [date(2026, m, 1) for m in range(1, 12)]
    assert day_ranges(FIRST, LAST, whole_months(FIRST, LAST)) == [
        (FIRST, date(2025, 12, 31)),
        (date(2026, 12, 1), LAST),
    ]
    calendar = Period(date(2026, 1, 1), date(2026, 12, 31), HCM)
    assert len(whole_months(calendar.first, calendar.last)) == 12
    assert (
        day_ranges(calendar.first, calendar.last, whole_months(calendar.first, calendar.last)) == []
    )
    assert whole_months(date(2026, 3, 2), date(2026, 3, 31)) == []
    assert day_ranges(date(2026, 3, 2), date(2026, 3, 31), []) == [
        (date(2026, 3, 2), date(2026, 3, 31))
    ]
