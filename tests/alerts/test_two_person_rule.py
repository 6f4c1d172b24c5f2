"""The two-person rule holds on every path a person can use (issue 10, item 1).

(a) CAP from a user's token waits like an API alert; only administrator-configured sources skip
the rule. (b) Nobody who wrote or edited any version may confirm it. (c) A confirmation names the
version it approves; a stale one is refused.
"""

from __future__ import annotations

import pytest

from signage.alerts.cap.feeds import poll
from signage.alerts.models import Alert
from signage.clock import system_clock
from tests.alerts.test_cap_api import message, post
from tests.conftest import login
from tests.players_server.conftest import events
from tests.web.conftest import csrf_token, text

PROVINCE = "<geocode><valueName>VN-AREA</valueName><value>01</value></geocode>"


@pytest.fixture()
def hn_operator3(factory, tree):
    return factory.user("hn-operator3", ("operator", tree["hn"]), locale="en")


def send(client, factory, user, **body):
    body.setdefault("template", "storm")
    return client.post("/api/v1/alerts", json=body, headers=factory.bearer(user))


def confirm(client, factory, user, alert_id, **body):
    return client.post(
        f"/api/v1/alerts/{alert_id}/confirm", json=body, headers=factory.bearer(user)
    )


def error(resp) -> str:
    return resp.get_json()["error"]["message"]


def test_province_wide_cap_from_a_user_token_waits_for_a_second_operator(
    client, factory, session, hn_operator, hn_operator2, boards, players
):
    resp = post(client, factory, hn_operator, message("VN-HN-0001", area=PROVINCE))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["state"] == "pending_confirmation"
    assert all(events(p, "alert") == [] for p in players.values())
    # The public feed does not carry it while it waits.
    assert client.get(f"/api/v1/cap/alerts/{body['alert']}.xml").status_code == 404
    same = confirm(client, factory, hn_operator, body["alert"], version=1)
    assert same.status_code == 409 and "second operator" in error(same)
    ok = confirm(client, factory, hn_operator2, body["alert"], version=1)
    assert ok.status_code == 200 and ok.get_json()["state"] == "active"
    assert [a["id"] for a in events(players["hk"], "alert")] == [body["alert"]]


def test_a_trusted_cap_user_and_a_polled_feed_skip_the_rule(
    app, client, factory, session, tree, boards, players
):
    upstream = factory.user("kttv-system", ("operator", tree["vn"]), locale="en")
    app.config["SIGNAGE"].cap_trusted_users = "other-system, kttv-system"
    resp = post(client, factory, upstream, message("VN-KTTV-0100", area=PROVINCE))
    assert resp.status_code == 201 and resp.get_json()["state"] == "active"
    url = "https://upstream.example/latest.xml"
    docs = {url: message("VN-KTTV-0101", area=PROVINCE)}
    store, settings = app.extensions["signage_media"], app.config["SIGNAGE"]
    (outcome,) = poll(session, url, now=system_clock(), store=store, settings=settings,
                      get=docs.__getitem__)  # fmt: skip
    assert outcome.result == "created" and outcome.alert.state == "active"


def test_an_operator_who_edited_a_pending_alert_may_not_confirm_it(
    client, factory, session, hn_operator, hn_operator2, hn_operator3, boards, players
):
    alert = send(client, factory, hn_operator, areas=["01"]).get_json()
    assert alert["state"] == "pending_confirmation"
    edited = client.patch(
        f"/api/v1/alerts/{alert['id']}",
        json={"headline": "Chữ của người thứ hai"},
        headers=factory.bearer(hn_operator2),
    )
    assert edited.status_code == 200 and edited.get_json()["version"] == 2
    refused = confirm(client, factory, hn_operator2, alert["id"], version=2)
    assert refused.status_code == 409
    assert "you changed this alert's text" in error(refused)
    assert session.get(Alert, alert["id"]).state == "pending_confirmation"
    assert all(events(p, "alert") == [] for p in players.values())
    # The creator may not either; a third operator who wrote nothing may.
    assert confirm(client, factory, hn_operator, alert["id"], version=2).status_code == 409
    ok = confirm(client, factory, hn_operator3, alert["id"], version=2)
    assert ok.status_code == 200 and ok.get_json()["state"] == "active"


def test_a_confirmation_of_an_older_version_is_refused(
    client, factory, session, hn_operator, hn_operator2, boards, players
):
    alert = send(client, factory, hn_operator, areas=["01"]).get_json()
    reviewed = client.get(f"/api/v1/alerts/{alert['id']}", headers=factory.bearer(hn_operator2))
    assert reviewed.get_json()["version"] == 1
    client.patch(
        f"/api/v1/alerts/{alert['id']}",
        json={"headline": "Văn bản khác sau khi duyệt"},
        headers=factory.bearer(hn_operator),
    )
    stale = confirm(client, factory, hn_operator2, alert["id"], version=1)
    assert stale.status_code == 409
    assert "version 1" in error(stale) and "version 2" in error(stale)
    session.expire_all()
    assert session.get(Alert, alert["id"]).state == "pending_confirmation"
    assert all(events(p, "alert") == [] for p in players.values())
    ok = confirm(client, factory, hn_operator2, alert["id"], version=2)
    assert ok.status_code == 200
    (shown,) = events(players["hk"], "alert")
    assert shown["headline"] == "Văn bản khác sau khi duyệt"


