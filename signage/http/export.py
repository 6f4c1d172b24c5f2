"""Tables people download: CSV and XLSX responses from one list of header + rows.

Every text cell that a spreadsheet would read as a formula (it starts with =, +, -, @, a tab
or a carriage return) is neutralised with a leading apostrophe, in both formats, so a name an
attacker chose cannot run in the supervisor's spreadsheet (CSV/XLSX injection)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import xlsxwriter
from flask import Response
from flask_babel import lazy_gettext as _l

from signage.errors import ValidationFailed

FORMATS = ("csv", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Only these characters reach a file name; the rest become "-".
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Sheet:
    """One table: a title (the XLSX sheet name), a header row and the data rows."""

    title: str
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]] = field(default_factory=list)


def neutralise(value: Any) -> Any:
    """The cell as written: text that looks like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return value
    return neutralise(str(value))


def parse_format(raw: str | None) -> str:
    """The requested export format ("csv" or "xlsx"), or a clear 422."""
    value = (raw or "").strip().lower()
    if value not in FORMATS:
        raise ValidationFailed(
            _l("Choose an export format: CSV or XLSX."),
            details=[{"field": "format", "message": "csv | xlsx"}],
        )
    return value


def csv_bytes(sheet: Sheet) -> bytes:
    """The sheet as UTF-8 CSV with a byte-order mark (Excel then reads Vietnamese right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_text(h) for h in sheet.header])
    for row in sheet.rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """The sheets as one XLSX workbook: bold header, numbers as numbers, text never a formula."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True})
    used: set[str] = set()
    for sheet in sheets:
        title = _sheet_title(sheet.title, used)
        ws = book.add_worksheet(title)
        widths = [len(str(h)) for h in sheet.header]
        for col, head in enumerate(sheet.header):
            ws.write_string(0, col, str(head), bold)
        for r, row in enumerate(sheet.rows, start=1):
            for col, value in enumerate(row):
                cell = _text(value)
                if isinstance(cell, (int, float)):
                    ws.write_number(r, col, cell)
                else:
                    ws.write_string(r, col, cell)
                if col < len(widths):
                    widths[col] = max(widths[col], min(60, len(str(cell))))
        for col, width in enumerate(widths):
            ws.set_column(col, col, width + 2)
        ws.freeze_panes(1, 0)
    book.close()
    return out.getvalue()


def _sheet_title(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def download(fmt: str, filename: str, sheets: Sequence[Sheet]) -> Response:
    """A download response: CSV holds the first sheet, XLSX all of them."""
    stem = _UNSAFE_NAME.sub("-", filename).strip("-") or "export"
    if fmt == "csv":
        body, content_type = csv_bytes(sheets[0]), "text/csv; charset=utf-8"
    else:
        body, content_type = xlsx_bytes(sheets), XLSX_TYPE
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
