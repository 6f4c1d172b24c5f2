"""Socket.IO: namespaces for players and the console, and emit helpers."""

from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO

socketio = SocketIO()


def init_app(app: Flask) -> None:
    """Attach Socket.IO; a configured message queue carries emits between processes."""
    from signage.alerts.delivery import ReceiptBuffer
    from signage.boards.telemetry import StatusBuffer
    from signage.realtime.player import PlayerNamespace

    settings = app.config["SIGNAGE"]
    if socketio.server is None:  # the first app; init_app registers it on every later server
        socketio.on_namespace(PlayerNamespace())
    app.extensions["signage_status"] = StatusBuffer(settings.status_flush_seconds)
    app.extensions["signage_receipts"] = ReceiptBuffer(settings.alert_receipt_flush_seconds)
    from signage.realtime.rooms import client_manager

    socketio.init_app(
        app,
        # Flask-SocketIO's own choice of queue, plus board-socket changes on every process.
        client_manager=client_manager(settings.message_queue, settings.message_queue_channel),
        cors_allowed_origins=[],
        logger=False,
        engineio_logger=False,
        transports=["websocket", "polling"],
    )
