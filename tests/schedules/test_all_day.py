"""All-day windows (00:00-24:00) and 24:00 ends: parsed, validated and resolved with no gap at
midnight; windows across midnight still work; everything else with start = end is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from signage.schedules.rules import ALL_DAY, DailyWindow, OperatingHours
from signage.schedules.spans import SpanError, format_window, parse_hours, parse_window
from signage.schedules.timeline import (
    BoardContext,
    PlaylistEntry,
    ScheduleRule,
    timeline,
    validate_hours,
    validate_rule,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
MON = datetime(2026, 11, 23, tzinfo=HCM)  # a Monday
BOARD = BoardContext(fallback="UBND xã")
GOLDEN = Path(__file__).parent.parent / "players" / "golden" / "all_day_midnight.json"


def rule(*windows: DailyWindow, **fields) -> ScheduleRule:
    fields.setdefault("playlist", (PlaylistEntry(5, 50, 10), PlaylistEntry(6, 60, 20)))
    return ScheduleRule(id=1, windows=windows, **fields)


def test_00_00_to_24_00_is_the_all_day_window() -> None:
    window = parse_window("00:00-24:00")
    assert window == ALL_DAY and window.all_day and window.crosses_midnight
    assert format_window(window) == "00:00-24:00" == str(window)
    assert parse_window(" 0:00 – 24:00 ") == ALL_DAY
    assert validate_rule(rule(window)) == []


def test_24_00_as_an_end_is_midnight() -> None:
    window = parse_window("18:00-24:00")
    assert (window.start, window.end, window.all_day) == (time(18), time(0), False)
    assert window.crosses_midnight


@pytest.mark.parametrize(
    "text",
    ["24:01", "00:00-24:01", "25:00-26:00", "24:00-06:00", "abc", "", "06:00-07:60", "6-7"],
)
def test_hostile_windows_do_not_parse(text: str) -> None:
    with pytest.raises(SpanError):
        parse_window(text)


@pytest.mark.parametrize("text", ["00:00-00:00", "06:00-06:00", "23:59-23:59"])
def test_start_equal_to_end_other_than_00_00_24_00_is_refused(text: str) -> None:
    problems = validate_rule(rule(parse_window(text)))
    assert [p.code for p in problems] == ["zero_length_window"]


def test_an_all_day_window_is_only_00_00_to_24_00() -> None:
    with pytest.raises(ValueError, match="00:00-24:00"):
        DailyWindow(time(6), time(6), all_day=True)


def test_all_day_overlaps_any_other_window_of_the_same_day() -> None:
    problems = validate_rule(rule(ALL_DAY, parse_window("22:00-06:00")))
    assert [p.code for p in problems] == ["overlapping_windows"]


def test_all_day_every_day_resolves_to_one_segment_with_no_gap_at_midnight() -> None:
    segments = timeline(BOARD, [rule(ALL_DAY)], MON, MON + timedelta(days=3))
    assert [(s.start, s.end, s.kind) for s in segments] == [
        (MON.astimezone(UTC), (MON + timedelta(days=3)).astimezone(UTC), "programme")
    ]


def test_all_day_on_weekdays_plays_monday_00_00_to_saturday_00_00() -> None:
    segments = timeline(
        BOARD, [rule(ALL_DAY, weekdays=frozenset(range(5)))], MON, MON + timedelta(days=7)
    )
    assert [(s.start.astimezone(HCM), s.end.astimezone(HCM), s.kind) for s in segments] == [
        (MON, MON + timedelta(days=5), "programme"),
        (MON + timedelta(days=5), MON + timedelta(days=7), "fallback"),
    ]


def test_evening_to_24_00_and_early_morning_join_at_midnight() -> None:
    windows = (parse_window("00:00-06:00"), parse_window("18:00-24:00"))
    segments = timeline(BOARD, [rule(*windows)], MON + timedelta(hours=12), MON + timedelta(days=1))
    programme = [(s.start.astimezone(HCM), s.end.astimezone(HCM)) for s in segments[1:]]
    assert programme == [(MON + timedelta(hours=18), MON + timedelta(days=1))]
    nxt = timeline(BOARD, [rule(*windows)], MON + timedelta(hours=18), MON + timedelta(hours=30))
    assert [(s.kind, s.end.astimezone(HCM)) for s in nxt] == [
        ("programme", MON + timedelta(hours=30))
    ]


def test_a_window_across_midnight_still_runs_into_the_next_day() -> None:
    segments = timeline(
        BOARD,
        [rule(parse_window("22:00-06:00"), weekdays=frozenset({0}))],
        MON,
        MON + timedelta(days=2),
    )
    assert [(s.kind, s.start.astimezone(HCM), s.end.astimezone(HCM)) for s in segments] == [
        ("fallback", MON, MON + timedelta(hours=22)),
        ("programme", MON + timedelta(hours=22), MON + timedelta(hours=30)),
        ("fallback", MON + timedelta(hours=30), MON + timedelta(days=2)),
    ]


def test_operating_hours_accept_all_day() -> None:
    stored = parse_hours({"0": ["00:00-24:00"], "1": "00:00-24:00"})
    assert stored == {"0": ["00:00-24:00"], "1": ["00:00-24:00"]}
    assert validate_hours(OperatingHours.every_day(ALL_DAY)) == []
    board = BoardContext(hours=OperatingHours.every_day(ALL_DAY))
    segments = timeline(board, [rule(ALL_DAY)], MON, MON + timedelta(days=2))
    assert [s.kind for s in segments] == ["programme"]


def test_the_players_golden_midnight_segment_is_what_the_server_resolves() -> None:
    """The golden manifest both players run (all_day_midnight.json) comes from this rule."""
    wednesday_evening = MON + timedelta(days=2, hours=18)
    resolved = timeline(
        BOARD,
        [rule(ALL_DAY, weekdays=frozenset({2, 3}), valid_from=wednesday_evening)],
        MON,
        MON + timedelta(days=7),
    )
    programme = [s for s in resolved if s.kind == "programme"]
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))["manifest"]["manifest"]["segments"]
    iso = [(s.start.isoformat(), s.end.isoformat()) for s in programme]
    assert iso == [
        (
            datetime.fromisoformat(g["start"]).isoformat(),
            datetime.fromisoformat(g["end"]).isoformat(),
        )
        for g in golden
    ]
