"""Hand-made areas: creation rules, moves without cycles, lookups and search."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from signage.areas import services
from signage.areas.models import Area
from signage.audit.models import AuditEntry
from signage.audit.services import Actor
from signage.clock import system_clock
from signage.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


@pytest.fixture()
def admin(factory, tree):
    return Actor(factory.user("root-admin", ("admin", tree["vn"])), "192.0.2.1")


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Area))


def create(session, actor, **kwargs):
    args = {"code": "HK-CHO", "name": "Chợ Hàng Da", "kind": "custom", "parent_code": "00070"}
    return services.create_area(session, actor, **{**args, **kwargs}, now=system_clock())


def test_create_under_an_official_unit(session, tree, admin):
    area = create(session, admin, name="  Chợ   Ha\u0300ng Da ")  # spaces collapsed, NFC
    assert (area.name, area.depth, area.official) == ("Chợ Hàng Da", 3, False)
    assert area.path == f"{tree['hk'].path}{area.id}/"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "area.create")).one()
    assert (entry.actor, entry.object_id, entry.area_id, entry.ip) == (
        "root-admin",
        "HK-CHO",
        area.id,
        "192.0.2.1",
    )


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"parent_code": "NOPE"}, NotFound, None),
        ({"code": "00070-T1"}, Conflict, None),
        ({"code": "00070-t1"}, Conflict, None),
        ({"code": "cho hang da"}, ValidationFailed, "code"),
        ({"code": "chợ"}, ValidationFailed, "code"),
        ({"code": ""}, ValidationFailed, "code"),
        ({"code": "x" * 33}, ValidationFailed, "code"),
        ({"code": "a\x00b"}, ValidationFailed, "code"),
        ({"kind": "province"}, ValidationFailed, "kind"),
        ({"kind": "ward"}, ValidationFailed, "kind"),
        ({"name": ""}, ValidationFailed, "name"),
        ({"name": " \t "}, ValidationFailed, "name"),
        ({"name": "x" * 201}, ValidationFailed, "name"),
        ({"name": "a\x00b"}, ValidationFailed, "name"),
    ],
)
def test_create_refuses(session, tree, admin, kwargs, error, field):
    before = count(session)
    with pytest.raises(error) as exc:
        create(session, admin, **kwargs)
    if field:
        assert field in {d["field"] for d in exc.value.details}
    assert count(session) == before
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_create_needs_area_manage_on_the_parent(session, factory, tree):
    hn_admin = Actor(factory.user("hn-admin", ("admin", tree["hn"])))
    editor = Actor(factory.user("hk-editor", ("editor", tree["hk"])))
    before = count(session)
    with pytest.raises(PermissionDenied):
        create(session, hn_admin, parent_code="31")
    with pytest.raises(PermissionDenied):
        create(session, editor)
    assert count(session) == before
    assert create(session, hn_admin).parent_id == tree["hk"].id


@pytest.fixture()
def subtree(session, tree, admin) -> dict[str, Area]:
    """A market zone with two stalls and a corner under one stall, below Hoàn Kiếm."""
    market = create(session, admin, code="M", name="Chợ")
    stall1 = create(session, admin, code="M-1", name="Gian 1", parent_code="M")
    stall2 = create(session, admin, code="M-2", name="Gian 2", parent_code="M")
    corner = create(session, admin, code="M-1-A", name="Góc A", parent_code="M-1")
    session.flush()
    return {"market": market, "stall1": stall1, "stall2": stall2, "corner": corner}


def state(session) -> dict[str, tuple[str, int, int | None]]:
    session.expire_all()
    return {a.code: (a.path, a.depth, a.parent_id) for a in session.scalars(select(Area))}


@pytest.mark.parametrize("target", ["market", "stall1", "corner"])
def test_no_move_into_itself_or_a_descendant(session, subtree, admin, target):
    before = state(session)
    with pytest.raises(ValidationFailed):
        services.move_area(session, admin, subtree["market"], subtree[target], now=system_clock())
    assert state(session) == before


def test_moving_a_subtree_rewrites_every_descendant(session, tree, subtree, admin):
    untouched = {c: v for c, v in state(session).items() if not c.startswith("M")}
    services.move_area(session, admin, subtree["market"], tree["hp_commune"], now=system_clock())
    after = state(session)
    hp = tree["hp_commune"]
    m, s1, s2, c = (subtree[k].id for k in ("market", "stall1", "stall2", "corner"))
    assert after["M"] == (f"{hp.path}{m}/", hp.depth + 1, hp.id)
    assert after["M-1"] == (f"{hp.path}{m}/{s1}/", hp.depth + 2, m)
    assert after["M-2"] == (f"{hp.path}{m}/{s2}/", hp.depth + 2, m)
    assert after["M-1-A"] == (f"{hp.path}{m}/{s1}/{c}/", hp.depth + 3, s1)
    assert {c: v for c, v in after.items() if not c.startswith("M")} == untouched
    # Moving up a level works the same way.
    services.move_area(session, admin, subtree["stall1"], tree["vn"], now=system_clock())
    after = state(session)
    assert after["M-1-A"] == (f"{tree['vn'].path}{s1}/{c}/", 2, s1)
    moves = session.scalars(select(AuditEntry.details).where(AuditEntry.action == "area.move"))
    assert list(moves) == [{"to": "11311"}, {"to": "VN"}]


def test_official_units_cannot_be_moved(session, tree, admin):
    before = state(session)
    with pytest.raises(ValidationFailed):
        services.move_area(session, admin, tree["hk"], tree["hp"], now=system_clock())
    assert state(session) == before


def test_moves_need_area_manage_on_both_sides(session, factory, tree, subtree):
    hn_admin = Actor(factory.user("hn-admin", ("admin", tree["hn"])))
    before = state(session)
    with pytest.raises(PermissionDenied):
        services.move_area(
            session, hn_admin, subtree["market"], tree["hp_commune"], now=system_clock()
        )
    assert state(session) == before


@pytest.mark.parametrize("code", ["00070-t1", " 00070-T1 ", "00070-T1"])
def test_codes_are_found_in_any_case(session, tree, code):
    assert services.get_by_code(session, code) is tree["village"]


@pytest.mark.parametrize("code", ["", "a\x00b", "x" * 500, "%", "0007_"])
def test_odd_codes_are_not_found(session, tree, code):
    with pytest.raises(NotFound):
        services.get_by_code(session, code)


def test_search_folds_case_and_diacritics(session, tree):
    assert services.search(session, "ĐÌNH") == [tree["bd"]]
    assert services.search(session, "phuong", within=tree["hp"]) == [tree["hp_commune"]]
    assert services.search(session, "   ") == []
    assert services.search(session, "phuong", limit=1) == [tree["bd"]]
