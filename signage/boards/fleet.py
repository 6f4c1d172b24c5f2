"""The fleet at a glance: each board's presence (online, offline, never connected), counts and
lists within a user's `board.view` areas, the board list's status filters, plays today and the
status map. Presence follows boards/presence.py; nothing here writes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.areas.models import Area
from signage.boards.mapping import MAP_LIMIT, project
from signage.boards.models import Board, BoardGroup, BoardGroupMember, BoardStatus, PlayRecord
from signage.boards.presence import is_online, online_clause
from signage.boards.services import visible_boards, visible_groups
from signage.content.models import ContentItem, ProfileRecord
from signage.errors import ValidationFailed
from signage.permissions import scope_filter

Status = Literal["online", "offline", "never"]
STATUSES: tuple[Status, ...] = ("online", "offline", "never")
# "Offline for more than": the choices the board list and the API offer.
DARK_FOR: dict[str, timedelta] = {
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
}
# The query-string names of the filter, as the board list and the API read them.
FILTER_ARGS = ("status", "offline_for", "area", "profile", "group", "q")


def status_of(row: BoardStatus | None, now: datetime) -> Status:
    """'online', 'offline' or 'never' (no player ever reported) for one status row."""
    if row is None or row.last_seen is None:
        return "never"
    return "online" if is_online(row, now) else "offline"


def last_contact(row: BoardStatus | None) -> datetime | None:
    """When the board last showed a sign of life: its last report, or its socket closing later."""
    if row is None or row.last_seen is None:
        return None
    gone = row.disconnected_at
    return gone if gone is not None and gone > row.last_seen else row.last_seen


def _last_contact_sql() -> Any:
    s = BoardStatus
    return case(
        (s.disconnected_at.is_not(None) & (s.disconnected_at > s.last_seen), s.disconnected_at),
        else_=s.last_seen,
    )


def status_sql(now: datetime) -> Any:
    """`status_of` as a SQL expression over Board LEFT JOIN BoardStatus."""
    return case(
        (BoardStatus.last_seen.is_(None), "never"),
        (online_clause(now), "online"),
        else_="offline",
    )


@dataclass(frozen=True)
class FleetFilter:
    """What the board list shows: status, dark for at least, area, profile, group, text."""

    status: str | None = None
    dark_for: str | None = None
    area: Area | None = None
    profile: ProfileRecord | None = None
    group: BoardGroup | None = None
    text: str = ""

    def args(self) -> dict[str, str]:
        """The filter as query-string arguments (links to other pages keep it)."""
        out = {
            "status": self.status or "",
            "offline_for": self.dark_for or "",
            "area": self.area.code if self.area else "",
            "profile": self.profile.key if self.profile else "",
            "group": self.group.code if self.group else "",
            "q": self.text,
        }
        return {k: v for k, v in out.items() if v}


_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def _shown(value: str) -> str:
    return "".join(c for c in value if c.isprintable())[:40]


def read_filter(
    session: Session,
    user: User | None,
    *,
    status: str | None = None,
    offline_for: str | None = None,
    area: Area | None = None,
    profile: str | None = None,
    group: str | None = None,
    text: str | None = None,
) -> FleetFilter:
    """A FleetFilter from raw values; every bad value is a field problem (ValidationFailed)."""
    problems: list[dict[str, Any]] = []
    raw = {"status": status, "offline_for": offline_for, "profile": profile, "group": group}
    raw["q"] = text
    for name, value in raw.items():
        if value and _CONTROL.search(value):
            # Never sent to the database: PostgreSQL refuses NUL in text outright.
            problems.append({"field": name, "message": _l("Must not contain control characters.")})
    if problems:
        raise ValidationFailed(details=problems)
    status = (status or "").strip() or None
    if status is not None and status not in STATUSES:
        problems.append(
            {"field": "status", "message": _l("Unknown status: %(value)s", value=_shown(status))}
        )
    dark = (offline_for or "").strip() or None
    if dark is not None and dark not in DARK_FOR:
        problems.append(
            {
                "field": "offline_for",
                "message": _l("Choose one of: %(choices)s", choices=", ".join(DARK_FOR)),
            }
        )
    if dark is not None and status not in (None, "offline"):
        problems.append(
            {"field": "offline_for", "message": _l("Only offline boards can be dark for a time.")}
        )
    found_profile = None
    if profile and profile.strip():
        found_profile = session.scalar(
            select(ProfileRecord).where(ProfileRecord.key == profile.strip()[:64])
        )
        if found_profile is None:
            problems.append(
                {
                    "field": "profile",
                    "message": _l("No display profile has the key %(key)s.", key=_shown(profile)),
                }
            )
    found_group = None
    if group and group.strip():
        found_group = session.scalar(
            visible_groups(user).where(BoardGroup.code == group.strip()[:64])
        )
        if found_group is None:
            problems.append(
                {
                    "field": "group",
                    "message": _l("No group has the code %(code)s.", code=_shown(group)),
                }
            )
    if problems:
        raise ValidationFailed(details=problems)
    return FleetFilter(
        status=status,
        dark_for=dark,
        area=area,
        profile=found_profile,
        group=found_group,
        text=(text or "")[:100],
    )


def fleet_boards(user: User | None, wanted: FleetFilter, *, now: datetime) -> Select[Any]:
    """Boards in the user's scope matching the filter, by code (status rows joined)."""
    stmt = visible_boards(user, area=wanted.area, text=wanted.text).outerjoin(
        BoardStatus, BoardStatus.board_id == Board.id
    )
    if wanted.dark_for is not None:
        stmt = stmt.where(
            status_sql(now) == "offline", _last_contact_sql() <= now - DARK_FOR[wanted.dark_for]
        )
    elif wanted.status is not None:
        stmt = stmt.where(status_sql(now) == wanted.status)
    if wanted.profile is not None:
        stmt = stmt.where(Board.profile_id == wanted.profile.id)
    if wanted.group is not None:
        stmt = stmt.where(
            Board.id.in_(
                select(BoardGroupMember.board_id).where(
                    BoardGroupMember.group_id == wanted.group.id
                )
            )
        )
    return stmt


