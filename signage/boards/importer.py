"""CSV import of boards: all rows valid or nothing written, with every row's problems listed.

Columns (header row, any order; comma or semicolon separated, UTF-8 with or without BOM):
code, name, area_code, profile, latitude, longitude, address, groups (separated by '|').
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.areas.models import Area
from signage.audit.services import Actor, record
from signage.boards.models import Board, BoardGroup
from signage.boards.services import CODE_RE, check_fields
from signage.content.models import ProfileRecord
from signage.errors import ValidationFailed
from signage.permissions import can

MAX_ROWS = 20_000
REQUIRED = ("code", "name", "area_code", "profile")
ALIASES = {
    "area": "area_code",
    "profile_key": "profile",
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "group": "groups",
}
KNOWN = {*REQUIRED, "latitude", "longitude", "address", "groups"}


@dataclass
class ImportReport:
    """What an import created."""

    boards: int = 0
    groups_created: list[str] = field(default_factory=list)


def _fail(problems: list[dict[str, Any]]) -> ValidationFailed:
    return ValidationFailed(
        _l("Nothing was imported; fix these rows and try again."), details=problems
    )


def decode(data: bytes) -> str:
    """UTF-8 text (a BOM is dropped); other encodings are refused naming the first bad row."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise _fail(
            [
                {
                    "field": f"row {row}",
                    "message": _l(
                        "The file is not UTF-8 (perhaps Windows-1258 or TCVN3). In Excel choose "
                        "Save As > CSV UTF-8, then import again."
                    ),
                }
            ]
        ) from None


def _float(value: str) -> float | None:
    value = value.strip().replace(",", ".") if value else ""
    return float(value) if value else None


def parse(text: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs with normalised column names."""
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample.splitlines()[0] if sample else ",", ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise _fail([{"field": "row 1", "message": _l("The file is empty.")}]) from None
    names = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    missing = [c for c in REQUIRED if c not in names]
    unknown = [n for n in names if n not in KNOWN]
    if missing or unknown:
        message = _l(
            "The header must name the columns %(cols)s (missing: %(missing)s; unknown: "
            "%(unknown)s).",
            cols=", ".join(
                [
                    "code",
                    "name",
                    "area_code",
                    "profile",
                    "latitude",
                    "longitude",
                    "address",
                    "groups",
                ]
            ),
            missing=", ".join(missing) or "-",
            unknown=", ".join(unknown) or "-",
        )
        raise _fail([{"field": "row 1", "message": message}])
    rows: list[tuple[int, dict[str, str]]] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise _fail([{"field": "file", "message": _l("At most %(n)s rows.", n=MAX_ROWS)}])
        padded = values + [""] * (len(names) - len(values))
        rows.append((reader.line_num, dict(zip(names, padded, strict=False))))
    return rows


def import_boards(
    session: Session, actor: Actor, data: bytes, *, now: datetime, check_permission: bool = True
) -> ImportReport:
    """Create every board of the CSV file, or none: ValidationFailed lists each row's problems."""
    rows = parse(decode(data))
    problems: list[dict[str, Any]] = []
    codes = [r.get("area_code", "").strip() for _, r in rows]
    areas = {a.code: a for a in _in(session, Area, Area.code, codes)}
    profiles = {p.key: p for p in session.scalars(select(ProfileRecord))}
    board_codes = {r.get("code", "").strip().lower() for _, r in rows}
    taken = {c.lower() for c in _in(session, Board.code, func.lower(Board.code), list(board_codes))}
    group_codes = {g.strip() for _, r in rows for g in r.get("groups", "").split("|") if g.strip()}
    groups = {g.code: g for g in _in(session, BoardGroup, BoardGroup.code, list(group_codes))}
    seen: dict[str, int] = {}
    ready = []
    for line, row in rows:
        where = f"row {line}"

        def bad(message: Any, where: str = where) -> None:
            problems.append({"field": where, "message": message})

        try:
            lat, lon = _float(row.get("latitude", "")), _float(row.get("longitude", ""))
        except ValueError:
            bad(_l("Latitude and longitude must be decimal numbers, e.g. 21.0285, 105.8542."))
            continue
        clean, field_problems = check_fields(
            code=row["code"],
            name=row["name"],
            lat=lat,
            lon=lon,
            address=row.get("address", ""),
            timezone="",
            hours=None,
        )
        for p in field_problems:
            bad(_l("%(field)s: %(message)s", field=p["field"], message=p["message"]))
        code = clean["code"].lower()
        if code in seen:
            bad(
                _l(
                    "The code %(code)s is repeated (first on row %(row)s).",
                    code=clean["code"],
                    row=seen[code],
                )
            )
        elif code in taken:
            bad(_l("A board with the code %(code)s exists.", code=clean["code"]))
        seen.setdefault(code, line)
        area = areas.get(row["area_code"].strip())
        if area is not None and check_permission and not can(actor.user, "board.view", area):
            area = None  # another province's area reads like an unknown code
        if area is None:
            bad(_l("Unknown area code: %(code)s", code=row["area_code"].strip()))
        elif check_permission and not can(actor.user, "board.manage", area):
            bad(_l("You may not manage boards in %(area)s.", area=area.name))
        profile = profiles.get(row["profile"].strip())
        if profile is None:
            bad(_l("No display profile has the key %(key)s.", key=row["profile"].strip()))
        names = [g.strip() for g in row.get("groups", "").split("|") if g.strip()]
        for name in names:
            if not CODE_RE.match(name):
                bad(
                    _l(
                        "Group codes use letters, digits, dot, dash, underscore: %(code)s",
                        code=name,
                    )
                )
        ready.append((clean, area, profile, names))
    if problems:
        raise _fail(problems)
    report = ImportReport()
    for clean, area, profile, names in ready:
        board = Board(**clean, area=area, profile=profile, created_at=now)
        for name in names:
            if name not in groups:
                groups[name] = BoardGroup(code=name, name=name, area=area, created_at=now)
                session.add(groups[name])
                report.groups_created.append(name)
            board.groups.append(groups[name])
        session.add(board)
        report.boards += 1
    session.flush()
    record(
        session,
        actor,
        "board.import",
        "board",
        "csv",
        now=now,
        details={"boards": report.boards, "groups": report.groups_created[:50]},
    )
    return report


def _in(session: Session, entity: Any, column: Any, values: list[str]) -> list[Any]:
    found: list[Any] = []
    values = sorted(set(values))
    for i in range(0, len(values), 500):
        found += session.scalars(select(entity).where(column.in_(values[i : i + 500])))
    return found