@pytest.mark.parametrize(
    "body", [{}, {"version": "abc"}, {"version": 0}, {"version": 10**30}, {"version": 1, "x": 1}]
)
def test_a_confirmation_without_a_sound_version_is_refused(
    client, factory, session, hn_operator, hn_operator2, boards, body
):
    alert = send(client, factory, hn_operator, areas=["01"]).get_json()
    resp = confirm(client, factory, hn_operator2, alert["id"], **body)
    assert resp.status_code == 422
    session.expire_all()
    assert session.get(Alert, alert["id"]).state == "pending_confirmation"


def test_console_confirmation_names_the_version_and_refuses_a_stale_one(
    app, client, factory, session, hn_operator, hn_operator2, boards, players
):
    alert = send(client, factory, hn_operator, areas=["01"]).get_json()
    detail = f"/alerts/{alert['id']}"
    other = app.test_client()
    login(other, "hn-operator2")
    page = text(other.get(detail))
    assert 'name="version" type="hidden" value="1"' in page
    token = csrf_token(other, detail)
    client.patch(
        f"/api/v1/alerts/{alert['id']}",
        json={"headline": "Sửa sau khi duyệt"},
        headers=factory.bearer(hn_operator),
    )
    stale = other.post(f"{detail}/confirm", data={"csrf_token": token, "version": "1"})
    assert stale.status_code == 409
    assert "it is now version 2" in text(stale)
    assert 'name="version" type="hidden" value="2"' in text(stale)  # the page shows the new text
    garbled = other.post(f"{detail}/confirm", data={"csrf_token": token, "version": "²"})
    assert garbled.status_code == 422
    session.expire_all()
    assert session.get(Alert, alert["id"]).state == "pending_confirmation"
    assert all(events(p, "alert") == [] for p in players.values())
    ok = other.post(f"{detail}/confirm", data={"csrf_token": token, "version": "2"})
    assert ok.status_code == 302
    session.expire_all()
    assert session.get(Alert, alert["id"]).state == "active"


def test_console_hides_the_confirm_button_from_an_editor(
    app, client, factory, session, hn_operator, hn_operator2, boards
):
    alert = send(client, factory, hn_operator, areas=["01"]).get_json()
    client.patch(
        f"/api/v1/alerts/{alert['id']}",
        json={"headline": "Chữ của người thứ hai"},
        headers=factory.bearer(hn_operator2),
    )
    login(client, "hn-operator2")
    detail = f"/alerts/{alert['id']}"
    assert 'id="confirm-button"' not in text(client.get(detail))
    resp = client.post(f"{detail}/confirm", data={"csrf_token": csrf_token(client, detail),
                                                  "version": "2"})  # fmt: skip
    assert resp.status_code == 409 and "you changed this alert" in text(resp)


def test_a_change_of_a_confirmed_alert_on_air_waits_for_a_second_operator(
    client, factory, session, hn_operator, hn_operator2, hn_operator3, boards, players
):
    alert = send(client, factory, hn_operator, areas=["01"]).get_json()
    confirm(client, factory, hn_operator2, alert["id"], version=1)
    assert [a["version"] for a in events(players["hk"], "alert")] == [1]
    url = f"/api/v1/alerts/{alert['id']}"
    changed = client.patch(url, json={"headline": "Nội dung chưa ai duyệt"},
                           headers=factory.bearer(hn_operator))  # fmt: skip
    body = changed.get_json()
    assert changed.status_code == 200 and body["state"] == "active"
    assert body["version"] == 1 and body["headline"] == "CẢNH BÁO BÃO KHẨN CẤP"  # still on air
    assert body["proposal"]["version"] == 2
    assert body["proposal"]["headline"] == "Nội dung chưa ai duyệt"
    assert events(players["hk"], "alert") == []  # nothing unreviewed reached a board
    # A second change replaces the first under a new number: approving "2" approves nothing.
    client.patch(url, json={"headline": "Thay lần nữa"}, headers=factory.bearer(hn_operator))
    stale = confirm(client, factory, hn_operator2, alert["id"], version=2)
    assert stale.status_code == 409 and "version 3" in error(stale)
    assert confirm(client, factory, hn_operator, alert["id"], version=3).status_code == 409
    ok = confirm(client, factory, hn_operator2, alert["id"], version=3)
    assert ok.status_code == 200
    assert (ok.get_json()["version"], ok.get_json()["proposal"]) == (3, None)
    (shown,) = events(players["hk"], "alert")
    assert (shown["version"], shown["headline"]) == (3, "Thay lần nữa")
    # The confirmer proposes in turn: neither they nor the creator may approve, a third may.
    client.patch(url, json={"headline": "Lời của người xác nhận"},
                 headers=factory.bearer(hn_operator2))  # fmt: skip
    for who in (hn_operator, hn_operator2):
        assert confirm(client, factory, who, alert["id"], version=4).status_code == 409
    assert confirm(client, factory, hn_operator3, alert["id"], version=4).status_code == 200
    # Cancelling drops a waiting proposal with the alert.
    client.patch(url, json={"headline": "Bỏ"}, headers=factory.bearer(hn_operator))
    cancelled = client.post(f"{url}/cancel", headers=factory.bearer(hn_operator)).get_json()
    assert cancelled["state"] == "cancelled" and cancelled["proposal"] is None


