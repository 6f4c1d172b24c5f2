"""Sending alerts through the API: targets, permissions, two-person rule, update, cancel, expiry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from signage.alerts.models import Alert, AlertDelivery
from signage.audit.models import AuditEntry
from signage.clock import system_clock
from tests.alerts.conftest import alert_count
from tests.players_server.conftest import events


def send(client, factory, user, **body):
    body.setdefault("template", "storm")
    return client.post("/api/v1/alerts", json=body, headers=factory.bearer(user))


def test_template_alert_reaches_only_the_targeted_boards_at_once(
    client, factory, session, hn_operator, boards, players
):
    resp = send(client, factory, hn_operator, areas=["00070"])
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    assert data["state"] == "active" and data["version"] == 1
    assert data["targeted"] == 3  # HK-1, HK-LCD (village), HK-TEST; not HP-1
    assert data["headline"] == "CẢNH BÁO BÃO KHẨN CẤP" and data["mode"] == "takeover"
    for key in ("hk", "lcd", "test"):
        got = events(players[key], "alert")
        assert [(a["id"], a["version"]) for a in got] == [(data["id"], 1)], key
    assert events(players["hp"], "alert") == []
    shown = events(players["hk"], "alert")  # already read above: nothing twice
    assert shown == []
    # One rendition per profile in use among the targets, served from the media store.
    assert set(data["images"]) == {"led-192x96-mono", "lcd-1920x1080"}
    image = client.get(data["images"]["lcd-1920x1080"]["url"])
    assert image.status_code == 200 and image.mimetype == "image/png"
    deliveries = session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == data["id"]))
    assert {d.board_id for d in deliveries} == {boards[k].id for k in ("hk", "lcd", "test")}
    audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "alert.create"))
    assert audit is not None and audit.actor == "hn-operator"


def test_payload_carries_the_whole_alert(client, factory, hn_operator, boards, players):
    body = {
        "template": "flood",
        "description": "Nước sông Hồng lên nhanh.",
        "sender_name": "Ban Chỉ huy PCTT Hà Nội",
        "boards": ["HK-1"],
    }
    data = send(client, factory, hn_operator, **body).get_json()
    (alert,) = events(players["hk"], "alert")
    assert alert["body"] == "Nước sông Hồng lên nhanh."
    assert alert["instruction"].startswith("Di chuyển người")
    assert alert["severity"] == "severe" and alert["test"] is False
    assert (
        alert["images"]["led-192x96-mono"]["sha256"] == data["images"]["led-192x96-mono"]["sha256"]
    )
    assert alert["expires_at"].endswith("Z")


def test_custom_text_without_template(client, factory, hn_operator, boards, players):
    resp = send(
        client,
        factory,
        hn_operator,
        template=None,
        event="Cháy chợ",
        headline="Cháy tại chợ Đồng Xuân",
        severity="Moderate",
        urgency="Immediate",
        certainty="Observed",
        category="Fire",
        groups=[],
        boards=["HK-1"],
    )
    assert resp.status_code == 201
    assert resp.get_json()["mode"] == "banner"  # moderate: a banner, not a takeover


def test_targets_outside_the_grant_are_refused_and_nothing_is_created(
    client, factory, session, hk_operator, boards, players
):
    # Another province's area answers like an unknown code, without its name.
    resp = send(client, factory, hk_operator, areas=["00070", "31"])
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"] == [
        {"field": "areas", "message": "Unknown area code: 31"}
    ]
    assert "Hải Phòng" not in resp.get_data(as_text=True)
    # A board of another area answers exactly like a missing one (no existence oracle).
    other = send(client, factory, hk_operator, boards=["HP-1"])
    missing = send(client, factory, hk_operator, boards=["NO-SUCH"])
    assert other.status_code == missing.status_code == 422
    assert other.get_json()["error"]["details"] == [
        {"field": "boards", "message": "Unknown board: HP-1"}
    ]
    assert missing.get_json()["error"]["details"][0]["message"] == "Unknown board: NO-SUCH"
    assert alert_count(session) == 0
    assert all(events(p, "alert") == [] for p in players.values())


def test_bad_input_is_named_and_nothing_is_created(client, factory, session, hn_operator, boards):
    past = (system_clock() - timedelta(minutes=1)).isoformat()
    cases = [
        ({"areas": ["00070"], "expires": past}, 422, "expires"),
        ({"areas": ["00070"], "expires": "2026-11-24T08:00:00"}, 422, "expires"),
        ({"areas": ["nope"]}, 422, "areas"),
        ({}, 422, "targets"),
        ({"areas": ["00070"], "urgency": "Past"}, 422, "urgency"),
        ({"areas": ["00070"], "template": "no-such"}, 404, None),
        ({"areas": ["00070"], "template": None, "headline": "x"}, 422, "event"),
        ({"areas": ["00070"], "status": "Draft"}, 422, "status"),
        ({"areas": ["00070"], "severity": "Apocalyptic"}, 422, "severity"),
        ({"areas": ["00070"], "headline": "x" * 301}, 422, "headline"),
        ({"areas": ["00070"], "surprise": 1}, 422, "surprise"),
        (
            {"areas": ["00070"], "expires": (system_clock() + timedelta(days=8)).isoformat()},
            422,
            "expires",
        ),
    ]
    for body, status, field in cases:
        resp = send(client, factory, hn_operator, **body)
        assert resp.status_code == status, (body, resp.get_json())
        if field:
            fields = [d.get("field", "") for d in resp.get_json()["error"].get("details", [])]
            assert any(field in f for f in fields), (body, resp.get_json())
    assert alert_count(session) == 0


def test_viewer_and_editor_cannot_send(client, factory, session, tree, boards):
    editor = factory.user("ed", ("editor", tree["vn"]), locale="en")
    viewer = factory.user("vw", ("viewer", tree["vn"]), locale="en")
    for user in (editor, viewer):
        assert send(client, factory, user, areas=["00070"]).status_code == 403
    assert alert_count(session) == 0


def test_province_wide_alert_needs_a_second_operator(
    client, factory, session, hn_operator, hn_operator2, boards, players
):
    resp = send(client, factory, hn_operator, areas=["01"])
    assert resp.status_code == 201
    alert = resp.get_json()
    assert alert["state"] == "pending_confirmation"
    assert all(events(p, "alert") == [] for p in players.values())
    confirm = f"/api/v1/alerts/{alert['id']}/confirm"
    same = client.post(confirm, json={"version": 1}, headers=factory.bearer(hn_operator))
    assert same.status_code == 409
    assert "second operator" in same.get_json()["error"]["message"]
    assert events(players["hk"], "alert") == []
    ok = client.post(confirm, json={"version": 1}, headers=factory.bearer(hn_operator2))
    assert ok.status_code == 200 and ok.get_json()["state"] == "active"
    assert ok.get_json()["created_by"] == "hn-operator"
    assert ok.get_json()["confirmed_by"] == "hn-operator2"
    assert [a["id"] for a in events(players["hk"], "alert")] == [alert["id"]]
    again = client.post(confirm, json={"version": 1}, headers=factory.bearer(hn_operator2))
    assert again.status_code == 409


def test_update_sends_a_new_version_and_cancel_ends_it(
    client, factory, session, hn_operator, boards, players, connect, tokens
):
    from tests.players_server.conftest import auth

    alert = send(client, factory, hn_operator, boards=["HK-1"]).get_json()
    url = f"/api/v1/alerts/{alert['id']}"
    events(players["hk"], "alert")
    resp = client.patch(
        url, json={"headline": "BÃO SỐ 3 ĐỔ BỘ"}, headers=factory.bearer(hn_operator)
    )
    assert resp.status_code == 200 and resp.get_json()["version"] == 2
    (update,) = events(players["hk"], "alert")
    assert (update["version"], update["headline"]) == (2, "BÃO SỐ 3 ĐỔ BỘ")
    assert update["images"] != alert["images"]  # re-rendered

    # A player that (re)connects gets the active alerts in `state`.
    late = connect(auth(tokens["hk"]))
    (state,) = events(late, "state")
    assert [(a["id"], a["version"]) for a in state["alerts"]] == [(alert["id"], 2)]

    resp = client.post(f"{url}/cancel", headers=factory.bearer(hn_operator))
    assert resp.status_code == 200 and resp.get_json()["state"] == "cancelled"
    assert events(players["hk"], "alert_cancel") == [{"id": alert["id"], "version": 3}]
    assert client.post(f"{url}/cancel", headers=factory.bearer(hn_operator)).status_code == 409
    assert (
        client.patch(url, json={"headline": "x"}, headers=factory.bearer(hn_operator)).status_code
        == 409
    )
    again = connect(auth(tokens["hk"]))
    assert events(again, "state")[0]["alerts"] == []


def test_exercise_goes_to_test_boards_only_and_is_labelled(
    client, factory, session, hn_operator, boards, players
):
    resp = send(client, factory, hn_operator, areas=["00070"], status="Exercise")
    assert resp.status_code == 201
    assert resp.get_json()["targeted"] == 1
    (alert,) = events(players["test"], "alert")
    assert alert["test"] is True and alert["status"] == "Exercise"
    assert events(players["hk"], "alert") == [] and events(players["lcd"], "alert") == []


def test_expiry_job_ends_alerts_and_tells_the_boards(
    app, client, factory, session, hn_operator, boards, players
):
    from signage.alerts.lifecycle import expire_alerts

    alert = send(client, factory, hn_operator, boards=["HK-1"]).get_json()
    events(players["hk"], "alert")
    assert expire_alerts(session, now=system_clock()) == 0
    assert expire_alerts(session, now=system_clock() + timedelta(hours=13)) == 1
    session.commit()
    row = session.get(Alert, alert["id"])
    assert row.state == "expired"
    assert events(players["hk"], "alert_cancel") == [{"id": alert["id"], "version": 2}]
    assert expire_alerts(session, now=system_clock() + timedelta(hours=13)) == 0  # idempotent


def test_templates_are_listed_and_only_admins_change_them(
    client, factory, session, hn_operator, admin
):
    resp = client.get("/api/v1/alert-templates", headers=factory.bearer(hn_operator))
    keys = [t["key"] for t in resp.get_json()["templates"]]
    assert keys == ["storm", "flood", "flash-flood", "fire", "epidemic", "evacuation", "all-clear"]
    body = {"name": "Rét đậm", "event": "Rét đậm, rét hại", "headline": "CẢNH BÁO RÉT HẠI",
            "category": "Met", "urgency": "Expected", "severity": "Moderate",
            "certainty": "Likely", "expires_minutes": 1440}  # fmt: skip
    url = "/api/v1/alert-templates/cold"
    assert client.put(url, json=body, headers=factory.bearer(hn_operator)).status_code == 403
    resp = client.put(url, json=body, headers=factory.bearer(admin))
    assert resp.status_code == 200 and resp.get_json()["headline"] == "CẢNH BÁO RÉT HẠI"
    bad = client.put("/api/v1/alert-templates/x%20y", json=body, headers=factory.bearer(admin))
    assert bad.status_code == 422


def test_alert_detail_counts_receipts_and_lists_missing_boards(
    client, factory, session, hn_operator, boards, players
):
    alert = send(client, factory, hn_operator, areas=["00070"]).get_json()
    players["hk"].emit(
        "alert_receipt",
        {"id": alert["id"], "version": 1, "status": "displayed"},
        namespace="/player",
    )
    players["lcd"].emit(
        "alert_receipt",
        {"id": alert["id"], "version": 1, "status": "received"},
        namespace="/player",
    )
    data = client.get(f"/api/v1/alerts/{alert['id']}", headers=factory.bearer(hn_operator))
    assert data.get_json()["receipts"] == {
        "targeted": 3,
        "delivered": 2,
        "displayed": 1,
        "offline": 0,  # all three players are connected
    }
    missing = client.get(
        f"/api/v1/alerts/{alert['id']}/boards", headers=factory.bearer(hn_operator)
    ).get_json()["boards"]
    assert [b["code"] for b in missing] == ["HK-LCD", "HK-TEST"]


def test_alerts_are_in_the_openapi_description(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = {"/api/v1/alerts", "/api/v1/alerts/{alert_id}", "/api/v1/alerts/{alert_id}/cancel"}
    assert paths <= set(spec["paths"])
