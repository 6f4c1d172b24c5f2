"""Each indicator on a small tree with known answers; the December report's window."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from signage.boards.models import BoardSession
from signage.clock import Period
from signage.config import ConfigError, Settings, month_day
from signage.errors import ValidationFailed
from signage.reports.december import check_root, december_report, parse_year, year_window
from signage.reports.indicators import Rules, compute
from signage.reports.models import PlayDay
from tests.reports.indicator_world import FIRST, LAST, NOW, board, build

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
WINDOW = Period(FIRST, LAST, HCM)
RULES = Rules(connected_share=0.8, large_min_pixels=384 * 192)


@pytest.fixture()
def world(session, factory):
    return build(session, factory)


def units_by_code(report):
    return {u.area.code: u for u in report.units}


def test_province_indicators_have_the_known_answers(session, world):
    report = compute(session, world["areas"]["p1"], WINDOW, now=NOW, rules=RULES)
    t = report.total
    # 1.5: one ward of two has a board; 1.6: two communes of three (C2's is in its village).
    assert (t.with_board["ward"], t.units["ward"], t.share_1_5) == (1, 2, 0.5)
    assert (t.with_board["commune"], t.units["commune"]) == (2, 3)
    assert t.share_1_6 == pytest.approx(2 / 3)
    assert (t.with_board["special_zone"], t.units["special_zone"], t.share_special_zones) == (
        1,
        1,
        1.0,
    )
    assert t.share_units == pytest.approx(4 / 6)
    # 2.2: D1's only large board is connected; D2's is not; D3 has no large board.
    assert (t.districts, t.districts_with_large, t.districts_connected) == (3, 2, 1)
    assert t.share_2_2 == pytest.approx(1 / 3)
    # Boards: eight (the test board and Beta's are not counted), four connected, two large.
    assert (t.figures.boards, t.figures.connected, t.figures.large) == (8, 4, 2)
    assert t.figures.connected_share == 0.5
    assert t.figures.uptime == pytest.approx((1 + 0.5 + 0.9 + 0 + 1 + 0.1 + 0 + 1) / 8)
    # Plays inside the period only, test board left out, Beta's not here.
    assert t.figures.plays == {"disaster": 5, "policy_law": 3, "health_epidemic": 2}
    assert [p.area.code for p in report.provinces] == ["91"]


def test_one_row_per_commune_level_unit(session, world):
    report = compute(session, world["areas"]["p1"], WINDOW, now=NOW, rules=RULES)
    rows = units_by_code(report)
    assert list(rows) == ["91001", "91002", "91003", "91004", "91005", "91006"]
    c1 = rows["91003"].figures
    assert (c1.boards, c1.connected, c1.uptime, c1.plays) == (1, 0, 0.5, {"policy_law": 3})
    c2 = rows["91004"].figures
    assert (c2.boards, c2.connected, c2.plays) == (1, 1, {"health_epidemic": 2})
    assert c2.uptime == pytest.approx(0.9)
    assert rows["91002"].figures.uptime is None and not rows["91002"].has_board
    assert rows["91006"].figures.uptime == 0.0


def test_the_connected_share_is_a_setting(session, world):
    lenient = Rules(connected_share=0.5, large_min_pixels=RULES.large_min_pixels)
    report = compute(session, world["areas"]["p1"], WINDOW, now=NOW, rules=lenient)
    assert report.total.figures.connected == 5  # C1's 50 % now counts
    strict = Rules(connected_share=1.0, large_min_pixels=RULES.large_min_pixels)
    report = compute(session, world["areas"]["p1"], WINDOW, now=NOW, rules=strict)
    assert report.total.figures.connected == 3  # C2's 90 % no longer does


def test_large_boards_are_a_setting(session, world):
    only_lcd = Rules(connected_share=0.8, large_min_pixels=1920 * 1080)
    t = compute(session, world["areas"]["p1"], WINDOW, now=NOW, rules=only_lcd).total
    # D2's LED is no longer large: D2 has no large board, D1 still connected.
    assert (t.districts_with_large, t.districts_connected, t.figures.large) == (1, 1, 1)
    everything = Rules(connected_share=0.8, large_min_pixels=1)
    t = compute(session, world["areas"]["p1"], WINDOW, now=NOW, rules=everything).total
    assert (t.districts_with_large, t.districts_connected) == (3, 2)  # D3's one board is online


def test_country_has_provinces_and_their_totals(session, world):
    report = compute(session, world["areas"]["vn"], WINDOW, now=NOW, rules=RULES)
    assert [p.area.code for p in report.provinces] == ["91", "92"]
    beta = report.provinces[1]
    assert (beta.figures.boards, beta.share_1_5, beta.figures.plays) == (1, 1.0, {"disaster": 7})
    assert report.total.figures.boards == 9
    assert report.total.units["ward"] == 3
    assert report.total.figures.plays["disaster"] == 12


def test_a_commune_alone_and_a_district_alone(session, world):
    a = world["areas"]
    report = compute(session, a["c2"], WINDOW, now=NOW, rules=RULES)
    assert [u.area.code for u in report.units] == ["91004"]
    assert [p.area.code for p in report.provinces] == ["91"]  # for the heading
    report = compute(session, a["d2"], WINDOW, now=NOW, rules=RULES)
    assert report.units == []
    assert (report.total.districts, report.total.districts_connected) == (1, 0)
    assert report.total.figures.boards == 2


def test_a_board_installed_during_the_period_is_measured_from_its_installation(session, world):
    w2 = world["areas"]["w2"]
    late = board(session, "B-W2-LATE", w2)
    late.created_at = datetime(2026, 3, 6, tzinfo=HCM).astimezone(UTC)
    session.add(BoardSession(board_id=late.id, started_at=late.created_at, ended_at=None))
    session.flush()
    unit = units_by_code(compute(session, w2, WINDOW, now=NOW, rules=RULES))["91002"]
    assert (unit.figures.boards, unit.figures.connected, unit.figures.uptime) == (1, 1, 1.0)
    # A board installed after the period did not stand there then.
    late.created_at = datetime(2026, 3, 11, tzinfo=HCM).astimezone(UTC)
    session.flush()
    unit = units_by_code(compute(session, w2, WINDOW, now=NOW, rules=RULES))["91002"]
    assert not unit.has_board and unit.figures.uptime is None


def test_a_period_in_progress_is_measured_up_to_now(session, world):
    now = datetime(2026, 3, 3, tzinfo=HCM).astimezone(UTC)  # two days into the period
    report = compute(session, world["areas"]["c1"], WINDOW, now=now, rules=RULES)
    # C1's board has been online for the whole of the two days so far.
    assert report.total.figures.uptime == 1.0
    future = Period(date(2026, 4, 1), date(2026, 4, 30), HCM)
    report = compute(session, world["areas"]["c1"], future, now=now, rules=RULES)
    assert report.total.figures.uptime is None and report.total.figures.connected == 0


# --- the December report's window --------------------------------------------------------------


def test_report_year_window_and_its_boundaries(session, world):
    assert year_window(2026, (12, 15), HCM) == Period(date(2025, 12, 15), date(2026, 12, 14), HCM)
    assert year_window(2026, (1, 1), HCM) == Period(date(2026, 1, 1), date(2026, 12, 31), HCM)
    w = year_window(2026, (12, 15), HCM)
    assert w.start == datetime(2025, 12, 14, 17, tzinfo=UTC)
    assert w.end == datetime(2026, 12, 14, 17, tzinfo=UTC)
    c3 = world["areas"]["c3"]
    b = board(session, "B-C3", c3)
    b.created_at = datetime(2025, 1, 1, tzinfo=UTC)
    for day, plays in [
        (date(2025, 12, 14), 1000),  # the day before the window
        (date(2025, 12, 15), 1),  # its first day
        (date(2026, 12, 14), 10),  # its last day
        (date(2026, 12, 15), 1000),  # the day after
    ]:
        session.add(
            PlayDay(
                day=day, board_id=b.id, area_id=c3.id, item_id=1, category="disaster", plays=plays
            )
        )
    # Online only during the window's last local hour (14/12 23:00 to 15/12 01:00 local).
    session.add(
        BoardSession(
            board_id=b.id,
            started_at=w.end - timedelta(hours=1),
            ended_at=w.end + timedelta(hours=1),
        )
    )
    session.flush()
    now = datetime(2026, 12, 20, tzinfo=UTC)
    report = december_report(session, c3, 2026, start=(12, 15), tz=HCM, now=now, rules=RULES)
    unit = report.units[0].figures
    assert unit.plays == {"disaster": 11}
    span = (w.end - w.start).total_seconds()
    assert unit.uptime == pytest.approx(3600 / span)


def test_report_year_defaults_to_this_year_and_refuses_nonsense():
    today = date(2026, 11, 26)
    assert parse_year(None, today=today) == 2026
    assert parse_year(" 2025 ", today=today) == 2025
    for raw in ("abc", "1999", "2028", "２０２６", "2026.0", "-2026", "20261", "2026; DROP"):
        with pytest.raises(ValidationFailed) as err:
            parse_year(raw, today=today)
        assert err.value.details[0]["field"] == "year"


def test_a_village_is_not_a_report_area(world):
    with pytest.raises(ValidationFailed):
        check_root(world["areas"]["village"])
    assert check_root(world["areas"]["d1"]) is world["areas"]["d1"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SIGNAGE_CONNECTED_SHARE": "0"}, "above 0"),
        ({"SIGNAGE_CONNECTED_SHARE": "1.5"}, "at most 1"),
        ({"SIGNAGE_CONNECTED_SHARE": "eighty"}, "a number"),
        ({"SIGNAGE_LARGE_BOARD_MIN_PIXELS": "0"}, "at least 1"),
        ({"SIGNAGE_REPORT_YEAR_START": "02-29"}, "MM-DD"),
        ({"SIGNAGE_REPORT_YEAR_START": "15-12"}, "MM-DD"),
        ({"SIGNAGE_REPORT_YEAR_START": "december"}, "MM-DD"),
    ],
)
def test_bad_indicator_settings_are_refused(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env(env, instance_dir=tmp_path)


def test_indicator_settings_are_read(tmp_path):
    settings = Settings.from_env(
        {
            "SIGNAGE_CONNECTED_SHARE": "0.95",
            "SIGNAGE_LARGE_BOARD_MIN_PIXELS": "2_073_600",
            "SIGNAGE_REPORT_YEAR_START": "01-01",
        },
        instance_dir=tmp_path,
    )
    assert settings.connected_share == 0.95
    assert settings.large_board_min_pixels == 1920 * 1080
    assert month_day(settings.report_year_start) == (1, 1)


def test_a_category_outside_decree_49_gets_its_own_column(session, world):
    b = world["boards"]["w1"]
    session.add(
        PlayDay(
            day=FIRST, board_id=b.id, area_id=b.area_id, item_id=9, category="zz_other", plays=4
        )
    )
    session.flush()
    report = compute(session, world["areas"]["w1"], WINDOW, now=NOW, rules=RULES)
    assert report.categories[-1] == "zz_other"
    assert report.total.figures.total_plays == 9
