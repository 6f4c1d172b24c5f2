"""The one source of "now" for the server, and the one way a time is written on the wire.

`create_app` installs a clock (a callable returning an aware UTC datetime) as
`app.extensions["clock"]`; handlers, Socket.IO events, jobs and the CLI read it through `now()`.
Tests freeze it with `set_clock(app, ...)`. Services never call this: they take `now`.
`Period` is a run of local days of a time zone and the UTC instants they cover (reports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import overload
from zoneinfo import ZoneInfo

from flask import Flask, current_app, has_app_context

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, aware, in UTC."""
    return datetime.now(UTC)


def init_app(app: Flask, clock: Clock | None = None) -> None:
    """Install the app's clock (the system clock unless one is given)."""
    app.extensions["clock"] = clock or system_clock


def set_clock(app: Flask, clock: Clock | datetime) -> None:
    """Replace the app's clock; a datetime freezes it at that instant."""
    if isinstance(clock, datetime):
        if clock.tzinfo is None:
            raise ValueError("a frozen clock needs an aware datetime")
        frozen = clock.astimezone(UTC)
        app.extensions["clock"] = lambda: frozen
    else:
        app.extensions["clock"] = clock


def now() -> datetime:
    """Now, from the current app's clock; the system clock only outside any app (migrations)."""
    if has_app_context():
        clock: Clock = current_app.extensions.get("clock", system_clock)
        return clock()
    return system_clock()


@overload
def iso_utc(value: datetime) -> str: ...
@overload
def iso_utc(value: None) -> None: ...
def iso_utc(value: datetime | None) -> str | None:
    """A UTC time as the wire writes it: ISO 8601 with a `Z` (None stays None)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Period:
    """Local days first..last (inclusive) and the UTC instants [start, end) they cover."""

    first: date
    last: date
    tz: ZoneInfo

    @property
    def start(self) -> datetime:
        """The first instant of the first day, in UTC."""
        return datetime.combine(self.first, time(), self.tz).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the last day, in UTC (exclusive)."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.tz).astimezone(UTC)

    @property
    def days(self) -> int:
        """How many days the period holds."""
        return (self.last - self.first).days + 1

    def each_day(self) -> list[date]:
        """Every local day of the period, in order."""
        return [self.first + timedelta(days=n) for n in range(self.days)]

    def clipped(self, now: datetime) -> datetime:
        """The end of the period, or now if the period has not ended yet (for uptime shares)."""
        return min(self.end, max(self.start, now))
