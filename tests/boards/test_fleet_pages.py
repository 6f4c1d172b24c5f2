"""The home page and the board list show presence: counts, dark boards, filters, the map."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from signage.boards.models import BoardStatus
from signage.content.models import ContentItem
from tests.boards.conftest import T0, seen
from tests.conftest import login
from tests.schedules.conftest import make_board


def page(client, path: str):
    resp = client.get(path)
    return resp.status_code, resp.get_data(as_text=True)


def count_tile(html: str, key: str) -> int:
    match = re.search(rf'data-count="{key}">(\d+)<', html)
    assert match, key
    return int(match.group(1))


def test_the_supervisors_home_counts_their_ward_only(client, fleet_boards, hk_sup):
    login(client, "hk-sup")
    status, html = page(client, "/?lang=en")
    assert status == 200
    assert (count_tile(html, "online"), count_tile(html, "offline"), count_tile(html, "never")) == (
        1,
        2,
        1,
    )
    assert "BD-OFF" not in html and "HP-ON" not in html
    # The longest dark first, in words, with the local time of last contact.
    dark = html[html.index('id="dark-boards"') :]
    assert dark.index("HK-OLD") < dark.index("HK-OFF")
    assert "Dark for 2 hours 15 minutes" in html
    assert "last contact 25/11/2026 07:45" in html  # 00:45 UTC + 7 h
    assert 'id="fleet-map"' in html and 'class="fleet-dot fleet-online"' in html
    assert 'data-statuses="' in html


def test_the_home_speaks_vietnamese_first(client, fleet_boards, hk_sup):
    login(client, "hk-sup")
    _status, html = page(client, "/?lang=vi")
    assert "Mất kết nối 2 giờ 15 phút" in html
    assert "Chưa từng kết nối" in html
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", html)  # no ISO timestamp on a page


def test_an_editor_gets_their_drafts_not_the_fleet(client, factory, tree, session, fleet_boards):
    editor = factory.user("hk-ed", ("editor", tree["hk"]), locale="en")
    session.add(
        ContentItem(
            kind="text",
            area=tree["hk"],
            state="rejected",
            category="policy_law",
            headline="Lịch tiêm chủng bị trả lại",
            created_by_id=editor.id,
        )
    )
    session.flush()
    login(client, "hk-ed")
    _status, html = page(client, "/?lang=en")
    assert 'id="fleet"' not in html
    assert 'id="my-items"' in html and "Lịch tiêm chủng bị trả lại" in html


def test_an_approver_gets_the_pending_count_and_the_queue(client, factory, tree, session):
    factory.user("hk-ap", ("approver", tree["hk"]), locale="en")
    session.add(ContentItem(kind="text", area=tree["hk"], state="pending", category="disaster"))
    session.add(ContentItem(kind="text", area=tree["hp"], state="pending", category="disaster"))
    session.flush()
    login(client, "hk-ap")
    _status, html = page(client, "/?lang=en")
    assert re.search(r'id="pending-count">1<', html)
    assert "/content/queue" in html


def test_the_board_list_shows_status_columns(client, fleet_boards, hk_sup):
    login(client, "hk-sup")
    status, html = page(client, "/boards/?lang=en")
    assert status == 200
    row = html[html.index('data-board="HK-ON"') :]
    row = row[: row.index("</tr>")]
    assert "Online" in row and "2.1.0" in row and "3.2 GB" in row
    assert "25/11/2026 09:59" in row and "less than a minute ago" in row
    _status, vi = page(client, "/boards/?lang=vi")
    assert "3,2 GB" in vi


def test_the_board_list_filters_and_keeps_them_across_pages(
    client, app, session, tree, fleet_boards, hn_sup
):
    for i in range(55):
        seen(session, make_board(session, f"HK-X{i:02d}", tree["hk"]), timedelta(hours=3))
    login(client, "hn-sup")
    _status, html = page(client, "/boards/?status=offline&offline_for=1h&lang=en")
    assert 'data-board="HK-X00"' in html and 'data-board="HK-ON"' not in html
    assert 'data-board="BD-OFF"' not in html
    assert "offline_for=1h" in html and "page=2" in html
    nxt = re.search(r'href="([^"]*page=2[^"]*)"', html)
    assert nxt
    link = nxt.group(1).replace("&amp;", "&")
    assert "status=offline" in link and "offline_for=1h" in link
    _status, second = page(client, link)
    assert 'data-board="HK-X54"' in second and 'data-board="HK-X00"' not in second
    _status, by_area = page(client, "/boards/?area=00004&lang=en")
    assert 'data-board="BD-OFF"' in by_area and 'data-board="HK-ON"' not in by_area


@pytest.mark.parametrize(
    "query",
    [
        "status=asleep",
        "offline_for=99y",
        "status=online&offline_for=1h",
        "area=31",  # Hải Phòng: outside the supervisor's areas reads as unknown
        "area=%00%3Cscript%3E",
        "profile=nope",
        "group=" + "x" * 3000,
        "page=-5&status=%E2%80%AE",
        "q=HK%00",
        "group=%00",
    ],
)
def test_bad_filter_values_are_a_clear_422_not_a_500(client, fleet_boards, hn_sup, query):
    login(client, "hn-sup")
    status, html = page(client, f"/boards/?{query}&lang=en")
    assert status == 422
    assert 'id="filter-error"' in html and "<script>" not in html
    assert 'id="boards-table"' not in html


def test_the_api_lists_status_fields_and_filters(client, factory, fleet_boards, hn_sup):
    headers = factory.bearer(hn_sup)
    resp = client.get("/api/v1/boards?status=offline&offline_for=1h", headers=headers)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert [b["code"] for b in body["boards"]] == ["HK-OFF", "HK-OLD"]
    first = body["boards"][0]
    assert first["status"] == "offline"
    assert first["last_seen"] == "2026-11-25T00:45:00Z"
    assert first["dark_seconds"] == 8100
    online = client.get("/api/v1/boards?status=online", headers=headers).get_json()["boards"][0]
    assert online["player_version"] == "2.1.0" and online["free_disk"] == 3_435_973_837
    assert online["dark_seconds"] is None


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("status=asleep", "status"),
        ("offline_for=forever", "offline_for"),
        ("profile=nope", "profile"),
        ("group=NOPE", "group"),
        ("area=31", "area"),
    ],
)
def test_the_api_refuses_bad_filters_with_422(client, factory, fleet_boards, hn_sup, query, field):
    resp = client.get(f"/api/v1/boards?{query}", headers=factory.bearer(hn_sup))
    assert resp.status_code == 422, resp.get_json()
    assert field in [d["field"] for d in resp.get_json()["error"]["details"]]


def test_a_current_item_shows_its_headline_not_its_id(client, session, tree, fleet_boards, hk_sup):
    item = ContentItem(
        kind="text", area=tree["hk"], state="approved", category="disaster", headline="Bão số 3"
    )
    session.add(item)
    session.flush()
    session.get(BoardStatus, fleet_boards["hk_on"].id).current_item = item.id
    session.flush()
    login(client, "hk-sup")
    _status, html = page(client, "/boards/?lang=en")
    row = html[html.index('data-board="HK-ON"') :]
    assert "Bão số 3" in row[: row.index("</tr>")]


def test_a_quoted_value_in_a_form_error_is_escaped(client, factory, tree):
    from tests.conftest import csrf_token

    factory.user("root", ("admin", tree["vn"]), locale="en")
    login(client, "root")
    token = csrf_token(client, "/boards/new")
    resp = client.post(
        "/boards/new",
        data={"csrf_token": token, "code": "X1", "name": "n", "area": "<b>zz</b>"},
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "<b>zz</b>" not in html and "&lt;b&gt;zz&lt;/b&gt;" in html


def _alert(session, area, headline: str, *, state: str = "active", expires=None):
    from signage.alerts.models import Alert

    row = Alert(
        identifier=f"test-{headline}",
        sender="test",
        sent=T0,
        event="Bão",
        urgency="Immediate",
        severity="Severe",
        certainty="Observed",
        headline=headline,
        expires=expires or T0 + timedelta(hours=2),
        area=area,
        state=state,
    )
    session.add(row)
    session.flush()
    return row


def test_an_operator_gets_the_alerts_on_air_and_the_send_button(
    client, app, factory, tree, session
):
    from signage.clock import set_clock

    set_clock(app, T0)
    factory.user("hn-op", ("operator", tree["hn"]), locale="en")
    _alert(session, tree["hk"], "Bão số 3 đổ bộ")
    _alert(session, tree["hk"], "Đã hủy", state="cancelled")
    _alert(session, tree["hk"], "Hết hạn", expires=T0 - timedelta(minutes=1))
    _alert(session, tree["hp"], "Hải Phòng ngập")
    login(client, "hn-op")
    _status, html = page(client, "/?lang=en")
    assert 'id="operator-alerts"' in html and 'id="fleet"' not in html
    section = html[html.index('id="operator-alerts"') :]
    assert "Bão số 3 đổ bộ" in section
    assert "Đã hủy" not in html and "Hết hạn" not in html and "Hải Phòng ngập" not in html
    assert 'id="emergency-button"' in html


def test_board_page_shows_the_last_contact_in_local_time_never_iso(
    client, session, fleet_boards, hk_sup
):
    row = session.get(BoardStatus, fleet_boards["hk_on"].id)
    row.uptime = 3 * 86400 + 5 * 3600
    session.flush()
    login(client, "hk-sup")
    html = client.get("/boards/HK-ON").get_data(as_text=True)
    # T0 - 30 s is 09:59 in Hà Nội on 25/11/2026; sizes and durations in words.
    assert "25/11/2026 09:59" in html and "3.2 GB" in html and "3 days 5 hours" in html
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", html)
