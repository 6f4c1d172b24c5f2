"""The emergency console: three clicks from home, two-person rule, progress, cancel."""

from __future__ import annotations

import re

from sqlalchemy import select

from signage.alerts.models import Alert
from tests.alerts.conftest import alert_count, send_confirmed
from tests.conftest import login
from tests.players_server.conftest import events
from tests.web.conftest import csrf_token, text


def links(html: str, pattern: str) -> list[str]:
    return [m.replace("&amp;", "&") for m in re.findall(rf'href="({pattern}[^"]*)"', html)]


def test_three_clicks_from_home_put_a_template_alert_on_air(
    client, session, hk_operator, boards, players
):
    login(client, "hk-operator")
    home = text(client.get("/"))
    assert 'id="emergency-button"' in home
    (console,) = set(links(home, "/alerts/"))  # click 1 (the button; the menu has it too)
    page = text(client.get(console))
    storm = [u for u in links(page, "/alerts/new") if "template=storm" in u][0]  # click 2
    form = text(client.get(storm))
    assert "CẢNH BÁO BÃO KHẨN CẤP" in form
    assert re.search(
        r'value="00070" id="area-00070" data-name="[^"]+">', form
    )  # theirs, not ticked
    assert " checked" not in form  # nothing goes anywhere until the operator ticks it
    data = {
        "csrf_token": csrf_token(client, storm),
        "headline": "CẢNH BÁO BÃO KHẨN CẤP",
        "description": "Bão số 3 đổ bộ.",
        "instruction": "Ở trong nhà.",
        "sender_name": "UBND phường Hoàn Kiếm",
        "duration": "360",
        "status": "Actual",
        "areas": ["00070"],
        "groups": "",
        "boards": "",
    }
    resp = send_confirmed(client, storm, data)  # click 3: send (and 4: confirm the summary)
    assert resp.status_code == 302
    alert = session.scalar(select(Alert))
    assert alert.state == "active" and alert.sender_name == "UBND phường Hoàn Kiếm"
    assert [a["id"] for a in events(players["hk"], "alert")] == [alert.id]
    detail = text(client.get(resp.headers["Location"]))
    assert 'data-count="targeted">3<' in detail and "HK-LCD" in detail


def test_missing_csrf_or_outside_targets_change_nothing(client, session, hk_operator, boards):
    login(client, "hk-operator")
    url = "/alerts/new?template=storm"
    base = {"headline": "X", "duration": "360", "status": "Actual", "areas": ["00070"]}
    assert client.post(url, data=base).status_code == 400
    resp = client.post(url, data={**base, "areas": ["31"], "csrf_token": csrf_token(client, url)})
    assert resp.status_code == 422  # another province reads like an unknown code
    assert "Unknown area code: 31" in text(resp) and "Hải Phòng" not in text(resp)
    resp = client.post(url, data={**base, "areas": [], "csrf_token": csrf_token(client, url)})
    assert resp.status_code == 422 and "at least one area" in text(resp)
    assert client.get("/alerts/new?template=nope").status_code == 404
    assert alert_count(session) == 0


def test_viewers_see_alerts_but_cannot_send(client, factory, session, tree, boards):
    factory.user("vw", ("viewer", tree["hn"]), locale="en")
    login(client, "vw")
    assert 'id="emergency-button"' not in text(client.get("/"))
    assert client.get("/alerts/").status_code == 200
    assert client.get("/alerts/new").status_code == 403


def test_second_operator_confirms_in_the_console(
    app, client, session, hn_operator, hn_operator2, boards, players
):
    login(client, "hn-operator")
    url = "/alerts/new?template=flood"
    data = {
        "csrf_token": csrf_token(client, url),
        "headline": "CẢNH BÁO LŨ",
        "duration": "720",
        "status": "Actual",
        "areas": ["01"],
    }
    resp = send_confirmed(client, url, data)
    assert resp.status_code == 302
    alert = session.scalar(select(Alert))
    assert alert.state == "pending_confirmation"
    page = text(client.get(resp.headers["Location"]))
    assert 'id="confirm-button"' not in page  # not for the person who created it
    other = app.test_client()
    login(other, "hn-operator2")
    detail = f"/alerts/{alert.id}"
    assert 'id="confirm-button"' in text(other.get(detail))
    resp = other.post(
        f"{detail}/confirm", data={"csrf_token": csrf_token(other, detail), "version": "1"}
    )
    assert resp.status_code == 302
    session.expire_all()
    assert session.get(Alert, alert.id).state == "active"
    assert len(events(players["hk"], "alert")) == 1


