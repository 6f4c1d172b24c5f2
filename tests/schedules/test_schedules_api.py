"""API: boards, playlists, schedules, manifest ETag/304, timeline; bad input answers."""

from __future__ import annotations

from sqlalchemy import func, select

from signage.schedules.models import Schedule
from tests.schedules.conftest import approved_item


def setup_playlist(client, factory, session, store, admin, approver, tree):
    item = approved_item(session, store, admin, tree["hn"])
    h = factory.bearer(admin)
    resp = client.post(
        "/api/v1/playlists",
        json={"name": "Sáng", "area": "01", "items": [{"item": item.id}]},
        headers=h,
    )
    assert resp.status_code == 201, resp.get_json()
    return h, resp.get_json()


def test_board_crud_and_manifest_etag(client, factory, session, store, admin, approver, tree):
    h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    assert pl["items"][0]["duration_s"] == 15
    body = {
        "code": "HK-9",
        "name": "Bảng Hồ Gươm",
        "area": "00070",
        "profile": "led-192x96-mono",
        "latitude": 21.03,
        "longitude": 105.85,
        "hours": {"0": ["06:00-22:00"]},
    }
    created = client.post("/api/v1/boards", json=body, headers=h)
    assert created.status_code == 201, created.get_json()
    assert client.post("/api/v1/boards", json=body, headers=h).status_code == 409
    bad = client.post("/api/v1/boards", json={**body, "code": "X", "latitude": 95}, headers=h)
    assert bad.status_code == 422
    sched = client.post(
        "/api/v1/schedules",
        json={
            "target_kind": "area",
            "target": "01",
            "playlist": pl["id"],
            "windows": ["22:00-02:00"],
        },
        headers=h,
    )
    assert sched.status_code == 201, sched.get_json()
    first = client.get("/api/v1/boards/HK-9/manifest", headers=h)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    doc = first.get_json()
    assert doc["version"] == etag.strip('"') and doc["manifest"]["board"] == "HK-9"
    again = client.get("/api/v1/boards/HK-9/manifest", headers={**h, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    patch = client.patch("/api/v1/boards/HK-9", json={"hours": {}}, headers=h)
    assert patch.status_code == 200
    changed = client.get("/api/v1/boards/HK-9/manifest", headers={**h, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert client.delete(f"/api/v1/playlists/{pl['id']}", headers=h).status_code == 409


def test_timeline_api(client, factory, session, store, admin, approver, tree):
    h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    client.post(
        "/api/v1/boards",
        json={"code": "HK-9", "name": "Bảng", "area": "00070", "profile": "led-192x96-mono"},
        headers=h,
    )
    client.post(
        "/api/v1/schedules",
        json={
            "target_kind": "board",
            "target": "HK-9",
            "playlist": pl["id"],
            "windows": ["07:00-08:00"],
            "weekdays": [0],
            "priority": "priority",
        },
        headers=h,
    )
    resp = client.get(
        "/api/v1/boards/HK-9/timeline?from=2026-03-02T00:00:00%2B07:00"
        "&to=2026-03-03T00:00:00%2B07:00",
        headers=h,
    )
    assert resp.status_code == 200
    segs = resp.get_json()["segments"]
    prog = [s for s in segs if s["kind"] == "programme"]
    assert len(prog) == 1 and prog[0]["start"] == "2026-03-02T00:00:00+00:00"
    assert prog[0]["entries"][0]["priority"] == "priority"
    assert prog[0]["entries"][0]["source"].startswith("00070")
    too_long = client.get(
        "/api/v1/boards/HK-9/timeline?from=2026-03-02T00:00:00%2B07:00"
        "&to=2026-03-12T00:00:00%2B07:00",
        headers=h,
    )
    assert too_long.status_code == 422
    naive = client.get("/api/v1/boards/HK-9/timeline?from=2026-03-02T00:00:00", headers=h)
    assert naive.status_code == 422


def test_schedule_outside_grants_is_refused_like_unknown_and_writes_nothing(
    client, factory, session, store, admin, approver, tree
):
    _h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    hk = factory.user("hk-ed", ("editor", tree["hk"]), ("editor", tree["hn"]), locale="en")
    hp_only = factory.user("hp-ed", ("editor", tree["hp"]), locale="en")
    resp = client.post(
        "/api/v1/schedules",
        json={
            "target_kind": "area",
            "target": "31",
            "playlist": pl["id"],
            "windows": ["07:00-08:00"],
        },
        headers=factory.bearer(hk),
    )
    # Another province reads like an unknown target code (no existence oracle).
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"][0]["field"] == "target"
    resp = client.post(
        "/api/v1/schedules",
        json={
            "target_kind": "area",
            "target": "31",
            "playlist": pl["id"],
            "windows": ["07:00-08:00"],
        },
        headers=factory.bearer(hp_only),
    )
    assert resp.status_code == 404  # may not even see the Hà Nội playlist
    assert session.scalar(select(func.count()).select_from(Schedule)) == 0


def test_bad_schedule_bodies(client, factory, session, store, admin, approver, tree):
    h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    base = {"target_kind": "area", "target": "01", "playlist": pl["id"]}
    for extra in (
        {"windows": ["08:00-07:00", "06:00-07:30"]},
        {"windows": ["7h-8h"]},
        {"windows": ["07:00-08:00"], "weekdays": [8]},
        {
            "windows": ["07:00-08:00"],
            "valid_from": "2026-03-02T00:00:00+07:00",
            "valid_to": "2026-03-01T00:00:00+07:00",
        },
    ):
        resp = client.post("/api/v1/schedules", json={**base, **extra}, headers=h)
        assert resp.status_code == 422, (extra, resp.get_json())
    draft = approved_item(session, store, admin, tree["hn"], submit=False, approve=False)
    resp = client.put(
        f"/api/v1/playlists/{pl['id']}",
        json={"name": "x", "items": [{"item": draft.id}]},
        headers=h,
    )
    assert resp.status_code == 409


def test_unknown_codes_in_bodies_answer_a_documented_404(
    client, factory, session, store, admin, approver, tree
):
    """Found by schemathesis: 404 for an unknown area or playlist in the body was undocumented."""
    h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    resp = client.post("/api/v1/playlists", json={"name": "x", "area": "NO-SUCH"}, headers=h)
    assert resp.status_code == 404
    body = {"target_kind": "area", "target": "00070", "playlist": 2**30, "windows": ["06:00-07:00"]}
    resp = client.post("/api/v1/schedules", json=body, headers=h)
    assert resp.status_code == 404, resp.get_json()
    doc = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/playlists", "/api/v1/schedules"):
        assert "404" in doc["paths"][path]["post"]["responses"]


def test_ids_beyond_the_integer_columns_answer_422_not_500(
    client, factory, session, store, admin, approver, tree
):
    """Found by schemathesis: an item id past 2**63 overflowed the database driver (500)."""
    h, pl = setup_playlist(client, factory, session, store, admin, approver, tree)
    huge = 2**64
    resp = client.put(
        f"/api/v1/playlists/{pl['id']}", json={"name": "x", "items": [{"item": huge}]}, headers=h
    )
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["details"][0]["field"] == "items.0.item"
    resp = client.post(
        "/api/v1/playlists", json={"name": "x", "area": "01", "items": [{"item": 2**31}]}, headers=h
    )
    assert resp.status_code == 422
    body = {"target_kind": "area", "target": "00070", "playlist": huge, "windows": ["06:00-07:00"]}
    assert client.post("/api/v1/schedules", json=body, headers=h).status_code == 422
    assert client.get(f"/api/v1/playlists/{pl['id']}", headers=h).get_json()["name"] == pl["name"]
