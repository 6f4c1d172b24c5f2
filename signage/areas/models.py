"""Area model: a node of the administrative tree with a stable official code."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage import clock
from signage.db import Base, UTCDateTime

# Kinds of area; official ones come from vietnam-provinces, the rest are created by hand.
AREA_KINDS = (
    "country",
    "municipality",
    "province",
    "district",
    "ward",
    "commune",
    "special_zone",
    "village",
    "residential_group",
    "custom",
)


class Area(Base):
    """A node of the area tree; `path` is the materialised chain of ids, e.g. '/1/5/'."""

    __tablename__ = "areas"
    __table_args__ = (Index("ix_areas_path", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("areas.id", ondelete="RESTRICT"), index=True
    )
    path: Mapped[str] = mapped_column(String(400), default="")
    depth: Mapped[int] = mapped_column(default=0)
    official: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    # What boards here play when nothing is scheduled, and past their manifest's horizon
    # (inherited down the tree; docs/protocol.md "Never blank").
    fallback_playlist_id: Mapped[int | None] = mapped_column(
        ForeignKey("playlists.id", ondelete="SET NULL", use_alter=True), index=True
    )

    parent: Mapped[Area | None] = relationship(remote_side=[id], lazy="joined")

    def contains(self, other: Area) -> bool:
        """True if other is this area or lies in its subtree."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.name}>"
