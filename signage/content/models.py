"""Content models: display profiles, media assets, items with revisions, cached renditions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage import clock
from signage.accounts.models import User
from signage.areas.models import Area
from signage.content.profiles import DisplayProfile
from signage.db import Base, UTCDateTime

KINDS = ("text", "image")
# Decree 49/2024/ND-CP Art. 6 essential-information categories.
CATEGORIES = (
    "policy_law",
    "socio_economic",
    "disaster",
    "fire_rescue",
    "health_epidemic",
    "security_order",
    "citizen_feedback",
)
# Emergencies are alerts, not content items (see alerts/).
PRIORITIES = ("normal", "priority")
# A revision's life: draft -> pending -> approved | rejected; an approved one is superseded
# when a newer revision of the same item is approved.
REVISION_STATES = ("draft", "pending", "approved", "rejected", "superseded")
# An item's state is its latest revision's, or 'archived'.
ITEM_STATES = ("draft", "pending", "approved", "rejected", "archived")


class ProfileRecord(Base):
    """A display profile stored in the database; `key` is what renditions are cached under."""

    __tablename__ = "display_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    colour_mode: Mapped[str] = mapped_column(String(16))
    palette: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(8))
    banner_fraction: Mapped[float] = mapped_column(Float, default=0.25, server_default="0.25")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    def as_profile(self) -> DisplayProfile:
        """The pure value the renderer takes."""
        return DisplayProfile(
            key=self.key,
            name=self.name,
            width=self.width,
            height=self.height,
            colour_mode=self.colour_mode,
            palette=tuple((c[0], c[1], c[2]) for c in self.palette),
            kind=self.kind,
            banner_fraction=self.banner_fraction,
        )


class MediaAsset(Base):
    """A re-encoded uploaded image, stored once under the SHA-256 of its bytes."""

    __tablename__ = "media_assets"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    ext: Mapped[str] = mapped_column(String(8))
    mime: Mapped[str] = mapped_column(String(32))
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    size: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    @property
    def filename(self) -> str:
        """Public name under /media/."""
        return f"{self.sha256}.{self.ext}"


class ContentItem(Base):
    """A notice or picture of one area; what it shows lives in its revisions."""

    __tablename__ = "content_items"
    __table_args__ = (Index("ix_content_items_state_area", "state", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    # Mirrors of the latest revision, kept by the workflow so lists can filter cheaply.
    state: Mapped[str] = mapped_column(String(16), default="draft")
    category: Mapped[str] = mapped_column(String(32), index=True)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    headline: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    area: Mapped[Area] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship()
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="item", order_by="Revision.number", cascade="all, delete-orphan"
    )

    @property
    def latest(self) -> Revision:
        """The newest revision (every item has at least one)."""
        return self.revisions[-1]


class Revision(Base):
    """One immutable version of an item's content, with its approval decision."""

    __tablename__ = "content_revisions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    category: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    headline: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    media_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_assets.id", ondelete="RESTRICT"), index=True
    )
    # Per-profile colours: {"<profile key>" or "*": {"fg": [r, g, b], "bg": [r, g, b]}}.
    colours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Pictures: how they fill each profile, see content.fit ({} = contain everywhere).
    fit: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decision_comment: Mapped[str] = mapped_column(Text, default="")

    item: Mapped[ContentItem] = relationship(back_populates="revisions")
    media: Mapped[MediaAsset | None] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class RenditionRecord(Base):
    """A rendered PNG of some content for one profile, stored in the media store."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("content_hash", "profile_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    profile_key: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # /media looks files up by hash
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    scrolls: Mapped[bool] = mapped_column(default=False)
    # For scrolling text: {"sha256": strip PNG, "y", "width", "speed_px_s", "strip_width"}; the
    # still image above (`sha256`) is then the first frame.
    ticker: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Pictures: {"scale", "busy", "noise", "warn", "reasons"} from content.fit.legibility.
    legibility: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
