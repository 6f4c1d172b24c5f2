"""Uptime figures from connection sessions: a board's share of time connected and its outages
over a period, and the same aggregated over the boards of an area.

What counts: the whole day, not only the board's operating hours (a board switched off by its
power relay at night shows that night as an outage). It is the honest figure the sessions can
give: a player that does not connect during its hours is down whatever its schedule says, and a
board that stays connected at night is not penalised. For a board with operating hours, the
share within them is given beside it (the caller passes the hours: their vocabulary belongs to
schedules, above this package). Time before a board's first session ever is not counted (it was
not installed yet); a board that never connected has no share at all and is listed apart. Days
are local days in the given time zone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from signage.boards.models import DEFAULT_TZ, Board, BoardSession

WINDOWS = (("today", 1), ("week", 7), ("month", 30))  # key, local days up to today
MAX_OUTAGES = 500  # listed per board and period (the count is always complete)


@dataclass(frozen=True)
class Outage:
    """A stretch without any session; `end` None: still going now."""

    start: datetime
    end: datetime | None
    seconds: float


@dataclass
class BoardUptime:
    """One board over [start, stop): stop is the period's end, or now if it has not ended."""

    board_id: int
    start: datetime
    stop: datetime
    first_connected: datetime | None = None
    online_seconds: float = 0.0
    counted_seconds: float = 0.0
    outages: list[Outage] = field(default_factory=list)
    hours_online_seconds: float | None = None
    hours_counted_seconds: float | None = None

    @property
    def share(self) -> float | None:
        """Connected time over counted time (0..1); None if nothing was counted."""
        if self.counted_seconds <= 0:
            return None
        return min(1.0, self.online_seconds / self.counted_seconds)

    @property
    def share_in_hours(self) -> float | None:
        """The share within the board's operating hours; None if it has none (always on)."""
        if self.hours_counted_seconds is None or self.hours_counted_seconds <= 0:
            return None
        return min(1.0, (self.hours_online_seconds or 0.0) / self.hours_counted_seconds)

    @property
    def downtime_seconds(self) -> float:
        """Counted time without a connection."""
        return max(0.0, self.counted_seconds - self.online_seconds)


@dataclass(frozen=True)
class Window:
    """A named period of local days, as UTC instants [start, end)."""

    key: str
    start: datetime
    end: datetime


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of a local day (as an aware datetime in tz)."""
    return datetime.combine(day, time(), tz)


def zone(name: str | None, default: str = DEFAULT_TZ) -> ZoneInfo:
    """A board's time zone; the default one if the name is empty or unknown."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def windows(now: datetime, tz: ZoneInfo) -> list[Window]:
    """Today, the last 7 and the last 30 local days, each ending with today."""
    today = now.astimezone(tz).date()
    end = day_start(today + timedelta(days=1), tz)
    return [Window(key, day_start(today - timedelta(days=n - 1), tz), end) for key, n in WINDOWS]


