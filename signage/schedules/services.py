"""Playlist and schedule services: permissions, validation through the pure rules, audit, and
manifest regeneration for exactly the boards a change affects (via ManifestPublisher).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.areas.models import Area
from signage.audit.services import Actor, record
from signage.boards.models import Board, BoardGroup
from signage.content.workflow import schedulable_revision
from signage.errors import ValidationFailed
from signage.permissions import can, require, require_found, scope_filter
from signage.schedules import manifests, playlists
from signage.schedules import rules as pure
from signage.schedules.manifests import ManifestPublisher
from signage.schedules.models import Playlist, Schedule
from signage.schedules.spans import SpanError, format_window, parse_window
from signage.schedules.timeline import Segment, timeline

# --- schedules ---------------------------------------------------------------------------


@dataclass
class ScheduleInput:
    """What a schedule form or API body gives."""

    target_kind: str
    target: str  # area code, group code or board code
    playlist_id: int
    windows: list[str]
    weekdays: list[int]
    priority: str = "normal"
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    name: str = ""


def resolve_target(
    session: Session, kind: str, code: str, user: User | None = None
) -> tuple[int, Area]:
    """(target id, governing area) of an area, group or board code; with a user, a target
    outside the user's areas reads like an unknown code."""
    from signage.areas.services import find_by_code

    code = (code or "").strip()
    found: Any = None
    if kind == "area":
        found = find_by_code(session, code)
        area = found
    elif kind == "group":
        found = session.scalar(select(BoardGroup).where(BoardGroup.code == code))
        area = found.area if found else None
    elif kind == "board":
        found = session.scalar(select(Board).where(Board.code == code))
        area = found.area if found else None
    else:
        raise ValidationFailed(
            details=[{"field": "target_kind", "message": _l("Choose area, group or board.")}]
        )
    if user is not None and area is not None and not can(user, "schedule.view", area):
        found = None
    if found is None:
        raise ValidationFailed(
            details=[
                {
                    "field": "target",
                    "message": _l("Nothing of that kind has the code %(code)s.", code=code),
                }
            ]
        )
    return found.id, area


def _problems(data: ScheduleInput, playlist: Playlist) -> tuple[list[str], list[dict[str, Any]]]:
    windows, problems = [], []
    for text in data.windows:
        try:
            windows.append(parse_window(text))
        except SpanError:
            problems.append(
                {
                    "field": "windows",
                    "message": _l(
                        "Write times as HH:MM-HH:MM from 00:00 to 24:00, not %(text)s.", text=text
                    ),
                }
            )
    if data.priority not in pure.PRIORITIES:
        problems.append({"field": "priority", "message": _l("Choose normal or priority.")})
    if problems:
        return [], problems
    rule = pure.ScheduleRule(
        id=0,
        playlist=tuple(pure.PlaylistEntry(e.item_id, 0, e.duration_s) for e in playlist.entries),
        windows=tuple(windows),
        weekdays=frozenset(data.weekdays),
        priority=data.priority,  # type: ignore[arg-type]
        valid_from=data.valid_from,
        valid_to=data.valid_to,
    )
    field_of = {
        "inverted_validity": "valid_to",
        "empty_weekdays": "weekdays",
        "unknown_weekday": "weekdays",
        "no_windows": "windows",
        "zero_length_window": "windows",
        "overlapping_windows": "windows",
        "empty_playlist": "playlist",
        "bad_duration": "playlist",
    }
    for p in pure.validate_rule(rule):
        problems.append(
            {
                "field": field_of.get(p.code, "schedule"),
                "message": _RULE_MESSAGES.get(p.code, p.message),
                "detail": p.message,
            }
        )
    return [format_window(w) for w in windows], problems


_RULE_MESSAGES: dict[str, Any] = {
    "inverted_validity": _l("'Valid from' must be before 'valid to'."),
    "empty_weekdays": _l("Choose at least one weekday."),
    "unknown_weekday": _l("Weekdays are 0 (Monday) to 6 (Sunday)."),
    "no_windows": _l("Add at least one daily time window."),
    "zero_length_window": _l(
        "A window cannot start and end at the same time; for the whole day use 00:00-24:00."
    ),
    "overlapping_windows": _l("The daily windows overlap; merge or separate them."),
    "empty_playlist": _l("The playlist is empty; add approved items first."),
    "bad_duration": _l("Every item needs a duration of at least one second."),
}


