"""The filtered audit log as CSV and XLSX: it parses back, carries sentences and local times,
never a formula, and never an entry outside the reader's areas."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest

from signage.audit.services import SYSTEM, Actor, record
from tests.conftest import login
from tests.schedules.conftest import make_board

T0 = datetime(2025, 3, 1, 17, 30, tzinfo=UTC)  # 00:30 on 2 March in Viet Nam
WINDOW = "from=2025-03-01&to=2025-03-05"
NS = {"x": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def read_csv(body: bytes) -> list[list[str]]:
    """The rows of a downloaded CSV (UTF-8 with a byte-order mark)."""
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> list[list[str]]:
    """The rows of the first sheet of a downloaded workbook, as text."""
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{{{NS['x']}}}t"))
            for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("x:si", NS)
        ]
        sheet = book.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet
    rows = []
    for row in ElementTree.fromstring(sheet).iter(f"{{{NS['x']}}}row"):
        cells = []
        for c in row.findall("x:c", NS):
            value = c.findtext("x:v", "", NS)
            cells.append(shared[int(value)] if c.get("t") == "s" else value)
        rows.append(cells)
    return rows


@pytest.fixture()
def entries(session, factory, tree, admin):
    evil = factory.user("evil")
    evil.display_name = '=HYPERLINK("http://evil.example","Bấm")'
    board = make_board(session, "HP-9", tree["hp_commune"])
    board.name = "+SUM(1,2)"
    record(session, Actor(admin, "10.0.0.1"), "user.create", "user", evil.id, now=T0)
    record(
        session,
        Actor(evil, "10.0.0.2"),
        "board.update",
        "board",
        "HP-9",
        area_id=tree["hp_commune"].id,
        now=T0 + timedelta(hours=1),
    )
    record(
        session,
        SYSTEM,
        "area.create",
        "area",
        "00070",
        area_id=tree["hk"].id,
        now=T0 + timedelta(hours=2),
    )
    session.flush()


def test_csv_parses_back_with_sentences_and_local_times(client, admin, entries):
    login(client, "root-admin")
    resp = client.get(f"/audit/export?format=csv&{WINDOW}")
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    assert 'filename="audit-log.csv"' in resp.headers["Content-Disposition"]
    header, *rows = read_csv(resp.data)
    assert header == [
        "Thời gian",
        "Người thực hiện",
        "Thao tác",
        "Đối tượng",
        "Mã đối tượng",
        "Khu vực",
        "Mã hành động",
        "Địa chỉ IP",
    ]
    assert [r[6] for r in rows] == ["area.create", "board.update", "user.create"]
    assert rows[0][:6] == [
        "02/03/2025 02:30:00",
        "Hệ thống",
        "Hệ thống đã tạo khu vực «Phường Hoàn Kiếm» (mã 00070)",
        "Phường Hoàn Kiếm",
        "00070",
        "Phường Hoàn Kiếm",
    ]
    assert rows[2][0] == "02/03/2025 00:30:00"


def test_formulas_are_neutralised_in_both_formats(client, admin, entries):
    login(client, "root-admin")
    for fmt, reader in (("csv", read_csv), ("xlsx", read_xlsx)):
        resp = client.get(f"/audit/export?format={fmt}&{WINDOW}")
        assert resp.status_code == 200
        _header, _area, update, _create = reader(resp.data)
        assert update[1] == '\'=HYPERLINK("http://evil.example","Bấm")'
        assert update[2].startswith("'=HYPERLINK(")  # the sentence starts with the actor
        assert update[3] == "'+SUM(1,2)"
        assert all(not re.match(r"[=+\-@]", cell) for row in reader(resp.data) for cell in row)


def test_viewer_downloads_only_their_areas(client, hp_viewer, entries):
    login(client, "hp-viewer")
    resp = client.get(f"/audit/export?format=xlsx&{WINDOW}")
    assert resp.status_code == 200
    _header, *rows = read_xlsx(resp.data)
    assert [r[6] for r in rows] == ["board.update"]
    refused = client.get(f"/audit/export?format=csv&area=00070&{WINDOW}")
    assert refused.status_code == 422


@pytest.mark.parametrize(
    "query",
    ["format=pdf", "", "format=csv&from=2025-13-01&to=2025-03-01", "format=csv&kind=%00"],
)
def test_bad_requests_are_422(client, admin, entries, query):
    login(client, "root-admin")
    resp = client.get(f"/audit/export?{query}")
    assert resp.status_code == 422
    assert resp.mimetype == "text/html"


def test_editor_may_not_download(client, hk_editor):
    login(client, "hk-editor")
    assert client.get("/audit/export?format=csv").status_code == 403
