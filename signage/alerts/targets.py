"""Where an alert goes: target codes resolved to areas, groups and boards within the sender's
grants, the two-person rule's province-wide test, and the boards the targets reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.alerts.models import Alert
from signage.areas.models import Area
from signage.areas.services import find_by_code
from signage.boards.models import Board, BoardGroup
from signage.errors import PermissionDenied, ValidationFailed
from signage.permissions import can
from signage.schedules.manifests import affected_by_targets


@dataclass
class Targets:
    """Resolved targets: area subtrees, groups and single boards."""

    areas: list[Area] = field(default_factory=list)
    groups: list[BoardGroup] = field(default_factory=list)
    boards: list[Board] = field(default_factory=list)

    def pairs(self) -> list[tuple[str, int]]:
        """(kind, id) pairs as stored."""
        return (
            [("area", a.id) for a in self.areas]
            + [("group", g.id) for g in self.groups]
            + [("board", b.id) for b in self.boards]
        )

    def owning_areas(self) -> list[Area]:
        """The area each target lives in."""
        return self.areas + [g.area for g in self.groups] + [b.area for b in self.boards]

    def __bool__(self) -> bool:
        return bool(self.areas or self.groups or self.boards)


def _by_code(session: Session, model: Any, code: str) -> Any:
    return session.scalar(select(model).where(model.code == code))


def resolve_targets(
    session: Session,
    user: Any,
    *,
    areas: list[str] = (),  # type: ignore[assignment]
    groups: list[str] = (),  # type: ignore[assignment]
    boards: list[str] = (),  # type: ignore[assignment]
    check: bool = True,
) -> Targets:
    """Look up target codes; every unknown code and every area outside the grant is named."""
    problems: list[dict[str, Any]] = []
    found = Targets()
    lookups = (
        ("areas", areas, lambda c: find_by_code(session, c), _l("Unknown area code: %(code)s")),
        (
            "groups",
            groups,
            lambda c: _by_code(session, BoardGroup, c),
            _l("Unknown group: %(code)s"),
        ),
        ("boards", boards, lambda c: _by_code(session, Board, c), _l("Unknown board: %(code)s")),
    )
    for field_name, codes, lookup, unknown in lookups:
        for code in dict.fromkeys(codes):
            row = lookup(code)
            # An area, board or group outside the user's view answers like a missing one.
            hidden = check and row is not None
            area = row if field_name == "areas" else cast(Any, row).area if row else None
            if hidden and not can(user, "alert.view", area):
                row = None
            if row is None:
                problems.append({"field": field_name, "message": unknown % {"code": code}})
            else:
                getattr(found, field_name).append(row)
    if problems:
        raise ValidationFailed(details=problems)
    if not found:
        raise ValidationFailed(
            details=[
                {"field": "targets", "message": _l("Choose at least one area, group or board.")}
            ]
        )
    if check:
        require_send(user, found.owning_areas())
    return found


def require_send(user: Any, areas: list[Area]) -> None:
    """PermissionDenied naming every area outside the user's `alert.send` grants."""
    outside = sorted({a.name for a in areas if not can(user, "alert.send", a)})
    if outside:
        raise PermissionDenied(
            _l("You may not send alerts to: %(areas)s", areas=", ".join(outside))
        )


def needs_confirmation(session: Session, settings: Any, targets: Targets) -> bool:
    """Two-person rule: a province-wide (or wider) alert waits for a second operator.

    Province-wide however it is targeted: the province (or the country) itself, or communes,
    groups, boards or a CAP polygon that together take every board of a province whose boards
    stand in two or more of its communes. (A province with boards in one commune only is not
    taken "province-wide" by an alert to that commune: the operator chose the commune.)
    """
    if not settings.alert_two_person_province:
        return False
    if any(a.depth <= 1 for a in targets.areas):
        return True
    if not (targets.groups or targets.boards or len(targets.areas) > 1):
        return False  # one commune (or smaller) area: never a whole province of 2+ communes
    chosen = affected_by_targets(session, targets.pairs())
    provinces = {tuple(_path_ids(a.path)[:2]) for a in targets.owning_areas() if a.depth >= 1}
    for province in provinces:
        prefix = "".join(f"/{i}" for i in province) + "/"
        rows = session.execute(
            select(Board.id, Area.path)
            .join(Area, Board.area_id == Area.id)
            .where(Area.path.startswith(prefix, autoescape=True))
        ).all()
        communes = {tuple(_path_ids(path)[:3]) for _, path in rows}
        if len(communes) >= 2 and {board_id for board_id, _ in rows} <= chosen:
            return True
    return False


def _path_ids(path: str) -> list[int]:
    """'/1/5/9/' → [1, 5, 9]: the area ids from the root down."""
    return [int(part) for part in path.strip("/").split("/") if part]


def targeted_boards(session: Session, alert: Alert) -> list[Board]:
    """The boards an alert goes to; Exercise and Test alerts reach boards marked for tests only."""
    pairs = [(t.kind, t.target_id) for t in alert.targets]
    ids = sorted(affected_by_targets(session, pairs))
    boards: list[Board] = []
    for i in range(0, len(ids), 500):
        stmt = select(Board).where(Board.id.in_(ids[i : i + 500]))
        if alert.is_exercise:
            stmt = stmt.where(Board.is_test.is_(True))
        boards += session.scalars(stmt)
    return boards
