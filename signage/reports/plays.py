"""Proof-of-play figures: plays and seconds by category, area, board, item or day.

Rolled days are read from play_days; days not (completely) rolled yet, such as today, from the
raw records, so "today" is right. Every query is limited to the areas the report is for and to
the areas the user may read reports of (permissions.scope_paths of report.view), by the area a
board was in when it played."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from signage.areas.models import Area
from signage.boards.models import Board, PlayRecord
from signage.content.models import ContentItem
from signage.reports.models import PlayDay, PlayMonth, PlayRollup
from signage.reports.rollup import (
    UNKNOWN_CATEGORY,
    day_bounds,
    day_ranges,
    local_day,
    next_month,
    whole_months,
)

GROUPS = ("category", "area", "board", "item", "day")
# Groupings the monthly totals can answer (they keep board, area and category, not the item).
MONTHLY_GROUPS = ("category", "area", "board")


@dataclass(frozen=True)
class PlayQuery:
    """What to count: local days first..last, within area (None: all the user may read)."""

    first: date
    last: date
    tz: ZoneInfo
    group_by: str = "category"
    area: Area | None = None
    category: str | None = None
    item_id: int | None = None
    # Area paths the user may read reports of; None = the whole installation.
    scope: Sequence[str] | None = None


@dataclass
class PlayRow:
    """One line of a report: what it counts (key and what people read) and the figures."""

    key: Any
    label: str
    plays: int
    seconds: float
    code: str = ""
    detail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlayReport:
    """The rows of a report, largest first (by day: in order), and their totals."""

    query: PlayQuery
    rows: list[PlayRow]
    plays: int = 0
    seconds: float = 0.0


def _area_clause(query: PlayQuery, path: Any) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if query.scope is not None:
        if not query.scope:
            return false()
        clauses.append(or_(*[path.startswith(p, autoescape=True) for p in query.scope]))
    if query.area is not None:
        clauses.append(path.startswith(query.area.path, autoescape=True))
    return and_(true(), *clauses)


def _raw_days(session: Session, query: PlayQuery, today: date) -> list[date]:
    """Days of the period read from raw records: not rolled, or rolled before they ended."""
    last = min(query.last, today)
    if last < query.first:
        return []
    markers = {
        m.day: m
        for m in session.scalars(
            select(PlayRollup).where(PlayRollup.day >= query.first, PlayRollup.day <= last)
        )
    }
    days = []
    day = query.first
    while day <= last:
        marker = markers.get(day)
        if marker is None or (
            marker.purged_at is None and marker.rolled_at < day_bounds(day, query.tz)[1]
        ):
            days.append(day)
        day += timedelta(days=1)
    return days


def _area_ids(session: Session, query: PlayQuery) -> list[int] | None:
    """Ids of the areas the report counts (None: every area). A list, not a join: with the
    (day, area_id) index a province's month reads its own rows, not the country's."""
    if query.scope is None and query.area is None:
        return None
    return list(session.scalars(select(Area.id).where(_area_clause(query, Area.path))))


def _whole_months(query: PlayQuery, raw_days: list[date]) -> list[date]:
    """Calendar months inside the period, none of whose days is read from raw records."""
    if query.group_by not in MONTHLY_GROUPS or query.item_id is not None:
        return []
    return [
        month
        for month in whole_months(query.first, query.last)
        if not any(month <= d < next_month(month) for d in raw_days)
    ]


def _monthly(
    query: PlayQuery, months: list[date], area_ids: list[int] | None
) -> Select[*tuple[Any, ...]]:
    key = {
        "category": PlayMonth.category,
        "area": PlayMonth.area_id,
        "board": PlayMonth.board_id,
    }[query.group_by]
    stmt: Select[*tuple[Any, ...]] = select(
        key, func.sum(PlayMonth.plays), func.sum(PlayMonth.seconds)
    ).where(PlayMonth.month.in_(months))
    if area_ids is not None:
        stmt = stmt.where(PlayMonth.area_id.in_(area_ids))
    if query.category:
        stmt = stmt.where(PlayMonth.category == query.category)
    return stmt.group_by(key)


def _rolled(
    query: PlayQuery, raw_days: list[date], area_ids: list[int] | None, days: tuple[date, date]
) -> Select[*tuple[Any, ...]]:
    key = {
        "category": PlayDay.category,
        "area": PlayDay.area_id,
        "board": PlayDay.board_id,
        "item": PlayDay.item_id,
        "day": PlayDay.day,
    }[query.group_by]
    stmt: Select[*tuple[Any, ...]] = select(
        key, func.sum(PlayDay.plays), func.sum(PlayDay.seconds)
    ).where(PlayDay.day >= days[0], PlayDay.day <= days[1])
    if raw_days:
        stmt = stmt.where(PlayDay.day.not_in(raw_days))
    if area_ids is not None:
        stmt = stmt.where(PlayDay.area_id.in_(area_ids))
    if query.category:
        stmt = stmt.where(PlayDay.category == query.category)
    if query.item_id is not None:
        stmt = stmt.where(PlayDay.item_id == query.item_id)
    return stmt.group_by(key)


def _raw(query: PlayQuery, day: date, area_ids: list[int] | None) -> Select[*tuple[Any, ...]]:
    start, end = day_bounds(day, query.tz)
    category = func.coalesce(ContentItem.category, UNKNOWN_CATEGORY)
    key: Any = {
        "category": category,
        "area": Board.area_id,
        "board": PlayRecord.board_id,
        "item": PlayRecord.item_id,
        "day": PlayRecord.board_id,  # any column: the day is this query's own
    }[query.group_by]
    stmt = select(key, func.count(), func.coalesce(func.sum(PlayRecord.duration_s), 0.0)).where(
        PlayRecord.start >= start, PlayRecord.start < end
    )
    # Today may hold a few hundred thousand records: join only what this report needs.
    if area_ids is not None or query.group_by == "area":
        stmt = stmt.join(Board, Board.id == PlayRecord.board_id)
    if query.category or query.group_by == "category":
        stmt = stmt.outerjoin(ContentItem, ContentItem.id == PlayRecord.item_id)
    if area_ids is not None:
        stmt = stmt.where(Board.area_id.in_(area_ids))
    if query.category:
        stmt = stmt.where(category == query.category)
    if query.item_id is not None:
        stmt = stmt.where(PlayRecord.item_id == query.item_id)
    return stmt.group_by(key)


def plays(session: Session, query: PlayQuery, *, now: datetime) -> PlayReport:
    """The report: figures per group over the period, inside the query's areas."""
    if query.group_by not in GROUPS:
        raise ValueError(f"unknown group {query.group_by!r}")
    totals: dict[Any, list[float]] = {}

    def add(key: Any, n: Any, seconds: Any) -> None:
        entry = totals.setdefault(key, [0, 0.0])
        entry[0] += int(n or 0)
        entry[1] += float(seconds or 0.0)

    raw_days = _raw_days(session, query, local_day(now, query.tz))
    area_ids = _area_ids(session, query)
    months = _whole_months(query, raw_days)
    # One query a range of days outside the monthly totals: each is a plain index range.
    for days in day_ranges(query.first, query.last, months):
        for key, n, seconds in session.execute(_rolled(query, raw_days, area_ids, days)):
            add(key, n, seconds)
    if months:
        for key, n, seconds in session.execute(_monthly(query, months, area_ids)):
            add(key, n, seconds)
    for day in raw_days:
        for key, n, seconds in session.execute(_raw(query, day, area_ids)):
            add(day if query.group_by == "day" else key, n, seconds)
    if query.group_by == "area":
        totals = _by_child_area(session, query, totals)
    rows = _label(session, query, totals)
    if query.group_by == "day":
        rows.sort(key=lambda r: r.key)
    else:
        rows.sort(key=lambda r: (-r.plays, r.label))
    return PlayReport(
        query, rows, sum(r.plays for r in rows), round(sum(r.seconds for r in rows), 1)
    )


