"""Demo boards and a programme, so a first look shows something playing. Idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.areas.models import Area
from signage.areas.services import get_by_code
from signage.audit.services import Actor
from signage.boards.models import Board, BoardSession, BoardStatus
from signage.boards.services import create_board
from signage.content import workflow
from signage.content.items import create_item
from signage.schedules.manifests import ManifestPublisher
from signage.schedules.playlists import create_playlist
from signage.schedules.services import ScheduleInput, save_schedule
from signage.storage import MediaStore

# code, name, area code (None = first commune of Hải Phòng), profile, lat, lon, address
DEMO_BOARDS = (
    (
        "HN-HK-001",
        "Bảng tin Hồ Gươm",
        "00070",
        "led-192x96-mono",
        21.0287,
        105.8524,
        "Phố Đinh Tiên Hoàng, Hoàn Kiếm",
    ),
    (
        "HN-BD-001",
        "Màn hình UBND phường Ba Đình",
        "00004",
        "lcd-1920x1080",
        21.0350,
        105.8340,
        "Sảnh UBND phường Ba Đình",
    ),
    ("HP-001", "Bảng tin chợ trung tâm", None, "led-384x192-full", 20.8600, 106.6800, "Cổng chợ"),
)
# What the home page and the board list show before any player connects: Ba Đình's screen went
# dark a while ago (its player last reported 2 h 15 min before seeding); the others never did.
DEMO_DARK = ("HN-BD-001", timedelta(hours=2, minutes=15), "1.4.2", 3_435_973_837)
NOTICE = (
    "Ngày tiêm chủng mở rộng",
    "Trạm y tế phường tổ chức tiêm chủng cho trẻ dưới 5 tuổi vào sáng thứ Bảy. "
    "Phụ huynh mang theo sổ tiêm chủng.",
)


def _user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def _first_child(session: Session, parent: Area) -> Area:
    return session.scalars(
        select(Area).where(Area.parent_id == parent.id).order_by(Area.code).limit(1)
    ).one()


def _seed_presence(session: Session, now: datetime) -> None:
    code, ago, version, free_disk = DEMO_DARK
    board = session.scalar(select(Board).where(Board.code == code))
    if board is None or session.get(BoardStatus, board.id) is not None:
        return
    seen = now - ago
    session.add(
        BoardStatus(
            board_id=board.id,
            last_seen=seen,
            connected_at=seen - timedelta(days=3),
            disconnected_at=seen,
            manifest_version="",
            player_version=version,
            free_disk=free_disk,
        )
    )
    session.flush()


# A few days of connection sessions for Ba Đình's screen, the last one ending when it went dark
# (DEMO_DARK), so its uptime section shows shares and outages; the other boards never connected.
DEMO_SESSIONS = ((120, 70), (68.75, 28), (27.5, 2.25))


def _demo_sessions(session: Session, now: datetime) -> None:
    board_id = session.scalar(select(Board.id).where(Board.code == DEMO_DARK[0]))
    if board_id is None:
        return
    for began, ended in DEMO_SESSIONS:
        session.add(
            BoardSession(
                board_id=board_id,
                started_at=now - timedelta(hours=began),
                ended_at=now - timedelta(hours=ended),
            )
        )
    session.flush()


def seed_programme(
    session: Session,
    store: MediaStore,
    *,
    now: datetime,
    publisher: ManifestPublisher | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Create demo boards, an approved notice, a playlist and a Hà Nội schedule once."""
    admin, editor, approver = (_user(session, n) for n in ("admin", "editor", "approver"))
    if admin is None or editor is None or approver is None:
        return
    if session.scalar(select(Board.id).where(Board.code == DEMO_BOARDS[0][0])) is not None:
        echo("Demo boards and programme: already there.")
        return
    as_admin, as_editor = Actor(admin, label_override="seed-demo"), Actor(editor)
    for code, name, area_code, profile, lat, lon, address in DEMO_BOARDS:
        area = (
            get_by_code(session, area_code)
            if area_code
            else _first_child(session, get_by_code(session, "31"))
        )
        create_board(
            session,
            as_admin,
            area=area,
            profile_key=profile,
            now=now,
            code=code,
            name=name,
            lat=lat,
            lon=lon,
            address=address,
            timezone="Asia/Ho_Chi_Minh",
            hours=None,
        )
    _seed_presence(session, now)
    _demo_sessions(session, now)
    hanoi = get_by_code(session, "01")
    item = create_item(
        session,
        as_editor,
        kind="text",
        area=hanoi,
        category="health_epidemic",
        priority="normal",
        headline=NOTICE[0],
        body=NOTICE[1],
        now=now,
    )
    workflow.submit(session, as_editor, item, now=now)
    workflow.approve(session, Actor(approver), item, store=store, comment="Demo", now=now)
    playlist = create_playlist(
        session, as_editor, name="Thông báo Hà Nội", area=hanoi, entries=[(item.id, None)], now=now
    )
    save_schedule(
        session,
        as_editor,
        ScheduleInput(
            target_kind="area",
            target="01",
            playlist_id=playlist.id,
            windows=["00:00-24:00"],
            weekdays=list(range(7)),
            name="Cả ngày",
        ),
        now=now,
        publisher=publisher,
    )
    echo("Demo boards and programme: 3 boards, 1 approved notice scheduled on Hà Nội all day.")
