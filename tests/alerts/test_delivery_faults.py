"""Delivery under faults: buffers written at shutdown, reconciliation, cancels resent."""

from __future__ import annotations

from signage.alerts.models import AlertDelivery
from signage.boards.models import BoardStatus
from signage.clock import system_clock
from signage.players.namespace import receipt_buffer, status_buffer
from signage.players.telemetry import Heartbeat
from signage.realtime.lifecycle import flush_buffers
from tests.alerts.test_receipts import send


def test_shutdown_writes_buffered_receipts_and_heartbeats(
    app, client, factory, session, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, boards=["HK-1"])
    at = system_clock()
    receipt_buffer().add(alert["id"], boards["hk"].id, 1, "displayed", at=at)
    status_buffer().add(boards["hk"].id, Heartbeat(at, "v9", "p9", None, 1, 2))
    assert receipt_buffer().pending() == 1
    flush_buffers(app)  # what SIGTERM, gunicorn's worker_exit and atexit run
    session.expire_all()
    assert session.get(AlertDelivery, (alert["id"], boards["hk"].id)).displayed_at == at
    status = session.get(BoardStatus, boards["hk"].id)
    assert (status.player_version, status.manifest_version) == ("p9", "v9")
    assert receipt_buffer().pending() == 0 and status_buffer().pending() == 0


def sync(sio, *held):
    sio.get_received("/player")
    sio.emit(
        "alert_sync", {"alerts": [{"id": i, "version": v} for i, v in held]}, namespace="/player"
    )
    return [(m["name"], m["args"][0]) for m in sio.get_received("/player")]


def cancel(client, factory, user, alert_id):
    resp = client.post(f"/api/v1/alerts/{alert_id}/cancel", headers=factory.bearer(user))
    assert resp.status_code == 200, resp.get_json()


def test_a_board_that_missed_the_cancel_drops_the_alert_on_its_next_sync(
    client, factory, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, boards=["HK-1"])
    cancel(client, factory, hn_operator, alert["id"])
    players["hk"].get_received("/player")  # lost in transit (Redis down, socket closing)
    assert sync(players["hk"], (alert["id"], 1)) == [
        ("alert_cancel", {"id": alert["id"], "version": 2})
    ]
    assert sync(players["hk"]) == []  # in step: no answer


def test_a_board_that_missed_the_alert_or_an_update_gets_it_on_its_next_sync(
    client, factory, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, boards=["HK-1"])
    got = sync(players["hk"])
    assert [(e, m["id"], m["version"]) for e, m in got] == [("alert", alert["id"], 1)]
    assert got[0][1]["images"] and got[0][1]["headline"]
    assert sync(players["hk"], (alert["id"], 1)) == []
    assert sync(players["hp"]) == []  # not targeted: nothing to show


def test_alerts_a_board_should_not_hold_are_dropped(client, factory, hn_operator, boards, players):
    alert = send(client, factory, hn_operator, boards=["HK-1"])
    got = sync(players["hp"], (alert["id"], 1), (999_999, 3))  # not HP-1's; not an alert at all
    assert sorted(m["id"] for e, m in got if e == "alert_cancel") == [alert["id"], 999_999]
    assert {m["id"]: m["version"] for _e, m in got}[999_999] == 3


def test_malformed_syncs_get_an_error_and_no_answer(players):
    sio = players["hk"]
    for bad in (
        None,
        [],
        "all",
        {},
        {"alerts": "1,2"},
        {"alerts": [{"id": "1", "version": 1}]},
        {"alerts": [{"id": 1}]},
        {"alerts": [], "extra": 1},
        {"alerts": [{"id": 1, "version": 1}] * 1001},
    ):
        sio.emit("alert_sync", bad, namespace="/player")
    got = sio.get_received("/player")
    assert [m["name"] for m in got] == ["error"] * 9
    assert {m["args"][0]["code"] for m in got} == {"invalid_message"}
    assert sio.is_connected("/player")


def test_the_resend_job_repeats_a_cancel_until_the_board_confirms_cleared(
    client, factory, session, hn_operator, boards, players
):
    from datetime import timedelta

    from signage.alerts.delivery import resend_unconfirmed
    from tests.alerts.test_receipts import receipt

    alert = send(client, factory, hn_operator, boards=["HK-1", "HK-LCD"])
    receipt(players["hk"], alert["id"])
    receipt(players["lcd"], alert["id"])
    cancel(client, factory, hn_operator, alert["id"])
    receipt(players["lcd"], alert["id"], version=2, status="cleared")  # HK-1's cancel was lost
    sent = []
    later = system_clock() + timedelta(seconds=10)
    assert resend_unconfirmed(session, now=later, emit=lambda *a: sent.append(a)) == 1
    session.commit()
    assert sent == [("alert_cancel", {"id": alert["id"], "version": 2}, "board:HK-1")]
    receipt(players["hk"], alert["id"], version=2, status="cleared")
    sent.clear()
    much_later = later + timedelta(seconds=10)
    assert resend_unconfirmed(session, now=much_later, emit=lambda *a: sent.append(a)) == 0


def test_the_alert_console_says_when_delivery_to_other_processes_is_degraded(
    app, client, hk_operator, boards
):
    from tests.conftest import login
    from tests.web.conftest import text

    login(client, "hk-operator")
    assert 'id="delivery-degraded"' not in text(client.get("/alerts/"))
    healthy = app.jinja_env.globals["delivery_degraded"]
    app.jinja_env.globals["delivery_degraded"] = lambda: True  # what a Redis outage reports
    try:
        page = text(client.get("/alerts/"))
    finally:
        app.jinja_env.globals["delivery_degraded"] = healthy
    assert 'id="delivery-degraded"' in page and "Redis" in page
