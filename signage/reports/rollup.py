"""Play records rolled up per board, item and local day; raw records kept for a set time.

A day is rolled with one INSERT ... SELECT (the same SQL on SQLite and PostgreSQL) that replaces
its play_days rows, so rolling a day again is harmless. Each run re-rolls the last two local days
and every older day a batch received in the last two days reaches back to (late-arriving
batches). Raw records older than the retention are deleted day by day, each day rolled right
before; a record arriving later for such a day is added to its rows, then deleted."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Select, delete, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from signage.boards.models import Board, PlayBatch, PlayRecord
from signage.content.models import ContentItem
from signage.reports.models import PlayDay, PlayMonth, PlayRollup

# The category of an item whose row is gone and that never played before (no last known one).
UNKNOWN_CATEGORY = "unknown"
# Batches received this long ago or less are searched for late records of older days.
LATE_WINDOW = timedelta(days=2)


@dataclass
class RollupResult:
    """What one run did: days rolled, days whose raw records were deleted, records deleted."""

    rolled: list[date] = field(default_factory=list)
    purged: list[date] = field(default_factory=list)
    records_deleted: int = 0


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a local day."""
    start = datetime.combine(day, time(), tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tz).astimezone(UTC)
    return start, end


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    """The local day an instant falls on."""
    return instant.astimezone(tz).date()


def _last_known_category() -> Any:
    # The category this item had the last time it was rolled (its row may be gone since).
    return (
        select(PlayDay.category)
        .where(PlayDay.item_id == PlayRecord.item_id)
        .order_by(PlayDay.day.desc())
        .limit(1)
        .scalar_subquery()
    )


def _aggregate(start: datetime, end: datetime) -> Select[*tuple[Any, ...]]:
    """SELECT day-less rows (board, area, item, category, plays, seconds) of raw records."""
    category = func.coalesce(ContentItem.category, _last_known_category(), UNKNOWN_CATEGORY)
    return (
        select(
            PlayRecord.board_id,
            Board.area_id,
            PlayRecord.item_id,
            category.label("category"),
            func.count().label("plays"),
            func.coalesce(func.sum(PlayRecord.duration_s), 0.0).label("seconds"),
        )
        .join(Board, Board.id == PlayRecord.board_id)
        .outerjoin(ContentItem, ContentItem.id == PlayRecord.item_id)
        .where(PlayRecord.start >= start, PlayRecord.start < end)
        .group_by(PlayRecord.board_id, Board.area_id, PlayRecord.item_id, ContentItem.category)
    )


def _mark(session: Session, day: date, now: datetime, *, purged: bool = False) -> None:
    marker = session.get(PlayRollup, day)
    if marker is None:
        marker = PlayRollup(day=day, rolled_at=now)
        session.add(marker)
    marker.rolled_at = now
    if purged:
        marker.purged_at = now
    session.flush()


def roll_day(session: Session, day: date, *, tz: ZoneInfo, now: datetime) -> None:
    """Replace the day's play_days rows with its raw records (or add late ones once purged)."""
    start, end = day_bounds(day, tz)
    marker = session.get(PlayRollup, day)
    if marker is not None and marker.purged_at is not None:
        _add_late(session, day, start, end)
        _delete_raw(session, start, end)
        _mark(session, day, now)
        return
    session.execute(delete(PlayDay).where(PlayDay.day == day))
    rows = _aggregate(start, end).subquery()
    session.execute(
        insert(PlayDay).from_select(
            ["day", "board_id", "area_id", "item_id", "category", "plays", "seconds"],
            select(
                literal(day, Date()),
                rows.c.board_id,
                rows.c.area_id,
                rows.c.item_id,
                rows.c.category,
                rows.c.plays,
                rows.c.seconds,
            ),
        )
    )
    _mark(session, day, now)


