"""A small tree with known indicator answers, and a reader for the XLSX files reports write.

Province "Tỉnh Alpha" (P1), period 01/03/2026 – 10/03/2026 local (10 days), now 20/03/2026:

| unit / district | boards (online share)                          |
|-----------------|------------------------------------------------|
| W1 ward         | one LED 192x96, 100 %                          |
| W2 ward         | none                                           |
| C1 commune      | one LED, 50 %; one test board, 100 % (ignored) |
| C2 commune      | one LED in its village, 90 %                   |
| C3 commune      | none                                           |
| SZ special zone | one LED, never online                          |
| D1 district     | one LCD 1920x1080 (large), open session: 100 % |
| D2 district     | one LED 384x192 (large) 10 %, one LED 192x96 0 %|
| D3 district     | one LED 192x96 (not large), 100 %              |

Province "Tỉnh Beta" (P2): ward W9 with one LED, 100 %.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from signage.boards.models import Board, BoardSession
from signage.reports.models import PlayDay
from tests.schedules.conftest import make_board

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 10)
START = datetime(2026, 3, 1, tzinfo=HCM).astimezone(UTC)
DAY = timedelta(days=1)
NOW = datetime(2026, 3, 20, 3, 0, tzinfo=UTC)
INSTALLED = datetime(2026, 1, 1, tzinfo=UTC)


def online(session, board: Board, days: float, *, open_: bool = False) -> None:
    """A session from the period's start lasting `days` days (open: never closed)."""
    session.add(
        BoardSession(
            board_id=board.id,
            started_at=START - DAY,  # before the period: clipped to it
            ended_at=None if open_ else START + timedelta(days=days),
        )
    )


def board(session, code: str, area, profile: str = "led-192x96-mono", **extra) -> Board:
    """A board installed before the period."""
    return make_board(session, code, area, profile, created_at=INSTALLED, **extra)


def build(session, factory) -> dict:
    """The tree, boards, sessions and plays of the table above."""
    vn = factory.area("VN", "Việt Nam", "country", official=True)
    p1 = factory.area("91", "Tỉnh Alpha", "province", vn, official=True)
    p2 = factory.area("92", "Tỉnh Beta", "province", vn, official=True)
    a = {"vn": vn, "p1": p1, "p2": p2}
    for key, code, name, kind, parent in [
        ("w1", "91001", "Phường Một", "ward", p1),
        ("w2", "91002", "Phường Hai", "ward", p1),
        ("c1", "91003", "Xã Ba", "commune", p1),
        ("c2", "91004", "Xã Bốn", "commune", p1),
        ("c3", "91005", "Xã Năm", "commune", p1),
        ("sz", "91006", "Đặc khu Sáu", "special_zone", p1),
        ("d1", "91-D1", "Huyện cũ Một", "district", p1),
        ("d2", "91-D2", "Huyện cũ Hai", "district", p1),
        ("d3", "91-D3", "Huyện cũ Ba", "district", p1),
        ("w9", "92001", "Phường Chín", "ward", p2),
    ]:
        a[key] = factory.area(code, name, kind, parent, official=kind != "district")
    a["village"] = factory.area("91004-T1", "Thôn Một", "village", a["c2"])
    b = {
        "w1": board(session, "B-W1", a["w1"]),
        "c1": board(session, "B-C1", a["c1"]),
        "c1_test": board(session, "B-C1-TEST", a["c1"], is_test=True),
        "c2": board(session, "B-C2", a["village"]),
        "sz": board(session, "B-SZ", a["sz"]),
        "d1": board(session, "B-D1", a["d1"], "lcd-1920x1080"),
        "d2_large": board(session, "B-D2L", a["d2"], "led-384x192-full"),
        "d2_small": board(session, "B-D2S", a["d2"]),
        "d3": board(session, "B-D3", a["d3"]),
        "w9": board(session, "B-W9", a["w9"]),
    }
    online(session, b["w1"], 12)
    online(session, b["c1"], 5)
    online(session, b["c1_test"], 12)
    online(session, b["c2"], 9)
    online(session, b["d1"], 0, open_=True)
    online(session, b["d2_large"], 1)
    online(session, b["d3"], 12)
    online(session, b["w9"], 12)
    for brd, day, category, plays in [
        (b["w1"], FIRST, "disaster", 5),
        (b["c1"], LAST, "policy_law", 3),
        (b["c1"], LAST + DAY, "policy_law", 100),  # after the period
        (b["c1"], FIRST - DAY, "policy_law", 100),  # before it
        (b["c1_test"], FIRST, "policy_law", 1000),  # a test board
        (b["c2"], FIRST + DAY, "health_epidemic", 2),
        (b["w9"], FIRST, "disaster", 7),
    ]:
        session.add(
            PlayDay(
                day=day,
                board_id=brd.id,
                area_id=brd.area_id,
                item_id=1,
                category=category,
                plays=plays,
                seconds=plays * 10.0,
            )
        )
    session.flush()
    return {"areas": a, "boards": b}


def xlsx_rows(body: bytes, sheet: int = 1) -> list[list[object]]:
    """The cells of one worksheet of an XLSX file: strings as text, numbers as floats."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        shared = [
            "".join(t.text or "" for t in si.iter(f"{{{ns['m']}}}t"))
            for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml")).findall("m:si", ns)
        ]
        root = ElementTree.fromstring(book.read(f"xl/worksheets/sheet{sheet}.xml"))
        assert not list(root.iter(f"{{{ns['m']}}}f")), "a formula in a report"
    rows: list[list[object]] = []
    for row in root.iter(f"{{{ns['m']}}}row"):
        cells: list[object] = []
        for cell in row.findall("m:c", ns):
            col = _column(cell.get("r", "A1"))
            while len(cells) < col:
                cells.append(None)
            value = cell.find("m:v", ns)
            text = value.text if value is not None else None
            if cell.get("t") == "s" and text is not None:
                cells.append(shared[int(text)])
            else:
                cells.append(float(text) if text is not None else None)
        rows.append(cells)
    return rows


def _column(ref: str) -> int:
    letters = re.match(r"[A-Z]+", ref)
    n = 0
    for ch in letters.group(0) if letters else "A":
        n = n * 26 + ord(ch) - 64
    return n - 1
