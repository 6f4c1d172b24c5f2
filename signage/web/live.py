"""The /console Socket.IO namespace: signed-in console users hear boards come and go.

A connect is authorised by the console's session cookie (the same checks as a page: active user,
security stamp, idle and absolute timeouts) and refused otherwise. The socket joins the area
room of each area where the user may view boards; `board_status` events are emitted to those
rooms by signage.players.presence_feed. Clients send nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from flask_socketio import ConnectionRefusedError, Namespace, join_room
from sqlalchemy.exc import SQLAlchemyError

from signage.accounts.auth import session_user
from signage.db import db
from signage.permissions import scope_paths
from signage.realtime import CONSOLE_NAMESPACE
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
