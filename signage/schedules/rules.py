"""Schedule rules, operating hours and their validation: the pure inputs of a board timeline.

Times of day are local wall-clock times in the board's time zone; instants are timezone-aware.
A window whose end is earlier than its start crosses midnight and belongs to the weekday on
which it starts; a window whose end equals its start is empty (and rejected by validation),
except the all-day window `ALL_DAY` ("00:00-24:00"), which runs from one midnight to the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time
from typing import Literal

Priority = Literal["normal", "priority"]
TargetKind = Literal["board", "group", "area"]

PRIORITIES: tuple[str, ...] = ("priority", "normal")  # play order: priority first
TARGET_KINDS: tuple[str, ...] = ("board", "group", "area")  # most specific first
ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))  # 0 = Monday .. 6 = Sunday
DEFAULT_TZ = "Asia/Ho_Chi_Minh"

_US_PER_DAY = 86_400_000_000
_US_PER_WEEK = 7 * _US_PER_DAY
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True, slots=True, order=True)
class PlaylistEntry:
    """One content revision played for `duration_s` seconds per loop."""

    item_id: int
    revision_id: int
    duration_s: int

    @property
    def playable(self) -> bool:
        """True when the duration is a whole number of seconds above zero."""
        return _is_positive_int(self.duration_s)


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """A local time-of-day span [start, end); end < start crosses midnight into the next day.

    `all_day` marks the 24-hour window 00:00-24:00 (start and end both 00:00, the end on the
    next day), so that consecutive days join with no gap at midnight.
    """

    start: time
    end: time
    all_day: bool = False

    def __post_init__(self) -> None:
        if self.all_day and (self.start, self.end) != (time(0), time(0)):
            raise ValueError(f"an all-day window runs 00:00-24:00, not {self.start}-{self.end}")

    @property
    def crosses_midnight(self) -> bool:
        """True when the window ends on the day after it starts."""
        return self.all_day or self.end < self.start

    @property
    def empty(self) -> bool:
        """True when the window starts and ends at the same time (and is not all day)."""
        return self.start == self.end and not self.all_day

    def __str__(self) -> str:
        if self.all_day:
            return "00:00-24:00"
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


ALL_DAY = DailyWindow(time(0), time(0), all_day=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleRule:
    """A playlist shown on chosen weekdays, in daily windows, within an optional validity range.

    `valid_from` is inclusive and `valid_to` exclusive; None means unbounded. `target_depth` is
    the depth of the targeted area in the area tree (deeper is more specific); it is ignored for
    board and group targets. `source` is free provenance text (unit, upstream feed, operator).
    """

    id: int
    playlist: tuple[PlaylistEntry, ...]
    windows: tuple[DailyWindow, ...]
    weekdays: frozenset[int] = ALL_WEEKDAYS
    priority: Priority = "normal"
    target_kind: TargetKind = "board"
    target_depth: int = 0
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    source: str = ""

    def __post_init__(self) -> None:
        # Type-level mistakes are programming errors: fail at construction, not in validation.
        if self.priority not in PRIORITIES:
            raise ValueError(f"rule {self.id}: unknown priority {self.priority!r}")
        if self.target_kind not in TARGET_KINDS:
            raise ValueError(f"rule {self.id}: unknown target kind {self.target_kind!r}")
        for name in ("valid_from", "valid_to"):
            value = getattr(self, name)
            if value is not None and value.utcoffset() is None:
                raise ValueError(f"rule {self.id}: {name} must be timezone-aware")


@dataclass(frozen=True, slots=True)
class OperatingHours:
    """When a board is powered on: for each weekday (0 = Monday), the spans starting that day.

    Hours with no span on any day mean "always on"; once any span exists, the board is off
    outside the listed spans (so a weekday without spans is a day off).
    """

    week: tuple[tuple[DailyWindow, ...], ...]

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError(f"operating hours need 7 weekdays, got {len(self.week)}")

    @classmethod
    def every_day(cls, *spans: DailyWindow | tuple[time, time]) -> OperatingHours:
        """The same (on, off) spans on all seven weekdays."""
        day = tuple(_window(s) for s in spans)
        return cls((day,) * 7)

    @classmethod
    def by_weekday(
        cls, spans: Mapping[int, Iterable[DailyWindow | tuple[time, time]]]
    ) -> OperatingHours:
        """Hours from a {weekday: [(on, off), ...]} mapping; missing weekdays are days off."""
        unknown = sorted(set(spans) - ALL_WEEKDAYS)
        if unknown:
            raise ValueError(f"unknown weekday(s) {unknown}; use 0 = Monday .. 6 = Sunday")
        return cls(tuple(tuple(_window(s) for s in spans.get(d, ())) for d in range(7)))

    @property
    def always_on(self) -> bool:
        """True when no span is listed at all."""
        return not any(self.week)


@dataclass(frozen=True, slots=True, kw_only=True)
class BoardContext:
    """What resolution needs to know about one board."""

    tz: str = DEFAULT_TZ
    hours: OperatingHours | None = None  # None = always on
    fallback: str = ""  # shown when on and nothing is scheduled, e.g. the unit's name


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation problem: a stable `code` for programs and a `message` for people."""

    code: str
    message: str


