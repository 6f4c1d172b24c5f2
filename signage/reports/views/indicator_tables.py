"""What the indicator pages and API share: the report's area, the rules, its tables and JSON."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from babel.numbers import get_decimal_symbol, get_group_symbol
from flask import current_app
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.areas.models import Area
from signage.errors import PermissionDenied
from signage.http.areas import named_area
from signage.http.export import Sheet
from signage.http.labels import category_label, kind_label
from signage.permissions import scope_paths
from signage.reports.december import check_root
from signage.reports.indicators import Figures, Report, Rules, Totals, Unit

_TENTH = Decimal("0.1")


def rules() -> Rules:
    """The installation's indicator rules (SIGNAGE_CONNECTED_SHARE, ..._LARGE_BOARD_MIN_PIXELS)."""
    settings = current_app.config["SIGNAGE"]
    return Rules(settings.connected_share, settings.large_board_min_pixels)


def report_root(session: Session, user: User | None, code: str | None) -> Area:
    """The area named by code if the user may read reports there; else the user's widest one.

    A code outside the user's report.view grants reads exactly like an unknown code (422)."""
    paths = scope_paths(user, "report.view")
    if not paths:
        raise PermissionDenied(_l("Reports need the report.view permission."))
    if (code or "").strip():
        return check_root(named_area(session, user, code or "", action="report.view"))
    top = sorted(paths, key=lambda p: (len(p), p))[0]
    area = session.scalar(select(Area).where(Area.path == top))
    assert area is not None
    return area


def percent(value: float | None) -> float | None:
    """A share as a percentage with one decimal (None stays None)."""
    return None if value is None else round(value * 100, 1)


class Numbers:
    """number_text and percent_text of one page: the locale's symbols looked up once, not
    Babel's pattern work on every cell (a country's December page: 30,000 numbers, 0.24 s ->
    0.015 s). The same text as format_decimal: half-even rounding of the decimal it prints as."""

    def __init__(self) -> None:
        locale = get_locale()
        self.group = get_group_symbol(locale)
        self.decimal = get_decimal_symbol(locale)

    def text(self, value: float, pattern: str) -> str:
        """format_decimal(value, format=pattern) for "#,##0.0" and "#,##0.#"."""
        if isinstance(value, int) and value >= 0:  # most cells: plays, boards
            return f"{value:,}".replace(",", self.group) + (
                f"{self.decimal}0" if pattern.endswith("0") else ""
            )
        if value < 0 or not math.isfinite(value):
            return str(format_decimal(value, format=pattern))
        rounded = Decimal(str(value)).quantize(_TENTH, rounding=ROUND_HALF_EVEN)
        whole, _dot, tenth = f"{rounded:f}".partition(".")
        if pattern.endswith("#") and tenth == "0":
            tenth = ""
        text = f"{int(whole):,}".replace(",", self.group)
        return f"{text}{self.decimal}{tenth}" if tenth else text

    def percent_text(self, value: float | None) -> str:
        """A share as people read it: "3,9 %" in Vietnamese, "—" if None."""
        shown = percent(value)
        return "—" if shown is None else f"{self.text(shown, '#,##0.0')} %"

    def number_text(self, value: float | None) -> str:
        """A number with the language's separators (at most one decimal)."""
        return "" if value is None else self.text(value, "#,##0.#")

    def plays_cells(self, figures: Figures, categories: Sequence[str]) -> list[str]:
        """A row's plays per category and in all, as text (one call a row, not one a cell)."""
        plays = figures.plays
        return [self.number_text(plays.get(c, 0)) for c in categories] + [
            self.number_text(figures.total_plays)
        ]


def percent_text(value: float | None) -> str:
    """A share as people read it in the current language: "3,9 %" in Vietnamese, "—" if None."""
    return Numbers().percent_text(value)


def number_text(value: float | None) -> str:
    """A number with the current language's separators (at most one decimal)."""
    return Numbers().number_text(value)


def unit_sheet(report: Report) -> Sheet:
    """One row per commune-level unit."""
    header = [
        _("Province"), _("Code"), _("Commune-level unit"), _("Kind"), _("Boards"),
        _("Has a board"), _("Connected boards"), _("Connected share (%)"),
        _("Mean uptime (%)"),
        *[category_label(c) for c in report.categories], _("All plays"),
    ]  # fmt: skip
    # Translated once, not once a row (a country: 3,321 rows).
    kinds = {kind: kind_label(kind) for kind in {u.area.kind for u in report.units}}
    yes, no = _("Yes"), _("No")
    rows = [
        [
            u.province.name if u.province else "",
            u.area.code,
            u.area.name,
            kinds[u.area.kind],
            u.figures.boards,
            yes if u.has_board else no,
            u.figures.connected,
            percent(u.figures.connected_share),
            percent(u.figures.uptime),
            *[u.figures.plays.get(c, 0) for c in report.categories],
            u.figures.total_plays,
        ]
        for u in report.units
    ]
    return Sheet(_("By commune"), header, rows)


