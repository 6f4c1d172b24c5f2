"""Import of the official units from the real vietnam-provinces data."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from signage.areas.models import Area
from signage.areas.services import ROOT_CODE, get_by_code, import_official
from signage.audit.models import AuditEntry
from signage.audit.services import SYSTEM
from signage.clock import system_clock
from signage.errors import NotFound


def by_depth(session) -> dict[int, int]:
    rows = session.execute(select(Area.depth, func.count()).group_by(Area.depth))
    return dict(rows.all())


def test_full_import_is_complete_and_idempotent(session):
    first = import_official(session, SYSTEM, now=system_clock())
    assert (first.created, first.updated, first.unchanged) == (34 + 3321, 0, 0)
    assert by_depth(session) == {0: 1, 1: 34, 2: 3321}
    root = get_by_code(session, ROOT_CODE)
    assert root.parent_id is None and root.path == f"/{root.id}/"
    kinds = Counter(session.scalars(select(Area.kind).where(Area.depth > 0)))
    assert kinds == {
        "province": 28,
        "municipality": 6,
        "commune": 2621,
        "ward": 687,
        "special_zone": 13,
    }
    # Every unit hangs under its province, with a path built from its ancestors' ids.
    hk = get_by_code(session, "00070")
    hn = get_by_code(session, "01")
    assert (hk.name, hk.kind, hk.parent_id) == ("Phường Hoàn Kiếm", "ward", hn.id)
    assert hk.path == f"/{root.id}/{hn.id}/{hk.id}/"
    paths = dict(session.execute(select(Area.id, Area.path)).all())
    parents = dict(session.execute(select(Area.id, Area.parent_id)).all())
    assert all(paths[i] == f"{paths[p]}{i}/" for i, p in parents.items() if p is not None)

    second = import_official(session, SYSTEM, now=system_clock())
    assert (second.created, second.updated, second.unchanged) == (0, 0, 34 + 3321)
    assert session.scalar(select(func.count()).select_from(Area)) == 1 + 34 + 3321
    imports = session.scalars(select(AuditEntry.details).where(AuditEntry.action == "area.import"))
    assert list(imports) == [{"created": 3355, "updated": 0}, {"created": 0, "updated": 0}]


def test_one_province(session, factory):
    result = import_official(session, SYSTEM, province="01", now=system_clock())
    assert (result.created, result.updated) == (1 + 126, 0)
    hn = get_by_code(session, "01")
    assert (hn.name, hn.kind, hn.depth) == ("Thành phố Hà Nội", "municipality", 1)
    units = session.scalars(select(Area).where(Area.depth == 2)).all()
    assert len(units) == 126 and {u.parent_id for u in units} == {hn.id}
    assert by_depth(session) == {0: 1, 1: 1, 2: 126}
    # Hand-made areas survive a re-import; a locally renamed unit gets its official name back.
    village = factory.area(
        "00070-T1", "Tổ dân phố 1", "residential_group", get_by_code(session, "00070")
    )
    get_by_code(session, "00004").name = "Ba Đình (cũ)"
    again = import_official(session, SYSTEM, province="1", now=system_clock())
    assert (again.created, again.updated, again.unchanged) == (0, 1, 126)
    assert get_by_code(session, "00004").name == "Phường Ba Đình"
    assert session.get(Area, village.id) is village


@pytest.mark.parametrize("code", ["99", "abc", "", "01; DROP TABLE areas"])
def test_unknown_province_is_not_found_and_nothing_is_written(session, code):
    with pytest.raises(NotFound) as exc:
        import_official(session, SYSTEM, province=code, now=system_clock())
    assert exc.value.status == 404
    assert session.scalar(select(func.count()).select_from(Area)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0
