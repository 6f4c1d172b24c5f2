"""The audit log over the API: permission, area scope, filters and paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from signage.audit.services import Actor, record
from tests.api.helpers import assert_error, fields

T0 = datetime(2025, 7, 1, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
# The fixture's entries only (the tokens the tests sign in with are logged "now").
WINDOW = "?" + urlencode({"since": T0.isoformat(), "until": (T0 + timedelta(days=1)).isoformat()})


@pytest.fixture()
def entries(session, factory, tree, root_admin):
    """Five entries: two in Hà Nội's subtree, one in Hải Phòng, two installation-wide."""
    admin = Actor(root_admin, "192.0.2.1")
    record(session, admin, "area.create", "area", "00070-T2", area_id=tree["hk"].id, now=T0)
    record(
        session,
        admin,
        "grant.add",
        "user",
        42,
        area_id=tree["village"].id,
        details={"role": "viewer"},
        now=T0 + timedelta(hours=1),
    )
    record(
        session,
        admin,
        "area.create",
        "area",
        "HP-1",
        area_id=tree["hp"].id,
        now=T0 + timedelta(hours=2),
    )
    record(session, admin, "user.create", "user", 42, now=T0 + timedelta(hours=3))
    record(
        session,
        Actor(None, "192.0.2.9", "mallory"),
        "login.failed",
        "user",
        "",
        now=T0 + timedelta(hours=4),
    )
    session.flush()


def get(client, factory, user, query=""):
    resp = client.get(f"/api/v1/audit{query}", headers=factory.bearer(user))
    return resp


def actions(resp) -> list[tuple[str, str]]:
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return [(e["action"], e["object_id"]) for e in resp.get_json()["entries"]]


def test_needs_audit_view(client, factory, entries, hn_editor):
    err = assert_error(get(client, factory, hn_editor), 403)
    assert "audit.view" in err["message"]


def test_installation_viewer_sees_everything_newest_first(client, factory, tree, entries):
    viewer = factory.user("vn-viewer", ("viewer", tree["vn"]), locale="en")
    resp = get(client, factory, viewer, WINDOW)
    assert actions(resp) == [
        ("login.failed", ""),
        ("user.create", "42"),
        ("area.create", "HP-1"),
        ("grant.add", "42"),
        ("area.create", "00070-T2"),
    ]
    grant = resp.get_json()["entries"][3]
    assert grant["actor"] == "root-admin" and grant["ip"] == "192.0.2.1"
    assert grant["area"] == "00070-T1" and grant["details"] == {"role": "viewer"}
    assert grant["at"].startswith("2025-07-01T02:00:00")


def test_area_viewer_sees_only_their_subtree(client, factory, tree, entries):
    viewer = factory.user("hn-viewer", ("viewer", tree["hn"]), locale="en")
    resp = get(client, factory, viewer)
    assert actions(resp) == [("grant.add", "42"), ("area.create", "00070-T2")]
    assert resp.get_json()["total"] == 2


def test_filters(client, factory, tree, entries, root_admin):
    cases = {
        "?action=area.": [("area.create", "HP-1"), ("area.create", "00070-T2")],
        "?action=AREA.CREATE": [("area.create", "HP-1"), ("area.create", "00070-T2")],
        "?action=%25": [],  # a LIKE wildcard is matched literally
        "?actor=mallory": [("login.failed", "")],
        "?object_type=user&since=2025-07-01T10:00:00%2B07:00": [
            ("login.failed", ""),
            ("user.create", "42"),
        ],
        # 09:00+07:00 is 02:00 UTC: since is inclusive (02:00), until exclusive (03:00).
        "?since=2025-07-01T09:00:00%2B07:00&until=2025-07-01T03:00:00Z": [("grant.add", "42")],
    }
    for query, expected in cases.items():
        found = [
            a for a in actions(get(client, factory, root_admin, query)) if a[0] != "token.create"
        ]
        assert found == expected, query


