"""Uptime figures from sessions: local days, period edges, outages, area aggregates, pages, API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from signage.boards.models import BoardSession
from signage.boards.uptime.figures import area_uptime, board_figures, board_uptime, windows
from signage.clock import set_clock
from tests.conftest import login
from tests.schedules.conftest import make_board

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
H = timedelta(hours=1)
# 10:00 on 10/12/2026 in Hà Nội; the local day began at 17:00 UTC the day before.
NOW = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
MIDNIGHT = datetime(2026, 12, 9, 17, 0, tzinfo=UTC)


def add(session, board, start, end=None):
    session.add(BoardSession(board_id=board.id, started_at=start, ended_at=end))
    session.flush()


@pytest.fixture()
def flaky(session, tree):
    """Connected from 05/12 07:00 local, with two outages today and a session open now."""
    board = make_board(session, "HK-UP", tree["hk"])
    add(session, board, datetime(2026, 12, 5, 0, 0, tzinfo=UTC), MIDNIGHT - H)
    add(session, board, MIDNIGHT - H, MIDNIGHT + H)  # touches the previous one; crosses midnight
    add(session, board, MIDNIGHT + 3 * H, MIDNIGHT + 5.5 * H)
    add(session, board, MIDNIGHT + 9 * H)  # open: online now
    return board


@pytest.fixture()
def gone(session, tree):
    """Connected for two hours yesterday (local), away since."""
    board = make_board(session, "BD-UP", tree["bd"])
    add(session, board, MIDNIGHT - 4 * H, MIDNIGHT - 2 * H)
    return board


def test_windows_are_local_days_ending_today():
    got = {w.key: (w.start, w.end) for w in windows(NOW, HCM)}
    assert got["today"] == (MIDNIGHT, MIDNIGHT + 24 * H)
    assert got["week"][0] == MIDNIGHT - 6 * 24 * H
    assert got["month"][0] == MIDNIGHT - 29 * 24 * H


def test_today_counts_from_local_midnight_and_lists_the_gaps(session, flaky):
    today = board_figures(session, flaky, now=NOW, tz=HCM)["today"]
    assert today.stop == NOW
    assert today.counted_seconds == 10 * 3600
    assert today.online_seconds == (1 + 2.5 + 1) * 3600
    assert today.share == pytest.approx(0.45)
    assert [(o.start, o.end, o.seconds) for o in today.outages] == [
        (MIDNIGHT + H, MIDNIGHT + 3 * H, 2 * 3600),
        (MIDNIGHT + 5.5 * H, MIDNIGHT + 9 * H, 3.5 * 3600),
    ]


def test_time_before_the_first_connection_is_not_counted(session, flaky):
    week = board_figures(session, flaky, now=NOW, tz=HCM)["week"]
    first = datetime(2026, 12, 5, 0, 0, tzinfo=UTC)
    assert week.first_connected == first
    assert week.counted_seconds == (NOW - first).total_seconds()
    assert week.online_seconds == (NOW - first).total_seconds() - 5.5 * 3600
    assert len(week.outages) == 2  # touching sessions are one stretch, not an outage


def test_an_outage_still_going_has_no_end_but_a_past_period_clips_it(session, gone):
    today = board_uptime(session, [gone.id], MIDNIGHT, MIDNIGHT + 24 * H, now=NOW)[gone.id]
    assert today.online_seconds == 0 and today.share == 0.0
    assert [(o.start, o.end, o.seconds) for o in today.outages] == [(MIDNIGHT, None, 10 * 3600)]
    yesterday = board_uptime(session, [gone.id], MIDNIGHT - 24 * H, MIDNIGHT, now=NOW)[gone.id]
    assert yesterday.share == pytest.approx(2 / 4)  # counted from its first connection
    assert [(o.start, o.end) for o in yesterday.outages] == [(MIDNIGHT - 2 * H, MIDNIGHT)]


def test_a_board_that_never_connected_has_no_share(session, tree):
    board = make_board(session, "HK-NEW", tree["hk"])
    item = board_uptime(session, [board.id], MIDNIGHT, MIDNIGHT + 24 * H, now=NOW)[board.id]
    assert item.first_connected is None and item.share is None and item.outages == []


def test_area_aggregate_means_shares_and_ranks_downtime(session, tree, flaky, gone):
    never = make_board(session, "HK-NEW", tree["hk"])
    agg = area_uptime(session, [flaky, gone, never], MIDNIGHT, MIDNIGHT + 24 * H, now=NOW)
    assert agg.boards == 3
    assert agg.mean_share == pytest.approx((0.45 + 0.0) / 2)
    assert [b.code for b in agg.never_connected] == ["HK-NEW"]
    assert [b.code for b, _u in agg.worst] == ["BD-UP", "HK-UP"]


# --- pages ------------------------------------------------------------------------------


def test_board_page_shows_shares_and_outages_in_vietnamese(app, client, factory, tree, flaky):
    factory.user("hk-viewer", ("viewer", tree["hk"]))
    set_clock(app, NOW)
    login(client, "hk-viewer")
    page = client.get("/boards/HK-UP").get_data(as_text=True)
    assert "Lịch sử hoạt động" in page
    assert "45,0%" in page  # today, the Vietnamese way
    assert "10/12/2026 05:30" in page  # an outage's start, local time (22:30 UTC)
    assert "3 giờ 30 phút" in page and "2 giờ" in page
    assert "2026-12-09T" not in page  # never an ISO timestamp


def test_area_card_counts_only_the_boards_the_reader_may_see(
    app, client, factory, tree, flaky, gone, session
):
    hp = make_board(session, "HP-UP", tree["hp_commune"])
    add(session, hp, MIDNIGHT - 100 * H, MIDNIGHT - 99 * H)  # in Hải Phòng, never shown in Hà Nội
    factory.user("hn-viewer", ("viewer", tree["hn"]), locale="en")
    factory.user("hk-viewer", ("viewer", tree["hk"]), locale="en")
    set_clock(app, NOW)
    login(client, "hn-viewer")
    page = client.get("/areas/01").get_data(as_text=True)
    assert 'id="area-uptime"' in page and "2 boards you may see" in page
    assert "BD-UP" in page and "HP-UP" not in page
    other = app.test_client()
    login(other, "hk-viewer")
    assert other.get("/areas/01").status_code == 404
    page = other.get("/areas/00070").get_data(as_text=True)
    assert "1 board you may see" in page and "BD-UP" not in page


# --- API --------------------------------------------------------------------------------


def test_board_uptime_api(app, client, factory, tree, flaky, admin):
    set_clock(app, NOW)
    resp = client.get(
        "/api/v1/boards/HK-UP/uptime?from=2026-12-10&to=10/12/2026", headers=factory.bearer(admin)
    )
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["first_day"], body["last_day"]) == ("2026-12-10", "2026-12-10")
    assert body["start"] == "2026-12-09T17:00:00Z" and body["end"] == "2026-12-10T03:00:00Z"
    assert body["share"] == 0.45 and body["outage_count"] == 2
    assert body["share_in_operating_hours"] is None  # always on
    assert body["outages"][0] == {
        "start": "2026-12-09T18:00:00Z",
        "end": "2026-12-09T20:00:00Z",
        "seconds": 7200,
    }


def test_area_uptime_api_is_limited_to_the_callers_boards(
    app, client, factory, tree, flaky, gone, session
):
    hp = make_board(session, "HP-UP", tree["hp_commune"])
    add(session, hp, MIDNIGHT - 2 * H)
    hk = factory.user("hk-viewer", ("viewer", tree["hk"]))
    root = factory.user("root-viewer", ("viewer", tree["vn"]))
    set_clock(app, NOW)
    url = "/api/v1/areas/{}/uptime?from=2026-12-10&to=2026-12-10"
    assert client.get(url.format("01"), headers=factory.bearer(hk)).status_code == 404
    body = client.get(url.format("00070"), headers=factory.bearer(hk)).get_json()
    assert body["boards"] == 1 and [w["board"] for w in body["worst"]] == ["HK-UP"]
    body = client.get(url.format("VN"), headers=factory.bearer(root)).get_json()
    assert body["boards"] == 3 and body["never_connected"] == []
    assert [w["board"] for w in body["worst"]] == ["BD-UP", "HK-UP"]  # HP-UP: never down


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-12-10&to=2026-12-01",  # inverted
        "from=2026-12-10",  # unbounded
        "to=2026-12-10",
        "from=2020-01-01&to=2026-12-10",  # longer than 732 days
        "from=2026-13-45&to=2026-12-10",
        "from=yesterday&to=today",
        "from=2026-12-10%00&to=2026-12-10",
        "from=2026-12-01&from=2026-12-02&to=2026-12-10",
        "from=" + "9" * 5000 + "&to=2026-12-10",
        "since=2026-12-01",
    ],
)
def test_hostile_periods_are_a_clear_422(app, client, factory, tree, flaky, admin, query):
    set_clock(app, NOW)
    for path in ("/api/v1/boards/HK-UP/uptime", "/api/v1/areas/00070/uptime"):
        resp = client.get(f"{path}?{query}", headers=factory.bearer(admin))
        assert resp.status_code == 422, (path, query, resp.get_json())
        body = resp.get_json()
        assert body["error"]["details"] or body["error"]["message"]


def test_unknown_board_or_area_is_404(app, client, factory, admin):
    for path in ("/api/v1/boards/NOPE/uptime", "/api/v1/areas/NOPE/uptime"):
        assert client.get(path, headers=factory.bearer(admin)).status_code == 404


# --- operating hours, shown beside the whole-day share -----------------------------------

DAYTIME = {str(d): ["06:00-22:00"] for d in range(7)}


def test_power_spans_follow_local_days_and_cross_midnight():
    from signage.schedules.spans import power_spans

    night = {"2": ["22:00-06:00"]}  # Wednesday night into Thursday
    start, stop = MIDNIGHT - 24 * H, MIDNIGHT + 24 * H  # Wed 09/12 and Thu 10/12, local
    assert power_spans(night, HCM, start, stop) == [(MIDNIGHT - 2 * H, MIDNIGHT + 6 * H)]
    assert power_spans({}, HCM, start, stop) is None  # always on
    assert power_spans({"0": ["nonsense"]}, HCM, start, stop) is None


def test_share_within_operating_hours(app, client, factory, session, tree, flaky, admin):
    from signage.schedules.spans import power_spans

    flaky.hours = DAYTIME
    session.flush()
    power = {flaky.id: lambda a, b: power_spans(DAYTIME, HCM, a, b)}
    today = board_uptime(session, [flaky.id], MIDNIGHT, MIDNIGHT + 24 * H, now=NOW, power=power)
    item = today[flaky.id]
    assert item.hours_counted_seconds == 4 * 3600  # 06:00-10:00 local
    assert item.share_in_hours == pytest.approx(0.25)  # connected 09:00-10:00
    assert item.share == pytest.approx(0.45)  # the whole-day figure is unchanged
    set_clock(app, NOW)
    body = client.get(
        "/api/v1/boards/HK-UP/uptime?from=2026-12-10&to=2026-12-10", headers=factory.bearer(admin)
    ).get_json()
    assert (body["share"], body["share_in_operating_hours"]) == (0.45, 0.25)
    factory.user("hk-viewer", ("viewer", tree["hk"]))
    login(client, "hk-viewer")
    assert "trong giờ hoạt động: 25,0%" in client.get("/boards/HK-UP").get_data(as_text=True)
