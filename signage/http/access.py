"""Who may open which console section: any grant carrying the action, anywhere in the tree."""

from __future__ import annotations

from signage.accounts.models import User
from signage.errors import PermissionDenied
from signage.permissions import scope_paths


def can_any(user: User | None, action: str) -> bool:
    """True if the user may do action on at least one area."""
    return bool(scope_paths(user, action))


def require_any(user: User | None, action: str) -> None:
    """Raise PermissionDenied unless the user may do action somewhere."""
    if not can_any(user, action):
        raise PermissionDenied()
