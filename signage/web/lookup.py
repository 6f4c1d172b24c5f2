"""Pickers' lookups: areas, boards, groups, playlists and items a user may use, found by name.

`GET /lookup/<kind>?q=&right=` answers `[{value, label, path}]` for the console's pickers
(signage/web/static/picker.js): accent- and case-insensitive, limited to the areas where the
signed-in user holds `right`, exact code and name prefix first, then higher areas first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import g, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from signage.accounts.auth import current_user
from signage.accounts.models import User
from signage.areas.models import Area
from signage.boards.models import Board, BoardGroup
from signage.content.models import ContentItem
from signage.db import db, fold, fold_text
from signage.errors import AuthenticationRequired, NotFound, ValidationFailed
from signage.permissions import ACTIONS, can, scope_filter
from signage.schedules.models import Playlist
from signage.web import bp

LIMIT = 20
QUERY_MAX = 100
PATH_SEPARATOR = " › "


@dataclass(frozen=True)
class Choice:
    """One answer of a lookup: the code or id a form sends, what a person reads, where it is."""

    value: str
    label: str
    path: str

    def as_json(self) -> dict[str, str]:
        """The JSON object the picker reads."""
        return {"value": self.value, "label": self.label, "path": self.path}


def _needle(text: str) -> str:
    return fold_text(" ".join((text or "").split())) or ""


def _rank(needle: str, code: Any, name: Any) -> ColumnElement[int]:
    """0 exact code or name, 1 code or name starts with the text, 2 anything else found."""
    folded = fold(name)
    return case(
        (or_(func.lower(code) == needle, folded == needle), 0),
        (
            or_(
                func.lower(code).startswith(needle, autoescape=True),
                folded.startswith(needle, autoescape=True),
            ),
            1,
        ),
        else_=2,
    )


def _matches(needle: str, *columns: Any) -> ColumnElement[bool]:
    """Name columns folded contain the text, or the code (first column) starts with it."""
    code, *names = columns
    return or_(
        func.lower(code).startswith(needle, autoescape=True),
        *[fold(n).contains(needle, autoescape=True) for n in names],
    )


def area_paths(session: Session, areas: Iterable[Area]) -> dict[int, str]:
    """Each area's chain of names below the country root, e.g. 'Hà Nội › Phường Hoàn Kiếm'."""
    areas = list(areas)
    ids = {int(x) for a in areas for x in a.path.strip("/").split("/") if x}
    rows = session.execute(select(Area.id, Area.name, Area.parent_id).where(Area.id.in_(ids)))
    names = {i: (name, parent) for i, name, parent in rows}
    out: dict[int, str] = {}
    for area in areas:
        chain = [int(x) for x in area.path.strip("/").split("/") if x]
        # The country root is on every path: leave it out unless it is the area itself.
        shown = [
            names[i][0] for i in chain if i in names and (names[i][1] is not None or i == area.id)
        ]
        out[area.id] = PATH_SEPARATOR.join(shown)
    return out


def find_areas(session: Session, user: User | None, text: str, right: str) -> list[Choice]:
    """Areas where the user may do right, matching text by name (any accents) or code."""
    needle = _needle(text)
    stmt = select(Area).where(scope_filter(user, right, Area.path))
    if needle:
        stmt = stmt.where(_matches(needle, Area.code, Area.name))
    if needle:
        stmt = stmt.order_by(_rank(needle, Area.code, Area.name))
    stmt = stmt.order_by(Area.depth, Area.name, Area.code)
    found = list(session.scalars(stmt.limit(LIMIT)))
    paths = area_paths(session, found)
    return [Choice(a.code, a.name, paths[a.id]) for a in found]


def _owned(
    session: Session,
    user: User | None,
    text: str,
    right: str,
    model: Any,
    code: Any,
    name: Any,
    value: Callable[[Any], str],
    extra: ColumnElement[bool] | None = None,
) -> list[Choice]:
    """Rows of a model that belongs to an area, in the user's scope for right, by name or code."""
    needle = _needle(text)
    stmt = select(model).join(Area, Area.id == model.area_id)
    stmt = stmt.where(scope_filter(user, right, Area.path))
    if extra is not None:
        stmt = stmt.where(extra)
    if needle:
        # The area's name finds what lies there too ("hoan kiem": Hoàn Kiếm's boards).
        stmt = stmt.where(
            or_(_matches(needle, code, name), fold(Area.name).contains(needle, autoescape=True))
        )
        stmt = stmt.order_by(_rank(needle, code, name))
    stmt = stmt.order_by(Area.depth, name, model.id).limit(LIMIT)
    rows = list(session.scalars(stmt))
    paths = area_paths(session, [r.area for r in rows])
    return [Choice(value(r), getattr(r, name.key), paths[r.area_id]) for r in rows]


