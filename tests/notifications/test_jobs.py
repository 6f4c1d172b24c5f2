"""The notification jobs as the scheduler runs them: each one service call in its own session."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from signage.clock import set_clock
from signage.jobs import JOBS, deliver_notifications, detect_outages, purge_notifications
from signage.notifications.models import Notification, Outage, OutboxMessage, Subscription
from tests.notifications.conftest import NOW, later, make_board


def test_jobs_are_declared_every_minute_and_every_half_minute():
    jobs = {j.id: j for j in JOBS}
    assert jobs["notifications.detect"].trigger_args == {"seconds": 60}
    assert jobs["notifications.deliver"].trigger_args == {"seconds": 30}


def test_detect_then_deliver_then_purge(app, session, factory, tree, smtp_server):
    settings = app.config["SIGNAGE"]
    settings.smtp_host, settings.smtp_port = smtp_server.host, smtp_server.port
    user = factory.user("watcher", ("viewer", tree["hn"]))
    user.email = "watcher@example.vn"
    session.add(Subscription(user=user, area=tree["hn"], console=True, email=True))
    make_board(session, "HK-1", tree["hk"], last_seen=NOW, disconnected_at=NOW)
    session.commit()
    set_clock(app, later(16))
    assert detect_outages(app) == 1
    assert detect_outages(app) == 0  # one message per outage
    assert deliver_notifications(app) == 1
    assert [m["Subject"] for m in smtp_server.messages] == ["Bảng tin HK-1 mất kết nối"]
    session.expire_all()
    [note] = session.scalars(select(Notification)).all()
    note.read_at = later(17)
    session.scalar(select(Outage)).recovered_at = later(17)
    session.commit()
    set_clock(app, later(17) + timedelta(days=29))
    assert purge_notifications(app) == 0
    set_clock(app, later(17) + timedelta(days=181))
    assert purge_notifications(app) == 3  # the sent e-mail, the read notice, the closed outage
    session.expire_all()
    assert session.scalars(select(OutboxMessage)).all() == []