@dataclass(frozen=True)
class BoardState:
    """One board's presence as the console shows it."""

    status: Status
    last_contact: datetime | None
    row: BoardStatus | None
    headline: str | None  # the item it plays now, if its player said so


def board_states(
    session: Session, boards: Iterable[Board], *, now: datetime
) -> dict[int, BoardState]:
    """Presence of these boards (one query for status rows, one for headlines)."""
    ids = [b.id for b in boards]
    if not ids:
        return {}
    query = select(BoardStatus).where(BoardStatus.board_id.in_(ids))
    rows = {r.board_id: r for r in session.scalars(query)}
    items = {r.current_item for r in rows.values() if r.current_item is not None}
    headlines: dict[int, str] = {}
    if items:
        found = select(ContentItem.id, ContentItem.headline).where(ContentItem.id.in_(items))
        headlines = {item_id: headline for item_id, headline in session.execute(found)}
    out = {}
    for board_id in ids:
        row = rows.get(board_id)
        current = row.current_item if row else None
        out[board_id] = BoardState(
            status=status_of(row, now),
            last_contact=last_contact(row),
            row=row,
            headline=headlines.get(current) if current is not None else None,
        )
    return out


def _scoped(user: User | None) -> Select[Any]:
    return (
        select(Board.code)
        .join(Area, Board.area_id == Area.id)
        .outerjoin(BoardStatus, BoardStatus.board_id == Board.id)
        .where(scope_filter(user, "board.view", Area.path))
    )


def status_counts(session: Session, user: User | None, *, now: datetime) -> dict[str, int]:
    """How many boards in the user's `board.view` areas are online, offline, never connected."""
    status = status_sql(now)
    stmt = _scoped(user).with_only_columns(status, func.count(Board.id)).group_by(status)
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for name, count in session.execute(stmt):
        counts[name] = count
    return counts


def statuses_by_code(session: Session, user: User | None, *, now: datetime) -> dict[str, str]:
    """Every board code in the user's scope with its status (the live page's starting point)."""
    stmt = _scoped(user).add_columns(status_sql(now)).order_by(Board.code)
    return {code: status for code, status in session.execute(stmt)}


@dataclass(frozen=True)
class DarkBoard:
    """An offline board and since when it is dark."""

    board: Board
    since: datetime
    seconds: int


def offline_boards(
    session: Session, user: User | None, *, now: datetime, limit: int = 20
) -> list[DarkBoard]:
    """Offline boards in the user's scope, the longest dark first."""
    since = _last_contact_sql()
    stmt = (
        visible_boards(user)
        .join(BoardStatus, BoardStatus.board_id == Board.id)
        .where(status_sql(now) == "offline")
        .add_columns(since)
        .order_by(None)
        .order_by(since, Board.code)
        .limit(limit)
    )
    out = []
    for board, at in session.execute(stmt):
        if at.tzinfo is None:  # SQLite hands a CASE over two UTC columns back naive
            at = at.replace(tzinfo=UTC)
        out.append(DarkBoard(board, at, max(0, int((now - at).total_seconds()))))
    return out


def local_day(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of the local day containing now."""
    day = now.astimezone(tz).date()
    start = datetime.combine(day, time(0), tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def plays_today(session: Session, user: User | None, *, now: datetime, tz: ZoneInfo) -> int:
    """Plays whose start lies in today's local day, on boards in the user's scope."""
    start, end = local_day(now, tz)
    stmt = (
        select(func.count(PlayRecord.id))
        .join(Board, PlayRecord.board_id == Board.id)
        .join(Area, Board.area_id == Area.id)
        .where(scope_filter(user, "board.view", Area.path))
        .where(PlayRecord.start >= start, PlayRecord.start < end)
    )
    return session.scalar(stmt) or 0


def status_map(session: Session, user: User | None, *, now: datetime) -> dict[str, Any] | None:
    """Located boards in the user's scope with their status, projected into an SVG box."""
    stmt = (
        _scoped(user)
        .add_columns(Board.name, Board.lat, Board.lon, status_sql(now).label("status"))
        .where(Board.lat.is_not(None), Board.lon.is_not(None))
        .order_by(Board.code)
        .limit(MAP_LIMIT)
    )
    return project(session.execute(stmt).all(), fields=("status",))