def find_boards(session: Session, user: User | None, text: str, right: str) -> list[Choice]:
    """Boards in the user's scope for right, by name, code or the name of their area."""
    return _owned(session, user, text, right, Board, Board.code, Board.name, lambda b: b.code)


def find_groups(session: Session, user: User | None, text: str, right: str) -> list[Choice]:
    """Board groups in the user's scope for right, by name, code or the name of their area."""
    g = BoardGroup
    return _owned(session, user, text, right, g, g.code, g.name, lambda r: r.code)


def find_playlists(session: Session, user: User | None, text: str, right: str) -> list[Choice]:
    """Playlists in the user's scope for right, by name or the name of their area."""
    p = Playlist
    return _owned(session, user, text, right, p, p.name, p.name, lambda r: str(r.id))


def find_items(session: Session, user: User | None, text: str, right: str) -> list[Choice]:
    """Approved items in the user's scope for right, by headline or the name of their area."""
    i = ContentItem
    live = (i.state == "approved") & i.archived_at.is_(None)
    return _owned(session, user, text, right, i, i.headline, i.headline, lambda r: str(r.id), live)


Finder = Callable[[Session, User | None, str, str], list[Choice]]

# kind -> (finder, the right asked when the form names none)
KINDS: dict[str, tuple[Finder, str]] = {
    "areas": (find_areas, "area.view"),
    "boards": (find_boards, "board.view"),
    "groups": (find_groups, "board.view"),
    "playlists": (find_playlists, "schedule.view"),
    "items": (find_items, "content.view"),
}


def chosen_label(session: Session, user: User | None, kind: str, value: str | None) -> str:
    """What a picker shows for a value a form sends back: its label if the user may view it,
    else the value itself (an unknown or foreign code reads the same)."""
    value = (value or "").strip()
    # No code holds a control character (and PostgreSQL refuses NUL in a parameter).
    if not value or kind not in KINDS or not value.isprintable():
        return value
    if kind == "areas":
        area = session.scalar(select(Area).where(Area.code == value))
        return area.name if area is not None and can(user, "area.view", area) else value
    owned: dict[str, tuple[Any, Any, str]] = {
        "boards": (Board, Board.code, "board.view"),
        "groups": (BoardGroup, BoardGroup.code, "board.view"),
        "playlists": (Playlist, Playlist.id, "schedule.view"),
        "items": (ContentItem, ContentItem.id, "content.view"),
    }
    model, column, right = owned[kind]
    if column.key == "id":
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            return value
        row = session.get(model, int(value))
    else:
        row = session.scalar(select(model).where(column == value))
    if row is None or not can(user, right, row.area):
        return value
    return str(getattr(row, "headline", None) or getattr(row, "name", value))


@bp.route("/lookup/<kind>")
def lookup(kind: str) -> ResponseReturnValue:
    """The pickers' search: up to 20 {value, label, path} the signed-in user may use."""
    user = current_user()
    if user is None:
        raise AuthenticationRequired()
    if kind not in KINDS:
        raise NotFound(_l("Nothing to look up here."))
    finder, default_right = KINDS[kind]
    right = request.args.get("right") or default_right
    if right not in ACTIONS:
        raise ValidationFailed(details=[{"field": "right", "message": _l("Unknown right.")}])
    text = request.args.get("q", "")
    if len(text) > QUERY_MAX:
        message = _l("Type at most %(n)d characters to search.", n=QUERY_MAX)
        raise ValidationFailed(details=[{"field": "q", "message": message}])
    # Control and format characters (NUL, bidi overrides) are no part of any name or code.
    printable = "".join(c for c in text if c.isprintable())
    if text.strip() and not printable.strip():
        return jsonify([])
    found = finder(db.session, user, printable, right)
    return jsonify([c.as_json() for c in found])


def picker_label(kind: str, value: Any) -> str:
    """Template helper: the label a picker shows for the value a form carries."""
    return chosen_label(db.session, g.get("user"), kind, None if value is None else str(value))
