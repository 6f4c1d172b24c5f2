"""CAP 1.2 through the API: create, duplicate, update, cancel, targeting, publishing, polling."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta, timezone

from sqlalchemy import func, select

from signage.alerts.cap import message as cap
from signage.alerts.cap.feeds import poll
from signage.alerts.models import Alert, CapMessageRecord
from signage.clock import system_clock
from tests.alerts.conftest import alert_count
from tests.players_server.conftest import events
from tests.schedules.conftest import make_board

SENDER = "canhbao@kttv.gov.vn"
HCM = timezone(timedelta(hours=7))


def t(delta: timedelta = timedelta()) -> str:
    """A CAP time in Viet Nam's offset, relative to now."""
    return (system_clock() + delta).replace(microsecond=0).astimezone(HCM).isoformat()


def message(
    identifier: str = "VN-KTTV-0001",
    *,
    msg_type: str = "Alert",
    sender: str = SENDER,
    references: str = "",
    headline: str = "Bão số 9 đổ bộ",
    area: str = "<geocode><valueName>VN-AREA</valueName><value>00070</value></geocode>",
    expires: str | None = None,
    status: str = "Actual",
    urgency: str = "Immediate",
) -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>{sender}</sender><sent>{t()}</sent>
  <status>{status}</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}
  <info>
    <language>vi-VN</language><category>Met</category><event>Bão</event>
    <urgency>{urgency}</urgency><severity>Extreme</severity><certainty>Observed</certainty>
    <expires>{expires or t(timedelta(hours=6))}</expires>
    <senderName>Trung tâm Dự báo KTTV quốc gia</senderName>
    <headline>{headline}</headline><description>Gió mạnh cấp 12.</description>
    <area><areaDesc>Khu vực</areaDesc>{area}</area>
  </info>
