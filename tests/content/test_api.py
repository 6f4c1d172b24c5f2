"""Content REST API: create, list, revise, workflow actions, renditions, profiles, bad text."""

from __future__ import annotations

import unicodedata

import pytest

from tests.api.helpers import assert_error
from tests.content.helpers import counts


def create(client, headers, **overrides):
    body = {
        "area": "00070",
        "category": "health_epidemic",
        "priority": "priority",
        "headline": "Thông báo tiêm chủng",
        "body": "Sáng thứ Bảy tại nhà văn hoá.",
        **overrides,
    }
    return client.post("/api/v1/content", json=body, headers=headers)


@pytest.fixture()
def ed(factory, hk_editor):
    return factory.bearer(hk_editor)


@pytest.fixture()
def ap(factory, hn_approver):
    return factory.bearer(hn_approver)


def test_create_list_get(client, ed, tree):
    resp = create(client, ed)
    assert resp.status_code == 201, resp.get_json()
    item = resp.get_json()
    assert item["state"] == "draft" and item["area"] == "00070" and item["latest_revision"] == 1
    assert item["revisions"][0]["renditions"]["led-192x96-mono"].endswith("led-192x96-mono.png")
    assert [h["action"] for h in item["history"]] == ["content.create"]
    listed = client.get("/api/v1/content?state=draft&category=health_epidemic", headers=ed)
    assert [i["id"] for i in listed.get_json()["items"]] == [item["id"]]
    assert client.get("/api/v1/content?state=approved", headers=ed).get_json()["total"] == 0
    assert client.get(f"/api/v1/content/{item['id']}", headers=ed).status_code == 200


def test_list_is_scoped_to_my_areas(client, ed, factory, tree):
    create(client, ed)
    outsider = factory.bearer(factory.user("hp-viewer", ("viewer", tree["hp"])))
    assert client.get("/api/v1/content", headers=outsider).get_json()["total"] == 0


def test_full_workflow_over_the_api(client, ed, ap):
    item_id = create(client, ed).get_json()["id"]
    assert client.post(f"/api/v1/content/{item_id}/submit", headers=ed).status_code == 200
    resp = client.post(f"/api/v1/content/{item_id}/approve", json={"comment": "Đồng ý"}, headers=ap)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["airing_revision"] == 1
    patched = client.patch(f"/api/v1/content/{item_id}", json={"body": "Đổi giờ"}, headers=ed)
    body = patched.get_json()
    assert body["latest_revision"] == 2 and body["state"] == "draft"
    assert body["airing_revision"] == 1
    actions = [h["action"] for h in body["history"]]
    assert actions == ["content.create", "content.submit", "content.approve", "content.revise"]


def test_reject_requires_a_comment(client, ed, ap):
    item_id = create(client, ed).get_json()["id"]
    client.post(f"/api/v1/content/{item_id}/submit", headers=ed)
    assert_error(client.post(f"/api/v1/content/{item_id}/reject", headers=ap), 422)
    resp = client.post(f"/api/v1/content/{item_id}/reject", json={"comment": "Sai"}, headers=ap)
    assert resp.get_json()["state"] == "rejected"


def test_approving_own_item_is_403(client, factory, tree, session):
    both = factory.bearer(
        factory.user("both", ("editor", tree["hk"]), ("approver", tree["hk"]), locale="en")
    )
    item_id = create(client, both).get_json()["id"]
    client.post(f"/api/v1/content/{item_id}/submit", headers=both)
    error = assert_error(client.post(f"/api/v1/content/{item_id}/approve", headers=both), 403)
    assert "own" in error["message"]


def test_approver_outside_area_gets_404_like_a_missing_item(client, ed, factory, hp_approver):
    item_id = create(client, ed).get_json()["id"]
    client.post(f"/api/v1/content/{item_id}/submit", headers=ed)
    other = factory.bearer(hp_approver)
    outside = assert_error(client.post(f"/api/v1/content/{item_id}/approve", headers=other), 404)
    missing = assert_error(client.post("/api/v1/content/999999/approve", headers=other), 404)
    assert outside == missing


