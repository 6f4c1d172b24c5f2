"""Report tables: play records rolled up per board, item and local day; which days are rolled."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from signage.db import Base, UTCDateTime


class PlayDay(Base):
    """How often and how long one item played on one board on one local day.

    Written by the rollup job from play_records; the item's category and the board's area are
    copied at rollup time, so a year of reports reads only this table (and an item deleted later
    still counts in its category)."""

    __tablename__ = "play_days"
    __table_args__ = (
        UniqueConstraint("day", "board_id", "item_id"),
        Index("ix_play_days_day_area", "day", "area_id"),
        # A province's or a ward's report reads its areas' rows for the period, not the
        # country's, from the index alone on PostgreSQL (bench/reports.py: a province's half
        # December page 1.07 s -> 0.10 s, its year 1.8 s -> 0.2 s).
        Index(
            "ix_play_days_area_day",
            "area_id",
            "day",
            postgresql_include=["category", "plays", "seconds", "board_id", "item_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int] = mapped_column()
    item_id: Mapped[int] = mapped_column(index=True)
    category: Mapped[str] = mapped_column(String(32))
    plays: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class PlayRollup(Base):
    """One local day the rollup has read: when it last did, and whether its raw records are gone.

    A day rolled before it ended (today) is still read from the raw records by reports; a day
    whose raw records were deleted (retention) is never re-rolled from scratch again: records
    arriving late for it are added to its rows instead."""

    __tablename__ = "play_rollups"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    rolled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PlayMonth(Base):
    """Plays of one board in one category over one calendar month (local days), summed from
    play_days after each rollup: a year-long report reads 12 of these per board and category
    instead of 365 days of every item."""

    __tablename__ = "play_months"
    __table_args__ = (
        UniqueConstraint("month", "board_id", "category"),
        Index(
            "ix_play_months_area_month",
            "area_id",
            "month",
            postgresql_include=["category", "plays", "seconds", "board_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The first day of the month.
    month: Mapped[date] = mapped_column(Date, index=True)
    board_id: Mapped[int] = mapped_column(ForeignKey("boards.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int] = mapped_column()
    category: Mapped[str] = mapped_column(String(32))
    plays: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
