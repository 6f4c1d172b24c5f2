"""Sentences name people and objects, not ids: looked up in batches, with the stored name when
the object is gone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from sqlalchemy import event

from signage.audit.models import AuditEntry
from signage.audit.services import SYSTEM, Actor, record
from signage.audit.views.sentences import describe
from signage.content.items import create_item
from tests.schedules.conftest import make_board

NOW = datetime(2025, 9, 2, 3, 0, tzinfo=UTC)


@pytest.fixture()
def world(session, factory, tree):
    nva = factory.user("nva", ("admin", tree["vn"]))
    nva.display_name = "Nguyễn Văn A"
    board = make_board(session, "B-001", tree["hk"])
    board.name = "Bảng tin chợ Hôm"
    item = create_item(
        session,
        Actor(nva),
        kind="text",
        area=tree["hk"],
        category="health_epidemic",
        priority="normal",
        headline="Lịch tiêm chủng",
        now=NOW,
    )
    session.flush()
    return {"nva": nva, "board": board, "item": item, "tree": tree}


def _say(app, session, *entries: AuditEntry, lang: str = "vi") -> list[str]:
    session.flush()
    with app.test_request_context("/"), force_locale(lang):
        return [d.sentence for d in describe(session, list(entries))]


def _rec(session, actor, action, kind, obj, **kw) -> AuditEntry:
    return record(session, actor, action, kind, obj, now=NOW, **kw)


def test_people_and_objects_by_name(app, session, world):
    a, item, board, tree = Actor(world["nva"]), world["item"], world["board"], world["tree"]
    approve = _rec(session, a, "content.approve", "content_item", item.id, area_id=item.area_id)
    create = _rec(session, a, "board.create", "board", "B-001", area_id=tree["hk"].id)
    grant = _rec(
        session,
        a,
        "grant.add",
        "user",
        world["nva"].id,
        details={"role": "editor", "area": "00070"},
    )
    update = _rec(
        session, a, "user.update", "user", world["nva"].id, details={"fields": ["display_name"]}
    )
    vi = _say(app, session, approve, create, grant, update)
    assert vi == [
        "Nguyễn Văn A đã phê duyệt tin «Lịch tiêm chủng»",
        "Nguyễn Văn A đã tạo bảng tin «Bảng tin chợ Hôm» (mã B-001) ở Phường Hoàn Kiếm",
        "Nguyễn Văn A đã cấp cho người dùng «Nguyễn Văn A» (tên đăng nhập nva) vai trò "
        "Biên tập viên ở Phường Hoàn Kiếm",
        "Nguyễn Văn A đã sửa Họ và tên của người dùng «Nguyễn Văn A» (tên đăng nhập nva)",
    ]
    en = _say(app, session, approve, create, lang="en")
    assert en == [
        "Nguyễn Văn A approved item «Lịch tiêm chủng»",
        "Nguyễn Văn A created board «Bảng tin chợ Hôm» (code B-001) in Phường Hoàn Kiếm",
    ]
    del board


def test_alert_targets_are_named(app, session, world):
    tree, board = world["tree"], world["board"]
    entry = _rec(
        session,
        Actor(world["nva"]),
        "alert.create",
        "alert",
        999_999,
        area_id=tree["hk"].id,
        details={
            "headline": "Bão lớn",
            "targets": [f"area:{tree['hk'].id}", f"board:{board.id}", "group:424242"],
            "needs_confirmation": False,
        },
    )
    (text,) = _say(app, session, entry)
    assert text == (
        "Nguyễn Văn A đã phát tin khẩn cấp đã xóa «Bão lớn» tới Phường Hoàn Kiếm, "
        "bảng tin «Bảng tin chợ Hôm» (mã B-001), nhóm bảng tin đã xóa"
    )
    assert "area:" not in text and "board:" not in text


def test_deleted_objects_fall_back_to_what_the_entry_kept(app, session, world):
    a = Actor(world["nva"])
    gone = _rec(session, a, "board.delete", "board", "B-404", details={"name": "Bảng cũ"})
    changed = _rec(session, a, "board.update", "board", "B-404")
    item = _rec(
        session, a, "content.create", "content_item", 987_654, details={"headline": "Tin cũ"}
    )
    approved = _rec(session, a, "content.approve", "content_item", 987_654)
    assert _say(app, session, gone, changed, item, approved) == [
        "Nguyễn Văn A đã xóa bảng tin «Bảng cũ» (mã B-404)",
        "Nguyễn Văn A đã sửa bảng tin đã xóa (mã B-404)",
        "Nguyễn Văn A đã tạo tin đã xóa «Tin cũ» ở không thuộc khu vực nào",
        "Nguyễn Văn A đã phê duyệt tin đã xóa",
    ]


def test_system_actors_and_unknown_sign_ins(app, session, world):
    entries = [
        _rec(session, SYSTEM, "board.pairing_expired", "board", "B-001"),
        _rec(session, Actor(None, "", "scheduler"), "alert.expire", "alert", 999_999),
        _rec(session, Actor(None, "", "cap:canhbao.example"), "alert.cancel", "alert", 1),
        _rec(session, Actor(None, "", "cli:root"), "grant.remove", "user", 1, details={}),
        _rec(session, Actor(None, "1.2.3.4", "mallory"), "login.failed", "user", "", details={}),
    ]
    vi = _say(app, session, *entries)
    assert vi[0].startswith("Hệ thống đã thu hồi mã truy cập của bảng tin «Bảng tin chợ Hôm»")
    assert vi[1] == "Tin khẩn cấp đã xóa đã hết hạn"
    assert vi[2].startswith("Hệ thống (nguồn CAP canhbao.example) đã hủy")
    assert vi[3].startswith("Hệ thống (dòng lệnh) đã thu hồi vai trò")
    assert vi[4].startswith("Đăng nhập không thành công với tên «mallory»")


def test_names_are_looked_up_in_one_query_per_kind(app, session, world):
    a, tree = Actor(world["nva"]), world["tree"]
    entries = []
    for n in range(60):
        entries += [
            _rec(session, a, "content.approve", "content_item", world["item"].id + n),
            _rec(session, a, "board.update", "board", f"B-{n:03d}", area_id=tree["hk"].id),
            _rec(session, a, "alert.create", "alert", n, details={"targets": [f"area:{n}"]}),
        ]
    session.flush()
    statements: list[str] = []
    conn = session.connection()
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(conn, "before_cursor_execute", listener)
    try:
        texts = _say(app, session, *entries)
    finally:
        event.remove(conn, "before_cursor_execute", listener)
    assert len(texts) == 180
    # users, content items, boards, alerts, areas by id: one query each, not one per entry
    assert len(statements) <= 5, [s[:80] for s in statements]


def test_a_commands_name_is_not_taken_for_the_boards(app, session, world):
    a = Actor(world["nva"])
    sent = _rec(
        session, a, "board.command", "board", "B-404", details={"name": "reload", "id": "x"}
    )
    saved = _rec(session, a, "template.save", "alert_template", 424242, details={"key": "flood"})
    assert _say(app, session, sent, saved) == [
        "Nguyễn Văn A đã gửi lệnh “Tải lại” tới bảng tin đã xóa (mã B-404)",
        "Nguyễn Văn A đã lưu mẫu tin khẩn cấp đã xóa (mã flood)",
    ]
