"""Delivery over real connections: e-mails to an in-process SMTP server, signed posts to a
webhook receiver on 127.0.0.1; failures are kept, retried with backoff, shown in the console."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from signage.clock import set_clock
from signage.notifications.delivery import backoff, deliver_due
from signage.notifications.detection import detect
from signage.notifications.models import AreaNotice, OutboxMessage, Subscription
from tests.conftest import login
from tests.notifications.conftest import NOW, free_port, later, make_board


@pytest.fixture()
def settings(app):
    s = app.config["SIGNAGE"]
    s.smtp_from = "bangtin@example.vn"
    return s


@pytest.fixture()
def watcher(session, factory, tree):
    user = factory.user("watcher", ("viewer", tree["hn"]))
    user.email = "watcher@example.vn"
    session.add(Subscription(user=user, area=tree["hn"], console=True, email=True))
    session.flush()
    return user


def dark_board(session, settings, tree, code="HK-1"):
    make_board(session, code, tree["hk"], last_seen=NOW, disconnected_at=NOW)
    detect(session, now=later(16), settings=settings)
    session.flush()


def outbox(session, channel):
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel)))


# --- e-mail -------------------------------------------------------------------------------------


def test_an_email_arrives_over_smtp_with_a_vietnamese_subject(
    session, settings, tree, watcher, smtp_server
):
    settings.smtp_host, settings.smtp_port = smtp_server.host, smtp_server.port
    dark_board(session, settings, tree)
    assert smtp_server.messages == []  # queued, not sent by the detection
    assert deliver_due(session, now=later(16), settings=settings) == 1
    [mail] = smtp_server.messages
    assert mail["Subject"] == "Bảng tin HK-1 mất kết nối"
    assert mail["To"] == "watcher@example.vn"
    assert mail["From"] == "bangtin@example.vn"
    body = mail.get_content()
    assert "Bảng tin Bảng HK-1 (HK-1) tại Phường Hoàn Kiếm mất kết nối từ 02/03/2026 10:00." in body
    [row] = outbox(session, "email")
    assert row.sent_at == later(16) and row.attempts == 1 and row.last_error == ""
    assert deliver_due(session, now=later(30), settings=settings) == 0  # sent once
    assert len(smtp_server.messages) == 1


def test_smtp_down_is_retried_with_backoff_and_shown_in_the_console(
    app, client, session, settings, tree, watcher, smtp_server, factory
):
    settings.smtp_host, settings.smtp_port = "127.0.0.1", free_port()  # nothing listens
    dark_board(session, settings, tree)
    assert deliver_due(session, now=later(16), settings=settings) == 0
    [row] = outbox(session, "email")
    assert row.attempts == 1 and row.sent_at is None and row.given_up_at is None
    assert "refused" in row.last_error.lower()
    assert row.next_attempt_at == later(16) + timedelta(minutes=1)
    assert deliver_due(session, now=later(16.5), settings=settings) == 0
    assert row.attempts == 1  # not due yet
    assert deliver_due(session, now=later(17), settings=settings) == 0
    assert row.attempts == 2 and row.next_attempt_at == later(17) + timedelta(minutes=2)
    session.commit()

    # The user sees that the e-mail is stuck, and why; the area's admin too.
    set_clock(app, later(18))
    factory.user("hn-admin", ("admin", tree["hn"]))
    session.commit()
    login(client, "watcher")
    page = client.get("/notifications/").get_data(as_text=True)
    assert 'id="failed-emails"' in page and "refused" in page.lower()
    admin = app.test_client()
    login(admin, "hn-admin")
    page = admin.get(f"/notifications/areas/{tree['hn'].code}").get_data(as_text=True)
    assert 'id="failed-deliveries"' in page and "watcher@example.vn" in page

    # The server comes up: the next due try delivers.
    settings.smtp_port = smtp_server.port
    assert deliver_due(session, now=later(19), settings=settings) == 1
    assert len(smtp_server.messages) == 1 and row.sent_at == later(19)


def test_an_smtp_server_that_refuses_the_recipient_is_a_visible_failure(
    session, settings, tree, watcher, smtp_server
):
    settings.smtp_host, settings.smtp_port = smtp_server.host, smtp_server.port
    smtp_server.refuse = True
    dark_board(session, settings, tree)
    deliver_due(session, now=later(16), settings=settings)
    [row] = outbox(session, "email")
    assert "550" in row.last_error and row.sent_at is None


def test_a_message_is_given_up_after_the_last_attempt(session, settings, tree, watcher):
    settings.smtp_host, settings.smtp_port = "127.0.0.1", free_port()
    settings.notify_max_attempts = 3
    dark_board(session, settings, tree)
    at = later(16)
    for _ in range(3):
        deliver_due(session, now=at, settings=settings)
        at += timedelta(hours=7)
    [row] = outbox(session, "email")
    assert row.attempts == 3 and row.given_up_at is not None
    deliver_due(session, now=at + timedelta(days=1), settings=settings)
    assert row.attempts == 3


def test_backoff_doubles_up_to_six_hours():
    assert [backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(30) == timedelta(hours=6)


# --- webhooks -----------------------------------------------------------------------------------


def hook_on(session, area, hook, *, allow_private=True):
    session.add(AreaNotice(area=area, webhook_url=hook.url, webhook_secret=hook.secret,
                           webhook_enabled=True, allow_private=allow_private))  # fmt: skip
    session.flush()


def test_a_signed_post_reaches_the_webhook(session, settings, tree, watcher, webhook):
    hook_on(session, tree["hn"], webhook)
    dark_board(session, settings, tree)
    assert webhook.posts == []
    assert deliver_due(session, now=later(16), settings=settings) == 1
    [post] = webhook.posts
    assert post["verified"] is True
    assert post["json"]["offline"][0]["code"] == "HK-1"
    assert post["json"]["area"] == {"code": "01", "name": "Thành phố Hà Nội"}
    assert "mất kết nối" in post["json"]["text"]


def test_a_post_signed_with_another_secret_does_not_verify(
    session, settings, tree, watcher, webhook
):
    hook_on(session, tree["hn"], webhook)
    session.get(AreaNotice, tree["hn"].id).webhook_secret = "another-secret-of-16+"
    dark_board(session, settings, tree)
    deliver_due(session, now=later(16), settings=settings)
    assert [p["verified"] for p in webhook.posts] == [False]


def test_a_webhook_answering_500_is_retried_with_backoff(session, settings, tree, watcher, webhook):
    webhook.mode = "500"
    hook_on(session, tree["hn"], webhook)
    dark_board(session, settings, tree)
    deliver_due(session, now=later(16), settings=settings)
    [row] = outbox(session, "webhook")
    assert row.last_error.startswith("HTTP 500") and row.attempts == 1
    assert row.next_attempt_at == later(17)
    deliver_due(session, now=later(17), settings=settings)
    assert row.attempts == 2 and row.next_attempt_at == later(19)
    webhook.mode = "ok"
    deliver_due(session, now=later(19), settings=settings)
    assert row.sent_at == later(19) and len(webhook.posts) == 3


def test_a_hanging_webhook_times_out_and_is_retried(session, settings, tree, watcher, webhook):
    webhook.mode = "hang"
    settings.webhook_timeout = 1
    hook_on(session, tree["hn"], webhook)
    dark_board(session, settings, tree)
    assert deliver_due(session, now=later(16), settings=settings) == 0
    [row] = outbox(session, "webhook")
    assert "timed out" in row.last_error and row.sent_at is None
    assert row.next_attempt_at == later(17)


def test_a_loopback_webhook_is_refused_at_send_time_unless_allowed(
    session, settings, tree, watcher, webhook
):
    hook_on(session, tree["hn"], webhook, allow_private=False)
    dark_board(session, settings, tree)
    deliver_due(session, now=later(16), settings=settings)
    [row] = outbox(session, "webhook")
    assert "private or loopback" in row.last_error and webhook.posts == []
    settings.webhook_allow_private = True  # the installation's setting allows it
    deliver_due(session, now=later(17), settings=settings)
    assert row.sent_at == later(17) and len(webhook.posts) == 1


def test_many_boards_make_one_post_per_webhook(session, settings, tree, watcher, webhook):
    hook_on(session, tree["hn"], webhook)
    for n in range(8):
        make_board(session, f"HK-{n}", tree["hk"], last_seen=NOW, disconnected_at=NOW)
    detect(session, now=later(16), settings=settings)
    deliver_due(session, now=later(16), settings=settings)
    [post] = webhook.posts
    assert len(post["json"]["offline"]) == 8
