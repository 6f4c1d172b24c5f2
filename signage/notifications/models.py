"""Offline notifications: subscriptions, per-area thresholds and webhooks, outages, the console
list and the outbox of e-mails and webhook posts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage import clock
from signage.accounts.models import User
from signage.areas.models import Area
from signage.boards.models import Board
from signage.db import Base, UTCDateTime

CHANNELS = ("console", "email")
KINDS = ("offline", "offline_digest", "recovered", "recovered_digest")


class Subscription(Base):
    """A user asks to hear about boards going dark in an area and everything below it."""

    __tablename__ = "notify_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    console: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    user: Mapped[User] = relationship(lazy="joined")
    area: Mapped[Area] = relationship(lazy="joined")


class AreaNotice(Base):
    """An area's offline threshold (None: inherited from the parent, then the setting) and its
    webhook. `allow_private` is set only by an installation admin."""

    __tablename__ = "notify_area_settings"

    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True
    )
    threshold_minutes: Mapped[int | None] = mapped_column()
    webhook_url: Mapped[str] = mapped_column(String(500), default="")
    webhook_secret: Mapped[str] = mapped_column(String(200), default="")
    webhook_enabled: Mapped[bool] = mapped_column(default=False)
    allow_private: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    area: Mapped[Area] = relationship(lazy="joined")


class Outage(Base):
    """One stretch of a board being dark, noticed once: open while recovered_at is NULL."""

    __tablename__ = "board_outages"
    __table_args__ = (Index("ix_board_outages_board_recovered", "board_id", "recovered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    dark_since: Mapped[datetime] = mapped_column(UTCDateTime())
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recovered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    board: Mapped[Board] = relationship(lazy="joined")


class Notification(Base):
    """One message in a user's console list; the text is made from kind and params when shown,
    in the reader's language."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OutboxMessage(Base):
    """An e-mail or webhook post waiting to go out, retried with exponential backoff.

    `area_id` is the area whose subscriber or webhook it serves (its admins see failures)."""

    __tablename__ = "notify_outbox"
    __table_args__ = (Index("ix_notify_outbox_due", "sent_at", "given_up_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    given_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    area: Mapped[Area] = relationship(lazy="joined")
