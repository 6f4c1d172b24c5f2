"""The period of a report, as people choose it: two local dates, both days included.

Read from `from`/`to` query parameters (the HTML date input's yyyy-mm-dd, or dd/mm/yyyy as
people type it) and turned into a half-open UTC interval for queries. An inverted period, a
missing end or one longer than the installation allows is a clear 422, never a slow query."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from signage.clock import Period
from signage.errors import ValidationFailed

__all__ = ["MAX_DAYS", "Period", "parse_day", "parse_period"]

# Two years and a day: a December report and the year before it, never a decade of rows.
MAX_DAYS = 732


def parse_day(raw: str, *, field: str) -> date:
    """A local date from yyyy-mm-dd or dd/mm/yyyy, or a 422 naming the field."""
    text = raw.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValidationFailed(
        _l("Enter the date as dd/mm/yyyy."),
        details=[{"field": field, "message": "dd/mm/yyyy"}],
    )


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
