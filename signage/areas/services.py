"""Area services: official import from vietnam-provinces, custom areas, moves without cycles."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, case, func, literal, or_, select, update
from sqlalchemy.orm import Session

from signage.areas.models import AREA_KINDS, Area
from signage.audit.services import Actor, record
from signage.db import bytewise, fold, fold_text
from signage.errors import Conflict, NotFound, ValidationFailed
from signage.permissions import require

ROOT_CODE = "VN"
ROOT_NAME = "Việt Nam"
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
# Kinds created by hand under official units: villages, residential groups, custom zones.
MANUAL_KINDS = ("village", "residential_group", "custom", "district")

# Called as hook(session, area) after an area moved; higher packages append theirs in their
# init_app (boards: live sockets follow their new ancestors). Areas import none of them.
AREA_MOVE_HOOKS: list[Callable[[Session, Area], None]] = []

_PROVINCE_KIND = {"tỉnh": "province", "thành phố trung ương": "municipality"}
_WARD_KIND = {"xã": "commune", "phường": "ward", "đặc khu": "special_zone"}


@dataclass
class ImportResult:
    """How many areas an import created, updated and left unchanged."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


def province_code(code: int) -> str:
    """Official province code as stored: two digits, e.g. 1 -> '01'."""
    return f"{int(code):02d}"


def ward_code(code: int) -> str:
    """Official commune-level code as stored: five digits, e.g. 4 -> '00004'."""
    return f"{int(code):05d}"


def find_by_code(session: Session, code: str) -> Area | None:
    """The area with this code (letters in any case), if any."""
    code = (code or "").strip()
    if not CODE_RE.match(code):
        return None  # no stored code looks like this; spares the database odd input (NUL)
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None and not code.isdigit():
        # Codes are ASCII and unique regardless of case, so lower() agrees on every backend.
        area = session.scalar(select(Area).where(func.lower(Area.code) == code.lower()))
    return area


def get_by_code(session: Session, code: str) -> Area:
    """The area with this code, or NotFound naming the code."""
    area = find_by_code(session, code)
    if area is None:
        shown = "".join(c for c in str(code or "") if c.isprintable())[:40]
        raise NotFound(_l("Unknown area code: %(code)s", code=shown))
    return area


def root(session: Session) -> Area:
    """The single root of the tree (Việt Nam), created on first use."""
    area = session.scalar(select(Area).where(Area.code == ROOT_CODE))
    if area is None:
        area = Area(code=ROOT_CODE, name=ROOT_NAME, kind="country", official=True, depth=0)
        session.add(area)
        session.flush()
        area.path = f"/{area.id}/"
        session.flush()
    return area


def _upsert(
    existing: dict[str, Area],
    session: Session,
    result: ImportResult,
    code: str,
    name: str,
    kind: str,
    parent: Area,
) -> Area:
    area = existing.get(code)
    if area is None:
        area = Area(code=code, name=name, kind=kind, parent=parent, official=True)
        area.depth = parent.depth + 1
        session.add(area)
        existing[code] = area
        result.created += 1
    elif (area.name, area.kind, area.parent_id) != (name, kind, parent.id):
        area.name, area.kind, area.parent = name, kind, parent
        area.depth = parent.depth + 1
        result.updated += 1
    else:
        result.unchanged += 1
    return area


def _fix_paths(areas: Iterable[Area]) -> None:
    for area in areas:
        assert area.parent is not None, "imported areas hang under the root"
        expected = f"{area.parent.path}{area.id}/"
        if area.path != expected:
            area.path = expected


def import_official(
    session: Session,
    actor: Actor,
    *,
    province: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    now: datetime,
) -> ImportResult:
    """Import provinces and commune-level units from vietnam-provinces; safe to re-run."""
    from vietnam_provinces import Province, Ward

    provinces = sorted(Province.iter_all(), key=lambda p: int(p.code))
    if province is not None:
        wanted = province.strip().lstrip("0") or "0"
        provinces = [p for p in provinces if str(int(p.code)) == wanted]
        if not provinces:
            raise NotFound(_l("Unknown province code: %(code)s", code=province))
    wanted_codes = {int(p.code) for p in provinces}
    wards = sorted(
        (w for w in Ward.iter_all() if int(w.province_code) in wanted_codes),
        key=lambda w: int(w.code),
    )
    top = root(session)
    existing = {a.code: a for a in session.scalars(select(Area).where(Area.official.is_(True)))}
    result = ImportResult()
    total = len(provinces) + len(wards)
    by_code: dict[int, Area] = {}
    for p in provinces:
        kind = _PROVINCE_KIND.get(str(p.division_type.value), "province")
        by_code[int(p.code)] = _upsert(
            existing, session, result, province_code(p.code), p.name, kind, top
        )
    session.flush()
    _fix_paths(by_code.values())
    touched: list[Area] = []
    for i, w in enumerate(wards, start=1):
        kind = _WARD_KIND.get(str(w.division_type.value), "commune")
        parent = by_code[int(w.province_code)]
        touched.append(_upsert(existing, session, result, ward_code(w.code), w.name, kind, parent))
        if progress and (i % 250 == 0 or i == len(wards)):
            progress(len(provinces) + i, total)
    session.flush()
    _fix_paths(touched)
    session.flush()
    record(
        session,
        actor,
        "area.import",
        "area",
        province or "all",
        details={"created": result.created, "updated": result.updated},
        now=now,
    )
    return result


