"""Which areas a user may see, shared by the console and the API (outside the scope = 404)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.auth import current_user
from signage.accounts.models import User
from signage.areas import services
from signage.areas.models import Area
from signage.db import bytewise, db
from signage.errors import ValidationFailed
from signage.permissions import can, require_visible, scope_paths

SEARCH_LIMIT = 50


def _unknown(code: str | None) -> str:
    """ "Unknown area code: …" with the code cut short and stripped of control characters."""
    shown = "".join(c for c in str(code or "") if c.isprintable())[:40]
    return _l("Unknown area code: %(code)s", code=shown)


def visible_area(session: Session, user: User | None, code: str, action: str = "area.view") -> Area:
    """The area with this code if the user may do action on it; otherwise the very NotFound
    an unknown code gets (another province's tree must not be told apart from nothing)."""
    area = services.find_by_code(session, code)
    missing = _unknown(code)
    if area is None:
        require_visible(None, action, None, missing)
    require_visible(user, action, area, missing)
    assert area is not None
    return area


def named_area(
    session: Session,
    user: User | None,
    code: str,
    field: str = "area",
    action: str | None = "area.view",
) -> Area:
    """The area a form or request body names by code, if the user may do action on it;
    otherwise the very field error an unknown code gets (no existence oracle). With action
    None any existing area is returned (the service then checks what it needs)."""
    area = services.find_by_code(session, (code or "").strip())
    if area is None or (action is not None and not can(user, action, area)):
        raise ValidationFailed(details=[{"field": field, "message": _unknown(code)}])
    return area


def area_field(code: str | None, *, field: str = "area", action: str | None = "area.view") -> Area:
    """The area named by code in the field `field` of this request, if the caller may do
    action on it (None: any area; the service checks what it needs).

    An unknown code, or one outside the caller's reach, is the same field error
    ("Unknown area code: …", the code cut short and stripped of control characters), so a form
    or API body never tells another province's area apart from none."""
    return named_area(db.session, current_user(), code or "", field=field, action=action)


def visible_tops(session: Session, user: User | None) -> list[Area]:
    """The highest areas the user may view (one per grant that is not inside another)."""
    paths = scope_paths(user, "area.view")
    if not paths:
        return []
    return list(
        session.scalars(select(Area).where(Area.path.in_(paths)).order_by(bytewise(Area.code)))
    )


def visible_children(session: Session, user: User | None, parent: Area | None) -> list[Area]:
    """Children of parent; without one, the roots (or the user's top areas if not nation-wide)."""
    if parent is None and not can(user, "area.view", None):
        return visible_tops(session, user)
    return services.children(session, parent)


def search_visible(
    session: Session,
    user: User | None,
    query: str,
    within: Area | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[Area]:
    """Areas in the user's view scope (and within, if given) matching query by name or code."""
    if within is not None:
        tops: list[Area | None] = [within]
    elif can(user, "area.view", None):
        tops = [None]
    else:
        tops = list(visible_tops(session, user))
    found: dict[int, Area] = {}
    for top in tops:
        for area in services.search(session, query, within=top, limit=limit):
            found.setdefault(area.id, area)
    needle = query.strip().lower()
    # Same order as the service: exact code first, then higher levels, then by code.
    ranked = sorted(found.values(), key=lambda a: (a.code.lower() != needle, a.depth, a.code))
    return ranked[:limit]
