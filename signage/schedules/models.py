"""Schedule models: playlists of approved items, schedules on a target, per-board manifests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage import clock
from signage.accounts.models import User
from signage.areas.models import Area
from signage.content.models import ContentItem
from signage.db import Base, UTCDateTime

TARGET_KINDS = ("area", "group", "board")


class Playlist(Base):
    """An ordered list of content items, each played for a number of seconds per loop."""

    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    # areas.fallback_playlist_id points back here: name the join.
    area: Mapped[Area] = relationship(lazy="joined", foreign_keys=[area_id])
    entries: Mapped[list[PlaylistEntry]] = relationship(
        back_populates="playlist", order_by="PlaylistEntry.position", cascade="all, delete-orphan"
    )


class PlaylistEntry(Base):
    """One item of a playlist; the item's approved revision at play time is what airs."""

    __tablename__ = "playlist_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(
        ForeignKey("content_items.id", ondelete="RESTRICT"), index=True
    )
    duration_s: Mapped[int] = mapped_column()
    position: Mapped[int] = mapped_column()

    playlist: Mapped[Playlist] = relationship(back_populates="entries")
    item: Mapped[ContentItem] = relationship(lazy="joined")


class Schedule(Base):
    """A playlist on an area subtree, a group or a board, in daily windows within a validity.

    `windows` are local "HH:MM-HH:MM" strings (end < start crosses midnight); `weekdays` are
    0 = Monday .. 6 = Sunday. `area_id` is the area whose permission governs the schedule
    (the target area, or the area of the target group or board).
    """

    __tablename__ = "schedules"
    __table_args__ = (Index("ix_schedules_target", "target_kind", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    target_kind: Mapped[str] = mapped_column(String(8))
    target_id: Mapped[int] = mapped_column()
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="RESTRICT"), index=True
    )
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    windows: Mapped[list[str]] = mapped_column(JSON, default=list)
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    expired: Mapped[bool] = mapped_column(default=False, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    area: Mapped[Area] = relationship(lazy="joined")
    playlist: Mapped[Playlist] = relationship()
    created_by: Mapped[User | None] = relationship()


class BoardManifest(Base):
    """The last generated manifest of a board: canonical JSON text and its hash (the version)."""

    __tablename__ = "board_manifests"

    board_id: Mapped[int] = mapped_column(
        ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    # When the document changes by itself (a segment ends or the window rolls): refresh then.
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
