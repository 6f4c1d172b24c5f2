"""Board models: boards with their place, display profile and operating hours; groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage import clock
from signage.areas.models import Area
from signage.content.models import ProfileRecord
from signage.db import Base, UTCDateTime

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


class Board(Base):
    """A public bulletin board (LED or LCD) installed in one area.

    `hours` maps weekday ("0" = Monday .. "6") to "HH:MM-HH:MM" power-on spans; empty = always on.
    Player tokens, pairing and status live in their own tables below.
    """

    __tablename__ = "boards"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    profile_id: Mapped[int] = mapped_column(
        ForeignKey("display_profiles.id", ondelete="RESTRICT"), index=True
    )
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TZ)
    hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    is_test: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    area: Mapped[Area] = relationship(lazy="joined")
    profile: Mapped[ProfileRecord] = relationship(lazy="joined")
    groups: Mapped[list[BoardGroup]] = relationship(
        secondary="board_group_members", back_populates="boards", order_by="BoardGroup.code"
    )


class BoardGroup(Base):
    """A named set of boards (e.g. all market boards of a province), owned by an area."""

    __tablename__ = "board_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)

    area: Mapped[Area] = relationship(lazy="joined")
    boards: Mapped[list[Board]] = relationship(
        secondary="board_group_members", back_populates="groups", order_by="Board.code"
    )


class BoardGroupMember(Base):
    """Membership of a board in a group."""

    __tablename__ = "board_group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("board_groups.id", ondelete="CASCADE"), primary_key=True
    )
    board_id: Mapped[int] = mapped_column(
        ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class BoardToken(Base):
    """A board's secret for the player protocol, stored as SHA-256; one active per board."""

    __tablename__ = "board_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    board: Mapped[Board] = relationship(lazy="joined")


class PairingRequest(Base):
    """A player waiting to be paired: a short code on its screen and a secret claim id.

    `token` holds the board token only between pairing and its single delivery (at most the
    10 minutes the request lives); it is cleared when the player collects it.
    """

    __tablename__ = "pairing_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), index=True)
    claim_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    board_id: Mapped[int | None] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    paired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    token: Mapped[str | None] = mapped_column(String(100))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    board: Mapped[Board | None] = relationship()


class BoardStatus(Base):
    """What a board's player last reported (heartbeats are flushed here in batches)."""

    __tablename__ = "board_status"

    board_id: Mapped[int] = mapped_column(
        ForeignKey("boards.id", ondelete="CASCADE"), primary_key=True
    )
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime())
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the board's last socket on a process closed; offline OFFLINE_GRACE later.
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    manifest_version: Mapped[str] = mapped_column(String(64), default="")
    player_version: Mapped[str] = mapped_column(String(64), default="")
    current_item: Mapped[int | None] = mapped_column()
    free_disk: Mapped[int | None] = mapped_column(BigInteger)
    uptime: Mapped[int | None] = mapped_column(BigInteger)
    screenshot_sha: Mapped[str | None] = mapped_column(String(64))
    screenshot_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_command: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class BoardSession(Base):
    """One stretch of time a board was connected: from its socket's connect to its disconnect.

    An open session (ended_at NULL) is a board online now, or one whose process died before it
    could close it; the presence sweep closes those at the board's last contact. Uptime, outages
    and the "connected" indicators are computed from these rows."""

    __tablename__ = "board_sessions"
    __table_args__ = (
        Index("ix_board_sessions_board_started", "board_id", "started_at"),
        # At most one open session per board, even when two processes record at once.
        Index(
            "uq_board_sessions_open",
            "board_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class PlayBatch(Base):
    """One proof-of-play batch as sent by a player; (board, batch id) makes replays harmless."""

    __tablename__ = "play_batches"
    __table_args__ = (UniqueConstraint("board_id", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"))
    batch_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    records: Mapped[int] = mapped_column(default=0)


class PlayRecord(Base):
    """One item shown on a board (proof of play); item and revision ids outlive their rows."""

    __tablename__ = "play_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("play_batches.id", ondelete="CASCADE"), index=True
    )
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column()
    revision_id: Mapped[int] = mapped_column()
    start: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    duration_s: Mapped[float] = mapped_column(Float)
    # Why it aired when no schedule did: fallback_playlist or last_programme; NULL = scheduled.
    source: Mapped[str | None] = mapped_column(String(20))
