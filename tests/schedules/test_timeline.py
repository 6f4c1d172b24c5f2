"""Unit tests for the pure schedule-resolution core (signage.schedules.timeline and rules)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from signage.schedules.timeline import (
    BoardContext,
    DailyWindow,
    OperatingHours,
    PlaylistEntry,
    ResolvedEntry,
    ScheduleRule,
    Segment,
    boundaries,
    segment_at,
    timeline,
    validate_hours,
    validate_rule,
)

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
BOARD = BoardContext(fallback="UBND phường Ba Đình")
# 2025-01-06 is a Monday.
MON = datetime(2025, 1, 6, tzinfo=HCM)


def at(day_offset: int, hour: int = 0, minute: int = 0) -> datetime:
    """A local Asia/Ho_Chi_Minh instant, `day_offset` days after Monday 2025-01-06."""
    return datetime.combine(MON.date() + timedelta(days=day_offset), time(hour, minute), tzinfo=HCM)


def win(start: str, end: str) -> DailyWindow:
    return DailyWindow(time.fromisoformat(start), time.fromisoformat(end))


def rule(rule_id: int = 1, *windows: DailyWindow, **fields) -> ScheduleRule:
    fields.setdefault("playlist", (PlaylistEntry(rule_id * 10, rule_id * 100, 15),))
    return ScheduleRule(id=rule_id, windows=windows or (win("08:00", "09:00"),), **fields)


def programme(segments: list[Segment]) -> list[tuple[datetime, datetime]]:
    return [(s.start, s.end) for s in segments if s.kind == "programme"]


def rule_ids(segment: Segment) -> list[int]:
    return list(dict.fromkeys(e.rule_id for e in segment.entries))


# --- midnight, weekdays, time zones ---------------------------------------------------------


def test_window_crossing_midnight_plays_into_the_next_day_only_from_its_start_day():
    friday_night = rule(1, win("22:00", "02:00"), weekdays=frozenset({4}))
    segments = timeline(BOARD, [friday_night], at(0), at(7))
    assert programme(segments) == [(at(4, 22), at(5, 2))]


def test_window_started_the_day_before_the_range_is_cut_at_the_range_start():
    friday_night = rule(1, win("22:00", "02:00"), weekdays=frozenset({4}))
    segments = timeline(BOARD, [friday_night], at(5, 0), at(5, 12))
    assert programme(segments) == [(at(5, 0), at(5, 2))]
    assert segments[-1].kind == "fallback" and segments[-1].fallback == "UBND phường Ba Đình"


def test_weekdays_select_the_start_day_of_each_window():
    weekday_mornings = rule(1, win("07:00", "08:00"), weekdays=frozenset({0, 1, 2, 3, 4}))
    segments = timeline(BOARD, [weekday_mornings], at(0), at(7))
    assert programme(segments) == [(at(d, 7), at(d, 8)) for d in range(5)]


def test_local_midnight_is_1700_utc_the_previous_day():
    midnight = rule(1, win("00:00", "01:00"))
    start = datetime(2025, 1, 6, 12, tzinfo=UTC)
    segments = timeline(BOARD, [midnight], start, start + timedelta(hours=12))
    assert programme(segments) == [
        (datetime(2025, 1, 6, 17, tzinfo=UTC), datetime(2025, 1, 6, 18, tzinfo=UTC))
    ]
    assert all(s.start.tzinfo is UTC and s.end.tzinfo is UTC for s in segments)


def test_board_time_zone_decides_the_local_day():
    rule_utc = rule(1, win("00:00", "01:00"))
    board = BoardContext(tz="UTC")
    segments = timeline(board, [rule_utc], at(0), at(1))
    assert programme(segments) == [(datetime(2025, 1, 6, 0, tzinfo=UTC), at(0, 8))]


def test_windows_follow_daylight_saving_changes_in_zones_that_have_them():
    berlin = ZoneInfo("Europe/Berlin")
    board = BoardContext(tz="Europe/Berlin")
    # 2025-03-30 (Sunday): 02:00 -> 03:00. 2025-10-26 (Sunday): 03:00 -> 02:00.
    spring = rule(1, win("01:00", "04:00"), weekdays=frozenset({6}))
    start = datetime(2025, 3, 29, tzinfo=berlin)
    [(t0, t1)] = programme(timeline(board, [spring], start, start + timedelta(days=2)))
    assert (t0, t1 - t0) == (datetime(2025, 3, 30, 0, tzinfo=UTC), timedelta(hours=2))
    autumn = rule(1, win("22:00", "06:00"), weekdays=frozenset({5}))
    start = datetime(2025, 10, 25, tzinfo=berlin)
    [(t0, t1)] = programme(timeline(board, [autumn], start, start + timedelta(days=2)))
    assert (t0, t1 - t0) == (datetime(2025, 10, 25, 20, tzinfo=UTC), timedelta(hours=9))


# --- validity -------------------------------------------------------------------------------


def test_validity_cuts_windows_and_is_half_open():
    daily = rule(1, win("08:00", "12:00"), valid_from=at(1, 10), valid_to=at(3, 9))
    segments = timeline(BOARD, [daily], at(0), at(5))
    assert programme(segments) == [
        (at(1, 10), at(1, 12)),
        (at(2, 8), at(2, 12)),
        (at(3, 8), at(3, 9)),
    ]


def test_validity_in_another_zone_is_the_same_instant():
    daily = rule(1, win("08:00", "12:00"), valid_from=datetime(2025, 1, 6, 3, tzinfo=UTC))
    assert programme(timeline(BOARD, [daily], at(0), at(1))) == [(at(0, 10), at(0, 12))]


# --- ordering -------------------------------------------------------------------------------


def test_priority_rules_play_before_normal_rules_whatever_their_target():
    normal_board = rule(1, win("08:00", "10:00"), target_kind="board")
    priority_area = rule(2, win("09:00", "11:00"), priority="priority", target_kind="area")
    segments = timeline(BOARD, [normal_board, priority_area], at(0), at(1))
    by_hour = {s.start: rule_ids(s) for s in segments if s.kind == "programme"}
    assert by_hour == {at(0, 8): [1], at(0, 9): [2, 1], at(0, 10): [2]}
    both = segment_at(segments, at(0, 9, 30))
    assert both is not None and [e.priority for e in both.entries] == ["priority", "normal"]


def test_more_specific_targets_play_first_and_ties_break_by_id():
    rules = [
        rule(7, target_kind="area", target_depth=1),  # province
        rule(3, target_kind="area", target_depth=3),  # village
        rule(9, target_kind="group"),
        rule(8, target_kind="board"),
        rule(2, target_kind="area", target_depth=2),  # commune
        rule(5, target_kind="board"),
    ]
    [segment] = programme_segments = [
        s for s in timeline(BOARD, rules, at(0), at(1)) if s.kind == "programme"
    ]
    assert programme_segments and rule_ids(segment) == [5, 8, 9, 3, 2, 7]


def test_entries_keep_playlist_order_and_carry_provenance():
    playlist = (PlaylistEntry(4, 40, 10), PlaylistEntry(2, 20, 30))
    one = rule(1, playlist=playlist, source="TTVH xã Tân Phú")
    [segment] = [s for s in timeline(BOARD, [one], at(0), at(1)) if s.kind == "programme"]
    assert segment.entries == (
        ResolvedEntry(4, 40, 10, 1, "normal", "TTVH xã Tân Phú"),
        ResolvedEntry(2, 20, 30, 1, "normal", "TTVH xã Tân Phú"),
    )


def test_result_does_not_depend_on_rule_order():
    rules = [
        rule(1, win("07:00", "09:00")),
        rule(2, win("08:00", "10:00"), priority="priority"),
        rule(3, win("22:00", "01:00"), target_kind="group"),
    ]
    assert timeline(BOARD, rules, at(0), at(2)) == timeline(BOARD, rules[::-1], at(0), at(2))


def test_rules_sharing_an_id_still_resolve_in_one_order():
    twins = [
        rule(1, source="xã"),
        rule(1, source="tỉnh"),
        rule(1, source="xã", playlist=(PlaylistEntry(9, 9, 5),)),
        rule(1, source="xã", playlist=(PlaylistEntry(2, 2, 5),)),
    ]
    [segment] = [s for s in timeline(BOARD, twins, at(0), at(1)) if s.kind == "programme"]
    assert [(e.source, e.item_id) for e in segment.entries] == [
        ("tỉnh", 10),
        ("xã", 2),
        ("xã", 9),
        ("xã", 10),
    ]
    assert timeline(BOARD, twins[::-1], at(0), at(1)) == timeline(BOARD, twins, at(0), at(1))


# --- operating hours, fallback, merging -----------------------------------------------------


def test_outside_operating_hours_is_off_and_idle_hours_show_the_fallback():
    board = BoardContext(hours=OperatingHours.every_day(win("05:00", "22:00")), fallback="UBND")
    late = rule(1, win("07:00", "08:00"), win("21:00", "23:00"))
    segments = timeline(board, [late], at(0), at(1))
    assert [(s.start, s.end, s.kind) for s in segments] == [
        (at(0, 0), at(0, 5), "off"),
        (at(0, 5), at(0, 7), "fallback"),
        (at(0, 7), at(0, 8), "programme"),
        (at(0, 8), at(0, 21), "fallback"),
        (at(0, 21), at(0, 22), "programme"),
        (at(0, 22), at(1, 0), "off"),
    ]
    assert [s.fallback for s in segments if s.kind == "fallback"] == ["UBND", "UBND"]
    assert all(not s.entries and not s.fallback for s in segments if s.kind == "off")


def test_operating_hours_may_cross_midnight_and_missing_weekdays_are_days_off():
    hours = OperatingHours.by_weekday({4: [(time(18), time(2))]})  # Friday evening only
    segments = timeline(BoardContext(hours=hours), [], at(0), at(7))
    assert [(s.start, s.end) for s in segments if s.kind != "off"] == [(at(4, 18), at(5, 2))]
    assert all(s.kind in ("off", "fallback") for s in segments)


def test_no_hours_or_empty_hours_mean_always_on():
    for hours in (None, OperatingHours.by_weekday({})):
        segments = timeline(BoardContext(hours=hours, fallback="x"), [], at(0), at(2))
        assert [(s.start, s.end, s.kind) for s in segments] == [(at(0), at(2), "fallback")]


def test_adjacent_windows_of_the_same_content_merge():
    split = rule(1, win("08:00", "10:00"), win("10:00", "12:00"))
    assert programme(timeline(BOARD, [split], at(0), at(1))) == [(at(0, 8), at(0, 12))]


def test_zero_length_windows_add_nothing_and_long_windows_run_overnight():
    nightly = rule(1, win("06:00", "06:00"))  # zero-length: contributes nothing
    evenings = rule(2, win("18:00", "18:00"), win("18:00", "06:00"))
    assert programme(timeline(BOARD, [nightly], at(0), at(2))) == []
    assert programme(timeline(BOARD, [evenings], at(0), at(2))) == [
        (at(0), at(0, 6)),
        (at(0, 18), at(1, 6)),
        (at(1, 18), at(2)),
    ]


def test_degenerate_rules_contribute_nothing_and_never_raise():
    rules = [
        rule(1, playlist=()),
        rule(2, valid_from=at(3), valid_to=at(2)),
        rule(3, weekdays=frozenset({7, -1})),
        rule(4, playlist=(PlaylistEntry(1, 1, 0), PlaylistEntry(2, 2, 5))),
    ]
    segments = timeline(BOARD, rules, at(0), at(1))
    [only] = [s for s in segments if s.kind == "programme"]
    assert [(e.rule_id, e.item_id) for e in only.entries] == [(4, 2)]


def test_boundaries_are_the_instants_where_the_board_changes():
    two = [rule(1, win("08:00", "10:00")), rule(2, win("09:00", "11:00"))]
    changes = boundaries(BOARD, two, at(0), at(1))
    assert changes == [at(0, h) for h in (8, 9, 10, 11)]


def test_segment_at_finds_the_covering_segment():
    segments = timeline(BOARD, [rule(1)], at(0), at(1))
    assert segment_at(segments, at(0, 8, 30)).kind == "programme"
    assert segment_at(segments, at(0, 9)).kind == "fallback"
    assert segment_at(segments, at(1)) is None and segment_at(segments, at(-1)) is None


def test_empty_range_is_empty_and_bad_ranges_raise():
    assert timeline(BOARD, [rule(1)], at(0), at(0)) == []
    with pytest.raises(ValueError, match="before start"):
        timeline(BOARD, [rule(1)], at(1), at(0))
    with pytest.raises(ValueError, match="timezone-aware"):
        timeline(BOARD, [rule(1)], datetime(2025, 1, 6), at(1))


# --- validation -----------------------------------------------------------------------------


def codes(target: ScheduleRule) -> set[str]:
    return {p.code for p in validate_rule(target)}


def test_a_sound_rule_has_no_problems():
    sound = rule(
        1,
        win("06:00", "07:00"),
        win("22:00", "02:00"),  # crossing midnight is fine: it is not an inverted window
        weekdays=frozenset({0, 2, 4}),
        valid_from=at(0),
        valid_to=at(30),
    )
    assert validate_rule(sound) == []


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"valid_from": at(2), "valid_to": at(1)}, "inverted_validity"),
        ({"valid_from": at(1), "valid_to": at(1)}, "inverted_validity"),
        ({"weekdays": frozenset()}, "empty_weekdays"),
        ({"weekdays": frozenset({0, 7})}, "unknown_weekday"),
        ({"weekdays": frozenset({-1})}, "unknown_weekday"),
        ({"windows": ()}, "no_windows"),
        ({"windows": (win("08:00", "08:00"),)}, "zero_length_window"),
        ({"windows": (win("08:00", "10:00"), win("09:00", "11:00"))}, "overlapping_windows"),
        ({"windows": (win("08:00", "10:00"), win("08:00", "10:00"))}, "overlapping_windows"),
        ({"windows": (win("22:00", "02:00"), win("23:00", "00:30"))}, "overlapping_windows"),
        ({"playlist": ()}, "empty_playlist"),
        ({"playlist": (PlaylistEntry(1, 1, 0),)}, "bad_duration"),
        ({"playlist": (PlaylistEntry(1, 1, -5),)}, "bad_duration"),
    ],
)
def test_each_problem_is_reported_with_its_code(fields, code):
    fields.setdefault("windows", (win("08:00", "09:00"),))
    problems = validate_rule(ScheduleRule(id=1, **{"playlist": (PlaylistEntry(1, 1, 5),)} | fields))
    assert [p.code for p in problems] == [code]
    assert all(p.message for p in problems)


def test_cross_midnight_window_overlaps_the_next_days_early_window_only_if_that_day_plays():
    windows = (win("22:00", "02:00"), win("01:00", "03:00"))
    assert codes(rule(1, *windows, weekdays=frozenset({4}))) == set()
    assert codes(rule(1, *windows, weekdays=frozenset({4, 5}))) == {"overlapping_windows"}
    # Sunday night wraps into Monday morning.
    assert codes(rule(1, *windows, weekdays=frozenset({6, 0}))) == {"overlapping_windows"}
    assert codes(rule(1, *windows, weekdays=frozenset({5, 0}))) == set()


def test_touching_windows_do_not_overlap():
    assert (
        codes(rule(1, win("08:00", "10:00"), win("10:00", "12:00"), win("12:00", "08:00"))) == set()
    )


def test_overlap_message_names_the_windows_and_the_day():
    [problem] = validate_rule(rule(1, win("22:00", "02:00"), win("01:00", "03:00")))
    assert "22:00-02:00" in problem.message and "01:00-03:00" in problem.message
    assert "Mon" in problem.message  # Sunday night wraps into Monday: the first clash


def test_several_problems_are_all_reported():
    broken = ScheduleRule(id=1, playlist=(), windows=(), weekdays=frozenset({9}))
    assert codes(broken) == {"unknown_weekday", "no_windows", "empty_playlist"}


def test_type_mistakes_fail_at_construction():
    with pytest.raises(ValueError, match="priority"):
        rule(1, priority="emergency")
    with pytest.raises(ValueError, match="target kind"):
        rule(1, target_kind="province")
    with pytest.raises(ValueError, match="timezone-aware"):
        rule(1, valid_from=datetime(2025, 1, 1))


def test_operating_hours_validation():
    sound = OperatingHours.every_day(win("05:00", "22:00"))
    assert validate_hours(sound) == []
    clash = OperatingHours.by_weekday({4: [win("18:00", "02:00")], 5: [win("01:00", "09:00")]})
    assert [p.code for p in validate_hours(clash)] == ["overlapping_windows"]
    empty = OperatingHours.every_day(win("05:00", "05:00"))
    assert [p.code for p in validate_hours(empty)] == ["zero_length_window"]
    with pytest.raises(ValueError, match="weekday"):
        OperatingHours.by_weekday({7: [win("05:00", "22:00")]})
