"""Board services: boards (one by one), groups and memberships, with permissions and audit.

Every function takes the session, the actor and `now` as arguments, and knows nothing of Flask.
Changes that a board's manifest shows (a new board, its profile, hours or area, a group's members)
run BOARD_HOOKS, through which schedules regenerates the affected manifests; changes that alter a
board's rooms (area, code, groups) or end it move or close its live sockets on every process
after commit, through `BoardSockets` (the message queue by default).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.areas.models import Area
from signage.audit.services import Actor, record
from signage.boards.models import DEFAULT_TZ, Board, BoardGroup, BoardGroupMember, BoardStatus
from signage.content.models import ProfileRecord
from signage.db import fold, fold_text, run_after_commit
from signage.errors import Conflict, ValidationFailed
from signage.permissions import can, require, require_found, scope_filter
from signage.realtime import rooms as socket_rooms

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

# Called as hook(session, board_ids, now) after boards changed in a way their manifests show;
# schedules registers one that regenerates those boards' manifests (like content's ITEM_HOOKS).
BOARD_HOOKS: list[Callable[[Session, list[int], datetime], None]] = []
# Called as check(session, board) before a board is deleted; raises while something still needs
# it (schedules registers one: no schedule may target the board).
DELETE_CHECKS: list[Callable[[Session, Board], None]] = []
# Reads operating hours ({"0": ["06:00-22:00"], ...}) into (stored form, problems). The time
# vocabulary belongs to schedules, whose init_app registers the reader.
HOURS_READERS: list[Callable[[Any], tuple[Any, list[dict[str, Any]]]]] = []


def _boards_changed(session: Session, board_ids: list[int], now: datetime) -> None:
    for hook in BOARD_HOOKS:
        hook(session, board_ids, now)


def _read_hours(hours: dict[str, Any] | None) -> tuple[Any, list[dict[str, Any]]]:
    if not HOURS_READERS:
        raise RuntimeError("No reader of operating hours: schedules.init_app registers it.")
    return HOURS_READERS[-1](hours)


@dataclass(frozen=True)
class BoardSockets:
    """What happens to a board's live sockets: move them to new rooms, or close them."""

    move: Callable[[str, list[str]], None] = socket_rooms.move_sockets
    close: Callable[[str], None] = socket_rooms.close_sockets


LIVE_SOCKETS = BoardSockets()


def rooms_for(session: Session, board: Board) -> list[str]:
    """Every room a board's sockets belong in: its own, its areas' and its groups'."""
    rooms = [socket_rooms.board_room(board.code)]
    rooms += [socket_rooms.area_room(int(a)) for a in board.area.path.strip("/").split("/") if a]
    rooms += [
        socket_rooms.group_room(g)
        for g in session.scalars(
            select(BoardGroupMember.group_id).where(BoardGroupMember.board_id == board.id)
        )
    ]
    return rooms


def _move_after_commit(
    session: Session, sockets: BoardSockets, boards: list[tuple[str, Board]]
) -> None:
    """After commit, put each board's sockets (known by the code they joined with) in its rooms."""
    moves = [(code, rooms_for(session, board)) for code, board in boards]
    if moves:

        def move_all() -> None:
            for code, rooms in moves:
                sockets.move(code, rooms)

        run_after_commit(session, move_all)


def _problem(field: str, message: Any) -> dict[str, Any]:
    return {"field": field, "message": message}


