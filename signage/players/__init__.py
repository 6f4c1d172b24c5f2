"""The board side: the /player namespace, its buffers and reconciliation, and the browser
player's page. (Board tokens, pairing, the player HTTP API and telemetry still live in
signage.boards.)"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Serve the /player namespace and page; register this process's player buffers and have
    shutdown write them (receipts first, then connections and heartbeats)."""
    from signage.alerts.delivery import ReceiptBuffer
    from signage.boards.telemetry import StatusBuffer
    from signage.players import views
    from signage.players.namespace import PlayerNamespace, flush_receipts, flush_status
    from signage.players.reconcile import ActiveAlerts
    from signage.realtime import serve_namespace
    from signage.realtime.lifecycle import on_flush

    settings = app.config["SIGNAGE"]
    serve_namespace(PlayerNamespace())
    app.extensions["signage_status"] = StatusBuffer(settings.status_flush_seconds)
    app.extensions["signage_receipts"] = ReceiptBuffer(settings.alert_receipt_flush_seconds)
    app.extensions["signage_active_alerts"] = ActiveAlerts(settings.alert_snapshot_seconds)
    on_flush(app, "receipts", flush_receipts)
    on_flush(app, "status", flush_status)
    views.init_app(app)