def test_update_and_cancel_from_the_detail_page(client, session, hk_operator, boards, players):
    login(client, "hk-operator")
    url = "/alerts/new?template=fire"
    data = {"csrf_token": csrf_token(client, url), "headline": "CHÁY", "duration": "180",
            "status": "Actual", "areas": ["00070"]}  # fmt: skip
    detail = send_confirmed(client, url, data).headers["Location"]
    events(players["hk"], "alert")
    resp = client.post(
        f"{detail}/update",
        data={"csrf_token": csrf_token(client, detail), "headline": "CHÁY LỚN", "description": ""},
    )
    assert resp.status_code == 302
    assert [a["headline"] for a in events(players["hk"], "alert")] == ["CHÁY LỚN"]
    resp = client.post(
        f"{detail}/cancel", data={"csrf_token": csrf_token(client, detail), "confirm": "yes"}
    )
    assert resp.status_code == 302
    assert len(events(players["hk"], "alert_cancel")) == 1
    page = text(client.get(detail))
    assert 'id="cancel-button"' not in page
    again = client.post(
        f"{detail}/cancel", data={"csrf_token": csrf_token(client, detail), "confirm": "yes"}
    )
    assert again.status_code == 409


def test_board_map_shows_located_boards_in_scope(client, session, tree, hk_operator, boards):
    from tests.schedules.conftest import make_board

    make_board(session, "HK-MAP", tree["hk"], lat=21.0285, lon=105.8542)
    make_board(session, "HK-MAP2", tree["village"], lat=21.0300, lon=105.8500)
    make_board(session, "HP-MAP", tree["hp_commune"], lat=20.86, lon=106.68)  # not theirs
    login(client, "hk-operator")
    html = text(client.get("/alerts/new?template=storm"))
    dots = re.findall(
        r'<circle cx="([\d.]+)" cy="([\d.]+)" r="9" class="board-dot fleet-\w+" data-code="([^"]+)"',
        html,
    )
    assert sorted(code for _x, _y, code in dots) == ["HK-MAP", "HK-MAP2"]
    east = {code: float(x) for x, _y, code in dots}
    assert east["HK-MAP"] > east["HK-MAP2"]  # 105.8542 is east of 105.8500
    assert "/static/console/alert-map.js" in html
    for path in ("alert-map.js", "alerts.js"):
        resp = client.get(f"/static/console/{path}")
        resp.close()
        assert resp.status_code == 200


def test_form_picks_groups_and_boards_by_name(client, session, hk_operator, boards):
    login(client, "hk-operator")
    url = "/alerts/new?template=storm"
    form = text(client.get(url))
    for kind in ("groups", "boards"):
        picker = re.search(rf'<div class="mb-1 picker" data-picker data-kind="{kind}"[^>]*>', form)
        assert picker and 'data-right="alert.send"' in picker.group(0)
        assert f'data-name="{kind}_pick"' in form  # the pick itself is not sent: the codes are
        assert f'id="{kind}-chips"' in form and f'name="{kind}"' in form
    assert "/static/console/alert-pickers.js" in form
    # Sent back with a known board, a foreign one and a hostile one: names where the user may see
    # them, the rest as typed and escaped; nothing is sent.
    hostile = "<script>alert(1)</script>"
    data = {"csrf_token": csrf_token(client, url), "headline": "X", "duration": "360",
            "status": "Actual", "areas": [], "groups": "", "boards": f"HK-1, HP-1,{hostile}"}  # fmt: skip
    resp = client.post(url, data=data)
    page = text(resp)
    assert resp.status_code == 422
    chips = re.search(r'id="boards-chips"[^>]*>(.*?)</ul>', page, re.S).group(1)
    assert re.findall(r'data-code="([^"]*)">([^<]*)<', chips) == [
        ("HK-1", "Bảng HK-1"),
        ("HP-1", "HP-1"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ]
    assert hostile not in page and alert_count(session) == 0
