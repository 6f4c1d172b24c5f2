"""Which rooms a board's sockets are in, and changing them on every server process.

A player joins `board:<code>`, `area:<id>` for every area on its path and `group:<id>` for each
of its groups when it connects. When the board moves, changes groups or code, is deleted or its
token is revoked, the sockets must follow at once on every process, not at the next reconnect.

python-socketio's message-queue managers change rooms across processes only by socket id, and
only the process holding a socket knows its id. So a change is sent as an ordinary emit of a
reserved event through the queue (any process can send it, even a write-only one such as the
CLI); the client manager of every server process intercepts that event and applies it to its
own sockets of the board. The emit is addressed to a room no socket ever joins, so a server
without the interceptor delivers it to nobody.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio as sio_lib

from signage.realtime import NAMESPACE

log = logging.getLogger(__name__)

CONTROL_EVENT = "signage:board-sockets"
CONTROL_ROOM = "signage:control"  # nobody joins it: a missed interception reaches nobody
_MANAGED = ("board:", "area:", "group:")


def board_room(code: str) -> str:
    """The room of one board's players."""
    return f"board:{code}"


def area_room(area_id: int) -> str:
    """The room of the players of every board in an area's subtree."""
    return f"area:{area_id}"


def group_room(group_id: int) -> str:
    """The room of the players of a board group's members."""
    return f"group:{group_id}"


def _send(message: dict[str, Any]) -> None:
    from signage.realtime import socketio

    socketio.emit(CONTROL_EVENT, message, to=CONTROL_ROOM, namespace=NAMESPACE)


def move_sockets(code: str, rooms: list[str]) -> None:
    """Put the sockets of the board known as `code` in exactly these rooms, on every process."""
    _send({"board": code, "rooms": list(rooms)})


def close_sockets(code: str) -> None:
    """Send `revoked` to the board's sockets and close them, on every process."""
    _send({"board": code, "close": True})


class BoardSocketsMixin:
    """Applies board-socket changes that arrive as the reserved event, to local sockets only."""

    def emit(self, event: str, data: Any, namespace: Any = None, *args: Any, **kwargs: Any) -> Any:
        if event == CONTROL_EVENT and not isinstance(self, sio_lib.PubSubManager):
            return self._board_sockets(data)  # single process: nothing to publish
        return super().emit(event, data, namespace, *args, **kwargs)  # type: ignore[misc]

    def _handle_emit(self, message: dict[str, Any]) -> Any:
        # Message-queue managers: called for the sender's own emit and for every other
        # process's emit read from the queue.
        if message.get("event") == CONTROL_EVENT:
            data = message.get("data")
            return self._board_sockets(data[0] if isinstance(data, list) and data else None)
        return super()._handle_emit(message)  # type: ignore[misc]

    def _board_sockets(self, data: Any) -> None:
        if not isinstance(data, dict) or not isinstance(data.get("board"), str):
            return
        manager: Any = self
        room = board_room(data["board"])
        sids = [sid for sid, _eio in manager.get_participants(NAMESPACE, room)]
        if not sids:
            return
        if data.get("close"):
            sio_lib.Manager.emit(manager, "revoked", {"code": "revoked"}, NAMESPACE, room=room)
            for sid in sids:
                manager.server.disconnect(sid, namespace=NAMESPACE, ignore_queue=True)
            log.info("closed %d socket(s) of board %s", len(sids), data["board"])
            return
        rooms = data.get("rooms")
        if not isinstance(rooms, list) or not all(isinstance(r, str) for r in rooms):
            return
        wanted = set(rooms)
        for sid in sids:
            current = {r for r in manager.get_rooms(sid, NAMESPACE) if r.startswith(_MANAGED)}
            for r in current - wanted:
                sio_lib.Manager.leave_room(manager, sid, NAMESPACE, r)
            for r in wanted - current:
                sio_lib.Manager.enter_room(manager, sid, NAMESPACE, r)
        log.info("moved %d socket(s) of board %s", len(sids), data["board"])


def client_manager(url: str | None, channel: str) -> Any:
    """The client manager Flask-SocketIO would pick for this queue URL, with the interceptor."""
    if not url:
        base: type = sio_lib.Manager
        kwargs: dict[str, Any] = {}
    else:
        if url.startswith(("redis://", "rediss://")):
            from signage.realtime.queue import QueuedRedisManager

            base = QueuedRedisManager
        elif url.startswith("kafka://"):
            base = sio_lib.KafkaManager
        elif url.startswith("zmq"):
            base = sio_lib.ZmqManager
        else:
            base = sio_lib.KombuManager
        kwargs = {"url": url, "channel": channel}
    cls = type(f"BoardSockets{base.__name__}", (BoardSocketsMixin, base), {})
    return cls(**kwargs)
