"""Sending the outbox: e-mails over SMTP and signed webhook posts, each with a timeout; a failure
is kept on the row (attempts, last error) and retried later with exponential backoff."""

from __future__ import annotations

import hashlib
import hmac
import smtplib
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from signage.alerts.cap.feeds import RefusedURL, guarded_opener
from signage.notifications.models import AreaNotice, Notification, Outage, OutboxMessage

BATCH = 100
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
SIGNATURE_HEADER = "X-Signage-Signature"


class DeliveryFailed(Exception):
    """A message could not be handed over; args[0] says why, for the console."""


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 1, 2, 4 ... minutes, at most 6 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def signature(secret: str, body: bytes) -> str:
    """The header value a receiver checks: sha256=<hex HMAC-SHA256 of the body>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_email(settings: Any, message: OutboxMessage) -> None:
    """Hand one e-mail to the SMTP server (STARTTLS and login when configured)."""
    if not settings.smtp_host:
        raise DeliveryFailed("SIGNAGE_SMTP_HOST is not set")
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    mail.set_content(message.body)
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout
    ) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(mail)


def post_webhook(session: Session, settings: Any, message: OutboxMessage) -> None:
    """POST the JSON body, signed with the area's current secret, to a checked address."""
    notice = session.get(AreaNotice, message.area_id)
    if notice is None or not notice.webhook_enabled or not notice.webhook_secret:
        raise DeliveryFailed("the area's webhook is disabled or has no secret")
    if urlsplit(message.recipient).scheme not in ("http", "https"):
        raise DeliveryFailed("not an http(s) URL")
    body = message.body.encode()
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        message.recipient,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "signage-notifications",
            SIGNATURE_HEADER: signature(notice.webhook_secret, body),
            "X-Signage-Delivery": str(message.id),
        },
    )
    opener = guarded_opener(allow_private=settings.webhook_allow_private or notice.allow_private)
    try:
        with opener.open(request, timeout=settings.webhook_timeout) as resp:
            resp.read(4096)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"HTTP {exc.code} {exc.reason}") from None


def _why(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.URLError) and not isinstance(exc, urllib.error.HTTPError):
        exc = exc.reason if isinstance(exc.reason, BaseException) else exc
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError) or "timed out" in text:
        text = f"timed out ({text})"
    return text[:500]


def deliver_due(session: Session, *, now: datetime, settings: Any, limit: int = BATCH) -> int:
    """Try every message that is due; the number sent. Failures wait backoff(attempts) and are
    given up after settings.notify_max_attempts tries."""
    due = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.given_up_at.is_(None),
            OutboxMessage.next_attempt_at <= now,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    ).all()
    sent = 0
    for message in due:
        message.attempts += 1
        try:
            if message.channel == "email":
                send_email(settings, message)
            else:
                post_webhook(session, settings, message)
        except (OSError, smtplib.SMTPException, RefusedURL, DeliveryFailed, ValueError) as exc:
            message.last_error = _why(exc)
            if message.attempts >= settings.notify_max_attempts:
                message.given_up_at = now
            else:
                message.next_attempt_at = now + backoff(message.attempts)
            continue
        message.sent_at = now
        message.last_error = ""
        sent += 1
    return sent


KEEP_DELIVERIES = timedelta(days=30)
KEEP_READ = timedelta(days=180)


def purge(session: Session, *, now: datetime) -> int:
    """Forget deliveries sent or given up 30 days ago, notifications read and outages closed
    180 days ago; how many rows went."""
    gone = 0
    old = now - KEEP_DELIVERIES
    for query in (
        delete(OutboxMessage).where(OutboxMessage.sent_at < old),
        delete(OutboxMessage).where(OutboxMessage.given_up_at < old),
        delete(Notification).where(Notification.read_at < now - KEEP_READ),
        delete(Outage).where(Outage.recovered_at < now - KEEP_READ),
    ):
        result = session.execute(query.execution_options(synchronize_session=False))
        gone += int(getattr(result, "rowcount", 0) or 0)
    return gone