def _add_late(session: Session, day: date, start: datetime, end: datetime) -> None:
    # Raw records of a purged day can only be late ones: add them to the day's rows.
    for board_id, area_id, item_id, category, plays, seconds in session.execute(
        _aggregate(start, end)
    ):
        changed = session.execute(
            update(PlayDay)
            .where(PlayDay.day == day, PlayDay.board_id == board_id, PlayDay.item_id == item_id)
            .values(plays=PlayDay.plays + plays, seconds=PlayDay.seconds + seconds)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            session.add(
                PlayDay(
                    day=day,
                    board_id=board_id,
                    area_id=area_id,
                    item_id=item_id,
                    category=category,
                    plays=plays,
                    seconds=float(seconds),
                )
            )
    session.flush()


def month_of(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def whole_months(first: date, last: date) -> list[date]:
    """The calendar months lying wholly inside the days first..last (their first days)."""
    months = []
    month = first.replace(day=1)
    if month < first:
        month = next_month(month)
    while next_month(month) - timedelta(days=1) <= last:
        months.append(month)
        month = next_month(month)
    return months


def day_ranges(first: date, last: date, months: list[date]) -> list[tuple[date, date]]:
    """The days first..last minus these (ordered) months, as inclusive day ranges."""
    ranges, start = [], first
    for month in months:
        if start < month:
            ranges.append((start, month - timedelta(days=1)))
        start = next_month(month)
    if start <= last:
        ranges.append((start, last))
    return ranges


def roll_month(session: Session, month: date) -> None:
    """Replace a month's play_months rows with the sum of its play_days rows."""
    session.execute(delete(PlayMonth).where(PlayMonth.month == month))
    rows = (
        select(
            PlayDay.board_id,
            PlayDay.area_id,
            PlayDay.category,
            func.sum(PlayDay.plays).label("plays"),
            func.sum(PlayDay.seconds).label("seconds"),
        )
        .where(PlayDay.day >= month, PlayDay.day < next_month(month))
        .group_by(PlayDay.board_id, PlayDay.area_id, PlayDay.category)
        .subquery()
    )
    session.execute(
        insert(PlayMonth).from_select(
            ["month", "board_id", "area_id", "category", "plays", "seconds"],
            select(
                literal(month, Date()),
                rows.c.board_id,
                rows.c.area_id,
                rows.c.category,
                rows.c.plays,
                rows.c.seconds,
            ),
        )
    )


def _delete_raw(session: Session, start: datetime, end: datetime) -> int:
    result = session.execute(
        delete(PlayRecord).where(PlayRecord.start >= start, PlayRecord.start < end)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _late_days(session: Session, *, tz: ZoneInfo, now: datetime, before: date) -> list[date]:
    """Days before `before` holding records of batches received in the late window."""
    since = now - LATE_WINDOW
    limit, _ = day_bounds(before, tz)
    recent = (
        select(PlayRecord.start)
        .join(PlayBatch, PlayBatch.id == PlayRecord.batch_id)
        .where(PlayBatch.received_at >= since, PlayRecord.start < limit)
    )
    oldest = session.scalar(select(func.min(recent.subquery().c.start)))
    if oldest is None:
        return []
    days = []
    day = local_day(oldest, tz)
    while day < before:
        start, end = day_bounds(day, tz)
        if session.scalar(
            select(
                exists().where(
                    PlayRecord.batch_id == PlayBatch.id,
                    PlayBatch.received_at >= since,
                    PlayRecord.start >= start,
                    PlayRecord.start < end,
                )
            )
        ):
            days.append(day)
        day += timedelta(days=1)
    return days


def purge(session: Session, *, tz: ZoneInfo, now: datetime, retention_days: int) -> RollupResult:
    """Delete raw records (and emptied batches) of days older than the retention, each day
    rolled first so nothing is lost."""
    result = RollupResult()
    keep_from = local_day(now, tz) - timedelta(days=retention_days)
    cutoff, _ = day_bounds(keep_from, tz)
    oldest = session.scalar(select(func.min(PlayRecord.start)).where(PlayRecord.start < cutoff))
    day = local_day(oldest, tz) if oldest is not None else keep_from
    while day < keep_from:
        start, end = day_bounds(day, tz)
        if session.scalar(
            select(exists().where(PlayRecord.start >= start, PlayRecord.start < end))
        ):
            roll_day(session, day, tz=tz, now=now)
            result.rolled.append(day)
            result.records_deleted += _delete_raw(session, start, end)
            _mark(session, day, now, purged=True)
            result.purged.append(day)
        day += timedelta(days=1)
    session.execute(
        delete(PlayBatch).where(
            PlayBatch.received_at < cutoff,
            ~exists().where(PlayRecord.batch_id == PlayBatch.id),
        )
    )
    return result


def run(
    session: Session,
    *,
    tz: ZoneInfo,
    now: datetime,
    retention_days: int,
    days: Iterable[date] | None = None,
) -> RollupResult:
    """One rollup run: the given days, or the last two local days and late ones; then retention;
    then the monthly totals of every month a rolled day belongs to."""
    result = RollupResult()
    if days is None:
        today = local_day(now, tz)
        wanted = {today, today - timedelta(days=1)}
        wanted.update(_late_days(session, tz=tz, now=now, before=today - timedelta(days=1)))
    else:
        wanted = set(days)
    for day in sorted(wanted):
        roll_day(session, day, tz=tz, now=now)
        result.rolled.append(day)
    purged = purge(session, tz=tz, now=now, retention_days=retention_days)
    result.purged = purged.purged
    result.records_deleted = purged.records_deleted
    for month in sorted({month_of(d) for d in [*result.rolled, *purged.rolled]}):
        roll_month(session, month)
    return result