def test_double_approve_and_archived_approve_are_409(client, ed, ap, session):
    item_id = create(client, ed).get_json()["id"]
    client.post(f"/api/v1/content/{item_id}/submit", headers=ed)
    client.post(f"/api/v1/content/{item_id}/approve", headers=ap)
    before = counts(session)
    error = assert_error(client.post(f"/api/v1/content/{item_id}/approve", headers=ap), 409)
    assert "already approved" in error["message"]
    assert counts(session) == before
    client.post(f"/api/v1/content/{item_id}/archive", headers=ed)
    assert_error(client.post(f"/api/v1/content/{item_id}/approve", headers=ap), 409)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("headline", "Tin\u0007 khẩn", "text_control_character"),
        ("body", "abc\u202edef", "text_bidi_control"),
        ("body", "a" * 100_000, "text_too_long"),
        ("headline", "   \t ", "text_blank"),
        ("body", " \n  ", "text_blank"),
    ],
)
def test_bad_text_is_422_and_writes_nothing(client, ed, session, field, value, code):
    before = counts(session)
    error = assert_error(create(client, ed, **{field: value}), 422)
    assert error["code"] in (code, "validation_failed")
    assert counts(session) == before


def test_bidi_override_is_explained(client, ed):
    error = assert_error(create(client, ed, body="abc\u202edef"), 422, "text_bidi_control")
    assert error["details"][0]["field"] == "body"
    assert "U+202E" in error["details"][0]["message"]


def test_text_is_stored_nfc(client, ed):
    nfd = unicodedata.normalize("NFD", "Phường Hoàn Kiếm: tiêm chủng ở nhà văn hoá")
    item = create(client, ed, headline=nfd, body=nfd).get_json()
    rev = item["revisions"][0]
    assert rev["headline"] == unicodedata.normalize("NFC", nfd) == rev["body"]
    assert rev["headline"] != nfd


def test_messages_follow_the_user_language(client, ed):
    error = assert_error(create(client, ed, headline="  "), 422)
    vi = client.post(
        "/api/v1/content?lang=vi",
        json={"area": "00070", "category": "disaster", "headline": " "},
        headers=ed,
    )
    assert vi.status_code == 422 and error["details"]


def test_rendition_png_is_cached(client, ed, session):
    item = create(client, ed).get_json()
    url = item["revisions"][0]["renditions"]["led-256x128-3c"]
    first = client.get(url, headers=ed)
    assert first.status_code == 200 and first.mimetype == "image/png"
    assert first.data.startswith(b"\x89PNG")
    rows = counts(session)["renditions"]
    second = client.get(url, headers=ed)
    assert second.data == first.data and counts(session)["renditions"] == rows == 1
    third = client.get(url, headers={**ed, "If-None-Match": first.headers["ETag"]})
    assert third.status_code == 304


def test_rendition_needs_view_permission(client, ed, factory, tree):
    url = create(client, ed).get_json()["revisions"][0]["renditions"]["lcd-1920x1080"]
    outsider = factory.bearer(factory.user("hp-v", ("viewer", tree["hp"])))
    assert_error(client.get(url, headers=outsider), 404)


def test_unknown_profile_is_404(client, ed):
    item_id = create(client, ed).get_json()["id"]
    url = f"/api/v1/content/{item_id}/revisions/1/renditions/nope.png"
    assert_error(client.get(url, headers=ed), 404)


def test_profiles_list_and_create(client, ed, factory, tree):
    listed = client.get("/api/v1/profiles", headers=ed).get_json()["profiles"]
    assert {p["key"] for p in listed} >= {"led-192x96-mono", "lcd-1080x1920"}
    new = {
        "key": "led-128x64-mono",
        "name": "LED 128x64",
        "width": 128,
        "height": 64,
        "colour_mode": "mono",
        "palette": [[0, 0, 0], [255, 0, 0]],
        "kind": "led",
    }
    assert_error(client.post("/api/v1/profiles", json=new, headers=ed), 403)
    admin = factory.bearer(factory.user("root", ("admin", tree["vn"])))
    assert client.post("/api/v1/profiles", json=new, headers=admin).status_code == 201
    assert_error(client.post("/api/v1/profiles", json=new, headers=admin), 409)
    bad = {**new, "key": "bad-one", "palette": [[0, 0, 0]]}
    assert_error(client.post("/api/v1/profiles", json=bad, headers=admin), 422)


def test_content_operations_are_in_openapi(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/api/v1/content/{item_id}/approve" in paths
    assert "/api/v1/media" in paths and "/api/v1/profiles" in paths
