"""The alert form is safe by default (#13): nothing ticked, a whole area and its units never both,
a real alert leaves only after its summary is confirmed, a cancel only after it is confirmed."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from signage.alerts.models import Alert
from tests.alerts.conftest import alert_count, confirmation, send_confirmed, summary_of
from tests.conftest import login
from tests.players_server.conftest import events
from tests.schedules.conftest import make_board
from tests.web.conftest import csrf_token, text

URL = "/alerts/new?template=storm"


def form_data(client, **extra) -> dict:
    base = {"csrf_token": csrf_token(client, URL), "headline": "CẢNH BÁO BÃO", "duration": "360",
            "status": "Actual", "areas": ["00070"], "groups": "", "boards": ""}  # fmt: skip
    return {**base, **extra}


def test_nothing_is_ticked_and_the_areas_can_be_filtered(client, hn_operator, boards):
    login(client, "hn-operator")
    html = text(client.get(URL))
    assert re.findall(r'name="areas" value="([^"]+)"', html) == ["01", "00004", "00070"]
    assert " checked" not in html  # not even their whole city
    assert 'id="area-filter"' in html and "alert-targets.js" in html
    assert 'id="target-areas"' in html and 'id="target-rule"' in html
    resp = client.get("/static/console/alert-targets.js")
    resp.close()
    assert resp.status_code == 200


def test_a_whole_area_and_a_unit_inside_it_are_refused(client, session, hn_operator, boards):
    login(client, "hn-operator")
    resp = summary_of(client, URL, form_data(client, areas=["01", "00070"]))
    assert resp.status_code == 422
    page = text(resp)
    assert "whole of Thành phố Hà Nội and also Phường Hoàn Kiếm" in page
    assert 'id="summary-boards"' not in page and alert_count(session) == 0
    # what was ticked stays ticked, so the operator sees the two and unticks one
    assert 'value="01" id="area-01" data-name="Thành phố Hà Nội" checked' in page


def test_a_real_alert_shows_its_summary_before_anything_leaves(
    client, session, hk_operator, boards, players
):
    login(client, "hk-operator")
    resp = summary_of(client, URL, form_data(client))
    assert resp.status_code == 200
    page = text(resp)
    # HK-1 (in the ward) and HK-LCD (in its village); the test board HK-TEST too: it is a board
    assert re.search(r'id="summary-boards">3<', page)
    assert re.search(r'id="summary-online">3<', page)  # every player is connected
    assert "Phường Hoàn Kiếm" in page and "00070<" not in page  # the name, not the code
    assert "full screen" in page  # storm: Immediate, Extreme, Observed
    previews = re.findall(r'data-profile="([^"]+)"', page)
    assert sorted(previews) == ["lcd-1920x1080", "led-192x96-mono"]
    assert page.count('src="data:image/png;base64,') == 2
    assert alert_count(session) == 0 and events(players["hk"], "alert") == []
    # confirming sends it
    data = form_data(client)
    resp = client.post(URL, data={**data, "step": "send", "confirmation": confirmation(page)})
    assert resp.status_code == 302
    assert alert_count(session) == 1 and len(events(players["hk"], "alert")) == 1


def test_a_real_alert_without_confirmation_is_refused(client, session, hk_operator, boards):
    login(client, "hk-operator")
    for step in ("send", "", "anything"):
        resp = client.post(URL, data={**form_data(client), "step": step})
        assert resp.status_code == 422
        assert "only after you confirm its summary" in text(resp)
    assert alert_count(session) == 0


@pytest.mark.parametrize(
    "token",
    ["forged", "x" * 5000, "eyJ1IjoxLCJkIjoiYSIsInQiOjF9.AAAAAAAAAAAAAAAAAAAAAAAAAAA"],
)
def test_a_forged_confirmation_is_refused(client, session, hk_operator, boards, token):
    login(client, "hk-operator")
    resp = client.post(URL, data={**form_data(client), "step": "send", "confirmation": token})
    assert resp.status_code == 422 and "does not match the alert" in text(resp)
    assert alert_count(session) == 0


def test_a_confirmation_is_for_the_summary_shown_and_its_author(
    app, client, session, hk_operator, factory, tree, boards
):
    login(client, "hk-operator")
    token = confirmation(text(summary_of(client, URL, form_data(client))))
    changed = form_data(client, headline="ANOTHER TEXT")
    resp = client.post(URL, data={**changed, "step": "send", "confirmation": token})
    assert resp.status_code == 422 and "does not match the alert" in text(resp)
    widened = form_data(client, boards="HK-1")
    resp = client.post(URL, data={**widened, "step": "send", "confirmation": token})
    assert resp.status_code == 422
    factory.user("hk-operator2", ("operator", tree["hk"]), locale="en")
    other = app.test_client()
    login(other, "hk-operator2")
    resp = other.post(URL, data={**form_data(other), "step": "send", "confirmation": token})
    assert resp.status_code == 422
    assert alert_count(session) == 0


def test_the_summary_refuses_hostile_targets_without_writing(client, session, hk_operator, boards):
    login(client, "hk-operator")
    for areas, message in (
        (["99999"], "Unknown area code: 99999"),
        (["31"], "Unknown area code: 31"),  # another province reads like a missing one
        (["<script>"], "Unknown area code: &lt;script&gt;"),
        ([], "at least one area"),
    ):
        resp = summary_of(client, URL, form_data(client, areas=areas))
        assert resp.status_code == 422 and message in text(resp)
        assert 'name="confirmation"' not in text(resp)
    assert alert_count(session) == 0


def test_exercises_leave_at_once_to_test_boards(client, session, hk_operator, boards, players):
    login(client, "hk-operator")
    resp = summary_of(client, URL, form_data(client, status="Exercise"))
    assert resp.status_code == 302
    alert = session.scalar(select(Alert))
    assert alert.status == "Exercise"
    assert len(events(players["test"], "alert")) == 1 and events(players["hk"], "alert") == []


def test_change_from_the_summary_returns_to_the_filled_form(client, hk_operator, boards):
    login(client, "hk-operator")
    resp = client.post(URL, data={**form_data(client), "step": "edit"})
    assert resp.status_code == 200
    page = text(resp)
    assert 'id="send-alert"' in page and 'value="CẢNH BÁO BÃO"' in page
    assert 'id="area-00070" data-name="Phường Hoàn Kiếm" checked' in page


def test_cancel_asks_first_and_refuses_an_unconfirmed_post(
    client, session, hk_operator, boards, players
):
    login(client, "hk-operator")
    detail = send_confirmed(client, URL, form_data(client)).headers["Location"]
    page = text(client.get(detail))
    assert f'id="cancel-button" href="{detail}/cancel"' in page
    ask = text(client.get(f"{detail}/cancel"))
    assert 'id="cancel-confirm"' in ask and "3 boards targeted" in ask
    token = csrf_token(client, detail)
    for hostile in ({}, {"confirm": "no"}, {"confirm": "YES "}):
        resp = client.post(f"{detail}/cancel", data={"csrf_token": token, **hostile})
        assert resp.status_code == 422 and "was not cancelled" in text(resp)
    session.expire_all()
    assert session.scalar(select(Alert)).state == "active"
    assert events(players["hk"], "alert_cancel") == []
    resp = client.post(f"{detail}/cancel", data={"csrf_token": token, "confirm": "yes"})
    assert resp.status_code == 302 and len(events(players["hk"], "alert_cancel")) == 1
    # once ended, the confirmation page sends the operator back to the alert
    assert client.get(f"{detail}/cancel").status_code == 302


def test_the_map_labels_boards_with_their_status(client, session, tree, hk_operator, boards):
    make_board(session, "HK-MAP", tree["hk"], lat=21.0285, lon=105.8542)
    login(client, "hk-operator")
    html = text(client.get(URL))
    assert 'class="board-dot fleet-never" data-code="HK-MAP"' in html
    assert 'class="board-label">Bảng HK-MAP</text>' in html
    assert "Never connected" in html and "tile" not in html.lower()


def test_line_breaks_coming_back_from_the_summary_still_match(client, session, hk_operator, boards):
    login(client, "hk-operator")
    typed = form_data(client, description="Dòng một\r\nDòng hai")
    token = confirmation(text(summary_of(client, URL, typed)))
    echoed = {**typed, "description": "Dòng một\nDòng hai"}  # the hidden copy, parsed by HTML
    resp = client.post(URL, data={**echoed, "step": "send", "confirmation": token})
    assert resp.status_code == 302 and alert_count(session) == 1