def create_area(
    session: Session,
    actor: Actor,
    *,
    code: str,
    name: str,
    kind: str,
    parent_code: str,
    now: datetime,
) -> Area:
    """Create a village, residential group, old district or custom zone under a parent."""
    code = (code or "").strip()
    name = " ".join(unicodedata.normalize("NFC", name or "").split())
    problems = []
    if not CODE_RE.match(code):
        problems.append(
            {
                "field": "code",
                "message": _l("1-32 characters: letters, digits, dot, dash, underscore."),
            }
        )
    if not name or len(name) > 200 or not name.isprintable():
        problems.append({"field": "name", "message": _l("A name of 1-200 characters is required.")})
    if kind not in MANUAL_KINDS:
        problems.append({"field": "kind", "message": _l("Unknown kind of area.")})
    if problems:
        raise ValidationFailed(details=problems)
    parent = get_by_code(session, parent_code)
    require(actor.user, "area.manage", parent)
    if session.scalar(select(Area.id).where(func.lower(Area.code) == code.lower())) is not None:
        raise Conflict(_l("The area code %(code)s already exists.", code=code))
    area = Area(code=code, name=name, kind=kind, parent=parent, depth=parent.depth + 1)
    session.add(area)
    session.flush()
    area.path = f"{parent.path}{area.id}/"
    record(session, actor, "area.create", "area", area.code, area_id=area.id, now=now)
    return area


def move_area(
    session: Session, actor: Actor, area: Area, new_parent: Area, *, now: datetime
) -> None:
    """Move a hand-made area under another parent, refusing cycles and official units."""
    if area.official:
        raise ValidationFailed(_l("Official administrative units cannot be moved."))
    if new_parent.path.startswith(area.path):
        raise ValidationFailed(_l("An area cannot be moved under itself or its own descendant."))
    require(actor.user, "area.manage", area)
    require(actor.user, "area.manage", new_parent)
    old_path, new_path = area.path, f"{new_parent.path}{area.id}/"
    delta = new_parent.depth + 1 - area.depth
    session.execute(
        update(Area)
        .where(Area.path.startswith(old_path, autoescape=True))
        .values(
            path=literal(new_path, String).concat(func.substr(Area.path, len(old_path) + 1)),
            depth=Area.depth + delta,
        )
        .execution_options(synchronize_session=False)
    )
    area.parent = new_parent
    session.flush()
    session.expire_all()
    record(
        session,
        actor,
        "area.move",
        "area",
        area.code,
        area_id=area.id,
        details={"to": new_parent.code},
        now=now,
    )
    for hook in AREA_MOVE_HOOKS:
        hook(session, area)  # e.g. the boards' live sockets leave the old ancestors' rooms


def search(
    session: Session, text: str, *, within: Area | None = None, limit: int = 50
) -> list[Area]:
    """Areas whose name contains text or whose code starts with it, ignoring case and accents."""
    needle = fold_text(" ".join((text or "").split())) or ""
    if not needle:
        return []
    stmt = select(Area).where(
        or_(
            fold(Area.name).contains(needle, autoescape=True),
            func.lower(Area.code).startswith(needle, autoescape=True),
        )
    )
    if within is not None:
        stmt = stmt.where(Area.path.startswith(within.path, autoescape=True))
    # Exact code first, then higher levels of the tree, then by code (same order everywhere).
    exact = case((func.lower(Area.code) == needle, 0), else_=1)
    stmt = stmt.order_by(exact, Area.depth, bytewise(Area.code)).limit(limit)
    return list(session.scalars(stmt))


def children(session: Session, parent: Area | None) -> list[Area]:
    """Direct children of an area (or the roots), ordered by code."""
    stmt = select(Area).order_by(bytewise(Area.code))
    stmt = stmt.where(Area.parent_id.is_(None) if parent is None else Area.parent_id == parent.id)
    return list(session.scalars(stmt))


def ancestors(session: Session, area: Area) -> list[Area]:
    """The chain from the root down to the area's parent."""
    ids = [int(x) for x in area.path.strip("/").split("/")[:-1] if x]
    if not ids:
        return []
    found = {a.id: a for a in session.scalars(select(Area).where(Area.id.in_(ids)))}
    return [found[i] for i in ids if i in found]


def kinds() -> tuple[str, ...]:
    """All kinds of area, official and manual."""
    return AREA_KINDS


def child_counts(session: Session, ids: list[int]) -> dict[int, int]:
    """How many direct children each of these areas has."""
    if not ids:
        return {}
    rows = session.execute(
        select(Area.parent_id, func.count()).where(Area.parent_id.in_(ids)).group_by(Area.parent_id)
    )
    return {pid: n for pid, n in rows if pid is not None}
