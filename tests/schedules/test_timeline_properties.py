"""Property-based tests for timeline resolution, against a brute-force wall-clock oracle."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from signage.schedules.rules import ALL_DAY
from signage.schedules.timeline import (
    BoardContext,
    DailyWindow,
    OperatingHours,
    PlaylistEntry,
    ResolvedEntry,
    ScheduleRule,
    Segment,
    segment_at,
    timeline,
)

# No example database: keep the shared checkout free of .hypothesis/ files.
PROPERTY = settings(database=None, deadline=None, max_examples=150)
GRID = timedelta(minutes=30)  # every generated boundary lies on this grid (in fixed-offset zones)
FIXED_ZONES = ["Asia/Ho_Chi_Minh", "UTC", "Asia/Kolkata"]  # no DST: the oracle is exact
DST_ZONES = ["Europe/Berlin", "America/Santiago", "Australia/Lord_Howe"]
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 30]))
# The all-day window (00:00-24:00) one time in sixteen.
windows = st.integers(0, 15).flatmap(
    lambda k: st.just(ALL_DAY) if k == 0 else st.builds(DailyWindow, times, times)
)
instants = st.integers(0, 3 * 365 * 48).map(lambda k: EPOCH + k * GRID)
entries = st.builds(
    PlaylistEntry, st.integers(1, 4), st.integers(1, 3), st.sampled_from([15, 30, 30, 0])
)


def mostly(sound, odd):
    """`sound` seven times in eight, else `odd`: invalid rules stay in play, but rarely."""
    return st.integers(0, 7).flatmap(lambda k: odd if k == 0 else sound)


def rules_near(start: datetime):
    """Up to six rules, often valid, with validity edges near `start` so they cut windows."""
    edges = st.none() | st.integers(-48, 6 * 48).map(lambda k: start + k * GRID)
    return st.lists(
        st.builds(
            ScheduleRule,
            id=st.integers(1, 4),  # shared ids exercise the deterministic tie-breaks
            playlist=mostly(st.lists(entries, min_size=1, max_size=3), st.just([])).map(tuple),
            windows=mostly(st.lists(windows, min_size=1, max_size=3), st.just([])).map(tuple),
            weekdays=mostly(
                st.frozensets(st.integers(0, 6), min_size=1),
                st.frozensets(st.integers(-1, 7), max_size=3),
            ),
            priority=st.sampled_from(["normal", "priority"]),
            target_kind=st.sampled_from(["board", "group", "area"]),
            target_depth=st.integers(0, 3),
            valid_from=edges,
            valid_to=edges,
            source=st.sampled_from(["", "tỉnh", "xã"]),
        ),
        max_size=6,
    )


hours_strategy = st.none() | st.builds(
    OperatingHours, st.tuples(*[st.lists(windows, max_size=2).map(tuple)] * 7)
)


def _transition_days() -> list[datetime]:
    """UTC midnights just before each offset change of the DST zones, 2024 to 2026."""
    days = []
    for name in DST_ZONES:
        zone = ZoneInfo(name)
        for k in range(3 * 366):
            day = EPOCH + timedelta(days=k)
            if (
                day.astimezone(zone).utcoffset()
                != (day + timedelta(days=1)).astimezone(zone).utcoffset()
            ):
                days.append(day)
    return days


near_transitions = st.sampled_from(_transition_days()).flatmap(
    lambda day: st.integers(-96, 48).map(lambda k: day + k * GRID)
)


@st.composite
def cases(draw, zones=FIXED_ZONES, aligned=True):
    """(board, rules, start, end); aligned ranges start and end on the 30-minute grid."""
    tz = draw(st.sampled_from(zones))
    board = BoardContext(tz=tz, hours=draw(hours_strategy), fallback="UBND xã")
    start = draw(near_transitions if tz in DST_ZONES and draw(st.booleans()) else instants)
    if aligned:
        end = start + draw(st.integers(0, 6 * 48)) * GRID
    else:
        start += timedelta(seconds=draw(st.integers(0, 1799)))
        end = start + timedelta(seconds=draw(st.integers(0, 6 * 86400)))
    return board, draw(rules_near(start)), start, end


def check_structure(segments: list[Segment], start: datetime, end: datetime) -> None:
    if start == end:
        assert segments == []
        return
    assert segments[0].start == start and segments[-1].end == end
    for before, after in zip(segments, segments[1:], strict=False):
        assert before.end == after.start  # contiguous and never overlapping
        assert (before.kind, before.entries) != (after.kind, after.entries)  # merged
    for s in segments:
        assert s.start < s.end and s.start.tzinfo is UTC and s.end.tzinfo is UTC
        assert (s.kind == "programme") == bool(s.entries)
        assert (s.fallback != "") == (s.kind == "fallback")


# --- brute-force oracle: evaluate one instant, rule by rule ----------------------------------


def in_windows(instant: datetime, zone: ZoneInfo, day_windows) -> bool:
    """Whether `instant` falls in a window starting on its local day or the day before.

    A window spans the instants its local start and end denote (first fold, as zoneinfo does).
    """
    today = instant.astimezone(zone).date()
    for day in (today, today - timedelta(days=1)):
        for w in day_windows(day.weekday()):
            t0 = datetime.combine(day, w.start, zone).astimezone(UTC)
            next_day = w.all_day or w.end < w.start
            t1 = datetime.combine(day + timedelta(days=next_day), w.end, zone)
            if t0 <= instant < t1.astimezone(UTC):
                return True
    return False


def expected_at(board: BoardContext, rules, instant: datetime):
    """(kind, entries) the board must show at `instant`, computed rule by rule."""
    zone = ZoneInfo(board.tz)
    hours = board.hours
    if hours is not None and any(hours.week):
        if not in_windows(instant, zone, lambda wd: hours.week[wd]):
            return "off", ()
    active = [
        r
        for r in rules
        if (r.valid_from is None or r.valid_from <= instant)
        and (r.valid_to is None or instant < r.valid_to)
        and in_windows(instant, zone, lambda wd, r=r: r.windows if wd in r.weekdays else ())
    ]
    specificity = {"board": 0, "group": 1, "area": 2}
    active.sort(
        key=lambda r: (
            r.priority != "priority",
            specificity[r.target_kind],
            -r.target_depth if r.target_kind == "area" else 0,
            r.id,
            r.source,
            r.playlist,
        )
    )
    played = tuple(
        ResolvedEntry(e.item_id, e.revision_id, e.duration_s, r.id, r.priority, r.source)
        for r in active
        for e in r.playlist
        if e.duration_s > 0
    )
    return ("programme" if played else "fallback"), played


# --- properties -----------------------------------------------------------------------------


@PROPERTY
@given(cases(zones=FIXED_ZONES + DST_ZONES, aligned=False))
def test_segments_are_ordered_contiguous_and_cover_the_range_exactly(case):
    board, rules, start, end = case
    check_structure(timeline(board, rules, start, end), start, end)


@PROPERTY
@given(cases(zones=FIXED_ZONES + DST_ZONES, aligned=False), st.data())
def test_result_is_independent_of_rule_order(case, data):
    board, rules, start, end = case
    shuffled = data.draw(st.permutations(rules))
    assert timeline(board, shuffled, start, end) == timeline(board, rules, start, end)


@PROPERTY
@given(cases(zones=FIXED_ZONES + DST_ZONES, aligned=False))
def test_priority_entries_precede_normal_entries_in_every_segment(case):
    for segment in timeline(*case):
        levels = [e.priority for e in segment.entries]
        assert levels == sorted(levels, key=lambda p: p != "priority")


@PROPERTY
@given(cases(zones=FIXED_ZONES + DST_ZONES))
def test_every_grid_cell_shows_what_the_oracle_expects(case):
    """Off exactly outside operating hours, never blank inside, entries in play order."""
    board, rules, start, end = case
    segments = timeline(board, rules, start, end)
    check_structure(segments, start, end)
    cell = start
    while cell < end:  # every boundary lies on the grid, so one probe per cell decides it
        segment = segment_at(segments, cell)
        assert segment is not None
        assert (segment.kind, segment.entries) == expected_at(board, rules, cell)
        cell += GRID
