"""The period of a report, as people choose it: two local dates, both days included.

Read from `from`/`to` query parameters (the HTML date input's yyyy-mm-dd, or dd/mm/yyyy as
people type it) and turned into a half-open UTC interval for queries. An inverted period, a
missing end or one longer than the installation allows is a clear 422, never a slow query."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from signage.clock import Period
from signage.errors import ValidationFailed

__all__ = ["MAX_DAYS", "Period", "parse_day", "parse_moment", "parse_period"]

# Two years and a day: a December report and the year before it, never a decade of rows.
MAX_DAYS = 732
# Years a person may mean; year 1 or 9999 would overflow when turned into UTC.
YEARS = (1970, 2200)


# What a person calls the two ends of a period, for messages that name the field.
FIELD_LABELS: dict[str, Any] = {"from": _l("First day"), "to": _l("Last day")}


def parse_day(raw: str, *, field: str) -> date:
    """A local date from yyyy-mm-dd or dd/mm/yyyy, or a 422 naming the field."""
    text = raw.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if YEARS[0] <= day.year <= YEARS[1]:
            return day
    message = _l(
        "%(field)s: enter a date as day/month/year, for example 25/11/2026.",
        field=FIELD_LABELS.get(field, field),
    )
    raise ValidationFailed(message, details=[{"field": field, "message": message}])


MOMENT_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d")


def parse_moment(raw: str, *, field: str, label: Any, tz: ZoneInfo) -> datetime | None:
    """A local time typed as dd/mm/yyyy HH:MM (or a day, or ISO), None if blank; else a 422
    whose message names the field by its label."""
    text = " ".join(raw.split())
    if not text:
        return None
    for fmt in MOMENT_FORMATS:
        try:
            moment = datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
        if YEARS[0] <= moment.year <= YEARS[1]:
            return moment
    message = _l(
        "%(field)s: enter day/month/year and time, for example 25/11/2026 08:00.", field=label
    )
    raise ValidationFailed(details=[{"field": field, "message": message}])


def parse_period(
    args: Mapping[str, str],
    *,
    tz: ZoneInfo,
    today: date,
    default_days: int = 7,
    max_days: int = MAX_DAYS,
) -> Period:
    """The period named by args["from"], args["to"]; the last default_days up to today if absent."""
    raw_from, raw_to = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if not raw_from and not raw_to:
        return Period(today - timedelta(days=default_days - 1), today, tz)
    if not raw_from or not raw_to:
        missing = "from" if not raw_from else "to"
        raise ValidationFailed(
            _l("Choose both the first and the last day of the period."),
            details=[{"field": missing, "message": "required"}],
        )
    first, last = parse_day(raw_from, field="from"), parse_day(raw_to, field="to")
    if last < first:
        raise ValidationFailed(
            _l("The last day of the period comes before the first."),
            details=[{"field": "to", "message": "before from"}],
        )
    if (last - first).days + 1 > max_days:
        raise ValidationFailed(
            _l("A period can be at most %(days)d days long.", days=max_days),
            details=[{"field": "to", "message": f"max {max_days} days"}],
        )
    return Period(first, last, tz)