def test_a_cap_update_of_a_confirmed_alert_is_proposed_not_aired(
    client, factory, session, hn_operator, hn_operator2, boards, players
):
    from tests.alerts.test_cap_api import SENDER

    created = post(client, factory, hn_operator, message("VN-HN-0200", area=PROVINCE)).get_json()
    confirm(client, factory, hn_operator2, created["alert"], version=1)
    events(players["hk"], "alert")
    sent = session.get(Alert, created["alert"]).sent.isoformat()
    upd = message("VN-HN-0200-U1", msg_type="Update", area=PROVINCE,
                  references=f"{SENDER},VN-HN-0200,{sent}", headline="Bão mạnh lên")  # fmt: skip
    resp = post(client, factory, hn_operator, upd)
    assert resp.status_code == 200 and resp.get_json()["result"] == "proposed"
    assert events(players["hk"], "alert") == []
    assert confirm(client, factory, hn_operator2, created["alert"], version=2).status_code == 200
    assert [a["headline"] for a in events(players["hk"], "alert")] == ["Bão mạnh lên"]


def test_console_shows_the_proposal_and_confirms_its_version(
    app, client, factory, session, hn_operator, hn_operator2, boards, players
):
    alert = send(client, factory, hn_operator, areas=["01"]).get_json()
    confirm(client, factory, hn_operator2, alert["id"], version=1)
    events(players["hk"], "alert")
    login(client, "hn-operator")
    detail = f"/alerts/{alert['id']}"
    resp = client.post(f"{detail}/update", data={"csrf_token": csrf_token(client, detail),
                                                 "headline": "Đề xuất mới"})  # fmt: skip
    assert resp.status_code == 302
    assert "waits for a second operator" in text(client.get(detail))
    assert events(players["hk"], "alert") == []
    other = app.test_client()
    login(other, "hn-operator2")
    page = text(other.get(detail))
    assert 'id="alert-proposal"' in page and "Đề xuất mới" in page
    assert 'name="version" type="hidden" value="2"' in page
    ok = other.post(f"{detail}/confirm",
                    data={"csrf_token": csrf_token(other, detail), "version": "2"})  # fmt: skip
    assert ok.status_code == 302
    assert [a["headline"] for a in events(players["hk"], "alert")] == ["Đề xuất mới"]


# A whole province however it is targeted: communes, boards, groups or a CAP polygon that together
# take every board of a province (with boards in two or more communes) wait like the province.


@pytest.fixture()
def ba_dinh_board(session, tree):
    from tests.schedules.conftest import make_board

    return make_board(session, "BD-1", tree["bd"], lat=21.0340, lon=105.8140)


def test_every_commune_of_a_province_waits_like_the_province(
    client, factory, session, hn_operator, boards, ba_dinh_board
):
    both = send(client, factory, hn_operator, areas=["00070", "00004"]).get_json()
    assert both["state"] == "pending_confirmation"
    one = send(client, factory, hn_operator, areas=["00070"]).get_json()
    assert one["state"] == "active"


def test_a_list_of_every_board_of_a_province_waits_and_one_board_short_airs(
    client, factory, session, hn_operator, boards, ba_dinh_board
):
    every = ["HK-1", "HK-LCD", "HK-TEST", "BD-1"]
    held = send(client, factory, hn_operator, boards=every).get_json()
    assert held["state"] == "pending_confirmation"
    short = send(client, factory, hn_operator, boards=every[:-1]).get_json()
    assert short["state"] == "active"


def test_a_cap_polygon_around_every_board_of_a_province_waits(
    client, factory, session, hn_operator, tree, boards, ba_dinh_board
):
    for board, (lat, lon) in zip(
        (boards["hk"], boards["lcd"], boards["test"]),
        ((21.0285, 105.8542), (21.0290, 105.8530), (21.0280, 105.8550)),
        strict=True,
    ):
        board.lat, board.lon = lat, lon
    session.flush()
    around = "<polygon>21.00,105.80 21.06,105.80 21.06,105.87 21.00,105.87 21.00,105.80</polygon>"
    resp = post(client, factory, hn_operator, message("VN-HN-0300", area=around))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["state"] == "pending_confirmation"
    hoan_kiem_only = (
        "<polygon>21.02,105.85 21.04,105.85 21.04,105.86 21.02,105.86 21.02,105.85</polygon>"
    )
    resp = post(client, factory, hn_operator, message("VN-HN-0301", area=hoan_kiem_only))
    assert resp.status_code == 201 and resp.get_json()["state"] == "active"
