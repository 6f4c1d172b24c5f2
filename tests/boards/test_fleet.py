"""The fleet at a glance: presence counts and lists scoped by grants, the board list's filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from signage.boards import fleet
from signage.boards.models import BoardGroup, BoardGroupMember, BoardStatus, PlayBatch, PlayRecord
from signage.boards.presence import OFFLINE_GRACE
from signage.errors import ValidationFailed
from tests.boards.conftest import T0

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def test_counts_stay_inside_the_supervisors_ward(session, fleet_boards, hk_sup, hn_sup):
    assert fleet.status_counts(session, hk_sup, now=T0) == {"online": 1, "offline": 2, "never": 1}
    # Hà Nội sees Ba Đình too, never Hải Phòng.
    assert fleet.status_counts(session, hn_sup, now=T0) == {"online": 1, "offline": 3, "never": 1}


def test_a_user_without_grants_counts_nothing(session, fleet_boards, factory):
    nobody = factory.user("nobody")
    assert fleet.status_counts(session, nobody, now=T0) == {"online": 0, "offline": 0, "never": 0}
    assert fleet.offline_boards(session, nobody, now=T0) == []
    assert fleet.statuses_by_code(session, nobody, now=T0) == {}


def test_offline_boards_longest_dark_first_with_the_time_since_last_contact(
    session, fleet_boards, hn_sup
):
    dark = fleet.offline_boards(session, hn_sup, now=T0)
    assert [d.board.code for d in dark] == ["HK-OLD", "HK-OFF", "BD-OFF"]
    assert dark[1].seconds == 2 * 3600 + 15 * 60
    # Its socket closed 10 minutes after its last report: dark since the close.
    assert dark[2].since == T0 - timedelta(minutes=50)


def test_a_closed_socket_within_the_grace_time_is_still_online(session, fleet_boards, hk_sup):
    row = session.get(BoardStatus, fleet_boards["hk_on"].id)
    row.disconnected_at = T0 - OFFLINE_GRACE + timedelta(seconds=1)
    session.flush()
    assert fleet.status_counts(session, hk_sup, now=T0)["online"] == 1
    later = T0 + timedelta(seconds=2)
    assert fleet.status_counts(session, hk_sup, now=later)["online"] == 0


def test_statuses_by_code_are_the_live_pages_starting_point(session, fleet_boards, hk_sup):
    assert fleet.statuses_by_code(session, hk_sup, now=T0) == {
        "HK-NEW": "never",
        "HK-OFF": "offline",
        "HK-OLD": "offline",
        "HK-ON": "online",
    }


def test_plays_today_count_the_local_day_and_the_users_boards(session, fleet_boards, hk_sup):
    def play(board, start):
        batch = PlayBatch(board_id=board.id, batch_id=f"b-{board.code}-{start.isoformat()}")
        session.add(batch)
        session.flush()
        session.add(
            PlayRecord(
                batch_id=batch.id,
                board_id=board.id,
                item_id=1,
                revision_id=1,
                start=start,
                duration_s=10,
            )
        )
        session.flush()

    # Local midnight of 25/11 is 17:00 UTC on 24/11.
    play(fleet_boards["hk_on"], datetime(2026, 11, 24, 17, 0, tzinfo=UTC))  # today, 00:00 local
    play(fleet_boards["hk_on"], datetime(2026, 11, 24, 16, 59, tzinfo=UTC))  # yesterday 23:59
    play(fleet_boards["hk_off"], T0 - timedelta(hours=1))
    play(fleet_boards["hp_on"], T0 - timedelta(hours=1))  # another province
    assert fleet.plays_today(session, hk_sup, now=T0, tz=HCM) == 2


def test_status_map_has_located_boards_with_their_status(session, fleet_boards, hk_sup):
    found = fleet.status_map(session, hk_sup, now=T0)
    assert found is not None
    assert {(p["code"], p["status"]) for p in found["points"]} == {
        ("HK-ON", "online"),
        ("HK-OFF", "offline"),
        ("HK-NEW", "never"),
    }
    for p in found["points"]:
        assert 0 <= p["x"] <= found["width"] and 0 <= p["y"] <= found["height"]


def _codes(session, user, **raw):
    wanted = fleet.read_filter(session, user, **raw)
    return [b.code for b in session.scalars(fleet.fleet_boards(user, wanted, now=T0))]


def test_filters_by_status_time_dark_profile_and_group(session, fleet_boards, hn_sup, tree):
    assert _codes(session, hn_sup, status="online") == ["HK-ON"]
    assert _codes(session, hn_sup, status="never") == ["HK-NEW"]
    assert _codes(session, hn_sup, status="offline") == ["BD-OFF", "HK-OFF", "HK-OLD"]
    assert _codes(session, hn_sup, offline_for="1h") == ["HK-OFF", "HK-OLD"]
    assert _codes(session, hn_sup, offline_for="24h") == ["HK-OLD"]
    assert _codes(session, hn_sup, offline_for="7d") == ["HK-OLD"]
    assert _codes(session, hn_sup, offline_for="15m") == ["BD-OFF", "HK-OFF", "HK-OLD"]
    assert _codes(session, hn_sup, profile="led-192x96-mono") == [
        "BD-OFF",
        "HK-NEW",
        "HK-OFF",
        "HK-OLD",
        "HK-ON",
    ]
    group = BoardGroup(code="CHO", name="Chợ", area=tree["hn"])
    session.add(group)
    session.flush()
    session.add(BoardGroupMember(group_id=group.id, board_id=fleet_boards["hk_off"].id))
    session.flush()
    assert _codes(session, hn_sup, group="CHO", status="offline") == ["HK-OFF"]
    assert _codes(session, hn_sup, area=tree["bd"]) == ["BD-OFF"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"status": "asleep"}, "status"),
        ({"status": "' OR 1=1 --"}, "status"),
        ({"offline_for": "3y"}, "offline_for"),
        ({"offline_for": "-1h"}, "offline_for"),
        ({"status": "online", "offline_for": "1h"}, "offline_for"),
        ({"profile": "no-such-profile"}, "profile"),
        ({"profile": "x" * 5000}, "profile"),
        ({"group": "HP-GROUP"}, "group"),  # exists, but in another province
        ({"group": "\x00\u202e<script>"}, "group"),
        ({"text": "HK\x00"}, "q"),
    ],
)
def test_bad_filter_values_are_field_problems(session, fleet_boards, hk_sup, tree, raw, field):
    session.add(BoardGroup(code="HP-GROUP", name="Hải Phòng", area=tree["hp"]))
    session.flush()
    with pytest.raises(ValidationFailed) as exc:
        fleet.read_filter(session, hk_sup, **raw)
    assert [d["field"] for d in exc.value.details] == [field]
    for d in exc.value.details:
        message = str(d["message"])
        assert len(message) < 200 and "\x00" not in message and "\u202e" not in message
