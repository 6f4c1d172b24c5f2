"""The /console Socket.IO namespace: signed-in console users hear boards come and go.

A connect is authorised by the console's session cookie (the same checks as a page: active user,
security stamp, idle and absolute timeouts) and refused otherwise. The socket joins the area
room of each area where the user may view boards; `board_status` events are emitted to those
rooms by signage.players.presence_feed, with `board_seen`, `alert_progress` and
`board_screenshot` (pages fetch what changed themselves). `approval_queue` {} goes to the rooms
of an item's areas when it enters or leaves the approval queue; the menu's count is then read
from `GET /live/approvals`, which counts only what the user may approve. Clients send nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g
from flask_socketio import ConnectionRefusedError, Namespace, join_room
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from signage.accounts.auth import session_user
from signage.content import workflow
from signage.content.models import ContentItem
from signage.content.queue import pending_count
from signage.db import db, run_after_commit
from signage.http.access import can_any
from signage.permissions import scope_paths
from signage.players.presence_feed import path_rooms
from signage.realtime import CONSOLE_NAMESPACE, console_emitter
from signage.realtime.rooms import area_room

log = logging.getLogger(__name__)


def console_rooms(paths: list[str]) -> list[str]:
    """The area rooms of the areas at these paths ('/1/5/' is area 5)."""
    return [area_room(int(p.strip("/").rsplit("/", 1)[-1])) for p in paths if p.strip("/")]


class ConsoleNamespace(Namespace):
    """Console pages: one socket per open page that shows live board status."""

    def __init__(self, namespace: str = CONSOLE_NAMESPACE) -> None:
        super().__init__(namespace)

    def on_connect(self, auth: Any = None) -> None:
        """Refuse without a valid console session; join the user's board.view area rooms."""
        try:
            with db.scope() as session:
                user = session_user(session)
                if user is None:
                    raise ConnectionRefusedError("unauthorized")
                rooms = console_rooms(scope_paths(user, "board.view"))
        except SQLAlchemyError:
            log.exception("console connect failed on the database")
            raise ConnectionRefusedError("unavailable") from None
        for room in rooms:
            join_room(room)

    def trigger_event(self, event: str, *args: Any) -> Any:
        """Only connect and disconnect: the console listens, it does not talk."""
        if event in ("connect", "disconnect"):
            return super().trigger_event(event, *args)
        return None


def queue_changed(session: Session, item: ContentItem) -> None:
    """After commit, `approval_queue` {} to the rooms of the item's areas (counts are per user,
    so the event says only that the queue moved)."""
    rooms = path_rooms(item.area.path)
    send = console_emitter()

    def emit() -> None:
        try:
            send("approval_queue", {}, rooms)
        except Exception:  # the decision is stored; the next page load shows the count
            log.exception("announcing an approval queue change failed")

    run_after_commit(session, emit)


def approval_count() -> int | None:
    """The signed-in user's approval queue length; None if they approve nothing."""
    user = g.get("user")
    if not can_any(user, "content.approve"):
        return None
    try:
        return pending_count(db.session, user)
    except SQLAlchemyError:  # an error page must still render when the database fails
        return None


def init_app(app: Flask) -> None:
    """Queue changes reach the console; every page may show the approval count."""
    if queue_changed not in workflow.QUEUE_HOOKS:
        workflow.QUEUE_HOOKS.append(queue_changed)

    @app.context_processor
    def _approvals() -> dict:
        return {"approval_count": approval_count}
