"""Report fixtures: boards in three wards, two content items, raw play records."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from signage.boards.models import Board, PlayBatch, PlayRecord
from signage.content.models import ContentItem, ProfileRecord

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
_batches = itertools.count(1)


class Plays:
    """Boards and items of a small fleet, and a way to add what they played."""

    def __init__(self, session, tree) -> None:
        self.session, self.tree = session, tree
        profile = session.query(ProfileRecord).first()
        self.boards = {
            key: Board(code=f"B-{key}", name=name, area_id=tree[key].id, profile_id=profile.id)
            for key, name in (
                ("hk", "Bảng chợ Hàng Da"),
                ("village", '=HYPERLINK("http://x","bấm")'),
                ("bd", "Bảng Ba Đình"),
                ("hp_commune", "Bảng Hồng Bàng"),
            )
        }
        session.add_all(self.boards.values())
        self.health = ContentItem(
            kind="text", area_id=tree["hn"].id, category="health_epidemic", headline="Tiêm chủng"
        )
        self.law = ContentItem(
            kind="text", area_id=tree["hn"].id, category="policy_law", headline="Luật mới"
        )
        session.add_all([self.health, self.law])
        session.flush()

    def add(
        self,
        board: str,
        item: ContentItem | int,
        start: datetime,
        *,
        count: int = 1,
        seconds: float = 30.0,
        received: datetime | None = None,
    ) -> PlayBatch:
        """One batch of `count` plays of item on board from start (every minute)."""
        board_row = self.boards[board]
        batch = PlayBatch(
            board_id=board_row.id,
            batch_id=f"b{next(_batches)}",
            received_at=received or start + timedelta(minutes=count),
            records=count,
        )
        self.session.add(batch)
        self.session.flush()
        item_id = item if isinstance(item, int) else item.id
        self.session.add_all(
            PlayRecord(
                batch_id=batch.id,
                board_id=board_row.id,
                item_id=item_id,
                revision_id=1,
                start=start + timedelta(minutes=n),
                duration_s=seconds,
            )
            for n in range(count)
        )
        self.session.flush()
        return batch


@pytest.fixture()
def fleet(session, tree) -> Plays:
    return Plays(session, tree)