def check_fields(
    *,
    code: str,
    name: str,
    lat: float | None,
    lon: float | None,
    address: str,
    timezone: str,
    hours: dict[str, Any] | None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Cleaned board fields and every problem found (shared by the form, API and CSV import)."""
    problems = []
    clean: dict[str, Any] = {"code": (code or "").strip()}
    if not CODE_RE.match(clean["code"]):
        problems.append(
            _problem("code", _l("1-64 characters: letters, digits, dot, dash, underscore."))
        )
    clean["name"] = " ".join(unicodedata.normalize("NFC", name or "").split())
    if not clean["name"] or len(clean["name"]) > 200 or not clean["name"].isprintable():
        problems.append(_problem("name", _l("A name of 1-200 characters is required.")))
    for fname, value, limit in (("latitude", lat, 90), ("longitude", lon, 180)):
        if value is not None and (not math.isfinite(value) or abs(value) > limit):
            problems.append(_problem(fname, _l("Must be between -%(n)s and %(n)s.", n=limit)))
    if (lat is None) != (lon is None):
        problems.append(_problem("longitude", _l("Give both latitude and longitude, or neither.")))
    clean["lat"], clean["lon"] = lat, lon
    clean["address"] = " ".join(unicodedata.normalize("NFC", address or "").split())
    if len(clean["address"]) > 300 or not clean["address"].isprintable():
        problems.append(_problem("address", _l("At most 300 printable characters.")))
    clean["timezone"] = timezone or DEFAULT_TZ
    try:
        ZoneInfo(clean["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(_problem("timezone", _l("Unknown time zone, e.g. Asia/Ho_Chi_Minh.")))
    clean["hours"], hour_problems = _read_hours(hours)
    problems += hour_problems
    return clean, problems


def profile_by_key(session: Session, key: str) -> ProfileRecord:
    """The display profile with this key, or a field error."""
    row = session.scalar(select(ProfileRecord).where(ProfileRecord.key == (key or "").strip()))
    if row is None:
        raise ValidationFailed(
            details=[_problem("profile", _l("No display profile has the key %(key)s.", key=key))]
        )
    return row


def _code_taken(session: Session, model: type[Board] | type[BoardGroup], code: str) -> bool:
    return (
        session.scalar(select(model.id).where(func.lower(model.code) == code.lower())) is not None
    )


def create_board(
    session: Session,
    actor: Actor,
    *,
    area: Area,
    profile_key: str,
    now: datetime,
    is_test: bool = False,
    **fields: Any,
) -> Board:
    """A new board in an area (board.manage there)."""
    require(actor.user, "board.manage", area)
    clean, problems = check_fields(**fields)
    if problems:
        raise ValidationFailed(details=problems)
    profile = profile_by_key(session, profile_key)
    if _code_taken(session, Board, clean["code"]):
        raise Conflict(_l("A board with the code %(code)s exists.", code=clean["code"]))
    board = Board(**clean, area=area, profile=profile, is_test=is_test, created_at=now)
    session.add(board)
    session.flush()
    record(session, actor, "board.create", "board", board.code, area_id=area.id, now=now)
    _boards_changed(session, [board.id], now)
    return board


def update_board(
    session: Session,
    actor: Actor,
    board: Board,
    *,
    now: datetime,
    area: Area | None = None,
    profile_key: str | None = None,
    is_test: bool | None = None,
    sockets: BoardSockets = LIVE_SOCKETS,
    **fields: Any,
) -> Board:
    """Change a board (board.manage on its area, and on the new area if it moves)."""
    require(actor.user, "board.manage", board.area)
    current: dict[str, Any] = {
        "code": board.code,
        "name": board.name,
        "lat": board.lat,
        "lon": board.lon,
        "address": board.address,
        "timezone": board.timezone,
        "hours": board.hours,
    }
    current.update({k: v for k, v in fields.items() if k in current})
    clean, problems = check_fields(**current)
    if problems:
        raise ValidationFailed(details=problems)
    if clean["code"].lower() != board.code.lower() and _code_taken(session, Board, clean["code"]):
        raise Conflict(_l("A board with the code %(code)s exists.", code=clean["code"]))
    old_code, old_area = board.code, board.area_id
    if area is not None and area.id != board.area_id:
        require(actor.user, "board.manage", area)
        board.area = area
    if profile_key is not None:
        board.profile = profile_by_key(session, profile_key)
    if is_test is not None:
        board.is_test = is_test
    for key, value in clean.items():
        setattr(board, key, value)
    session.flush()
    record(session, actor, "board.update", "board", board.code, area_id=board.area_id, now=now)
    _boards_changed(session, [board.id], now)
    if (old_code, old_area) != (board.code, board.area_id):
        _move_after_commit(session, sockets, [(old_code, board)])
    return board


def follow_area_move(session: Session, area: Area, sockets: BoardSockets = LIVE_SOCKETS) -> None:
    """After an area moved in the tree, its boards' sockets follow their new ancestors."""
    boards = session.scalars(
        select(Board)
        .join(Area, Board.area_id == Area.id)
        .where(Area.path.startswith(area.path, autoescape=True))
    )
    _move_after_commit(session, sockets, [(b.code, b) for b in boards])


def delete_board(
    session: Session,
    actor: Actor,
    board: Board,
    *,
    now: datetime,
    sockets: BoardSockets = LIVE_SOCKETS,
) -> None:
    """Remove a board, its memberships and its manifest; its live sockets are closed."""
    require(actor.user, "board.manage", board.area)
    for check in DELETE_CHECKS:
        check(session, board)
    # The name goes with the entry: the audit log names the board after it is gone.
    record(
        session,
        actor,
        "board.delete",
        "board",
        board.code,
        area_id=board.area_id,
        details={"name": board.name},
        now=now,
    )
    session.delete(board)
    session.flush()
    code = board.code
    run_after_commit(session, lambda: sockets.close(code))


def get_board(session: Session, user: User | None, code: str, action: str = "board.view") -> Board:
    """The board with this code if the user may do action on it: 404 outside their areas (like
    a missing board), 403 where they may see it but not do action."""
    board = session.scalar(select(Board).where(Board.code == (code or "").strip()))
    require_found(
        user,
        "board.view",
        board.area if board else None,
        _l("No board has the code %(code)s.", code=code),
    )
    assert board is not None
    require(user, action, board.area)
    return board


def visible_boards(user: User | None, *, area: Area | None = None, text: str = "") -> Select[Board]:
    """Boards in the user's scope, by code, optionally within an area or matching text."""
    stmt = (
        select(Board)
        .join(Area, Board.area_id == Area.id)
        .where(scope_filter(user, "board.view", Area.path))
        .order_by(Board.code)
    )
    if area is not None:
        stmt = stmt.where(Area.path.startswith(area.path, autoescape=True))
    needle = fold_text(" ".join((text or "").split()))
    if needle:
        stmt = stmt.where(
            or_(
                fold(Board.name).contains(needle, autoescape=True),
                func.lower(Board.code).startswith(needle, autoescape=True),
            )
        )
    return stmt


# --- groups ------------------------------------------------------------------------------


def create_group(
    session: Session, actor: Actor, *, code: str, name: str, area: Area, now: datetime
) -> BoardGroup:
    """A new group of boards owned by an area (board.manage there)."""
    require(actor.user, "board.manage", area)
    code = (code or "").strip()
    name = " ".join(unicodedata.normalize("NFC", name or "").split()) or code
    if not CODE_RE.match(code):
        raise ValidationFailed(
            details=[
                _problem("code", _l("1-64 characters: letters, digits, dot, dash, underscore."))
            ]
        )
    if _code_taken(session, BoardGroup, code):
        raise Conflict(_l("A group with the code %(code)s exists.", code=code))
    group = BoardGroup(code=code, name=name[:200], area=area, created_at=now)
    session.add(group)
    session.flush()
    record(session, actor, "group.create", "board_group", code, area_id=area.id, now=now)
    return group


def get_group(session: Session, user: User | None, code: str, action: str = "board.view"):
    """The group with this code if the user may do action on it (404 outside their areas)."""
    group = session.scalar(select(BoardGroup).where(BoardGroup.code == (code or "").strip()))
    require_found(
        user,
        "board.view",
        group.area if group else None,
        _l("No group has the code %(code)s.", code=code),
    )
    assert group is not None
    require(user, action, group.area)
    return group


def visible_groups(user: User | None) -> Select[BoardGroup]:
    """Groups owned by areas in the user's scope."""
    return (
        select(BoardGroup)
        .join(Area, BoardGroup.area_id == Area.id)
        .where(scope_filter(user, "board.view", Area.path))
        .order_by(BoardGroup.code)
    )


def change_members(
    session: Session,
    actor: Actor,
    group: BoardGroup,
    *,
    add: list[str] = (),  # type: ignore[assignment]
    remove: list[str] = (),  # type: ignore[assignment]
    now: datetime,
    sockets: BoardSockets = LIVE_SOCKETS,
) -> BoardGroup:
    """Add and remove boards (by code); each board must be one the actor may manage."""
    require(actor.user, "board.manage", group.area)
    touched = []
    for code in add:
        board = get_board(session, actor.user, code, "board.manage")
        if board not in group.boards:
            group.boards.append(board)
            touched.append(board)
    for code in remove:
        board = get_board(session, actor.user, code, "board.manage")
        if board in group.boards:
            group.boards.remove(board)
            touched.append(board)
    session.flush()
    record(
        session,
        actor,
        "group.members",
        "board_group",
        group.code,
        area_id=group.area_id,
        details={"add": list(add)[:50], "remove": list(remove)[:50]},
        now=now,
    )
    if touched:
        _boards_changed(session, [b.id for b in touched], now)
    _move_after_commit(session, sockets, [(b.code, b) for b in dict.fromkeys(touched)])
    return group


def screenshot_readable_by(session: Session, user: User, sha256: str) -> bool:
    """True if the file is a screenshot of a board the user may view (never public)."""
    boards = session.scalars(
        select(Board)
        .join(BoardStatus, BoardStatus.board_id == Board.id)
        .where(BoardStatus.screenshot_sha == sha256)
    )
    return any(can(user, "board.view", board.area) for board in boards)
