"""Schedules: playlists, schedule rules, timeline resolution (pure), manifests and their push."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l


def init_app(app: Flask) -> None:
    """Register the schedule console pages and the hooks through which content
    and boards changes reach the manifests (content and boards do not import schedules)."""
    from signage.boards import services as boards
    from signage.content import workflow
    from signage.schedules import views

    app.register_blueprint(views.bp)
    hooks: list[tuple[list[Any], Any]] = [
        (workflow.ITEM_HOOKS, _on_item_change),
        (boards.BOARD_HOOKS, _on_boards_change),
        (boards.DELETE_CHECKS, _refuse_scheduled_board),
        (boards.HOURS_READERS, _read_hours),
    ]
    for registry, hook in hooks:
        if hook not in registry:
            registry.append(hook)


def _on_item_change(session, item, now) -> None:
    """An item was approved or archived: regenerate the manifests of the boards that play it."""
    from signage.schedules.manifests import affected_by_items, publisher

    publisher().boards(session, affected_by_items(session, [item.id]), now=now)


def _on_boards_change(session, board_ids, now) -> None:
    """Boards were created or changed in a way their manifests show: regenerate those."""
    from signage.schedules.manifests import publisher

    publisher().boards(session, board_ids, now=now)


def _refuse_scheduled_board(session, board) -> None:
    """A board that schedules target cannot be deleted."""
    from sqlalchemy import select

    from signage.errors import Conflict
    from signage.schedules.models import Schedule

    in_use = session.scalar(
        select(Schedule.id).where(Schedule.target_kind == "board", Schedule.target_id == board.id)
    )
    if in_use is not None:
        raise Conflict(_l("Schedules target this board; delete them first."))


def _read_hours(hours) -> tuple[Any, list[dict[str, Any]]]:
    """A board's operating hours in their stored form, or None and the problems found."""
    from signage.schedules.spans import SpanError, parse_hours

    problems: list[dict[str, Any]] = []
    try:
        return parse_hours(hours), problems
    except SpanError as exc:
        problems.append(
            {
                "field": "hours",
                "message": _l("Write times as HH:MM-HH:MM, not %(text)s.", text=exc.args[0]),
            }
        )
    except ValueError as exc:
        problems.append({"field": "hours", "message": _l("Operating hours: %(why)s", why=str(exc))})
    return None, problems
