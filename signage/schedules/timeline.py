"""Timeline resolution: what one board shows over [start, end), as contiguous segments.

Pure: no clock, no database. Rules are expanded into UTC instances once per local day in
range (windows are evaluated in the board's zone, so DST-aware), then a single sweep over
the sorted boundaries yields the segments: O(rules x windows x days) plus a sort.

Resolution is total: a rule that fails `validate_rule` never raises here. Its degenerate parts
contribute nothing (empty windows, inverted validity, unknown weekdays, entries without a
positive duration) and overlapping windows act as their union.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from signage.schedules.rules import (
    ALL_WEEKDAYS,
    DEFAULT_TZ,
    PRIORITIES,
    TARGET_KINDS,
    BoardContext,
    DailyWindow,
    OperatingHours,
    PlaylistEntry,
    Priority,
    Problem,
    ScheduleRule,
    TargetKind,
    validate_hours,
    validate_rule,
)

__all__ = [
    "ALL_WEEKDAYS",
    "DEFAULT_TZ",
    "BoardContext",
    "DailyWindow",
    "OperatingHours",
    "PlaylistEntry",
    "Priority",
    "Problem",
    "ResolvedEntry",
    "ScheduleRule",
    "Segment",
    "SegmentKind",
    "TargetKind",
    "boundaries",
    "play_order",
    "segment_at",
    "timeline",
    "validate_hours",
    "validate_rule",
]

SegmentKind = Literal["programme", "fallback", "off"]

_DAY = timedelta(days=1)
_PRIORITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}
_TARGET_RANK = {k: i for i, k in enumerate(TARGET_KINDS)}
_HOURS = -1  # event slot for operating hours


@dataclass(frozen=True, slots=True)
class ResolvedEntry:
    """A playlist entry as it airs, with the rule it came from (for proof of play)."""

    item_id: int
    revision_id: int
    duration_s: int
    rule_id: int
    priority: Priority
    source: str


@dataclass(frozen=True, slots=True)
class Segment:
    """[start, end) in UTC: a programme (entries in play order), the fallback, or power off."""

    start: datetime
    end: datetime
    kind: SegmentKind
    entries: tuple[ResolvedEntry, ...] = ()
    fallback: str = ""  # the board's fallback description, on fallback segments only


def play_order(rule: ScheduleRule) -> tuple:
    """Sort key placing rules in play order: priority first, then board > group > deeper area.

    Ties fall back to id, source and playlist, so the order never depends on input order.
    """
    depth = -rule.target_depth if rule.target_kind == "area" else 0
    return (
        _PRIORITY_RANK[rule.priority],
        _TARGET_RANK[rule.target_kind],
        depth,
        rule.id,
        rule.source,
        tuple(rule.playlist),
    )


def timeline(
    board: BoardContext, rules: Sequence[ScheduleRule], start: datetime, end: datetime
) -> list[Segment]:
    """Resolve `rules` for `board` into ordered, contiguous segments covering exactly [start, end).

    `rules` are those targeting this board (directly, by group or by area); the caller filters.
    """
    lo, hi = _as_utc(start, "start"), _as_utc(end, "end")
    if hi < lo:
        raise ValueError(f"end {end.isoformat()} is before start {start.isoformat()}")
    if hi == lo:
        return []
    zone = ZoneInfo(board.tz)
    days = _local_days(zone, lo, hi)
    events: list[tuple[datetime, int, int]] = []  # (instant, +1/-1, slot)
    slot_entries: list[tuple[ResolvedEntry, ...]] = []  # slot = rank in play order
    for rule in sorted(rules, key=play_order):
        entries = _resolved(rule)
        rlo = lo if rule.valid_from is None else max(lo, rule.valid_from.astimezone(UTC))
        rhi = hi if rule.valid_to is None else min(hi, rule.valid_to.astimezone(UTC))
        if not entries or rlo >= rhi:
            continue
        slot = len(slot_entries)
        slot_entries.append(entries)
        selected = ((d, rule.windows) for d, wd in days if wd in rule.weekdays)
        for t0, t1 in _instances(zone, selected, rlo, rhi):
            events.append((t0, 1, slot))
            events.append((t1, -1, slot))
    hours = board.hours
    always_on = hours is None or hours.always_on
    if hours is not None and not always_on:
        for t0, t1 in _instances(zone, ((d, hours.week[wd]) for d, wd in days), lo, hi):
            events.append((t0, 1, _HOURS))
            events.append((t1, -1, _HOURS))
    events.sort(key=_instant)
    return _sweep(events, slot_entries, lo, hi, always_on, board.fallback)


def boundaries(
    board: BoardContext, rules: Sequence[ScheduleRule], start: datetime, end: datetime
) -> list[datetime]:
    """Instants strictly inside (start, end) at which what the board shows changes, in UTC."""
    return [segment.start for segment in timeline(board, rules, start, end)[1:]]


def segment_at(segments: Sequence[Segment], when: datetime) -> Segment | None:
    """The segment of a resolved timeline covering `when`, or None outside it."""
    instant = _as_utc(when, "when")
    i = bisect_right(segments, instant, key=_segment_start) - 1
    if i < 0 or instant >= segments[i].end:
        return None
    return segments[i]


def _sweep(
    events: list[tuple[datetime, int, int]],
    slot_entries: list[tuple[ResolvedEntry, ...]],
    lo: datetime,
    hi: datetime,
    always_on: bool,
    fallback: str,
) -> list[Segment]:
    """Walk the sorted boundaries once, keeping per-slot counts of open instances."""
    counts = [0] * len(slot_entries)
    powered = 0
    merged: dict[tuple[int, ...], tuple[ResolvedEntry, ...]] = {}
    raw: list[list] = []  # [start, end, kind, entries], merged as we go
    i, n = 0, len(events)
    entries: tuple[ResolvedEntry, ...] | None
    cursor = lo
    while cursor < hi:
        while i < n and events[i][0] <= cursor:
            _, delta, slot = events[i]
            if slot == _HOURS:
                powered += delta
            else:
                counts[slot] += delta
            i += 1
        nxt = events[i][0] if i < n and events[i][0] < hi else hi
        if not always_on and powered <= 0:
            kind, entries = "off", ()
        else:
            active = tuple(s for s, c in enumerate(counts) if c > 0)
            entries = merged.get(active)
            if entries is None:
                entries = merged[active] = tuple(e for s in active for e in slot_entries[s])
            kind = "programme" if entries else "fallback"
        if raw and raw[-1][2] == kind and raw[-1][3] == entries:
            raw[-1][1] = nxt
        else:
            raw.append([cursor, nxt, kind, entries])
        cursor = nxt
    return [
        Segment(s, e, kind, entries, fallback if kind == "fallback" else "")
        for s, e, kind, entries in raw
    ]


def _instances(
    zone: ZoneInfo,
    day_windows: Iterable[tuple[date, Iterable[DailyWindow]]],
    lo: datetime,
    hi: datetime,
) -> Iterator[tuple[datetime, datetime]]:
    """UTC [t0, t1) of each window starting on each given local day, clipped to [lo, hi)."""
    for day, windows in day_windows:
        for w in windows:
            if w.empty:
                continue
            t0 = datetime.combine(day, w.start, zone).astimezone(UTC)
            end_day = day + _DAY if w.crosses_midnight else day
            t1 = datetime.combine(end_day, w.end, zone).astimezone(UTC)
            if t0 < lo:
                t0 = lo
            if t1 > hi:
                t1 = hi
            if t0 < t1:  # also drops windows emptied by a DST gap
                yield t0, t1


def _local_days(zone: ZoneInfo, lo: datetime, hi: datetime) -> list[tuple[date, int]]:
    """(local date, weekday) of every day whose windows can reach into [lo, hi)."""
    first = lo.astimezone(zone).date() - _DAY  # yesterday's windows may cross midnight
    last = hi.astimezone(zone).date()
    days = []
    day = first
    while day <= last:
        days.append((day, day.weekday()))
        day += _DAY
    return days


def _resolved(rule: ScheduleRule) -> tuple[ResolvedEntry, ...]:
    return tuple(
        ResolvedEntry(e.item_id, e.revision_id, e.duration_s, rule.id, rule.priority, rule.source)
        for e in rule.playlist
        if e.playable
    )


def _as_utc(value: datetime, name: str) -> datetime:
    if value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value.isoformat()}")
    return value.astimezone(UTC)


def _instant(event: tuple[datetime, int, int]) -> datetime:
    return event[0]


def _segment_start(segment: Segment) -> datetime:
    return segment.start


def segment_out(seg: Segment) -> dict[str, Any]:
    """Serialise a timeline segment with why each entry plays."""
    return {
        "start": seg.start.isoformat(),
        "end": seg.end.isoformat(),
        "kind": seg.kind,
        "fallback": seg.fallback,
        "entries": [
            {
                "item": e.item_id,
                "revision": e.revision_id,
                "duration_s": e.duration_s,
                "schedule": e.rule_id,
                "priority": e.priority,
                "source": e.source,
            }
            for e in seg.entries
        ],
    }
