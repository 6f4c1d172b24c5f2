"""The board side: board tokens, pairing, the player HTTP API (api.py), telemetry, what a
board may read (access.py), the /player namespace (namespace.py, reconcile.py, state.py), the
console's actions on a player (console.py) and the browser player's page (views.py)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Serve the /player namespace and page; register this process's player buffers and have
    shutdown write them (receipts first, then connections and heartbeats)."""
    from signage.alerts.delivery import ReceiptBuffer
    from signage.content import media_access
    from signage.http.api import register_token_kind
    from signage.players import access, console, views
    from signage.players.namespace import PlayerNamespace, flush_receipts, flush_status
    from signage.players.reconcile import ActiveAlerts
    from signage.players.telemetry import StatusBuffer
    from signage.players.tokens import BOARD_TOKEN_PREFIX, authenticate_board
    from signage.realtime import serve_namespace
    from signage.realtime.lifecycle import on_flush

    settings = app.config["SIGNAGE"]
    serve_namespace(PlayerNamespace())
    app.extensions["signage_status"] = StatusBuffer(settings.status_flush_seconds)
    app.extensions["signage_receipts"] = ReceiptBuffer(settings.alert_receipt_flush_seconds)
    app.extensions["signage_active_alerts"] = ActiveAlerts(settings.alert_snapshot_seconds)
    on_flush(app, "receipts", flush_receipts)
    on_flush(app, "status", flush_status)
    media_access.set_board_reader(
        media_access.BoardReader(
            token_prefix=BOARD_TOKEN_PREFIX,
            authenticate=authenticate_board,
            may_read_media=access.may_read_media,
            may_read_rendition=access.may_read_rendition,
        )
    )
    register_token_kind(BOARD_TOKEN_PREFIX, authenticate_board)
    app.register_blueprint(console.bp)
    views.init_app(app)