def _merged(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching spans joined, in order."""
    out: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(spans):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


Spans = list[tuple[datetime, datetime]]
# Operating hours as (start, stop) -> power-on stretches of [start, stop), or None if always on.
Power = Callable[[datetime, datetime], Spans | None]


def _overlap(a: Spans, b: Spans) -> float:
    """Seconds two ordered lists of disjoint spans have in common."""
    total, i, j = 0.0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if hi > lo:
            total += (hi - lo).total_seconds()
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def board_uptime(
    session: Session,
    board_ids: Iterable[int],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    power: dict[int, Power] | None = None,
) -> dict[int, BoardUptime]:
    """Uptime and outages of each board over [start, min(end, now)), from two queries; with
    `power` (board id -> its operating hours), also the share within those hours."""
    ids = sorted(set(board_ids))
    stop = max(start, min(end, now))
    result = {b: BoardUptime(b, start, stop) for b in ids}
    if not ids:
        return result
    firsts = session.execute(
        select(BoardSession.board_id, func.min(BoardSession.started_at))
        .where(BoardSession.board_id.in_(ids), BoardSession.started_at < stop)
        .group_by(BoardSession.board_id)
    )
    for board_id, first in firsts:
        result[board_id].first_connected = first
    rows = session.execute(
        select(BoardSession.board_id, BoardSession.started_at, BoardSession.ended_at).where(
            BoardSession.board_id.in_(ids),
            BoardSession.started_at < stop,
            or_(BoardSession.ended_at.is_(None), BoardSession.ended_at > start),
        )
    )
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    still_open: set[int] = set()
    for board_id, began, ended in rows:
        if ended is None:
            still_open.add(board_id)
        lo, hi = max(began, start), min(ended or stop, stop)
        if hi > lo:
            spans.setdefault(board_id, []).append((lo, hi))
    reaches_now = stop == now
    for board_id, item in result.items():
        if item.first_connected is not None:
            ongoing = reaches_now and board_id not in still_open
            merged = _merged(spans.get(board_id, []))
            _fill(item, merged, ongoing=ongoing)
            on = (power or {}).get(board_id)
            stretches = on(max(start, item.first_connected), stop) if on else None
            if stretches is not None:
                item.hours_counted_seconds = sum((hi - lo).total_seconds() for lo, hi in stretches)
                item.hours_online_seconds = _overlap(stretches, merged)
    return result


def _fill(item: BoardUptime, spans: list[tuple[datetime, datetime]], *, ongoing: bool) -> None:
    """Online and counted seconds, and the gaps between sessions from the first connection on."""
    assert item.first_connected is not None
    counted_from = max(item.start, item.first_connected)
    item.counted_seconds = max(0.0, (item.stop - counted_from).total_seconds())
    item.online_seconds = sum((hi - lo).total_seconds() for lo, hi in spans)
    cursor = counted_from
    gaps: list[tuple[datetime, datetime]] = []
    for lo, hi in spans:
        if lo > cursor:
            gaps.append((cursor, lo))
        cursor = max(cursor, hi)
    if cursor < item.stop:
        gaps.append((cursor, item.stop))
    for lo, hi in gaps:
        going = ongoing and hi == item.stop  # reaches now on a board without an open session
        item.outages.append(Outage(lo, None if going else hi, (hi - lo).total_seconds()))


def board_figures(
    session: Session, board: Board, *, now: datetime, tz: ZoneInfo, power: Power | None = None
) -> dict[str, BoardUptime]:
    """Today, the last 7 and the last 30 local days of one board (the board page's section)."""
    hours = {board.id: power} if power else None
    return {
        w.key: board_uptime(session, [board.id], w.start, w.end, now=now, power=hours)[board.id]
        for w in windows(now, tz)
    }


@dataclass
class AreaUptime:
    """The boards of an area subtree over one period."""

    start: datetime
    stop: datetime
    boards: int = 0
    mean_share: float | None = None
    never_connected: list[Board] = field(default_factory=list)
    worst: list[tuple[Board, BoardUptime]] = field(default_factory=list)


def area_uptime(
    session: Session,
    boards: list[Board],
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    worst: int = 10,
) -> AreaUptime:
    """The mean share of the boards that ever connected, those that never did, and the `worst`
    boards with the most downtime. `boards` are the ones the reader may see (the caller's
    scope): nothing outside them is counted or listed."""
    figures = board_uptime(session, [b.id for b in boards], start, end, now=now)
    out = AreaUptime(start, max(start, min(end, now)), boards=len(boards))
    shares = []
    ranked: list[tuple[Board, BoardUptime]] = []
    for board in sorted(boards, key=lambda b: b.code):
        item = figures[board.id]
        if item.first_connected is None:
            out.never_connected.append(board)
            continue
        if item.share is not None:
            shares.append(item.share)
            ranked.append((board, item))
    out.mean_share = sum(shares) / len(shares) if shares else None
    ranked.sort(key=lambda pair: (-pair[1].downtime_seconds, pair[0].code))
    out.worst = [pair for pair in ranked[:worst] if pair[1].downtime_seconds > 0]
    return out


@dataclass(frozen=True)
class AreaFigures:
    """An area's aggregate for today, the last 7 and the last 30 local days."""

    boards: int
    windows: dict[str, AreaUptime]


def area_figures(
    session: Session, boards: list[Board], *, now: datetime, tz: ZoneInfo, worst: int = 5
) -> AreaFigures:
    """`area_uptime` over each window of `windows` (the area page's card)."""
    return AreaFigures(
        len(boards),
        {
            w.key: area_uptime(session, boards, w.start, w.end, now=now, worst=worst)
            for w in windows(now, tz)
        },
    )
