"""The public CAP feed and CAP input at the boundary (issue 10, items 5 and 12).

Only alerts that went on air are published (and their end); internal board and group codes are
never published; `<web>` must be an http(s) link. A CAP message from one province's operator
learns nothing about other provinces' areas or alerts.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from signage.alerts.cap import message as cap
from signage.alerts.models import Alert
from signage.boards.models import BoardGroup
from tests.alerts.conftest import alert_count
from tests.alerts.test_cap_api import SENDER, message, post
from tests.players_server.conftest import events
from tests.schedules.conftest import make_board

ATOM = "{http://www.w3.org/2005/Atom}"


def feed_links(client) -> list[str]:
    root = ET.fromstring(client.get("/api/v1/cap/alerts").data)
    return [e.find(f"{ATOM}link").get("href") for e in root.findall(f"{ATOM}entry")]


def with_web(data: bytes, web: str) -> bytes:
    return data.replace(b"</description>", f"</description><web>{web}</web>".encode())


def test_alerts_waiting_for_confirmation_are_not_published(
    client, factory, session, hn_operator, hn_operator2, boards
):
    held = client.post(
        "/api/v1/alerts",
        json={"template": "storm", "areas": ["01"]},
        headers=factory.bearer(hn_operator),
    ).get_json()
    dropped = client.post(
        "/api/v1/alerts",
        json={"template": "flood", "areas": ["01"]},
        headers=factory.bearer(hn_operator),
    ).get_json()
    assert held["state"] == dropped["state"] == "pending_confirmation"
    # An edit while it waits is not news: the first publication is still an Alert.
    client.patch(f"/api/v1/alerts/{held['id']}", json={"headline": "Bão số 10"},
                 headers=factory.bearer(hn_operator))  # fmt: skip
    assert feed_links(client) == []
    assert client.get(f"/api/v1/cap/alerts/{held['id']}.xml").status_code == 404
    # Cancelled before it ever aired: never published either.
    client.post(f"/api/v1/alerts/{dropped['id']}/cancel", headers=factory.bearer(hn_operator))
    assert client.get(f"/api/v1/cap/alerts/{dropped['id']}.xml").status_code == 404
    client.post(
        f"/api/v1/alerts/{held['id']}/confirm",
        json={"version": 2},
        headers=factory.bearer(hn_operator2),
    )
    (link,) = feed_links(client)
    assert link.endswith(f"/cap/alerts/{held['id']}.xml")
    first = cap.parse(client.get(link.replace("http://localhost", "")).data)
    assert (first.msg_type, first.identifier) == ("Alert", held["identifier"])
    client.post(f"/api/v1/alerts/{held['id']}/cancel", headers=factory.bearer(hn_operator))
    ended = cap.parse(client.get(f"/api/v1/cap/alerts/{held['id']}.xml").data)
    assert ended.msg_type == "Cancel"  # the end of an alert that aired is published


def test_board_and_group_codes_are_not_published(
    client, factory, session, tree, hn_operator, boards
):
    group = BoardGroup(code="CHO-NOI-BO", name="Nhóm nội bộ", area=tree["hk"],
                       boards=[boards["hk"]])  # fmt: skip
    session.add(group)
    session.flush()
    resp = client.post(
        "/api/v1/alerts",
        json={"template": "fire", "groups": ["CHO-NOI-BO"], "boards": ["HK-LCD"]},
        headers=factory.bearer(hn_operator),
    )
    assert resp.status_code == 201, resp.get_json()
    doc = client.get(f"/api/v1/cap/alerts/{resp.get_json()['id']}.xml").data
    cap.validate(doc)
    for internal in (b"CHO-NOI-BO", b"HK-LCD", b"SIGNAGE-", "Nhóm nội bộ".encode()):
        assert internal not in doc
    areas = cap.parse(doc).infos[0].areas
    assert {g for a in areas for g in a.geocodes} == {("VN-AREA", "00070"), ("VN-AREA", "00070-T1")}
    # Rows stored before this fix carried the codes: they are filtered on the way out.
    alert = session.get(Alert, resp.get_json()["id"])
    alert.cap_areas = [
        {"desc": "Bảng HK-1", "geocodes": [["SIGNAGE-BOARD", "HK-1"]], "polygons": [],
         "circles": []},
    ]  # fmt: skip
    alert.web = "javascript:alert(document.domain)"
    session.flush()
    doc = client.get(f"/api/v1/cap/alerts/{alert.id}.xml").data
    cap.validate(doc)
    assert b"HK-1" not in doc and b"SIGNAGE-" not in doc and b"javascript" not in doc
    assert cap.parse(doc).infos[0].areas[0].geocodes == (("VN-AREA", alert.area.code),)


def test_only_http_links_are_accepted_in_web(client, factory, session, hn_operator, boards):
    for bad in ("javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "file:///etc",
                "http://", "//evil.example/x"):  # fmt: skip
        resp = post(client, factory, hn_operator, with_web(message("VN-WEB-1"), bad))
        assert resp.status_code == 422, bad
        assert resp.get_json()["error"]["details"] == [
            {"field": "web", "message": "Only an http:// or https:// link is allowed."}
        ]
        api = client.post(
            "/api/v1/alerts",
            json={"template": "storm", "areas": ["00070"], "web": bad},
            headers=factory.bearer(hn_operator),
        )
        assert api.status_code == 422 and api.get_json()["error"]["details"][0]["field"] == "web"
    assert alert_count(session) == 0
    good = post(client, factory, hn_operator,
                with_web(message("VN-WEB-2"), "https://nchmf.gov.vn/bao-so-9"))  # fmt: skip
    assert good.status_code == 201
    published = cap.parse(client.get(f"/api/v1/cap/alerts/{good.get_json()['alert']}.xml").data)
    assert published.infos[0].web == "https://nchmf.gov.vn/bao-so-9"


def test_a_polygon_over_another_province_gets_a_generic_refusal(
    client, factory, session, tree, hk_operator, players
):
    make_board(session, "HP-GPS", tree["hp_commune"], lat=20.8600, lon=106.6800)
    polygon = "<polygon>20.85,106.67 20.87,106.67 20.87,106.69 20.85,106.69 20.85,106.67</polygon>"
    resp = post(client, factory, hk_operator, message("VN-POLY-1", area=polygon))
    assert resp.status_code == 403
    body = resp.get_data(as_text=True)
    assert "Hồng Bàng" not in body and "Hải Phòng" not in body and "HP-GPS" not in body
    assert "outside the areas you may send alerts to" in resp.get_json()["error"]["message"]
    assert alert_count(session) == 0
    assert all(events(p, "alert") == [] for p in players.values())


def test_alerts_of_other_areas_answer_like_missing_ones(
    client, factory, session, tree, hn_operator, boards
):
    hp_operator = factory.user("hp-operator", ("operator", tree["hp"]), locale="en")
    mine = post(client, factory, hn_operator, message("VN-HN-7")).get_json()
    headers = factory.bearer(hp_operator)
    for path in ("", "/boards"):
        other = client.get(f"/api/v1/alerts/{mine['alert']}{path}", headers=headers)
        missing = client.get(f"/api/v1/alerts/999999{path}", headers=headers)
        assert other.status_code == missing.status_code == 404
        assert other.get_json() == missing.get_json()
    for action in ("confirm", "cancel"):
        other = client.post(f"/api/v1/alerts/{mine['alert']}/{action}", json={"version": 1},
                            headers=headers)  # fmt: skip
        assert other.status_code == 404
    # A CAP Cancel naming another province's alert answers like an unknown reference.
    sent = session.get(Alert, mine["alert"]).sent.isoformat()
    cancel = message("VN-HP-C1", msg_type="Cancel", references=f"{SENDER},VN-HN-7,{sent}")
    unknown = message("VN-HP-C2", msg_type="Cancel", references=f"{SENDER},VN-NONE,{sent}")
    a, b = post(client, factory, hp_operator, cancel), post(client, factory, hp_operator, unknown)
    assert a.status_code == b.status_code == 404
    assert "Hà Nội" not in a.get_data(as_text=True)
    session.expire_all()
    assert session.get(Alert, mine["alert"]).state == "active"