</alert>""".encode()


def post(client, factory, user, data: bytes, content_type: str = "application/cap+xml"):
    return client.post(
        "/api/v1/cap", data=data, content_type=content_type, headers=factory.bearer(user)
    )


def records(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(CapMessageRecord)) or 0


def test_cap_alert_airs_like_a_console_alert_and_duplicates_are_ignored(
    client, factory, session, hn_operator, boards, players
):
    resp = post(client, factory, hn_operator, message())
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["result"] == "created" and body["state"] == "active"
    (shown,) = events(players["hk"], "alert")
    assert shown["headline"] == "Bão số 9 đổ bộ" and shown["sender_name"].startswith("Trung tâm")
    assert events(players["hp"], "alert") == []
    alert = session.get(Alert, body["alert"])
    assert (alert.source, alert.sender, alert.identifier) == ("cap", SENDER, "VN-KTTV-0001")
    again = post(client, factory, hn_operator, message())
    assert again.status_code == 200 and again.get_json()["result"] == "duplicate"
    assert alert_count(session) == 1 and events(players["hk"], "alert") == []


def test_polygon_and_circle_target_boards_by_their_coordinates(
    client, factory, session, hn_operator, tree, players
):
    inside = make_board(session, "HK-GPS", tree["hk"], lat=21.0285, lon=105.8542)
    make_board(session, "BD-GPS", tree["bd"], lat=21.0340, lon=105.8140)
    polygon = "<polygon>21.02,105.85 21.04,105.85 21.04,105.86 21.02,105.86 21.02,105.85</polygon>"
    resp = post(client, factory, hn_operator, message(area=polygon))
    assert resp.status_code == 201, resp.get_json()
    alert = session.get(Alert, resp.get_json()["alert"])
    assert [(tg.kind, tg.target_id) for tg in alert.targets] == [("board", inside.id)]
    circle = "<circle>21.0340,105.8140 1</circle>"
    resp = post(client, factory, hn_operator, message("VN-KTTV-0002", area=circle))
    assert resp.status_code == 201
    assert resp.get_json()["alert"] != alert.id


def test_update_and_cancel_act_on_the_referenced_alert_of_the_same_sender(
    client, factory, session, hn_operator, boards, players
):
    first = post(client, factory, hn_operator, message()).get_json()
    events(players["hk"], "alert")
    sent = session.get(Alert, first["alert"]).sent.isoformat()
    ref = f"{SENDER},VN-KTTV-0001,{sent}"
    upd = message("VN-KTTV-0001-U1", msg_type="Update", references=ref, headline="Bão mạnh lên")
    resp = post(client, factory, hn_operator, upd)
    assert resp.status_code == 200 and resp.get_json()["result"] == "updated"
    assert [(a["version"], a["headline"]) for a in events(players["hk"], "alert")] == [
        (2, "Bão mạnh lên")
    ]
    foreign = message("OTHER-1", msg_type="Cancel", sender="someone@else.vn", references=ref)
    resp = post(client, factory, hn_operator, foreign)
    assert resp.status_code == 403
    assert session.get(Alert, first["alert"]).state == "active"
    cancel = message("VN-KTTV-0001-C1", msg_type="Cancel", references=ref)
    resp = post(client, factory, hn_operator, cancel)
    assert resp.status_code == 200 and resp.get_json()["result"] == "cancelled"
    session.expire_all()
    assert session.get(Alert, first["alert"]).state == "cancelled"
    assert len(events(players["hk"], "alert_cancel")) == 1


def test_update_of_an_unknown_alert_creates_nothing(client, factory, session, hn_operator, boards):
    ref = f"{SENDER},NOPE,{t()}"
    resp = post(client, factory, hn_operator, message("U-1", msg_type="Update", references=ref))
    assert resp.status_code == 404
    assert "NOPE" in resp.get_json()["error"]["message"]
    assert alert_count(session) == 0 and records(session) == 0


def test_hostile_and_malformed_messages_are_refused_with_nothing_created(
    client, factory, session, hn_operator, boards, players
):
    laughs = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><alert>&lol2;</alert>"""
    external = b"""<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">&x;</alert>"""
    cap11 = message().replace(b"cap:1.2", b"cap:1.1")
    zulu = message(expires=(system_clock() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    cases = [
        (laughs, 422),
        (external, 422),
        (cap11, 422),
        (b"<html><body>hi</body></html>", 422),
        (b"", 422),
        (b"\xff\xfe not xml", 422),
        (zulu, 422),
        (message(expires=t(-timedelta(hours=1))), 422),
        (message(urgency="Past"), 422),
        (message(area="<geocode><valueName>X</valueName><value>99999</value></geocode>"), 422),
        (message(area="<polygon>1,1 2,2 3,3</polygon>"), 422),
    ]
    for data, status in cases:
        resp = post(client, factory, hn_operator, data)
        assert resp.status_code == status, (data[:80], resp.get_json())
        err = resp.get_json()["error"]
        assert err["message"] and (err.get("details") or status != 422), err
    assert post(client, factory, hn_operator, message(), "application/json").status_code == 415
    huge = message().replace(b"</description>", b"x" * (cap.MAX_CAP_BYTES + 10) + b"</description>")
    assert post(client, factory, hn_operator, huge).status_code == 413
    assert alert_count(session) == 0 and records(session) == 0
    assert all(events(p, "alert") == [] for p in players.values())


def test_cap_targets_outside_the_grant_are_refused(client, factory, session, hk_operator, boards):
    area = "<geocode><valueName>VN-AREA</valueName><value>31</value></geocode>"
    resp = post(client, factory, hk_operator, message(area=area))
    assert resp.status_code == 403
    assert alert_count(session) == 0 and records(session) == 0
    assert (
        client.post("/api/v1/cap", data=message(), content_type="application/cap+xml").status_code
        == 401
    )


def test_every_alert_is_published_as_valid_cap_and_in_an_atom_feed(
    client, factory, session, hn_operator, boards
):
    console = client.post(
        "/api/v1/alerts",
        json={"template": "flood", "areas": ["00070"]},
        headers=factory.bearer(hn_operator),
    ).get_json()
    post(client, factory, hn_operator, message())
    feed = client.get("/api/v1/cap/alerts")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    root = ET.fromstring(feed.data)
    atom = "{http://www.w3.org/2005/Atom}"
    links = [e.find(f"{atom}link").get("href") for e in root.findall(f"{atom}entry")]
    assert len(links) == 2
    for link in links:
        doc = client.get(link.replace("http://localhost", ""))
        assert doc.status_code == 200 and doc.mimetype == "application/cap+xml"
        cap.validate(doc.data)  # the official schema and the CAP rules
    published = cap.parse(client.get(f"/api/v1/cap/alerts/{console['id']}.xml").data)
    assert published.msg_type == "Alert" and published.infos[0].headline == "CẢNH BÁO LŨ"
    assert published.infos[0].areas[0].geocodes == (("VN-AREA", "00070"),)
    client.post(f"/api/v1/alerts/{console['id']}/cancel", headers=factory.bearer(hn_operator))
    cancelled = cap.parse(client.get(f"/api/v1/cap/alerts/{console['id']}.xml").data)
    assert cancelled.msg_type == "Cancel"
    assert cancelled.references[0][1] == published.identifier
    assert client.get("/api/v1/cap/alerts/999999.xml").status_code == 404


def test_polled_feed_applies_each_entry_once_and_skips_bad_ones(app, session, boards, players):
    base = "https://upstream.example/cap/"
    feed = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>x</id><title>t</title><updated>{t()}</updated>
<entry><id>1</id><title>a</title><updated>{t()}</updated>
  <link rel="alternate" type="application/cap+xml" href="one.xml"/></entry>
<entry><id>2</id><title>b</title><updated>{t()}</updated>
  <link rel="alternate" type="application/cap+xml" href="bad.xml"/></entry>
</feed>""".encode()
    docs = {
        base + "feed.atom": feed,
        base + "one.xml": message("FEED-1"),
        base + "bad.xml": b"<!DOCTYPE x><alert/>",
    }
    store, settings = app.extensions["signage_media"], app.config["SIGNAGE"]

    def get(url: str) -> bytes:
        if url not in docs:
            raise OSError(f"HTTP 404 for {url}")
        return docs[url]

    outcomes = poll(session, base + "feed.atom", now=system_clock(), store=store, settings=settings,
                    get=get)  # fmt: skip
    assert [o.result for o in outcomes] == ["created"]
    session.commit()
    assert len(events(players["hk"], "alert")) == 1
    again = poll(session, base + "feed.atom", now=system_clock(), store=store, settings=settings,
                 get=get)  # fmt: skip
    assert [o.result for o in again] == ["duplicate"]
    assert alert_count(session) == 1
    assert poll(session, base + "missing", now=system_clock(), store=store, settings=settings,
                get=get) == []  # fmt: skip
