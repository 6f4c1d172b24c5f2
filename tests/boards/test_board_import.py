"""CSV import: BOM, encodings, every bad row listed, all or nothing; API and CLI."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from signage.audit.services import Actor
from signage.boards.importer import import_boards
from signage.boards.models import Board, BoardGroup
from signage.clock import system_clock
from signage.errors import ValidationFailed

HEADER = "code,name,area_code,profile,latitude,longitude,address,groups\n"
GOOD = (
    HEADER
    + "HK-001,Bảng chợ Hàng Bè,00070,led-192x96-mono,21.0333,105.8542,Chợ Hàng Bè,CHO|TRUNGTAM\n"
    + "BD-001,Bảng UBND phường,00004,lcd-1920x1080,21.03,105.83,Ba Đình,CHO\n"
)


def count(session, model=Board) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_utf8_with_bom_imports_everything(session, admin):
    data = b"\xef\xbb\xbf" + GOOD.encode()
    report = import_boards(session, Actor(admin), data, now=system_clock())
    assert report.boards == 2 and sorted(report.groups_created) == ["CHO", "TRUNGTAM"]
    board = session.scalar(select(Board).where(Board.code == "HK-001"))
    assert board.name == "Bảng chợ Hàng Bè" and board.area.code == "00070"
    assert [g.code for g in board.groups] == ["CHO", "TRUNGTAM"]


def test_windows_1258_is_rejected_with_the_row(app, english, session, admin):
    data = (HEADER + "HK-002,Bang cho,00070,led-192x96-mono,,,,\n").encode() + (
        # Windows-1258 as Excel writes it: tone marks as combining characters.
        "HK-003,Ba\u0309ng tin Hà,00070,led-192x96-mono,,,,\n".encode("cp1258")
    )
    with pytest.raises(ValidationFailed) as exc:
        import_boards(session, Actor(admin), data, now=system_clock())
    assert exc.value.details[0]["field"] == "row 3"
    with app.test_request_context():
        assert "UTF-8" in str(exc.value.details[0]["message"])
    assert count(session) == 0


def test_every_bad_row_is_listed_and_nothing_is_written(
    app, english, session, admin, factory, tree
):
    session.add(Board(code="TAKEN", name="x", area=tree["hk"], profile_id=1))
    session.flush()
    data = (
        GOOD
        + "HK-001,Trùng mã,00070,led-192x96-mono,,,,\n"  # duplicate in file (row 2)
        + "taken,Trùng DB,00070,led-192x96-mono,,,,\n"  # duplicate against the database
        + "X-1,Sai vùng,99999,led-192x96-mono,,,,\n"  # unknown area
        + "X-2,Sai toạ độ,00070,led-192x96-mono,121.5,105,,\n"  # bad latitude
        + "X-3,Sai toạ độ,00070,led-192x96-mono,abc,105,,\n"  # not a number
        + "X-4,Sai hồ sơ,00070,no-such-profile,,,,\n"  # unknown profile
    )
    with pytest.raises(ValidationFailed) as exc:
        import_boards(session, Actor(admin), data.encode(), now=system_clock())
    rows = [d["field"] for d in exc.value.details]
    assert rows == ["row 4", "row 5", "row 6", "row 7", "row 8", "row 9"]
    with app.test_request_context():
        text = " ".join(str(d["message"]) for d in exc.value.details)
    assert "repeated (first on row 2)" in text and "99999" in text and "no-such-profile" in text
    assert count(session) == 1 and count(session, BoardGroup) == 0


def test_import_respects_grants(session, hk_admin):
    with pytest.raises(ValidationFailed) as exc:
        import_boards(session, Actor(hk_admin), GOOD.encode(), now=system_clock())
    assert [d["field"] for d in exc.value.details] == ["row 3"]
    assert count(session) == 0


def test_api_import_and_errors(client, factory, admin, session):
    headers = {**factory.bearer(admin), "Content-Type": "text/csv"}
    bad = client.post("/api/v1/boards/import", data=(HEADER + "X,x,99999,p,,,,\n"), headers=headers)
    assert bad.status_code == 422
    assert {d["field"] for d in bad.get_json()["error"]["details"]} == {"row 2"}
    ok = client.post("/api/v1/boards/import", data=GOOD.encode(), headers=headers)
    assert ok.status_code == 201 and ok.get_json()["boards"] == 2


def test_cli_import(tmp_path):
    from click.testing import CliRunner
    from sqlalchemy.orm import Session

    from signage.cli import cli
    from signage.db import make_engine
    from signage.migrations import upgrade
    from tests.factories import Factory

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as s:
        Factory(s).tree()
        s.commit()
    path = tmp_path / "boards.csv"
    path.write_bytes(GOOD.encode("utf-8-sig"))
    env = {"SIGNAGE_DATABASE_URL": url, "SIGNAGE_INSTANCE_DIR": str(tmp_path / "instance")}
    result = CliRunner().invoke(cli, ["boards", "import", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "2 imported" in result.output
    again = CliRunner().invoke(cli, ["boards", "import", str(path)], env=env)
    assert again.exit_code == 1 and "row 2" in again.output
    with Session(engine) as s:
        assert count(s) == 2
    engine.dispose()
