"""Board fixtures: English messages and users with board roles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from signage.boards.models import BoardStatus
from signage.clock import set_clock
from tests.schedules.conftest import make_board

T0 = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội


@pytest.fixture()
def english(app) -> None:
    app.config["SIGNAGE"].default_locale = "en"


@pytest.fixture()
def admin(factory, tree):
    return factory.user("root-admin", ("admin", tree["vn"]), locale="en")


@pytest.fixture()
def hk_admin(factory, tree):
    return factory.user("hk-admin", ("admin", tree["hk"]), locale="en")


def seen(session, board, ago: timedelta | None, *, gone: timedelta | None = None, **extra):
    """A status row: last report `ago` before T0 (None: paired, never reported)."""
    row = BoardStatus(
        board_id=board.id,
        last_seen=T0 - ago if ago is not None else None,
        disconnected_at=T0 - gone if gone is not None else None,
        manifest_version="",
        player_version=extra.pop("player_version", ""),
        **extra,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture()
def fleet_boards(app, session, tree):
    """Hoàn Kiếm: one online, one dark 2 h 15 min, one dark 8 days, one never connected.
    Ba Đình: one offline. Hải Phòng: one online."""
    set_clock(app, T0)
    b = {
        "hk_on": make_board(session, "HK-ON", tree["village"], lat=21.03, lon=105.85),
        "hk_off": make_board(session, "HK-OFF", tree["hk"], lat=21.02, lon=105.86),
        "hk_old": make_board(session, "HK-OLD", tree["hk"]),
        "hk_new": make_board(session, "HK-NEW", tree["hk"], lat=21.04, lon=105.84),
        "bd_off": make_board(session, "BD-OFF", tree["bd"]),
        "hp_on": make_board(session, "HP-ON", tree["hp_commune"]),
    }
    seen(
        session, b["hk_on"], timedelta(seconds=30), player_version="2.1.0", free_disk=3_435_973_837
    )
    seen(session, b["hk_off"], timedelta(hours=2, minutes=15))
    seen(session, b["hk_old"], timedelta(days=8))
    seen(session, b["bd_off"], timedelta(hours=1), gone=timedelta(minutes=50))
    seen(session, b["hp_on"], timedelta(seconds=10))
    return b


@pytest.fixture()
def hk_sup(factory, tree):
    return factory.user("hk-sup", ("viewer", tree["hk"]), locale="en")


@pytest.fixture()
def hn_sup(factory, tree):
    return factory.user("hn-sup", ("viewer", tree["hn"]), locale="en")
