"""Roles, actions and the one check every feature uses: may user U do A on area X.

Pure policy over a user's grants and an area's path (a kernel module: it imports no signage
package, so every layer may ask it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.orm import InstrumentedAttribute

from signage.errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from signage.accounts.models import User
    from signage.areas.models import Area

ROLES = ("admin", "editor", "approver", "operator", "viewer")

ACTIONS = (
    "area.view",
    "area.manage",
    "user.view",
    "user.manage",
    "audit.view",
    "content.view",
    "content.edit",
    "content.approve",
    "schedule.view",
    "schedule.edit",
    "board.view",
    "board.manage",
    "board.pair",
    "alert.view",
    "alert.send",
    "template.manage",
    "report.view",
)

_VIEW = {"area.view", "content.view", "schedule.view", "board.view", "alert.view"}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(ACTIONS),
    # Pairing binds the kiosk in front of the clerk to a board an admin created: the commune
    # editor who installs the screen does it (it revokes the board's previous token, audited).
    "editor": frozenset(_VIEW | {"content.edit", "schedule.edit", "board.pair"}),
    "approver": frozenset(_VIEW | {"content.approve"}),
    "operator": frozenset(_VIEW | {"alert.send"}),
    "viewer": frozenset(_VIEW | {"audit.view", "report.view"}),
}


def _check_action(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")


def can(user: User | None, action: str, area: Area | None) -> bool:
    """True if one of the user's grants allows action on area (None = installation-wide)."""
    _check_action(action)
    if user is None or not user.is_active:
        return False
    for grant in user.grants:
        if action not in ROLE_ACTIONS.get(grant.role, ()):
            continue
        if area is None:
            if grant.area.parent_id is None:
                return True
        elif area.path.startswith(grant.area.path):
            return True
    return False


def require(user: User | None, action: str, area: Area | None) -> None:
    """Raise PermissionDenied unless can(user, action, area)."""
    if not can(user, action, area):
        raise PermissionDenied()


def scope_paths(user: User | None, action: str) -> list[str]:
    """The area paths under which the user may do action (minimal set, no nested duplicates)."""
    _check_action(action)
    if user is None or not user.is_active:
        return []
    paths = sorted(
        {g.area.path for g in user.grants if action in ROLE_ACTIONS.get(g.role, ())}, key=len
    )
    minimal: list[str] = []
    for path in paths:
        if not any(path.startswith(kept) for kept in minimal):
            minimal.append(path)
    return minimal


def scope_filter(
    user: User | None, action: str, path_column: InstrumentedAttribute[str]
) -> ColumnElement[bool]:
    """A WHERE clause keeping rows whose area path lies in the user's scope for action."""
    paths = scope_paths(user, action)
    if not paths:
        return false()
    return or_(*[path_column.startswith(p, autoescape=True) for p in paths])


def require_visible(user: User | None, action: str, area: Area | None, missing: Any = None) -> None:
    """Raise NotFound unless can(user, action, area): an object in another area answers
    exactly like a missing one (same status, same message), so ids reveal nothing."""
    if not can(user, action, area):
        raise NotFound(missing)


def require_found(user: User | None, action: str, area: Area | None, missing: Any = None) -> None:
    """Raise NotFound (with the missing object's message) if the object was not found (area
    None) or lies in an area where the user may not do action: the two read the same."""
    if area is None or not can(user, action, area):
        raise NotFound(missing)
