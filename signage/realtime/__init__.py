"""Socket.IO: the instance, the /player and /console namespace names, the emit seams and
background work.

Realtime is a leaf: it imports only kernel modules. Domains never touch `socketio`; they take an
`Emit` (`emitter()` in production) and name rooms with `signage.realtime.rooms`. What players
do on the namespace (handlers, buffers, flushers) is registered by `signage.players.init_app`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from flask_socketio import Namespace, SocketIO

log = logging.getLogger(__name__)
socketio = SocketIO()
NAMESPACE = "/player"
# Signed-in console users: joined to the area rooms (rooms.area_room) of their `board.view`
# grants; they receive `board_status` {board, status} when a board's presence changes.
CONSOLE_NAMESPACE = "/console"

Emit = Callable[[str, dict[str, Any], str], None]  # (event, payload, room)


def _emit(event: str, payload: dict[str, Any], room: str) -> None:
    """Emit on /player to a room (through the message queue when one is configured)."""
    socketio.emit(event, payload, to=room, namespace=NAMESPACE)


def emitter() -> Emit:
    """The production emit: `emit(event, payload, room)` on the player namespace."""
    return _emit


ConsoleEmit = Callable[[str, dict[str, Any], list[str]], None]  # (event, payload, rooms)


def _console_emit(event: str, payload: dict[str, Any], rooms: list[str]) -> None:
    """Emit on /console to several rooms at once (a socket in two of them gets it once)."""
    if rooms:
        socketio.emit(event, payload, to=rooms, namespace=CONSOLE_NAMESPACE)


def console_emitter() -> ConsoleEmit:
    """The production emit on the console namespace: `emit(event, payload, rooms)`."""
    return _console_emit


def every(app: Flask, seconds: float, job: Callable[[], object], what: str) -> None:
    """Run job inside the app's context every `seconds` in a background task; failures are
    logged and the next round runs as usual (buffer flushes: status, receipts, token uses)."""

    def loop() -> None:
        while True:
            socketio.sleep(seconds)
            try:
                with app.app_context():
                    job()
            except Exception:
                log.exception("%s failed", what)

    socketio.start_background_task(loop)


Loop = tuple[float, Callable[[], object], str]  # (seconds, job, what)


class Background:
    """How this process runs work later: Socket.IO background tasks and loops.

    Buffered writes wait for their loop; a deferred send runs after the handler returns."""

    def later(self, task: Callable[..., object], *args: Any) -> None:
        """Run task(*args) once the current handler has returned."""
        socketio.start_background_task(task, *args)

    def buffered(self, flush: Callable[[], object]) -> None:
        """Something was buffered: the flush loop writes it within its interval."""

    def loops(self, app: Flask, loops: list[Loop]) -> None:
        """Start the flush loops, and write what is still buffered when the process ends."""
        from signage.realtime.lifecycle import flush_at_exit

        flush_at_exit(app)
        for seconds, job, what in loops:
            self.loop(app, seconds, job, what)

    def loop(self, app: Flask, seconds: float, job: Callable[[], object], what: str) -> None:
        """Start one more flush loop (the process's exit flush is the owner's to register)."""
        every(app, seconds, job, what)


class Inline(Background):
    """Everything now, on the caller's thread, and no loops (SIGNAGE_BACKGROUND_TASKS=0: the
    test suite, where a test's transaction must see each write before it ends)."""

    def later(self, task: Callable[..., object], *args: Any) -> None:
        task(*args)

    def buffered(self, flush: Callable[[], object]) -> None:
        flush()

    def loops(self, app: Flask, loops: list[Loop]) -> None:
        return None

    def loop(self, app: Flask, seconds: float, job: Callable[[], object], what: str) -> None:
        return None


def background(app: Any = None) -> Background:
    """This app's policy for later work (settings.background_tasks)."""
    return (app or current_app).extensions["signage_background"]


def serve_namespace(handler: Namespace) -> None:
    """Serve a namespace's handlers on this app's server and on every later one (init_app
    builds a new server per app and registers the handlers listed on `socketio`)."""
    if any(h.namespace == handler.namespace for h in socketio.namespace_handlers):
        return
    socketio.namespace_handlers.append(handler)
    handler._set_socketio(socketio)
    if socketio.server is not None:
        socketio.server.register_namespace(handler)


def init_app(app: Flask) -> None:
    """Attach Socket.IO; a configured message queue carries emits between processes."""
    from signage.realtime.queue import delivery_degraded
    from signage.realtime.rooms import client_manager

    settings = app.config["SIGNAGE"]
    app.extensions["signage_background"] = Background() if settings.background_tasks else Inline()
    for kept in ("client_manager", "message_queue", "channel"):  # left by a previous app
        socketio.server_options.pop(kept, None)
    app.jinja_env.globals["delivery_degraded"] = delivery_degraded
    socketio.init_app(
        app,
        # The queue's manager (Redis: publishing never blocks an emit, queue.py), plus
        # board-socket changes applied on every process (rooms.py).
        client_manager=client_manager(settings.message_queue, settings.message_queue_channel),
        cors_allowed_origins=[],
        logger=False,
        engineio_logger=False,
        transports=["websocket", "polling"],
    )