def test_limit_offset_and_total(client, factory, entries, root_admin):
    page = get(client, factory, root_admin, WINDOW + "&limit=2&offset=1").get_json()
    assert [e["action"] for e in page["entries"]] == ["user.create", "area.create"]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
    empty = get(client, factory, root_admin, WINDOW + "&offset=100").get_json()
    assert empty["entries"] == [] and empty["total"] == 5
    assert get(client, factory, root_admin, "?limit=500").status_code == 200
    err = assert_error(get(client, factory, root_admin, "?limit=501"), 422)
    assert "500" in fields(err)["limit"]


def test_window_must_be_ordered(client, factory, root_admin):
    err = assert_error(
        get(client, factory, root_admin, "?since=2025-07-02T00:00:00Z&until=2025-07-01T00:00:00Z"),
        422,
    )
    assert "before" in fields(err)["query"]


def test_entries_carry_a_sentence_in_the_callers_language(client, factory, tree, entries):
    viewer = factory.user("hn-viewer", ("viewer", tree["hn"]), locale="en")
    grant, area = get(client, factory, viewer).get_json()["entries"]
    assert grant["summary"] == "root-admin granted a deleted user the role Viewer in Tổ dân phố 1"
    assert grant["actor_name"] == "root-admin"
    assert grant["area_name"] == "Tổ dân phố 1" and grant["area"] == "00070-T1"
    assert area["summary"] == "root-admin created deleted area (code 00070-T2)"
    assert area["object_deleted"] is True and area["object_code"] == "00070-T2"
    vi = get(client, factory, viewer, "?lang=vi").get_json()["entries"][1]
    assert vi["summary"] == "root-admin đã tạo khu vực đã xóa (mã 00070-T2)"


def test_objects_are_named(client, factory, session, tree, root_admin):
    record(
        session, Actor(root_admin), "area.create", "area", "00070", area_id=tree["hk"].id, now=T0
    )
    session.flush()
    resp = get(client, factory, root_admin, WINDOW + "&lang=en")
    (entry,) = resp.get_json()["entries"]
    assert entry["summary"] == "root-admin created area «Phường Hoàn Kiếm» (code 00070)"
    assert (entry["object_name"], entry["object_code"]) == ("Phường Hoàn Kiếm", "00070")
    assert entry["object_label"] == "area «Phường Hoàn Kiếm» (code 00070)"
    assert entry["object_deleted"] is False


def test_area_filter(client, factory, tree, entries, root_admin):
    assert actions(get(client, factory, root_admin, WINDOW + "&area=00070")) == [
        ("grant.add", "42"),
        ("area.create", "00070-T2"),
    ]
    viewer = factory.user("hp-viewer2", ("viewer", tree["hp"]), locale="en")
    # Outside the caller's areas: the same answer as an unknown code.
    outside = assert_error(get(client, factory, viewer, "?area=00070"), 422)
    unknown = assert_error(get(client, factory, viewer, "?area=nope"), 422)
    assert fields(outside)["area"].replace("00070", "X") == fields(unknown)["area"].replace(
        "nope", "X"
    )


def _export(client, factory, user, query):
    return client.get(f"/api/v1/audit/export{query}", headers=factory.bearer(user))


def test_export_csv_and_xlsx(client, factory, tree, entries):
    from tests.web.test_audit_export import read_csv, read_xlsx

    viewer = factory.user("hn-viewer", ("viewer", tree["hn"]), locale="en")
    resp = _export(client, factory, viewer, WINDOW + "&format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    header, *rows = read_csv(resp.data)
    assert header[:3] == ["Time", "Who", "What happened"]
    assert [(r[0], r[6]) for r in rows] == [
        ("01/07/2025 09:00:00", "grant.add"),
        ("01/07/2025 08:00:00", "area.create"),
    ]
    xlsx = _export(client, factory, viewer, WINDOW + "&format=xlsx&lang=vi")
    assert xlsx.status_code == 200
    header, *rows = read_xlsx(xlsx.data)
    assert header[0] == "Thời gian" and len(rows) == 2


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?format=pdf",
        "?format=csv&limit=0",
        "?format=csv&area=%3Cx%3E",
        "?format=csv&actor=a%00",
    ],
)
def test_export_refuses_bad_queries(client, factory, root_admin, query):
    assert_error(_export(client, factory, root_admin, query), 422)


def test_export_needs_audit_view(client, factory, hn_editor):
    assert_error(_export(client, factory, hn_editor, "?format=csv"), 403)