def totals_row(t: Totals, report: Report) -> list[Any]:
    """One province's (or the whole area's) totals, in the order of totals_header()."""
    f = t.figures
    return [
        t.area.name if t.area else "",
        t.units["ward"], t.with_board["ward"], percent(t.share_1_5),
        t.units["commune"], t.with_board["commune"], percent(t.share_1_6),
        t.units["special_zone"], t.with_board["special_zone"], percent(t.share_special_zones),
        t.districts, t.districts_with_large, t.districts_connected, percent(t.share_2_2),
        f.boards, f.large, f.connected, percent(f.connected_share), percent(f.uptime),
        *[f.plays.get(c, 0) for c in report.categories], f.total_plays,
    ]  # fmt: skip


def totals_header(report: Report) -> list[str]:
    """The column names of totals_row()."""
    return [
        _("Area"),
        _("Wards"), _("Wards with a board"), _("1.5: wards with a board (%)"),
        _("Communes"), _("Communes with a board"), _("1.6: communes with a board (%)"),
        _("Special zones"), _("Special zones with a board"), _("Special zones with a board (%)"),
        _("Former districts"), _("Districts with large boards"),
        _("Districts connected"), _("2.2: districts connected (%)"),
        _("Boards"), _("Large boards"), _("Connected boards"), _("Connected share (%)"),
        _("Mean uptime (%)"),
        *[category_label(c) for c in report.categories], _("All plays"),
    ]  # fmt: skip


def totals_sheet(report: Report) -> Sheet:
    """One row per province of a country-wide report, then the whole area's."""
    # Per province for a country-wide report only (below it, the one province is the total).
    provinces = report.provinces if report.root.kind == "country" else []
    rows = [totals_row(t, report) for t in provinces]
    rows.append(totals_row(report.total, report))
    return Sheet(_("Totals"), totals_header(report), rows)


def notes_sheet(report: Report) -> Sheet:
    """How the figures were computed: period, threshold, what a large board is."""
    w = report.window
    return Sheet(
        _("Method"),
        [_("Item"), _("Value")],
        [
            [_("Area"), f"{report.root.name} ({report.root.code})"],
            [_("Period"), f"{w.first:%d/%m/%Y} – {w.last:%d/%m/%Y}"],
            [_("Connected when online for at least (%)"), percent(report.rules.connected_share)],
            [_("Large board: display of at least (pixels)"), report.rules.large_min_pixels],
            [_("Test boards"), _("not counted")],
            [_("Explanation"), _("See docs/indicators.md of the server.")],
        ],
    )


def sheets(report: Report) -> list[Sheet]:
    """The XLSX workbook: communes, totals, method (CSV keeps the communes)."""
    return [unit_sheet(report), totals_sheet(report), notes_sheet(report)]


def _area_json(area: Area | None) -> dict[str, Any] | None:
    if area is None:
        return None
    return {"code": area.code, "name": area.name, "kind": area.kind}


def totals_json(t: Totals) -> dict[str, Any]:
    """A province's or the whole area's totals for the API."""
    f = t.figures
    return {
        "area": _area_json(t.area),
        "units": dict(t.units),
        "units_with_board": dict(t.with_board),
        "share_1_5": t.share_1_5,
        "share_1_6": t.share_1_6,
        "share_special_zones": t.share_special_zones,
        "share_units": t.share_units,
        "districts": t.districts,
        "districts_with_large_boards": t.districts_with_large,
        "districts_connected": t.districts_connected,
        "share_2_2": t.share_2_2,
        "boards": f.boards,
        "large_boards": f.large,
        "boards_connected": f.connected,
        "share_boards_connected": f.connected_share,
        "uptime": f.uptime,
        "plays": dict(f.plays),
    }


def unit_json(u: Unit) -> dict[str, Any]:
    """One commune-level unit for the API."""
    f = u.figures
    return {
        "area": _area_json(u.area),
        "province": u.province.code if u.province else None,
        "boards": f.boards,
        "has_board": u.has_board,
        "boards_connected": f.connected,
        "large_boards": f.large,
        "uptime": f.uptime,
        "plays": dict(f.plays),
    }


def report_json(report: Report, year: int | None = None) -> dict[str, Any]:
    """The whole report for the API."""
    out: dict[str, Any] = {
        "area": _area_json(report.root),
        "period": {"from": report.window.first.isoformat(), "to": report.window.last.isoformat()},
        "as_of": report.now.isoformat().replace("+00:00", "Z"),
        "rules": {
            "connected_share": report.rules.connected_share,
            "large_board_min_pixels": report.rules.large_min_pixels,
        },
        "totals": totals_json(report.total),
        "provinces": [totals_json(t) for t in report.provinces],
        "units": [unit_json(u) for u in report.units],
    }
    if year is not None:
        out["year"] = year
    return out
