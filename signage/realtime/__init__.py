"""Socket.IO: namespaces for players and the console, and emit helpers."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask
from flask_socketio import SocketIO

log = logging.getLogger(__name__)
socketio = SocketIO()


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


def init_app(app: Flask) -> None:
    """Attach Socket.IO; a configured message queue carries emits between processes."""
    from signage.alerts.delivery import ReceiptBuffer
    from signage.boards.telemetry import StatusBuffer
    from signage.realtime.player import PlayerNamespace
    from signage.realtime.queue import delivery_degraded
    from signage.realtime.reconcile import ActiveAlerts
    from signage.realtime.rooms import client_manager

    settings = app.config["SIGNAGE"]
    if socketio.server is None:  # the first app; init_app registers it on every later server
        socketio.on_namespace(PlayerNamespace())
    app.extensions["signage_status"] = StatusBuffer(settings.status_flush_seconds)
    app.extensions["signage_receipts"] = ReceiptBuffer(settings.alert_receipt_flush_seconds)
    # Under tests every sync reads the database: no snapshot outlives a test's transaction.
    app.extensions["signage_active_alerts"] = ActiveAlerts(0.0 if settings.testing else 2.0)
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
