"""Areas over the API: browse, search by name or code, create hand-made areas."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signage.areas.models import Area
from signage.audit.models import AuditEntry
from tests.api.helpers import assert_error, fields, last_audit_id, snapshot


def codes(resp) -> list[str]:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return [a["code"] for a in resp.get_json()["areas"]]


@pytest.fixture()
def auth(factory, tree) -> dict[str, str]:
    """A nation-wide viewer: sees the whole tree."""
    return factory.bearer(factory.user("vn-viewer", ("viewer", tree["vn"]), locale="en"))


@pytest.fixture()
def hp_auth(factory, tree) -> dict[str, str]:
    return factory.bearer(factory.user("hp-viewer", ("viewer", tree["hp"]), locale="en"))


def test_another_provinces_tree_answers_like_a_missing_area(client, tree, hp_auth):
    """Issue 10 items 11-12: a Hải Phòng viewer gets 404 for Hà Nội, as the console does."""
    for path in ("/api/v1/areas/01", "/api/v1/areas/00070", "/api/v1/areas?parent=01"):
        resp = client.get(path, headers=hp_auth)
        assert resp.status_code == 404
        missing = client.get(path.replace("01", "NOPE"), headers=hp_auth)
        assert resp.get_json()["error"]["code"] == missing.get_json()["error"]["code"]
    assert client.get("/api/v1/areas/31", headers=hp_auth).status_code == 200
    # Browsing starts at the viewer's own areas; searches stay inside them.
    assert codes(client.get("/api/v1/areas", headers=hp_auth)) == ["31"]
    assert codes(client.get("/api/v1/areas?q=phường", headers=hp_auth)) == ["11311"]
    assert codes(client.get("/api/v1/areas?q=thành phố", headers=hp_auth)) == ["31"]


def test_browse_the_tree(client, tree, auth):
    assert codes(client.get("/api/v1/areas", headers=auth)) == ["VN"]
    resp = client.get("/api/v1/areas?parent=01", headers=auth)
    assert codes(resp) == ["00004", "00070"]
    hk = resp.get_json()["areas"][1]
    assert (hk["parent"], hk["depth"], hk["official"], hk["children"]) == ("01", 2, True, 1)
    assert_error(client.get("/api/v1/areas?parent=NOPE", headers=auth), 404)


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("Hoàn Kiếm", ["00070"]),
        ("HOÀN KIẾM", ["00070"]),
        ("hoan kiem", ["00070"]),
        ("  hoàn   kiếm ", ["00070"]),
        ("ĐÌNH", ["00004"]),  # Ba Đình: Đ folds to d on every backend
        ("0007", ["00070", "00070-T1"]),
        ("00070-t1", ["00070-T1"]),
        ("phường", ["00004", "00070", "11311"]),
        ("thành phố", ["01", "31"]),
        ("%", []),
        ("_", []),
        ("nowhere", []),
    ],
)
def test_search_by_name_or_code(client, tree, auth, q, expected):
    assert codes(client.get("/api/v1/areas", query_string={"q": q}, headers=auth)) == expected


def test_exact_code_first_then_higher_levels(client, factory, tree, auth):
    factory.area("31-A", "Khu A", parent=tree["hk"])  # code starts with 31, depth 3
    factory.area("X31", "Khu 31", parent=tree["vn"])  # name contains 31, depth 1
    assert codes(client.get("/api/v1/areas?q=31", headers=auth)) == ["31", "X31", "31-A"]


def test_search_inside_a_subtree(client, tree, auth):
    assert codes(client.get("/api/v1/areas?parent=31&q=phuong", headers=auth)) == ["11311"]


def test_search_returns_at_most_50(client, factory, tree, auth):
    for i in range(60):
        factory.area(f"Z{i:02d}", f"Khu chợ {i}", parent=tree["hk"])
    found = codes(client.get("/api/v1/areas?q=khu cho", headers=auth))
    assert found == [f"Z{i:02d}" for i in range(50)]


def test_get_one_area_with_ancestors(client, tree, auth):
    body = client.get("/api/v1/areas/00070-T1", headers=auth).get_json()
    assert body["ancestors"] == ["VN", "01", "00070"]
    assert body["name"] == "Tổ dân phố 1"


# --- creation ---------------------------------------------------------------------------------

NEW = {"code": "00070-T2", "name": "Tổ dân phố 2", "kind": "residential_group", "parent": "00070"}


def test_create_area_is_audited(client, session, factory, tree, hn_admin):
    auth = factory.bearer(hn_admin)
    mark = last_audit_id(session)
    resp = client.post(
        "/api/v1/areas", json=NEW, headers=auth, environ_base={"REMOTE_ADDR": "192.0.2.44"}
    )
    assert resp.status_code == 201
    out = resp.get_json()
    assert (out["code"], out["parent"], out["depth"], out["official"]) == (
        "00070-T2",
        "00070",
        3,
        False,
    )
    area = session.scalar(select(Area).where(Area.code == "00070-T2"))
    assert area.path == f"{tree['hk'].path}{area.id}/"
    entry = session.scalars(select(AuditEntry).where(AuditEntry.id > mark)).one()
    assert (entry.action, entry.actor, entry.object_id, entry.area_id, entry.ip) == (
        "area.create",
        "hn-admin",
        "00070-T2",
        area.id,
        "192.0.2.44",
    )


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"parent": "99999"}, 422, "parent"),
        ({"code": "00070-t1"}, 409, None),  # differs only in case from an existing code
        ({"code": "01"}, 409, None),
        ({"code": "tổ 2"}, 422, "code"),
        ({"code": "-lead"}, 422, "code"),
        ({"code": "x" * 33}, 422, "code"),
        ({"kind": "province"}, 422, "kind"),
        ({"kind": "galaxy"}, 422, "kind"),
        ({"name": ""}, 422, "name"),
        ({"name": "   "}, 422, "name"),
        ({"name": "x" * 201}, 422, "name"),
        ({"official": True}, 422, "official"),
    ],
)
def test_create_area_refuses_bad_input(client, session, factory, hn_admin, change, status, field):
    auth = factory.bearer(hn_admin)
    before = snapshot(session)
    err = assert_error(client.post("/api/v1/areas", json={**NEW, **change}, headers=auth), status)
    if field:
        assert field in fields(err), err
    assert snapshot(session) == before


def test_create_area_outside_the_subtree_is_forbidden(
    client, session, factory, hn_admin, hn_editor
):
    for user, parent, status in ((hn_admin, "31", 422), (hn_editor, "00070", 403)):
        auth = factory.bearer(user)
        before = snapshot(session)
        resp = client.post("/api/v1/areas", json={**NEW, "parent": parent}, headers=auth)
        # Another province's parent reads like an unknown code; one's own area is just forbidden.
        assert_error(resp, status)
        assert snapshot(session) == before
