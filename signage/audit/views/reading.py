"""The log's reading side, shared by the console page, its downloads and the API: which entries
a user may read (by area), the filters people choose, and the table a download holds."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from signage import clock
from signage.accounts.models import User
from signage.areas.models import Area
from signage.audit.models import AuditEntry
from signage.audit.services import query
from signage.audit.views.sentences import ACTION_KINDS, Described
from signage.errors import ValidationFailed
from signage.http.areas import named_area
from signage.http.export import Sheet
from signage.http.period import Period, parse_period
from signage.i18n import local_tz
from signage.permissions import can, scope_filter

# A download holds at most this many entries (newest first); narrow the period for older ones.
EXPORT_MAX = 20_000
TIME_FORMAT = "%d/%m/%Y %H:%M:%S"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def visible_to(stmt: Select[Any], user: User | None) -> Select[Any]:
    """Keep the entries the user may read: all for audit.view on the root, else their areas."""
    if can(user, "audit.view", None):
        return stmt
    return stmt.join(Area, AuditEntry.area_id == Area.id).where(
        scope_filter(user, "audit.view", Area.path)
    )


def within_area(stmt: Select[Any], area: Area) -> Select[Any]:
    """Keep the entries about an area or anything below it."""
    below = select(Area.id).where(Area.path.startswith(area.path, autoescape=True))
    return stmt.where(AuditEntry.area_id.in_(below))


def with_kind(stmt: Select[Any], kind: str) -> Select[Any]:
    """Keep the entries of one kind of action (ACTION_KINDS)."""
    prefixes = ACTION_KINDS[kind][1]
    return stmt.where(or_(*[AuditEntry.action.startswith(p, autoescape=True) for p in prefixes]))


@dataclass
class LogFilter:
    """What a person asked the log for; every part optional."""

    period: Period | None = None
    actor: str = ""
    kind: str = ""
    area: Area | None = None
    raw: dict[str, str] = field(default_factory=dict)

    def statement(self, user: User | None) -> Select[Any]:
        """Newest-first entries matching the filter, within what user may read."""
        stmt = query(
            actor=self.actor or None,
            since=self.period.start if self.period else None,
            until=self.period.end if self.period else None,
        )
        if self.kind:
            stmt = with_kind(stmt, self.kind)
        if self.area is not None:
            stmt = within_area(stmt, self.area)
        return visible_to(stmt, user)


def _text_arg(args: Mapping[str, str], name: str, limit: int) -> str:
    value = (args.get(name) or "").strip()
    problem = None
    if _CONTROL.search(value):
        problem = _l("Must not contain control characters.")
    elif len(value) > limit:
        problem = _l("At most %(n)d characters.", n=limit)
    if problem is not None:
        raise ValidationFailed(
            _l("This filter value is not valid."), details=[{"field": name, "message": problem}]
        )
    return value


def parse_filter(
    session: Session, user: User | None, args: Mapping[str, str], *, today: date
) -> LogFilter:
    """The filter named by the query string (from, to, actor, kind, area), or a clear 422."""
    raw = {k: _text_arg(args, k, 100) for k in ("from", "to", "actor", "kind", "area")}
    flt = LogFilter(actor=raw["actor"], raw={k: v for k, v in raw.items() if v})
    if raw["from"] or raw["to"]:
        flt.period = parse_period(raw, tz=local_tz(), today=today)
    if raw["kind"]:
        if raw["kind"] not in ACTION_KINDS:
            choose = _l("Choose a kind of action from the list.")
            raise ValidationFailed(choose, details=[{"field": "kind", "message": choose}])
        flt.kind = raw["kind"]
    if raw["area"]:
        flt.area = named_area(session, user, raw["area"], action="audit.view")
    return flt


FIELD_LABELS: dict[str, Any] = {
    "from": _l("From"),
    "to": _l("To"),
    "actor": _l("Person (username)"),
    "kind": _l("Kind of action"),
    "area": _l("Area"),
}


def problems(exc: ValidationFailed) -> list[str]:
    """What is wrong with a filter, said with the label of its field (a period's own message
    is the readable one; for the other fields the detail says it)."""
    first = exc.details[0] if exc.details else {}
    field = str(first.get("field") or "")
    message = first.get("message") if field not in ("", "from", "to") else None
    text = str(message or exc.message)
    if field in ("from", "to") or field not in FIELD_LABELS:  # a period's message names its field
        return [text]
    return [f"{FIELD_LABELS[field]}: {text}"]


def today() -> date:
    """Today in the installation's timezone."""
    return clock.now().astimezone(local_tz()).date()


def local_time(value: datetime) -> str:
    """A stored UTC time as people read it: dd/mm/yyyy HH:MM:SS in the installation's zone."""
    return value.astimezone(local_tz()).strftime(TIME_FORMAT)


def sheet(described: Sequence[Described]) -> Sheet:
    """The log as a table to download: one row per entry, the sentence first-class."""
    header = [
        _("Time"),
        _("Who"),
        _("What happened"),
        _("Object"),
        _("Object code"),
        _("Area"),
        _("Action code"),
        _("Address"),
    ]
    rows = [
        [
            local_time(d.entry.at),
            d.actor,
            d.sentence,
            d.object_name,
            d.object_code,
            d.area,
            d.entry.action,
            d.entry.ip,
        ]
        for d in described
    ]
    return Sheet(title=_("Audit log"), header=header, rows=rows)
