"""Receipts from players: batched, validated, flood-proof; resends to unconfirmed boards."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from signage.alerts.delivery import resend_unconfirmed
from signage.alerts.models import AlertDelivery
from signage.clock import system_clock
from signage.players.namespace import flush_receipts, receipt_buffer
from signage.realtime import Background
from tests.players_server.conftest import events


def send(client, factory, user, **body):
    body.setdefault("template", "storm")
    resp = client.post("/api/v1/alerts", json=body, headers=factory.bearer(user))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def receipt(sio, alert_id, version=1, status="displayed"):
    sio.emit(
        "alert_receipt", {"id": alert_id, "version": version, "status": status}, namespace="/player"
    )


def delivery(session, alert_id, board_id) -> AlertDelivery | None:
    session.expire_all()
    return session.get(AlertDelivery, (alert_id, board_id))


def test_receipts_are_stored_with_times_and_player_version(
    client, factory, session, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, boards=["HK-1"])
    receipt(players["hk"], alert["id"], status="received")
    receipt(players["hk"], alert["id"], status="displayed")
    row = delivery(session, alert["id"], boards["hk"].id)
    assert row.received_at is not None and row.displayed_at is not None
    assert row.received_at <= row.displayed_at
    assert (row.version, row.player_version) == (1, "test-1")
    first = row.displayed_at
    receipt(players["hk"], alert["id"], status="displayed")  # replayed: the first time stays
    assert delivery(session, alert["id"], boards["hk"].id).displayed_at == first
    assert events(players["hk"], "error") == []


def test_receipt_for_an_alert_the_board_was_not_sent_is_rejected(
    client, factory, session, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, boards=["HK-1"])
    before = receipt_buffer().rejected
    receipt(players["hp"], alert["id"])  # HP-1 was not targeted
    receipt(players["hp"], 999_999)  # no such alert
    assert receipt_buffer().rejected == before + 2
    assert delivery(session, alert["id"], boards["hp"].id) is None
    assert players["hp"].is_connected("/player")


def test_malformed_receipts_get_an_error_and_change_nothing(
    client, factory, session, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, boards=["HK-1"])
    sio = players["hk"]
    for bad in (
        {"id": str(alert["id"]), "version": 1, "status": "displayed"},
        {"id": alert["id"], "version": 1, "status": "seen"},
        {"id": alert["id"], "version": 0, "status": "displayed"},
        {"id": alert["id"], "version": 1, "status": "displayed", "extra": True},
        {"id": alert["id"]},
        [alert["id"], 1],
        "displayed",
    ):
        sio.emit("alert_receipt", bad, namespace="/player")
    errors = events(sio, "error")
    assert len(errors) == 7 and {e["code"] for e in errors} == {"invalid_message"}
    row = delivery(session, alert["id"], boards["hk"].id)
    assert row.displayed_at is None and row.received_at is None
    assert sio.is_connected("/player")


def test_a_flood_of_receipts_is_bounded(
    app, client, factory, session, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, boards=["HK-1"])
    buffer = receipt_buffer()
    buffer.limit = 3
    inline = app.extensions["signage_background"]
    app.extensions["signage_background"] = Background()  # kept buffered, as between two flushes
    try:
        receipt(players["hk"], alert["id"])
        for n in range(1, 200):
            receipt(players["hk"], alert["id"] + n)  # alerts that do not exist
    finally:
        app.extensions["signage_background"] = inline
    assert buffer.pending() == 3 and buffer.dropped == 197
    assert flush_receipts() == 1  # only the real alert's receipt is written
    assert buffer.pending() == 0
    assert delivery(session, alert["id"], boards["hk"].id).displayed_at is not None
    assert players["hk"].is_connected("/player")


def test_unconfirmed_online_boards_get_the_alert_again(
    client, factory, session, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, areas=["00070"])
    for p in players.values():
        events(p, "alert")
    receipt(players["hk"], alert["id"])  # HK-1 displayed it; HK-LCD and HK-TEST did not
    sent = []
    later = system_clock() + timedelta(seconds=10)
    assert resend_unconfirmed(session, now=system_clock(), emit=lambda *a: sent.append(a)) == 0
    assert resend_unconfirmed(session, now=later, emit=lambda *a: sent.append(a)) == 2
    session.commit()
    assert sorted(room for _e, _m, room in sent) == ["board:HK-LCD", "board:HK-TEST"]
    sent.clear()
    # Just resent: not again until RESEND_AFTER has passed once more.
    assert resend_unconfirmed(session, now=later, emit=lambda *a: sent.append(a)) == 0
    rows = session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert["id"]))
    assert {r.sent_at for r in rows if r.displayed_at is None} == {later}


def test_a_failed_flush_puts_the_receipts_back(
    client, factory, session, hn_operator, boards, players
):
    from sqlalchemy.exc import OperationalError

    alert = send(client, factory, hn_operator, boards=["HK-1"])
    buffer = receipt_buffer()
    at = system_clock()
    buffer.add(alert["id"], boards["hk"].id, 1, "received", at=at)
    real_write = buffer.write

    def busy(_session, _items):  # what a locked SQLite database does to the UPDATE
        raise OperationalError("UPDATE alert_deliveries", {}, Exception("database is locked"))

    buffer.write = busy
    try:
        try:
            flush_receipts()
        except OperationalError:
            pass
        else:
            raise AssertionError("the write error must reach the flushing loop")
        # Meanwhile the board displayed it; both facts survive the failed flush.
        buffer.add(alert["id"], boards["hk"].id, 1, "displayed", at=at + timedelta(seconds=2))
    finally:
        buffer.write = real_write
    assert buffer.pending() == 1
    assert flush_receipts() == 1
    row = delivery(session, alert["id"], boards["hk"].id)
    assert row.received_at == at and row.displayed_at == at + timedelta(seconds=2)


def test_status_buffer_restore_keeps_the_newest_heartbeat():
    from signage.players.telemetry import Heartbeat, StatusBuffer

    buffer = StatusBuffer(15)
    old, new = system_clock(), system_clock() + timedelta(seconds=30)
    buffer.add(1, Heartbeat(at=old, manifest_version="a", player_version="p", current_item=None,
                            free_disk=None, uptime=1))  # fmt: skip
    batch = buffer.take()
    buffer.add(1, Heartbeat(at=new, manifest_version="b", player_version="p", current_item=None,
                            free_disk=None, uptime=2))  # fmt: skip
    buffer.add(2, Heartbeat(at=old, manifest_version="c", player_version="p", current_item=None,
                            free_disk=None, uptime=3))  # fmt: skip
    buffer.restore(batch)
    kept = buffer.take().heartbeats
    assert kept[1].manifest_version == "b" and kept[2].manifest_version == "c"
