"""Text forms of daily windows ("HH:MM-HH:MM") and operating hours, parsed into pure values."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from signage.schedules.rules import ALL_DAY, DailyWindow, OperatingHours, validate_hours

ALL_DAY_TEXT = str(ALL_DAY)  # "00:00-24:00"
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


class SpanError(ValueError):
    """A window or operating-hours text that cannot be parsed; args[0] is the bad text."""


def _time(hour: str, minute: str, *, end: bool) -> time:
    h, m = int(hour), int(minute)
    if end and (h, m) == (24, 0):
        return time(0, 0)  # "22:00-24:00" ends at midnight
    if h > 23 or m > 59:
        raise SpanError
    return time(h, m)


def parse_window(text: str) -> DailyWindow:
    """'22:00-05:00' -> DailyWindow, '00:00-24:00' -> ALL_DAY; SpanError if not two HH:MM times."""
    match = _SPAN.match(text or "")
    if not match:
        raise SpanError(text)
    try:
        start = _time(*match.group(1, 2), end=False)
        end = _time(*match.group(3, 4), end=True)
    except SpanError:
        raise SpanError(text) from None
    if start == time(0) and (int(match.group(3)), int(match.group(4))) == (24, 0):
        return ALL_DAY
    return DailyWindow(start, end)


def format_window(window: DailyWindow) -> str:
    """DailyWindow -> 'HH:MM-HH:MM' ('00:00-24:00' for the all-day window)."""
    return str(window)


def all_day(windows: list[str]) -> bool:
    """True when stored windows are exactly the all-day window."""
    return [w.strip() for w in windows] == [ALL_DAY_TEXT]


def split_windows(text: str) -> list[str]:
    """'07:00-09:00, 17:00-19:00' -> ['07:00-09:00', '17:00-19:00']."""
    return [p.strip() for p in re.split(r"[,;\s]+(?=\d)", text or "") if p.strip()]


def parse_hours(data: dict[str, Any] | None) -> dict[str, list[str]]:
    """Normalise {"0": ["06:00-22:00"], ...}: weekday keys 0-6, parsed and re-formatted spans.

    Raises SpanError for a bad span and ValueError (with the problems) for overlaps or bad keys.
    """
    result: dict[str, list[str]] = {}
    for key, spans in (data or {}).items():
        if str(key) not in {str(d) for d in range(7)}:
            raise ValueError(f"unknown weekday {key!r}; use 0 = Monday .. 6 = Sunday")
        if isinstance(spans, str):
            spans = split_windows(spans)
        parsed = [format_window(parse_window(s)) for s in spans]
        if parsed:
            result[str(key)] = parsed
    problems = validate_hours(operating_hours(result) or OperatingHours(((),) * 7))
    if problems:
        raise ValueError("; ".join(p.message for p in problems))
    return result


def operating_hours(hours: dict[str, list[str]] | None) -> OperatingHours | None:
    """Stored hours -> OperatingHours, or None for always on."""
    if not hours:
        return None
    return OperatingHours(
        tuple(tuple(parse_window(s) for s in hours.get(str(d), ())) for d in range(7))
    )


def power_spans(
    hours: dict[str, Any] | None, tz: ZoneInfo, start: datetime, stop: datetime
) -> list[tuple[datetime, datetime]] | None:
    """The stretches of [start, stop) inside the board's operating hours (local days of tz), in
    order; None for a board that is always on (or whose stored hours no longer parse)."""
    try:
        week = operating_hours(hours)
    except SpanError:
        return None
    if week is None or week.always_on:
        return None
    out: list[tuple[datetime, datetime]] = []
    day = start.astimezone(tz).date() - timedelta(days=1)  # a window from the day before
    while datetime.combine(day, time(), tz) < stop:
        for window in week.week[day.weekday()]:
            lo = datetime.combine(day, window.start, tz)
            end_day = day + timedelta(days=1) if window.end <= window.start else day
            hi = datetime.combine(end_day, window.end, tz)
            lo, hi = max(lo, start), min(hi, stop)
            if hi > lo:
                out.append((lo.astimezone(UTC), hi.astimezone(UTC)))
        day += timedelta(days=1)
    return sorted(out)
