"""The alert form's parts: its fields, the areas to tick, the board map, and the rule that an
area and a unit inside it are never both targets."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from signage import clock
from signage.alerts.models import STATUSES
from signage.alerts.targets import Targets
from signage.areas.models import Area
from signage.boards.fleet import status_sql
from signage.boards.mapping import MAP_LIMIT, project
from signage.db import db
from signage.errors import ValidationFailed
from signage.permissions import scope_paths

DURATIONS = (30, 60, 180, 360, 720, 1440, 4320)
STATUS_LABELS = {"Actual": _l("Real alert"), "Exercise": _l("Exercise"), "Test": _l("Test")}


def duration_label(minutes: int) -> str:
    """A duration in minutes as people say it: minutes, hours or days."""
    if minutes < 60:
        return _("%(n)s minutes", n=minutes)
    if minutes < 1440:
        return _("%(n)s hours", n=minutes // 60)
    return _("%(n)s days", n=minutes // 1440)


class SendForm(FlaskForm):
    """The text of an alert; targets come from the checkboxes and code fields."""

    headline = StringField(_l("Headline"), validators=[Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    instruction = TextAreaField(
        _l("What residents must do"), validators=[Optional(), Length(max=4000)]
    )
    sender_name = StringField(_l("Issuing agency"), validators=[Optional(), Length(max=200)])
    duration = SelectField(_l("Ends after"), coerce=int)
    status = SelectField(_l("Kind"), choices=[SelectChoice(s, STATUS_LABELS[s]) for s in STATUSES])
    groups = StringField(
        _l("Group codes (comma-separated)"), validators=[Optional(), Length(max=2000)]
    )
    boards = StringField(
        _l("Board codes (comma-separated)"), validators=[Optional(), Length(max=20000)]
    )


def codes_of(text: str) -> list[str]:
    """Codes typed in a field, split at commas and line breaks."""
    return [c.strip() for c in (text or "").replace("\n", ",").split(",") if c.strip()]


def target_areas(user: Any) -> list[tuple[Area, list[Area]]]:
    """The user's alert areas, each with its child areas, for the target checkboxes."""
    out = []
    for path in scope_paths(user, "alert.send"):
        area = db.session.scalar(select(Area).where(Area.path == path))
        if area is None:
            continue
        children = list(
            db.session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.code))
        )
        out.append((area, children))
    return out


def map_points(user: Any) -> dict[str, Any] | None:
    """Located boards the user may alert with their status, projected into an SVG box."""
    from signage.boards.models import Board, BoardStatus
    from signage.permissions import scope_filter

    rows = db.session.execute(
        select(
            Board.code, Board.name, Board.lat, Board.lon, status_sql(clock.now()).label("status")
        )
        .join(Area, Board.area_id == Area.id)
        .outerjoin(BoardStatus, BoardStatus.board_id == Board.id)
        .where(scope_filter(user, "alert.send", Area.path))
        .where(Board.lat.is_not(None), Board.lon.is_not(None))
        .order_by(Board.code)
        .limit(MAP_LIMIT)
    ).all()
    return project(rows, fields=("status",))


def refuse_overlaps(targets: Targets) -> None:
    """An area ticked together with an area inside it is refused: the operator must choose."""
    for parent in targets.areas:
        for child in targets.areas:
            if child is not parent and child.path.startswith(parent.path):
                raise ValidationFailed(
                    _(
                        "You ticked the whole of %(parent)s and also %(child)s inside it. "
                        "Untick one: either all of %(parent)s, or only the units you chose.",
                        parent=parent.name,
                        child=child.name,
                    )
                )
