"""Schedule fixtures: a small tree with boards, approved items, an emit collector."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signage.audit.services import Actor
from signage.boards.models import Board
from signage.clock import system_clock
from signage.content import workflow
from signage.content.items import create_item
from signage.content.models import ProfileRecord
from signage.schedules.manifests import ManifestPublisher

PROFILE = "led-192x96-mono"


@pytest.fixture(autouse=True)
def english(app) -> None:
    app.config["SIGNAGE"].default_locale = "en"


@pytest.fixture()
def store(app):
    return app.extensions["signage_media"]


@pytest.fixture()
def admin(factory, tree):
    return factory.user("root-admin", ("admin", tree["vn"]), locale="en")


@pytest.fixture()
def hk_admin(factory, tree):
    return factory.user("hk-admin", ("admin", tree["hk"]), locale="en")


@pytest.fixture()
def emits():
    return []


@pytest.fixture()
def publisher(store, emits):
    return ManifestPublisher(store, lambda code, version: emits.append((code, version)))


def make_board(session, code, area, profile=PROFILE, **extra) -> Board:
    prof = session.scalar(select(ProfileRecord).where(ProfileRecord.key == profile))
    board = Board(code=code, name=f"Bảng {code}", area=area, profile=prof, **extra)
    session.add(board)
    session.flush()
    return board


@pytest.fixture()
def boards(session, tree):
    """Two boards in Hà Nội (one in Hoàn Kiếm's village), one in Ba Đình, one in Hải Phòng."""
    return {
        "hk": make_board(session, "HK-1", tree["hk"]),
        "village": make_board(session, "HK-T1", tree["village"]),
        "bd": make_board(session, "BD-1", tree["bd"]),
        "hp": make_board(session, "HP-1", tree["hp_commune"]),
    }


def approved_item(
    session, store, admin, area, headline="Thông báo tiêm chủng", submit=True, approve=True
):
    item = create_item(
        session,
        Actor(admin),
        kind="text",
        area=area,
        category="health_epidemic",
        priority="normal",
        headline=headline,
        body="Sáng thứ Bảy.",
        now=system_clock(),
    )
    if submit:
        workflow.submit(session, Actor(admin), item, now=system_clock())
    if approve:
        from signage.accounts.models import User

        approver = session.scalar(select(User).where(User.username == "vn-approver"))
        workflow.approve(session, Actor(approver), item, store=store, now=system_clock())
    return item


@pytest.fixture()
def approver(factory, tree):
    return factory.user("vn-approver", ("approver", tree["vn"]), locale="en")
