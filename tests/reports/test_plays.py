"""Plays report queries: groupings, rolled and raw days together, and never outside the grants."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from signage.reports.plays import PlayQuery, for_item, plays
from signage.reports.rollup import run
from tests.reports.conftest import HCM

NOW = datetime(2026, 12, 3, 3, tzinfo=UTC)  # 10:00 on 3 December in Hà Nội


@pytest.fixture()
def played(session, fleet):
    """1 Dec: rolled; 3 Dec (today): raw only. Hoàn Kiếm, its village, Ba Đình, Hải Phòng."""
    fleet.add("hk", fleet.health, datetime(2026, 12, 1, 2, tzinfo=UTC), count=3)
    fleet.add("village", fleet.law, datetime(2026, 12, 1, 2, tzinfo=UTC), count=2)
    fleet.add("bd", fleet.health, datetime(2026, 12, 1, 2, tzinfo=UTC), count=4)
    fleet.add("hp_commune", fleet.law, datetime(2026, 12, 1, 2, tzinfo=UTC), count=7)
    run(session, tz=HCM, now=datetime(2026, 12, 2, 20, tzinfo=UTC), retention_days=90)
    fleet.add("hk", fleet.health, datetime(2026, 12, 3, 1, tzinfo=UTC), count=1)  # today
    return fleet


def report(session, group_by="category", **kw):
    query = PlayQuery(date(2026, 12, 1), date(2026, 12, 3), HCM, group_by=group_by, **kw)
    return plays(session, query, now=NOW)


def test_by_category_counts_rolled_days_and_today(session, played):
    got = report(session)
    assert [(r.key, r.plays) for r in got.rows] == [("policy_law", 9), ("health_epidemic", 8)]
    assert (got.plays, got.seconds) == (17, 17 * 30.0)


def test_by_day_reads_today_from_raw_records(session, played):
    got = report(session, "day")
    assert [(r.key, r.plays) for r in got.rows] == [(date(2026, 12, 1), 16), (date(2026, 12, 3), 1)]


def test_by_area_lists_the_children_of_the_chosen_area(session, played, tree):
    got = report(session, "area", area=tree["hn"])
    assert [(r.code, r.plays) for r in got.rows] == [("00070", 6), ("00004", 4)]
    country = report(session, "area")
    assert [(r.code, r.plays) for r in country.rows] == [("01", 10), ("31", 7)]


def test_by_board_and_item(session, played, tree):
    boards = report(session, "board", area=tree["hk"])
    assert [(r.code, r.plays, r.detail) for r in boards.rows] == [
        ("B-hk", 4, "Phường Hoàn Kiếm"),
        ("B-village", 2, "Tổ dân phố 1"),
    ]
    items = report(session, "item", category="health_epidemic")
    assert [(r.label, r.plays) for r in items.rows] == [("Tiêm chủng", 8)]


def test_a_ward_supervisor_never_counts_another_ward(session, played, tree):
    scope = [tree["bd"].path]
    for group in ("category", "area", "board", "item", "day"):
        got = report(session, group, scope=scope)
        assert got.plays == 4, group
    # Asking for an area outside the scope gives nothing, not the other ward's plays.
    assert report(session, "board", scope=scope, area=tree["hk"]).rows == []
    assert report(session, scope=[]).rows == []


def test_one_item_by_area_and_board(session, played, tree):
    query = PlayQuery(date(2026, 12, 1), date(2026, 12, 3), HCM, area=tree["hn"])
    by_area, by_board = for_item(session, played.health.id, query, now=NOW)
    assert [(r.code, r.plays) for r in by_area.rows] == [("00004", 4), ("00070", 4)]
    assert sorted((r.code, r.plays) for r in by_board.rows) == [("B-bd", 4), ("B-hk", 4)]


def test_whole_months_read_from_monthly_totals_match_the_days(session, fleet, tree):
    from signage.reports.models import PlayMonth, PlayRollup

    nov = [date(2026, 11, d) for d in range(1, 31)]
    for n, day in enumerate(nov[::3]):
        start = datetime(day.year, day.month, day.day, 2, tzinfo=UTC)
        fleet.add("hk", fleet.health, start, count=1 + n % 3)
        fleet.add("hp_commune", fleet.law, start, count=2)
    fleet.add("bd", fleet.law, datetime(2026, 12, 2, 2, tzinfo=UTC), count=5)
    run(session, tz=HCM, now=NOW, retention_days=90, days=[*nov, date(2026, 12, 1)])
    assert {m.month for m in session.query(PlayMonth)} == {date(2026, 11, 1)}
    query = dict(first=date(2026, 10, 31), last=date(2026, 12, 3), tz=HCM)
    by_day = plays(session, PlayQuery(**query, group_by="day"), now=NOW)
    for group in ("category", "area", "board"):
        got = plays(session, PlayQuery(**query, group_by=group), now=NOW)
        assert (got.plays, got.seconds) == (by_day.plays, by_day.seconds), group
    scoped = plays(session, PlayQuery(**query, scope=[tree["hn"].path]), now=NOW)
    assert scoped.plays == sum(1 + n % 3 for n in range(10)) + 5
    # A November day no run has rolled: November is read day by day, that day from records.
    session.delete(session.get(PlayRollup, date(2026, 11, 16)))
    fleet.add("hk", fleet.health, datetime(2026, 11, 16, 2, tzinfo=UTC), count=4)
    again = plays(session, PlayQuery(**query), now=NOW)
    assert again.plays == by_day.plays + 4
