"""Emergency alerts: CAP-aligned alerts, their targets, per-board deliveries and templates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage import clock
from signage.accounts.models import User
from signage.areas.models import Area
from signage.db import Base, UTCDateTime

STATES = ("pending_confirmation", "active", "cancelled", "expired")
STATUSES = ("Actual", "Exercise", "Test")  # CAP status values an alert can air with
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
CAP_CATEGORIES = (
    "Geo",
    "Met",
    "Safety",
    "Security",
    "Rescue",
    "Fire",
    "Health",
    "Env",
    "Transport",
    "Infra",
    "CBRNE",
    "Other",
)


class Alert(Base):
    """One alert; `version` rises with every change the boards must see (update, cancel).

    `targets` keeps what the operator (or the CAP message) chose; `deliveries` has one row per
    board the alert was sent to. `area` is the narrowest area covering every target: the
    permission checks and the history filter use it.
    """

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_state_expires", "state", "expires"),
        Index("ix_alerts_sent", "sent"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), unique=True)
    sender: Mapped[str] = mapped_column(String(200))
    sent: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="Actual")
    msg_type: Mapped[str] = mapped_column(String(16), default="Alert")
    scope: Mapped[str] = mapped_column(String(16), default="Public")
    source: Mapped[str] = mapped_column(String(16), default="console")  # console, api, cap
    state: Mapped[str] = mapped_column(String(24), default="active")
    version: Mapped[int] = mapped_column(default=1)
    language: Mapped[str] = mapped_column(String(16), default="vi-VN")
    category: Mapped[str] = mapped_column(String(16), default="Met")
    event: Mapped[str] = mapped_column(String(200))
    urgency: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    certainty: Mapped[str] = mapped_column(String(16))
    headline: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    instruction: Mapped[str] = mapped_column(Text, default="")
    web: Mapped[str] = mapped_column(String(500), default="")
    sender_name: Mapped[str] = mapped_column(String(200), default="")
    effective: Mapped[datetime | None] = mapped_column(UTCDateTime())
    onset: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires: Mapped[datetime] = mapped_column(UTCDateTime())
    # CAP <area> blocks as received or derived from the targets: [{desc, geocodes, polygons,
    # circles}], republished in the CAP feed.
    cap_areas: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Renditions of the current version by display profile key: {key: {url, sha256}}.
    images: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("alert_templates.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Users who changed the text of any version (the creator is `created_by_id`): none of them
    # may confirm it under the two-person rule. NULL on rows older than revision 0008 means [].
    editor_ids: Mapped[list[int] | None] = mapped_column(JSON, default=list)
    # A change of an alert that aired after a second operator's confirmation waits here for a
    # new confirmation: {version, by, text: {...}, expires}; the confirmed text stays on air.
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    area: Mapped[Area] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])
    targets: Mapped[list[AlertTarget]] = relationship(
        cascade="all, delete-orphan", order_by="AlertTarget.id"
    )

    @property
    def is_exercise(self) -> bool:
        """Exercise and Test alerts go to test boards only and are labelled on screen."""
        return self.status != "Actual"


class AlertTarget(Base):
    """What an alert was sent to: an area subtree, a group or a board."""

    __tablename__ = "alert_targets"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # area, group, board
    target_id: Mapped[int] = mapped_column()


class AlertDelivery(Base):
    """The alert on one board: when it was sent, received and displayed (receipts).

    Kept forever after the alert ended: the receipts' times are never reset (the earliest
    wins), `cleared_at` is a time of its own, and `version` only rises, so the record of what
    reached the public survives a cancel or the expiry (the alert reports read it).
    """

    __tablename__ = "alert_deliveries"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True
    )
    board_id: Mapped[int] = mapped_column(
        ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    version: Mapped[int] = mapped_column(default=1)  # the version the last receipt confirmed
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the latest (re)send
    # The first send, never moved by resends or the cancel: send-to-display is measured from it.
    first_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Whether the board was online when the alert was first sent to it (None: not recorded).
    online_at_send: Mapped[bool | None] = mapped_column()
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    displayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    player_version: Mapped[str] = mapped_column(String(64), default="")


class RetiredDelivery(Base):
    """A delivery to a board that was later deleted, copied before the board went: the alert
    reports keep counting and listing it (by the board's code, name and area at deletion)."""

    __tablename__ = "alert_deliveries_retired"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), index=True)
    board_code: Mapped[str] = mapped_column(String(64))
    board_name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    version: Mapped[int] = mapped_column(default=0)
    first_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    online_at_send: Mapped[bool | None] = mapped_column()
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    displayed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CapMessageRecord(Base):
    """A CAP message received (by POST or a polled feed): duplicates are recognised by it."""

    __tablename__ = "cap_messages"
    __table_args__ = (UniqueConstraint("sender", "identifier"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(200))
    sent: Mapped[datetime] = mapped_column(UTCDateTime())
    msg_type: Mapped[str] = mapped_column(String(16))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    source: Mapped[str] = mapped_column(String(500), default="")  # "api" or the feed URL


class AlertTemplate(Base):
    """A pre-approved alert text an operator starts from (admins manage them)."""

    __tablename__ = "alert_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(16))
    event: Mapped[str] = mapped_column(String(200))
    urgency: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(16))
    certainty: Mapped[str] = mapped_column(String(16))
    headline: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    instruction: Mapped[str] = mapped_column(Text, default="")
    expires_minutes: Mapped[int] = mapped_column(default=360)
    is_active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