def validate_rule(rule: ScheduleRule) -> list[Problem]:
    """Every problem that makes `rule` unfit to store; an empty list means it is valid."""
    problems: list[Problem] = []
    if rule.valid_from is not None and rule.valid_to is not None:
        if rule.valid_from >= rule.valid_to:
            problems.append(
                Problem(
                    "inverted_validity",
                    f"valid from {rule.valid_from.isoformat()} must be before "
                    f"valid to {rule.valid_to.isoformat()}",
                )
            )
    if not rule.weekdays:
        problems.append(Problem("empty_weekdays", "choose at least one weekday"))
    unknown = sorted((d for d in rule.weekdays if not _is_weekday(d)), key=repr)
    if unknown:
        hint = "use 0 = Monday .. 6 = Sunday"
        problems.append(Problem("unknown_weekday", f"unknown weekday(s) {unknown}; {hint}"))
    if not rule.windows:
        problems.append(Problem("no_windows", "add at least one daily time window"))
    problems.extend(_zero_length(rule.windows))
    days = sorted(d for d in rule.weekdays if _is_weekday(d))
    problems.extend(_overlaps([(d, w) for d in days for w in rule.windows]))
    if not rule.playlist:
        problems.append(Problem("empty_playlist", "add at least one item to the playlist"))
    bad = [e.item_id for e in rule.playlist if not e.playable]
    if bad:
        problems.append(
            Problem("bad_duration", f"items {bad} need a duration of at least one second")
        )
    return problems


def validate_hours(hours: OperatingHours) -> list[Problem]:
    """Problems in operating hours: empty spans and spans that overlap (also across midnight)."""
    spans = [(d, w) for d in range(7) for w in hours.week[d]]
    return _zero_length(tuple(dict.fromkeys(w for _, w in spans))) + _overlaps(spans)


def _zero_length(windows: Iterable[DailyWindow]) -> list[Problem]:
    zero = [str(w) for w in windows if w.empty]
    if not zero:
        return []
    return [Problem("zero_length_window", f"windows {zero} start and end at the same time")]


def _overlaps(instances: list[tuple[int, DailyWindow]]) -> list[Problem]:
    """Overlaps among (start weekday, window) pairs on the weekly circle; Sunday wraps."""
    pieces: list[tuple[int, int, DailyWindow]] = []  # (start, end) in us since Monday 00:00
    for day, w in instances:
        if w.empty:
            continue
        start = day * _US_PER_DAY + _us(w.start)
        end = day * _US_PER_DAY + _us(w.end) + (_US_PER_DAY if w.crosses_midnight else 0)
        if end > _US_PER_WEEK:  # Sunday night into Monday morning
            pieces += [(start, _US_PER_WEEK, w), (0, end - _US_PER_WEEK, w)]
        else:
            pieces.append((start, end, w))
    pieces.sort(key=lambda p: (p[0], p[1]))
    clashes: dict[tuple[str, str], str] = {}
    latest: tuple[int, int, DailyWindow] | None = None  # the piece reaching furthest so far
    for piece in pieces:
        if latest is not None and piece[0] < latest[1]:
            weekday = _WEEKDAY_NAMES[piece[0] // _US_PER_DAY]
            clashes.setdefault((str(latest[2]), str(piece[2])), weekday)
        if latest is None or piece[1] > latest[1]:
            latest = piece
    if not clashes:
        return []
    text = "; ".join(f"{a} and {b} on {day}" for (a, b), day in clashes.items())
    return [Problem("overlapping_windows", f"windows overlap: {text}")]


def _window(span: DailyWindow | tuple[time, time]) -> DailyWindow:
    return span if isinstance(span, DailyWindow) else DailyWindow(*span)


def _us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _is_weekday(d: object) -> bool:
    return isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6


def _is_positive_int(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and n > 0
