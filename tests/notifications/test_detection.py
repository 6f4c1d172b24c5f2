"""Detection: a board dark past its area's threshold, inside its operating hours, is told once
to its subscribers; many at once make a digest; coming back makes a recovery notice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from signage.accounts.models import Grant
from signage.notifications.detection import detect
from signage.notifications.models import (
    AreaNotice,
    Notification,
    Outage,
    OutboxMessage,
    Subscription,
)
from tests.notifications.conftest import NOW, come_back, go_dark, later, make_board


@pytest.fixture()
def settings(app):
    return app.config["SIGNAGE"]


@pytest.fixture()
def watcher(session, factory, tree):
    """A viewer of Hà Nội subscribed to it in the console and by e-mail."""
    user = factory.user("watcher", ("viewer", tree["hn"]))
    user.email = "watcher@example.vn"
    session.add(Subscription(user=user, area=tree["hn"], console=True, email=True))
    session.flush()
    return user


def notices(session, user):
    return list(
        session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def run(session, settings, at):
    found = detect(session, now=at, settings=settings)
    session.flush()
    return found


def test_dark_past_the_threshold_is_told_once(session, settings, tree, watcher):
    board = make_board(session, "HK-1", tree["hk"], last_seen=NOW, disconnected_at=NOW)
    assert run(session, settings, later(14)).dark == []
    assert notices(session, watcher) == []
    found = run(session, settings, later(16))
    assert [e.code for e in found.dark] == ["HK-1"]
    [notice] = notices(session, watcher)
    assert notice.kind == "offline"
    assert notice.params["boards"][0]["code"] == "HK-1"
    # Later runs during the same outage say nothing more.
    run(session, settings, later(17))
    run(session, settings, later(120))
    assert len(notices(session, watcher)) == 1
    outage = session.scalar(select(Outage).where(Outage.board_id == board.id))
    assert outage.dark_since == NOW and outage.notified_at == later(16)


def test_recovery_notice_then_a_new_outage_is_told_again(session, settings, tree, watcher):
    board = make_board(session, "HK-1", tree["hk"], last_seen=NOW, disconnected_at=NOW)
    run(session, settings, later(16))
    come_back(session, board, later(30))
    found = run(session, settings, later(30))
    assert [e.code for e in found.recovered] == ["HK-1"]
    assert [n.kind for n in notices(session, watcher)] == ["offline", "recovered"]
    run(session, settings, later(31))
    assert len(notices(session, watcher)) == 2
    go_dark(session, board, later(40))
    run(session, settings, later(56))
    assert [n.kind for n in notices(session, watcher)] == ["offline", "recovered", "offline"]
    assert session.scalar(select(Outage.recovered_at).where(Outage.board_id == board.id).order_by(
        Outage.id).limit(1)) == later(30)  # fmt: skip


def test_a_short_drop_is_not_an_outage(session, settings, tree, watcher):
    board = make_board(session, "HK-1", tree["hk"], last_seen=NOW, disconnected_at=NOW)
    run(session, settings, later(10))
    come_back(session, board, later(12))
    run(session, settings, later(13))
    come_back(session, board, later(29))  # heartbeats all along
    run(session, settings, later(30))
    assert notices(session, watcher) == []
    assert session.scalars(select(Outage)).all() == []


def test_never_connected_boards_are_not_going_dark(session, settings, tree, watcher):
    make_board(session, "NEW-1", tree["hk"])
    run(session, settings, later(600))
    assert notices(session, watcher) == []


def test_heartbeats_that_stop_without_a_close_count_from_the_last_one(
    session, settings, tree, watcher
):
    make_board(session, "HK-1", tree["hk"], last_seen=NOW)
    assert run(session, settings, later(14)).dark == []
    assert [e.code for e in run(session, settings, later(16)).dark] == ["HK-1"]


def test_area_threshold_is_inherited_and_overridden(session, settings, tree, watcher):
    session.add(AreaNotice(area=tree["hn"], threshold_minutes=30))
    session.add(AreaNotice(area=tree["bd"], threshold_minutes=5))
    make_board(session, "HK-1", tree["village"], last_seen=NOW, disconnected_at=NOW)
    make_board(session, "BD-1", tree["bd"], last_seen=NOW, disconnected_at=NOW)
    assert [e.code for e in run(session, settings, later(6)).dark] == ["BD-1"]
    assert run(session, settings, later(20)).dark == []
    assert [e.code for e in run(session, settings, later(31)).dark] == ["HK-1"]


def test_off_hours_do_not_count(session, settings, tree, watcher):
    # NOW is Monday 10:00 in Hà Nội. On 06:00-11:00 Mondays only: dark at 10:50, and by
    # 11:30 it is meant to be off; Tuesday it is off all day.
    make_board(session, "HK-1", tree["hk"], last_seen=later(50), disconnected_at=later(50),
               hours={"0": ["06:00-11:00"]})  # fmt: skip
    run(session, settings, later(90))
    run(session, settings, later(24 * 60 + 60))
    assert notices(session, watcher) == []


def test_dark_time_counts_only_inside_operating_hours(session, settings, tree, watcher):
    # On 06:00-22:00 every day; dark at 21:55 on Monday (local). 5 minutes that evening and
    # 10 the next morning make 15: told at 06:10 Tuesday, not at 06:05.
    every_day = {str(d): ["06:00-22:00"] for d in range(7)}
    dark_at = later(11 * 60 + 55)
    make_board(session, "HK-1", tree["hk"], last_seen=dark_at, disconnected_at=dark_at,
               hours=every_day)  # fmt: skip
    tuesday_6 = NOW + timedelta(hours=20)
    assert run(session, settings, tuesday_6 - timedelta(hours=7)).dark == []  # 23:00, off
    assert run(session, settings, tuesday_6 + timedelta(minutes=5)).dark == []
    assert [e.code for e in run(session, settings, tuesday_6 + timedelta(minutes=10)).dark] == [
        "HK-1"
    ]


def test_many_boards_at_once_make_one_digest(session, settings, tree, watcher):
    settings.notify_digest_over = 5
    for n in range(7):
        make_board(session, f"HK-{n}", tree["hk"], last_seen=NOW, disconnected_at=NOW)
    run(session, settings, later(16))
    [digest] = notices(session, watcher)
    assert digest.kind == "offline_digest"
    assert sorted(b["code"] for b in digest.params["boards"]) == [f"HK-{n}" for n in range(7)]


def test_up_to_the_digest_size_each_board_is_its_own_notice(session, settings, tree, watcher):
    settings.notify_digest_over = 5
    for n in range(5):
        make_board(session, f"HK-{n}", tree["hk"], last_seen=NOW, disconnected_at=NOW)
    run(session, settings, later(16))
    assert [n.kind for n in notices(session, watcher)] == ["offline"] * 5


def test_only_subscribers_of_an_area_holding_the_board_who_may_see_it(
    session, settings, factory, tree, watcher
):
    elsewhere = factory.user("hp-watcher", ("viewer", tree["hp"]))
    session.add(Subscription(user=elsewhere, area=tree["hp"], console=True))
    lost = factory.user("lost-grant", ("viewer", tree["hn"]))
    session.add(Subscription(user=lost, area=tree["hk"], console=True))
    session.flush()
    session.execute(delete(Grant).where(Grant.user_id == lost.id))
    session.expire_all()
    make_board(session, "HK-1", tree["hk"], last_seen=NOW, disconnected_at=NOW)
    run(session, settings, later(16))
    assert len(notices(session, watcher)) == 1
    assert notices(session, elsewhere) == []
    assert notices(session, lost) == []


def test_emails_are_queued_in_the_users_language_only_with_smtp(session, settings, tree, watcher):
    make_board(session, "HK-1", tree["hk"], last_seen=NOW, disconnected_at=NOW)
    run(session, settings, later(16))
    assert session.scalars(select(OutboxMessage)).all() == []  # no SMTP host: no e-mail
    settings.smtp_host = "127.0.0.1"
    come_back(session, session.scalar(select(Outage)).board, later(20))
    run(session, settings, later(20))
    [mail] = session.scalars(select(OutboxMessage)).all()
    assert mail.channel == "email" and mail.recipient == "watcher@example.vn"
    assert mail.subject == "Bảng tin HK-1 đã kết nối lại"
    assert "07/03" not in mail.body and "02/03/2026 10:00" in mail.body  # local time
