"""Delivery under faults: buffers written at shutdown, reconciliation, cancels resent."""

from __future__ import annotations

from signage.alerts.models import AlertDelivery
from signage.boards.models import BoardStatus
from signage.boards.telemetry import Heartbeat
from signage.clock import system_clock
from signage.realtime.lifecycle import flush_buffers
from signage.realtime.player import receipt_buffer, status_buffer
from tests.alerts.test_receipts import send


def test_shutdown_writes_buffered_receipts_and_heartbeats(
    app, client, factory, session, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, boards=["HK-1"])
    at = system_clock()
    receipt_buffer().add(alert["id"], boards["hk"].id, 1, "displayed", at=at)
    status_buffer().add(boards["hk"].id, Heartbeat(at, "v9", "p9", 17, 1, 2))
    assert receipt_buffer().pending() == 1
    flush_buffers(app)  # what SIGTERM, gunicorn's worker_exit and atexit run
    session.expire_all()
    assert session.get(AlertDelivery, (alert["id"], boards["hk"].id)).displayed_at == at
    status = session.get(BoardStatus, boards["hk"].id)
    assert (status.current_item, status.manifest_version) == (17, "v9")
    assert receipt_buffer().pending() == 0 and status_buffer().pending() == 0
