"""Receipts the Python player gives again, so a receipt lost with a server never stays lost."""

from __future__ import annotations

from typing import Any

from tests.players.conftest import T0, iso
from tests.players.test_link import rig


def alert(alert_id: int = 7, version: int = 1, severity: str = "extreme") -> dict[str, Any]:
    return {"id": alert_id, "version": version, "severity": severity, "headline": "Bão"}


def wired(config):
    player, link = rig(config)
    sent: list[tuple[str, dict]] = []
    player.connected = True
    player.send = lambda event, payload: sent.append((event, payload)) or True
    link.sync.want_alert_images = lambda: None  # type: ignore[method-assign]
    return player, link, sent


def receipts(sent) -> list[tuple[int, int, str]]:
    return [(p["id"], p["version"], p["status"]) for e, p in sent if e == "alert_receipt"]


def test_every_resend_is_answered_with_the_receipt_for_what_is_shown(config) -> None:
    player, link, sent = wired(config)
    link.on_alert(alert())
    link.on_alert(alert())  # resent before the first frame: held, not shown yet
    assert receipts(sent) == [(7, 1, "received")]
    player.frame(lambda key, image: None)
    assert receipts(sent)[-1] == (7, 1, "displayed")
    sent.clear()
    for _ in range(3):  # the server lost the receipt (restart): every resend gets it again
        link.on_alert(alert())
    assert receipts(sent) == [(7, 1, "displayed")] * 3


def test_state_after_a_reconnect_is_answered_with_displayed_receipts(config) -> None:
    player, link, sent = wired(config)
    link.on_alert(alert())
    player.frame(lambda key, image: None)
    sent.clear()
    state = {"board": {"code": "HK-1", "name": "x"}, "profile": "led-192x96-mono",
             "manifest_version": "v1", "server_time": iso(T0), "alerts": [alert()]}  # fmt: skip
    link.on_state(state)
    link.on_state(state)
    assert receipts(sent) == [(7, 1, "displayed")] * 2


def test_a_cancel_for_an_alert_already_gone_is_confirmed_as_cleared(config) -> None:
    player, link, sent = wired(config)
    link.on_alert(alert(version=2))
    link.on_alert_cancel({"id": 7, "version": 1})  # older than what we show: kept
    assert 7 in player.alerts.alerts
    link.on_alert_cancel({"id": 7, "version": 2})
    link.on_alert_cancel({"id": 7, "version": 2})  # repeated by the resend job
    link.on_alert_cancel({"id": 99, "version": 1})  # never held
    assert 7 not in player.alerts.alerts
    assert [r for r in receipts(sent) if r[2] == "cleared"] == [
        (7, 2, "cleared"),
        (7, 2, "cleared"),
        (99, 1, "cleared"),
    ]


def test_the_player_reports_what_it_shows_and_obeys_the_answer(config) -> None:
    player, link, sent = wired(config)
    emitted: list[tuple[str, dict]] = []
    link.emit = lambda event, payload, callback=None: emitted.append((event, payload)) or True  # type: ignore[method-assign]
    link.on_alert(alert(7))
    link.on_alert(alert(8, severity="minor"))
    assert link.sync_alerts()
    assert emitted[-1][0] == "alert_sync"
    assert sorted(a["id"] for a in emitted[-1][1]["alerts"]) == [7, 8]
    link.on_alert_cancel({"id": 7, "version": 2})  # the server's answer: 7 ended meanwhile
    assert sorted(player.alerts.alerts) == [8]
