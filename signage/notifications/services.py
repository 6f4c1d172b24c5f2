"""Subscriptions, the console list of notifications, and each area's threshold and webhook."""

from __future__ import annotations

import ipaddress
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.alerts.cap.feeds import RefusedURL, is_public, refuse_private_host
from signage.areas.models import Area
from signage.audit.services import Actor, record
from signage.errors import Conflict, NotFound, ValidationFailed
from signage.notifications.detection import MAX_THRESHOLD_MINUTES
from signage.notifications.models import AreaNotice, Notification, OutboxMessage, Subscription
from signage.permissions import can, require

MAX_URL = 500
MIN_SECRET = 16


def _field(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(details=[{"field": field, "message": message}])


# --- subscriptions ---------------------------------------------------------------------------


def subscriptions(session: Session, user: User) -> list[Subscription]:
    """The user's subscriptions, by area code."""
    return list(
        session.scalars(
            select(Subscription)
            .join(Area, Area.id == Subscription.area_id)
            .where(Subscription.user_id == user.id)
            .order_by(Area.path)
        )
    )


def subscribe(
    session: Session, actor: Actor, user: User, area: Area, *, console: bool, email: bool,
    now: datetime,
) -> Subscription:  # fmt: skip
    """Subscribe the user to boards going dark in area (board.view there); one per area."""
    if not can(user, "board.view", area):
        raise _field("area", _l("You cannot see the boards of this area."))
    if not (console or email):
        raise _field("console", _l("Choose at least one way to be told."))
    if email and not user.email:
        raise _field("email", _l("Your account has no e-mail address."))
    taken = session.scalar(
        select(Subscription.id).where(
            Subscription.user_id == user.id, Subscription.area_id == area.id
        )
    )
    if taken is not None:
        raise Conflict(_l("You already subscribed to %(area)s.", area=area.name))
    sub = Subscription(user=user, area=area, console=console, email=email, created_at=now)
    session.add(sub)
    session.flush()
    record(session, actor, "notification.subscribe", "area", area.code, area_id=area.id,
           details={"console": console, "email": email}, now=now)  # fmt: skip
    return sub


def own_subscription(session: Session, user: User, subscription_id: int) -> Subscription:
    """One of the user's subscriptions; anybody else's reads like a missing one."""
    sub = session.get(Subscription, subscription_id)
    if sub is None or sub.user_id != user.id:
        raise NotFound(_l("No such subscription."))
    return sub


def unsubscribe(session: Session, actor: Actor, sub: Subscription, *, now: datetime) -> None:
    """End a subscription."""
    record(session, actor, "notification.unsubscribe", "area", sub.area.code,
           area_id=sub.area_id, now=now)  # fmt: skip
    session.delete(sub)
    session.flush()


# --- the console list ------------------------------------------------------------------------


def my_notifications(user: User, *, unread_only: bool = False) -> Select[Any]:
    """The user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(session: Session, user: User | None) -> int:
    """How many of the user's notifications are unread."""
    if user is None:
        return 0
    return (
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(session: Session, user: User, ids: list[int] | None, *, now: datetime) -> int:
    """Mark the given notifications (None: all) of the user read; how many changed. Ids of
    others' notifications change nothing."""
    query = update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)
    )
    if ids is not None:
        query = query.where(Notification.id.in_(ids))
    result = session.execute(query.values(read_at=now).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


def my_failed_emails(session: Session, user: User) -> list[OutboxMessage]:
    """E-mails to the user not delivered yet after a failed try (the console shows why)."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.user_id == user.id,
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.last_error != "",
            )
            .order_by(OutboxMessage.id.desc())
            .limit(20)
        )
    )


# --- an area's threshold and webhook -------------------------------------------------------


def area_notice(session: Session, area: Area) -> AreaNotice:
    """The area's own settings (an unsaved blank row if it has none)."""
    return session.get(AreaNotice, area.id) or AreaNotice(
        area=area, area_id=area.id, webhook_url="", webhook_secret="", webhook_enabled=False,
        allow_private=False,
    )  # fmt: skip


def inherited_threshold(session: Session, area: Area, default: int) -> int:
    """The threshold the area's boards get when it sets none: its nearest ancestor's, or default."""
    ids = [int(p) for p in area.path.split("/") if p][:-1]
    own = dict(
        session.execute(
            select(AreaNotice.area_id, AreaNotice.threshold_minutes).where(
                AreaNotice.area_id.in_(ids), AreaNotice.threshold_minutes.is_not(None)
            )
        ).all()
    )
    for area_id in reversed(ids):
        minutes = own.get(area_id)
        if minutes:
            return int(minutes)
    return default


def check_webhook_url(url: str, *, allow_private: bool) -> str:
    """The URL, stripped, if it is an http(s) URL whose host is public (or private is allowed);
    else a field error saying what is wrong."""
    url = url.strip()
    if len(url) > MAX_URL or any(not c.isprintable() or c.isspace() for c in url):
        raise _field(
            "webhook_url", _l("Enter a web address without spaces (at most 500 characters).")
        )
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        raise _field(
            "webhook_url", _l("Enter a web address such as https://chat.example.vn/hook.")
        ) from None
    if parts.scheme not in ("http", "https") or not host:
        raise _field("webhook_url", _l("Enter a web address such as https://chat.example.vn/hook."))
    if parts.username or parts.password:
        raise _field(
            "webhook_url",
            _l("Put no user name or password in the address; the secret signs each post."),
        )
    if allow_private:
        return url
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
    try:
        if literal and not is_public(host):
            raise RefusedURL(host)
        refuse_private_host(host, port or (443 if parts.scheme == "https" else 80))
    except RefusedURL:
        raise _field(
            "webhook_url",
            _l("This address is private, loopback or cannot be found; only an installation "
               "administrator can allow private addresses."),
        ) from None  # fmt: skip
    return url


def save_area_notice(
    session: Session,
    actor: Actor,
    area: Area,
    *,
    threshold_minutes: int | None,
    webhook_url: str,
    webhook_secret: str,
    webhook_enabled: bool,
    allow_private: bool | None,
    settings: Any,
    now: datetime,
) -> AreaNotice:
    """Change an area's threshold and webhook (area.manage). allow_private None keeps it; only
    an installation admin may change it. Enabling without a secret makes one."""
    user = actor.user
    require(user, "area.manage", area)
    notice = area_notice(session, area)
    if allow_private is not None and allow_private != notice.allow_private:
        if not can(user, "area.manage", None):
            raise _field(
                "allow_private",
                _l("Only an installation administrator can allow private addresses."),
            )
        notice.allow_private = allow_private
    if threshold_minutes is not None and not 1 <= threshold_minutes <= MAX_THRESHOLD_MINUTES:
        raise _field(
            "threshold",
            _l("Enter a whole number from %(min)d to %(max)d.", min=1, max=MAX_THRESHOLD_MINUTES),
        )
    url = webhook_url.strip()
    if url:
        url = check_webhook_url(
            url, allow_private=notice.allow_private or settings.webhook_allow_private
        )
    secret = webhook_secret.strip()
    if secret and (len(secret) < MIN_SECRET or len(secret) > 200 or not secret.isprintable()):
        raise _field(
            "webhook_secret", _l("Use %(min)d to 200 printable characters.", min=MIN_SECRET)
        )
    if webhook_enabled and not url:
        raise _field("webhook_url", _l("Enter the address the posts go to."))
    if webhook_enabled and not secret:
        secret = notice.webhook_secret or secrets.token_urlsafe(32)
    notice.threshold_minutes = threshold_minutes
    notice.webhook_url = url
    notice.webhook_secret = secret
    notice.webhook_enabled = webhook_enabled
    notice.updated_at = now
    session.add(notice)
    session.flush()
    record(session, actor, "notification.area_settings", "area", area.code, area_id=area.id,
           details={"threshold_minutes": threshold_minutes, "webhook_enabled": webhook_enabled,
                    "webhook_host": urlsplit(url).hostname or "",
                    "allow_private": notice.allow_private}, now=now)  # fmt: skip
    return notice


def failed_deliveries(session: Session, area: Area, limit: int = 50) -> list[OutboxMessage]:
    """E-mails and posts for the area's subtree that failed at least once and are not sent."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .join(Area, Area.id == OutboxMessage.area_id)
            .where(
                Area.path.startswith(area.path, autoescape=True),
                OutboxMessage.sent_at.is_(None),
                OutboxMessage.last_error != "",
            )
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