def _by_child_area(
    session: Session, query: PlayQuery, totals: dict[Any, list[float]]
) -> dict[Any, list[float]]:
    """Totals per area folded into the chosen area's children (the area itself stays itself)."""
    depth = query.area.depth + 1 if query.area is not None else 1
    found = session.execute(select(Area.id, Area.path).where(Area.id.in_(list(totals))))
    paths: dict[Any, str] = {row[0]: row[1] for row in found}
    folded: dict[Any, list[float]] = {}
    for area_id, (n, seconds) in totals.items():
        ids = [int(p) for p in paths.get(area_id, "").strip("/").split("/") if p]
        key = ids[depth] if len(ids) > depth else area_id
        entry = folded.setdefault(key, [0, 0.0])
        entry[0] += n
        entry[1] += seconds
    return folded


def _label(session: Session, query: PlayQuery, totals: dict[Any, list[float]]) -> list[PlayRow]:
    keys = list(totals)
    rows = [PlayRow(k, str(k), int(v[0]), round(v[1], 1)) for k, v in totals.items()]
    if query.group_by == "area" and keys:
        areas = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(keys)))}
        for row in rows:
            area = areas.get(row.key)
            if area is not None:
                row.label, row.code, row.extra["kind"] = area.name, area.code, area.kind
    elif query.group_by == "board" and keys:
        found = session.execute(
            select(Board.id, Board.code, Board.name, Area.name)
            .join(Area, Area.id == Board.area_id)
            .where(Board.id.in_(keys))
        )
        boards: dict[Any, tuple[str, str, str]] = {r[0]: (r[1], r[2], r[3]) for r in found}
        for row in rows:
            code, name, area_name = boards.get(row.key, ("", "", ""))
            row.label, row.code, row.detail = name, code, area_name
    elif query.group_by == "item" and keys:
        found = session.execute(
            select(ContentItem.id, ContentItem.headline, ContentItem.category).where(
                ContentItem.id.in_(keys)
            )
        )
        items: dict[Any, tuple[str, str]] = {row[0]: (row[1], row[2]) for row in found}
        for row in rows:
            headline, category = items.get(row.key, ("", ""))
            row.label, row.detail = headline, category
            row.extra["deleted"] = row.key not in items
    elif query.group_by == "day":
        for row in rows:
            row.label = row.key.isoformat()
    return rows


def _with(query: PlayQuery, **changes: Any) -> PlayQuery:
    values = {f: getattr(query, f) for f in query.__dataclass_fields__}
    values.update(changes)
    return PlayQuery(**values)


def for_item(
    session: Session, item_id: int, query: PlayQuery, *, now: datetime
) -> tuple[PlayReport, PlayReport]:
    """Where one item played: by area (children of the query's area) and by board."""
    by_area = plays(session, _with(query, item_id=item_id, group_by="area"), now=now)
    by_board = plays(session, _with(query, item_id=item_id, group_by="board"), now=now)
    return by_area, by_board
