"""Alert reports: what reached the boards survives the cancel and the expiry; send-to-display
times; only the boards in the reader's grants are counted or listed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from signage.alerts.delivery import resend_unconfirmed
from signage.alerts.lifecycle import expire_alerts
from signage.alerts.models import Alert, AlertDelivery
from signage.alerts.report.figures import alert_report, percentile, report_paths
from signage.audit.services import SYSTEM
from signage.boards.models import Board
from signage.clock import set_clock
from signage.players.tokens import issue_token
from tests.players_server.conftest import auth, events
from tests.schedules.conftest import make_board

T0 = datetime(2026, 9, 2, 1, 0, tzinfo=UTC)  # 08:00 in Ha Noi


def send(client, factory, user, **body):
    body.setdefault("template", "storm")
    resp = client.post("/api/v1/alerts", json=body, headers=factory.bearer(user))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def displayed(sio, alert_id, version=1, status="displayed"):
    sio.emit(
        "alert_receipt", {"id": alert_id, "version": version, "status": status}, namespace="/player"
    )


@pytest.fixture()
def three(session, tree, connect):
    """Three connected boards in Hoàn Kiếm: W-1, W-2, W-3."""
    out = {}
    for n in (1, 2, 3):
        board = make_board(session, f"W-{n}", tree["hk"])
        secret = issue_token(session, SYSTEM, board, now=T0)
        session.flush()
        sio = connect(auth(secret))
        events(sio, "state")
        out[board.code] = (board, sio)
    return out


def figures(client, factory, user, alert_id):
    resp = client.get(f"/api/v1/alerts/{alert_id}/report", headers=factory.bearer(user))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_cancel_keeps_what_was_displayed(app, client, factory, session, hn_operator, three):
    set_clock(app, T0)
    alert = send(client, factory, hn_operator, boards=list(three))
    for _board, sio in three.values():
        displayed(sio, alert["id"])
    url = f"/api/v1/alerts/{alert['id']}"
    assert (
        client.get(url, headers=factory.bearer(hn_operator)).get_json()["receipts"]["displayed"]
        == 3
    )

    set_clock(app, T0 + timedelta(minutes=20))
    assert client.post(f"{url}/cancel", headers=factory.bearer(hn_operator)).status_code == 200
    for _board, sio in three.values():
        displayed(sio, alert["id"], version=2, status="cleared")

    receipts = client.get(url, headers=factory.bearer(hn_operator)).get_json()["receipts"]
    assert receipts["displayed"] == 3 and receipts["targeted"] == 3
    report = figures(client, factory, hn_operator, alert["id"])["figures"]
    assert (report["targeted"], report["displayed"], report["cleared"]) == (3, 3, 3)


def test_cancel_keeps_what_was_displayed_on_the_console_page(
    app, client, factory, session, hn_operator, three
):
    from tests.conftest import login

    set_clock(app, T0)
    alert = send(client, factory, hn_operator, boards=list(three))
    for _board, sio in three.values():
        displayed(sio, alert["id"])
    client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=factory.bearer(hn_operator))
    login(client, "hn-operator")
    html = client.get(f"/alerts/{alert['id']}").get_data(as_text=True)
    assert 'data-count="displayed">3<' in html
    assert 'id="all-displayed"' in html  # nothing listed as "not displayed" after the end


def test_expiry_keeps_what_was_displayed(app, client, factory, session, hn_operator, three):
    set_clock(app, T0)
    alert = send(client, factory, hn_operator, boards=list(three))
    for _board, sio in three.values():
        displayed(sio, alert["id"])
    assert expire_alerts(session, now=T0 + timedelta(hours=13)) == 1
    session.commit()
    for _board, sio in three.values():
        displayed(sio, alert["id"], version=2, status="cleared")
    url = f"/api/v1/alerts/{alert['id']}"
    body = client.get(url, headers=factory.bearer(hn_operator)).get_json()
    assert body["state"] == "expired" and body["receipts"]["displayed"] == 3
    assert figures(client, factory, hn_operator, alert["id"])["figures"]["displayed"] == 3
    # Deliveries of ended alerts are kept: the resend job and a later expiry run remove nothing.
    resend_unconfirmed(session, now=T0 + timedelta(days=30))
    expire_alerts(session, now=T0 + timedelta(days=30))
    session.commit()
    rows = session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert["id"]))
    assert sum(1 for r in rows if r.displayed_at is not None) == 3


def test_live_alert_still_counts_the_current_version_only(
    app, client, factory, session, hn_operator, three
):
    set_clock(app, T0)
    alert = send(client, factory, hn_operator, boards=list(three))
    for _board, sio in three.values():
        displayed(sio, alert["id"])
    url = f"/api/v1/alerts/{alert['id']}"
    resp = client.patch(
        url, json={"headline": "BÃO ĐỔI HƯỚNG"}, headers=factory.bearer(hn_operator)
    )
    assert resp.status_code == 200
    assert (
        client.get(url, headers=factory.bearer(hn_operator)).get_json()["receipts"]["displayed"]
        == 0
    )
    displayed(three["W-1"][1], alert["id"], version=2)
    assert (
        client.get(url, headers=factory.bearer(hn_operator)).get_json()["receipts"]["displayed"]
        == 1
    )


def test_percentile_on_a_known_set():
    values = list(range(1, 21))  # 1..20 s
    assert percentile(values, 50) == 10.5
    assert percentile(values, 95) == pytest.approx(19.05)
    assert percentile(values, 100) == 20
    assert percentile([7.0], 95) == 7.0
    assert percentile([], 50) is None


def test_send_to_display_times_median_p95_and_slowest(
    app, client, factory, session, tree, hn_operator, admin
):
    set_clock(app, T0)
    offsets = {"S-1": 1, "S-2": 2, "S-3": 3, "S-4": 4, "S-5": 100, "S-6": None}
    for code in offsets:
        make_board(session, code, tree["hk"])
    alert = send(client, factory, hn_operator, boards=list(offsets))
    set_clock(app, T0 + timedelta(minutes=5))
    resend_unconfirmed(session, now=T0 + timedelta(minutes=5))  # moves sent_at, not first send
    session.commit()
    for code, seconds in offsets.items():
        if seconds is None:
            continue
        board_id = session.scalar(select(Board.id).where(Board.code == code))
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.alert_id == alert["id"], AlertDelivery.board_id == board_id)
            .values(received_at=T0 + timedelta(seconds=seconds),
                    displayed_at=T0 + timedelta(seconds=seconds))
        )  # fmt: skip
    session.commit()
    body = figures(client, factory, admin, alert["id"])
    f = body["figures"]
    assert (f["targeted"], f["displayed"], f["delivered"]) == (6, 5, 5)
    assert f["median_s"] == 3 and f["max_s"] == 100
    assert f["p95_s"] == pytest.approx(4 + (100 - 4) * 0.8)
    assert [b["code"] for b in body["slowest"]] == ["S-5", "S-4", "S-3", "S-2", "S-1"]
    assert {b["code"]: b["outcome"] for b in body["boards"]}["S-6"] == "offline_at_send"
    # displayed + the four not-displayed outcomes add up to targeted
    assert f["displayed"] + sum(
        f[k]
        for k in ("received_not_displayed", "online_not_displayed", "offline_at_send",
                  "never_delivered")
    ) == f["targeted"]  # fmt: skip


def test_online_at_send_is_recorded_and_first_send_never_moves(
    app, client, factory, session, tree, hn_operator, three
):
    set_clock(app, T0)
    offline = make_board(session, "OFF-1", tree["hk"])
    alert = send(client, factory, hn_operator, boards=[*three, "OFF-1"])
    rows = {
        r.board_id: r
        for r in session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert["id"]))
    }
    assert rows[offline.id].online_at_send is False
    assert all(rows[b.id].online_at_send is True for b, _sio in three.values())
    assert {r.first_sent_at for r in rows.values()} == {T0}
    later = T0 + timedelta(seconds=30)
    set_clock(app, later)
    client.post(f"/api/v1/alerts/{alert['id']}/cancel", headers=factory.bearer(hn_operator))
    session.expire_all()
    row = session.get(AlertDelivery, (alert["id"], offline.id))
    assert row.sent_at == later and row.first_sent_at == T0
    f = figures(client, factory, hn_operator, alert["id"])["figures"]
    assert (f["online_not_displayed"], f["offline_at_send"]) == (3, 1)


def test_deliveries_from_before_the_migration_count_from_the_activation(
    app, client, factory, session, tree, hn_operator
):
    set_clock(app, T0)
    make_board(session, "OLD-1", tree["hk"])
    alert = send(client, factory, hn_operator, boards=["OLD-1"])
    session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.alert_id == alert["id"])
        .values(first_sent_at=None, online_at_send=None, displayed_at=T0 + timedelta(seconds=9))
    )
    session.commit()
    f = figures(client, factory, hn_operator, alert["id"])
    assert f["figures"]["median_s"] == 9 and f["boards"][0]["outcome"] == "displayed"


# --- grants ---------------------------------------------------------------------------------


@pytest.fixture()
def citywide(app, client, factory, session, tree, admin):
    """A Hà Nội-wide alert on HK-1 (Hoàn Kiếm), BD-1 (Ba Đình), both displayed; and HP-1."""
    set_clock(app, T0)
    boards = {
        "hk": make_board(session, "HK-1", tree["hk"]),
        "bd": make_board(session, "BD-1", tree["bd"]),
        "hp": make_board(session, "HP-1", tree["hp_commune"]),
    }
    alert = send(client, factory, admin, areas=["01"])  # province-wide: two-person rule
    second = factory.user("second-admin", ("admin", tree["vn"]), locale="en")
    confirm = f"/api/v1/alerts/{alert['id']}/confirm"
    assert (
        client.post(confirm, json={"version": 1}, headers=factory.bearer(second)).status_code == 200
    )
    session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.alert_id == alert["id"])
        .values(displayed_at=T0 + timedelta(seconds=4), received_at=T0 + timedelta(seconds=3))
    )
    session.commit()
    return alert, boards


def test_a_ward_supervisor_sees_only_their_wards_boards(client, factory, session, tree, citywide):
    alert, _boards = citywide
    ward = factory.user("hk-viewer", ("viewer", tree["hk"]), locale="en")
    body = figures(client, factory, ward, alert["id"])
    assert [b["code"] for b in body["boards"]] == ["HK-1"]
    assert body["figures"]["targeted"] == 1 and body["figures"]["displayed"] == 1
    admin_view = figures(client, factory, factory.user("a2", ("admin", tree["vn"])), alert["id"])
    assert admin_view["figures"]["targeted"] == 2


def test_a_reader_whose_boards_it_did_not_reach_gets_404(client, factory, tree, citywide):
    alert, _boards = citywide
    elsewhere = factory.user("hp-viewer", ("viewer", tree["hp_commune"]), locale="en")
    url = f"/api/v1/alerts/{alert['id']}/report"
    resp = client.get(url, headers=factory.bearer(elsewhere))
    missing = client.get("/api/v1/alerts/999999/report", headers=factory.bearer(elsewhere))
    assert resp.status_code == missing.status_code == 404
    assert resp.get_json()["error"] == missing.get_json()["error"]
    export = client.get(f"{url}/export?format=csv", headers=factory.bearer(elsewhere))
    assert export.status_code == 404


def test_report_paths_join_alert_and_report_grants(factory, tree):
    user = factory.user("mixed", ("operator", tree["hk"]), ("viewer", tree["hn"]))
    assert report_paths(user) == [tree["hn"].path]


def test_core_report_counts_only_the_paths_given(session, tree, citywide):
    alert, _boards = citywide
    row = session.get(Alert, alert["id"])
    assert alert_report(session, row, []).targeted == 0
    assert alert_report(session, row, [tree["bd"].path]).targeted == 1


def test_a_deleted_boards_deliveries_stay_in_the_report(
    app, client, factory, session, tree, citywide
):
    alert, boards = citywide
    hk_id = boards["hk"].id
    admin = factory.user("board-admin", ("admin", tree["vn"]), locale="en")
    resp = client.delete("/api/v1/boards/HK-1", headers=factory.bearer(admin))
    assert resp.status_code in (200, 204), resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(AlertDelivery, (alert["id"], hk_id)) is None  # cascaded
    body = figures(client, factory, admin, alert["id"])
    assert body["figures"]["targeted"] == 2 and body["figures"]["displayed"] == 2
    gone = {b["code"]: b for b in body["boards"]}["HK-1"]
    assert gone["removed"] is True and gone["seconds_to_display"] == 4
    # The ward supervisor still reads it: the copy keeps the board's area.
    ward = factory.user("hk-viewer2", ("viewer", tree["hk"]), locale="en")
    assert [b["code"] for b in figures(client, factory, ward, alert["id"])["boards"]] == ["HK-1"]
    session.get(Alert, alert["id"]).state = "cancelled"
    session.commit()
    from signage.alerts.report.history import ended_alerts

    rows, total = ended_alerts(
        session, ward, report_paths(ward), T0 - timedelta(days=1), T0 + timedelta(days=1)
    )
    assert total == 1 and (rows[0].targeted, rows[0].displayed) == (1, 1)
