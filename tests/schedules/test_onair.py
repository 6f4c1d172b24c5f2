""" "On air" means a schedule plays the item at that instant, not merely that it is approved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from signage.audit.services import Actor
from signage.clock import set_clock
from signage.schedules import playlists
from signage.schedules.onair import items_on_air
from signage.schedules.services import ScheduleInput, save_schedule
from tests.conftest import login
from tests.schedules.conftest import approved_item

MONDAY_10H = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội, a Monday


def _scheduled(session, admin, tree, item, *, windows=("08:00-11:00",), weekdays=(0,), **extra):
    playlist = playlists.create_playlist(
        session, Actor(admin), name="Sáng", area=tree["hk"], entries=[(item.id, 10)], now=MONDAY_10H
    )
    data = ScheduleInput(
        target_kind="area",
        target="00070",
        playlist_id=playlist.id,
        windows=list(windows),
        weekdays=list(weekdays),
        **extra,
    )
    return save_schedule(session, Actor(admin), data, now=MONDAY_10H)


def test_an_approved_item_in_no_playlist_is_not_on_air(session, store, tree, admin, approver):
    item = approved_item(session, store, admin, tree["hk"])
    assert items_on_air(session, [item.id], now=MONDAY_10H) == set()


def test_on_air_only_inside_the_schedules_window(session, store, tree, admin, approver, boards):
    item = approved_item(session, store, admin, tree["hk"])
    _scheduled(session, admin, tree, item)
    assert items_on_air(session, [item.id], now=MONDAY_10H) == {item.id}
    assert items_on_air(session, [item.id], now=MONDAY_10H + timedelta(hours=2)) == set()
    assert items_on_air(session, [item.id], now=MONDAY_10H + timedelta(days=1)) == set()  # Tue


def test_a_schedule_not_yet_valid_or_for_a_draft_plays_nothing(
    session, store, tree, admin, approver, boards
):
    item = approved_item(session, store, admin, tree["hk"])
    later = MONDAY_10H + timedelta(days=7)
    _scheduled(session, admin, tree, item, valid_from=later)
    draft = approved_item(session, store, admin, tree["hk"], "Nháp", submit=False, approve=False)
    assert items_on_air(session, [item.id, draft.id], now=MONDAY_10H) == set()
    assert items_on_air(session, [item.id], now=later) == {item.id}


def test_the_console_says_approved_not_on_air_when_no_schedule_plays_it(
    app, client, session, store, tree, admin, approver, boards
):
    playing = approved_item(session, store, admin, tree["hk"], "Đang phát thật")
    idle = approved_item(session, store, admin, tree["hk"], "Chỉ đã duyệt")
    _scheduled(session, admin, tree, playing)
    set_clock(app, MONDAY_10H)
    login(client, "root-admin")
    html = client.get("/content/?lang=en").get_data(as_text=True)
    row = html.split(f'data-item="{playing.id}"')[1].split("</tr>")[0]
    assert "state-on_air" in row and "On air" in row
    row = html.split(f'data-item="{idle.id}"')[1].split("</tr>")[0]
    assert "state-approved" in row and "On air" not in row
    detail = client.get(f"/content/{idle.id}").get_data(as_text=True)
    assert "no schedule plays it now" in detail and "state-on_air" not in detail
    set_clock(app, MONDAY_10H + timedelta(minutes=90))  # the 08:00-11:00 window is over
    detail = client.get(f"/content/{playing.id}").get_data(as_text=True)
    assert "state-approved" in detail and "state-on_air" not in detail