def save_schedule(
    session: Session,
    actor: Actor,
    data: ScheduleInput,
    *,
    now: datetime,
    publisher: ManifestPublisher | None = None,
    schedule: Schedule | None = None,
) -> Schedule:
    """Create (or replace) a schedule; the affected boards' manifests regenerate and are pushed."""
    target_id, area = resolve_target(session, data.target_kind, data.target, actor.user)
    require(actor.user, "schedule.edit", area)
    before: set[tuple[str, int]] = set()
    if schedule is not None:
        require(actor.user, "schedule.edit", schedule.area)
        before.add((schedule.target_kind, schedule.target_id))
    playlist = playlists.get_playlist(session, actor.user, data.playlist_id, "schedule.view")
    for entry in playlist.entries:
        schedulable_revision(entry.item)  # 409 when an item lost its approved revision
    windows, problems = _problems(data, playlist)
    if problems:
        raise ValidationFailed(
            details=[{k: v for k, v in p.items() if k != "detail"} for p in problems]
        )
    if schedule is None:
        schedule = Schedule(created_at=now, created_by_id=actor.user.id if actor.user else None)
        session.add(schedule)
    schedule.name = " ".join((data.name or "").split())[:200]
    schedule.target_kind, schedule.target_id, schedule.area = data.target_kind, target_id, area
    schedule.playlist = playlist
    schedule.windows, schedule.weekdays = windows, sorted(set(data.weekdays))
    schedule.priority, schedule.valid_from, schedule.valid_to = (
        data.priority,
        data.valid_from,
        data.valid_to,
    )
    schedule.expired, schedule.updated_at = False, now
    session.flush()
    record(
        session,
        actor,
        "schedule.save",
        "schedule",
        schedule.id,
        area_id=area.id,
        now=now,
        details={"target": f"{data.target_kind}:{data.target}", "playlist": playlist.id},
    )
    if publisher is not None:
        targets = before | {(schedule.target_kind, schedule.target_id)}
        publisher.boards(session, manifests.affected_by_targets(session, targets), now=now)
    return schedule


def delete_schedule(
    session: Session,
    actor: Actor,
    schedule: Schedule,
    *,
    now: datetime,
    publisher: ManifestPublisher | None = None,
) -> None:
    """Remove a schedule; its boards' manifests regenerate."""
    require(actor.user, "schedule.edit", schedule.area)
    target = (schedule.target_kind, schedule.target_id)
    record(
        session,
        actor,
        "schedule.delete",
        "schedule",
        schedule.id,
        area_id=schedule.area_id,
        details={"name": schedule.name},  # the log names the schedule after it is gone
        now=now,
    )
    session.delete(schedule)
    session.flush()
    if publisher is not None:
        publisher.boards(session, manifests.affected_by_targets(session, [target]), now=now)


def get_schedule(session: Session, user: User | None, schedule_id: int) -> Schedule:
    """A schedule the user may see (404 outside their areas, like a missing one)."""
    schedule = session.get(Schedule, schedule_id)
    require_found(
        user, "schedule.view", schedule.area if schedule else None, _l("No such schedule.")
    )
    assert schedule is not None
    return schedule


def visible_schedules(user: User | None) -> Select[Schedule]:
    """Schedules of areas in the user's scope, newest first."""
    return (
        select(Schedule)
        .join(Area, Schedule.area_id == Area.id)
        .where(scope_filter(user, "schedule.view", Area.path))
        .order_by(Schedule.id.desc())
    )


class _Target(Protocol):
    """What a schedule can target: an area, a board group or a board."""

    @property
    def code(self) -> str: ...
    @property
    def name(self) -> str: ...


def target_label(session: Session, schedule: Schedule) -> str:
    """'area 01', 'group MARKETS' or 'board HK-001'."""
    targets: dict[str, type[_Target]] = {"area": Area, "group": BoardGroup, "board": Board}
    model = targets[schedule.target_kind]
    row = session.get(model, schedule.target_id)
    return f"{row.code} {row.name}" if row is not None else "?"


def expire(session: Session, *, now: datetime) -> int:
    """Mark schedules whose validity ended as expired (they no longer load); how many."""
    rows = list(
        session.scalars(
            select(Schedule).where(
                Schedule.expired.is_(False),
                Schedule.valid_to.is_not(None),
                Schedule.valid_to <= now,
            )
        )
    )
    for s in rows:
        s.expired = True
    return len(rows)


def board_timeline(session: Session, board: Board, start: datetime, end: datetime) -> list[Segment]:
    """What the board shows over [start, end), with each entry's schedule and source."""
    index = manifests.RuleIndex.load(session, start)
    groups = [g.id for g in board.groups]
    return timeline(manifests.context(board), index.rules_for(board, groups), start, end)
