"""Report plumbing: downloads that cannot carry a formula, periods people choose."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from signage.boards.models import BoardSession
from signage.boards.uptime import online_seconds
from signage.errors import ValidationFailed
from signage.http.export import Sheet, csv_bytes, neutralise, parse_format, xlsx_bytes
from signage.http.period import parse_period

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_text_is_neutralised(value):
    assert neutralise(value) == "'" + value


def test_numbers_and_plain_text_pass_unchanged():
    assert neutralise(-5) == -5
    assert neutralise("Phường Hoàn Kiếm") == "Phường Hoàn Kiếm"


def test_csv_keeps_vietnamese_and_neutralises_cells():
    sheet = Sheet("Lượt phát", ["Bảng", "Lượt"], [["=cmd|' /C calc'!A0", 3], ["Chợ Đồng Xuân", 7]])
    text = csv_bytes(sheet).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["Bảng", "Lượt"], ["'=cmd|' /C calc'!A0", "3"], ["Chợ Đồng Xuân", "7"]]


def test_xlsx_writes_no_formula_and_keeps_numbers():
    body = xlsx_bytes([Sheet("Lượt phát: tháng/12", ["Bảng", "Lượt"], [["=1+1", 3]])])
    with zipfile.ZipFile(io.BytesIO(body)) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
        workbook = book.read("xl/workbook.xml").decode()
    assert "<f>" not in sheet
    assert "'=1+1" in strings
    assert "<v>3</v>" in sheet
    # ':' and '/' are not allowed in a sheet name; the title is cleaned, not refused.
    assert 'name="Lượt phát  tháng 12"' in workbook


def test_unknown_export_format_is_refused():
    with pytest.raises(ValidationFailed):
        parse_format("pdf")
    assert parse_format(" XLSX ") == "xlsx"


def test_period_defaults_to_the_last_week():
    period = parse_period({}, tz=HCM, today=date(2026, 12, 14))
    assert (period.first, period.last, period.days) == (date(2026, 12, 8), date(2026, 12, 14), 7)
    # Local midnight in Hà Nội is 17:00 UTC the day before.
    assert period.start == datetime(2026, 12, 7, 17, tzinfo=UTC)
    assert period.end == datetime(2026, 12, 14, 17, tzinfo=UTC)


def test_period_accepts_both_date_spellings():
    period = parse_period(
        {"from": "15/12/2025", "to": "2026-12-14"}, tz=HCM, today=date(2026, 12, 14)
    )
    assert (period.first, period.last, period.days) == (date(2025, 12, 15), date(2026, 12, 14), 365)


@pytest.mark.parametrize(
    "args",
    [
        {"from": "2026-12-14", "to": "2026-12-01"},  # inverted
        {"from": "2026-12-01"},  # unbounded
        {"to": "2026-12-01"},
        {"from": "2016-01-01", "to": "2026-01-01"},  # ten years
        {"from": "32/13/2026", "to": "2026-12-01"},
        {"from": "'; drop table boards; --", "to": "2026-12-01"},
    ],
)
def test_bad_periods_are_refused_with_the_field(args):
    with pytest.raises(ValidationFailed) as caught:
        parse_period(args, tz=HCM, today=date(2026, 12, 14))
    assert caught.value.details[0]["field"] in ("from", "to")


def test_online_seconds_clips_sessions_to_the_period(session, factory, tree):
    from signage.boards.models import Board
    from signage.content.models import ProfileRecord

    profile = session.query(ProfileRecord).first()
    board = Board(code="b-up", name="Bảng", area_id=tree["hk"].id, profile_id=profile.id)
    other = Board(code="b-up2", name="Bảng 2", area_id=tree["hk"].id, profile_id=profile.id)
    session.add_all([board, other])
    session.flush()
    t0 = datetime(2026, 12, 1, tzinfo=UTC)
    h = timedelta(hours=1)
    session.add_all(
        [
            BoardSession(board_id=board.id, started_at=t0 - h, ended_at=t0 + h),  # 1 h inside
            BoardSession(board_id=board.id, started_at=t0 + 2 * h, ended_at=t0 + 3 * h),
            BoardSession(board_id=board.id, started_at=t0 + 5 * h, ended_at=None),  # open
            BoardSession(board_id=other.id, started_at=t0 - 3 * h, ended_at=t0 - 2 * h),
        ]
    )
    session.flush()
    now = t0 + 6 * h
    got = online_seconds(session, None, t0, t0 + 24 * h, now=now)
    assert got == {board.id: 3 * 3600.0}
    assert online_seconds(session, [other.id], t0, t0 + 24 * h, now=now) == {}
    assert online_seconds(session, [], t0, t0 + 24 * h, now=now) == {}
