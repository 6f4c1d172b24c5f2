"""An area's fallback playlist (never blank): chosen per area, inherited down the tree, carried
in the manifest, pushed like any schedule change; hostile choices refused with nothing written."""

from __future__ import annotations

import json

import pytest

from signage.audit.services import Actor
from signage.clock import system_clock
from signage.content import workflow
from signage.schedules import playlists
from signage.schedules.manifests import regenerate
from signage.schedules.models import BoardManifest, Playlist
from tests.schedules.conftest import approved_item


def _manifest(session, board) -> dict:
    session.expire_all()
    return json.loads(session.get(BoardManifest, board.id).document)


def _playlist(session, admin, area, items, name="Dự phòng") -> Playlist:
    return playlists.create_playlist(
        session,
        Actor(admin),
        name=name,
        area=area,
        entries=[(i.id, 12) for i in items],
        now=system_clock(),
    )


@pytest.fixture()
def province_list(session, store, admin, approver, tree):
    item = approved_item(session, store, admin, tree["hn"], headline="Giữ gìn vệ sinh chung")
    return _playlist(session, admin, tree["hn"], [item]), item


def test_a_province_choice_reaches_its_villages_and_a_commune_can_override_it(
    client, factory, session, store, admin, approver, tree, boards, province_list, publisher, emits
):
    playlist, item = province_list
    regenerate(session, [b.id for b in boards.values()], now=system_clock(), store=store)
    before = {b.code: _manifest(session, b) for b in boards.values()}
    assert all("fallback_playlist" not in doc for doc in before.values())

    h = factory.bearer(admin)
    resp = client.put(
        "/api/v1/areas/01/fallback-playlist", json={"playlist": playlist.id}, headers=h
    )
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {
        "area": "01",
        "playlist": playlist.id,
        "effective": playlist.id,
        "effective_area": "01",
    }
    inherited = client.get("/api/v1/areas/00070-T1/fallback-playlist", headers=h).get_json()
    assert inherited == {
        "area": "00070-T1",
        "playlist": None,
        "effective": playlist.id,
        "effective_area": "01",
    }
    # Every Hà Nội board (the village's too) got a new manifest; Hải Phòng's did not.
    village = _manifest(session, boards["village"])
    fallback = village["fallback_playlist"]
    assert fallback["playlist"] == playlist.id
    [entry] = fallback["entries"]
    assert entry["item"] == item.id and entry["duration_s"] == 12
    assert entry["url"] == f"/media/{entry['sha256']}.png"
    assert set(entry) >= {"item", "revision", "duration_s", "url", "sha256", "scrolls"}
    assert "fallback_playlist" in _manifest(session, boards["bd"])
    assert "fallback_playlist" not in _manifest(session, boards["hp"])

    # Hoàn Kiếm chooses its own; its village follows it, Ba Đình keeps the city's.
    own = approved_item(session, store, admin, tree["hk"], headline="Phố đi bộ cuối tuần")
    ward_list = _playlist(session, admin, tree["hk"], [own], name="Phường")
    playlists.set_area_fallback(
        session, Actor(admin), tree["hk"], ward_list.id, now=system_clock(), publisher=publisher
    )
    assert emits == []  # pushed once committed, like any schedule change
    session.commit()
    assert {code for code, _ in emits} == {"HK-1", "HK-T1"}
    assert _manifest(session, boards["village"])["fallback_playlist"]["playlist"] == ward_list.id
    assert _manifest(session, boards["bd"])["fallback_playlist"]["playlist"] == playlist.id

    # Cleared: back to the city's.
    emits.clear()
    playlists.set_area_fallback(
        session, Actor(admin), tree["hk"], None, now=system_clock(), publisher=publisher
    )
    session.commit()
    assert {code for code, _ in emits} == {"HK-1", "HK-T1"}
    assert _manifest(session, boards["village"])["fallback_playlist"]["playlist"] == playlist.id


def test_editing_or_deleting_the_fallback_playlist_pushes_new_manifests(
    session, store, admin, approver, tree, boards, province_list, publisher, emits
):
    playlist, item = province_list
    playlists.set_area_fallback(
        session, Actor(admin), tree["hn"], playlist.id, now=system_clock(), publisher=publisher
    )
    emits.clear()
    other = approved_item(session, store, admin, tree["hn"], headline="Lịch cắt điện")
    playlists.set_entries(
        session, Actor(admin), playlist, [(item.id, 12), (other.id, 8)],
        now=system_clock(), publisher=publisher,
    )  # fmt: skip
    session.commit()
    assert {code for code, _ in emits} == {"HK-1", "HK-T1", "BD-1"}
    assert len(_manifest(session, boards["hk"])["fallback_playlist"]["entries"]) == 2

    emits.clear()
    playlists.delete_playlist(
        session, Actor(admin), playlist, now=system_clock(), publisher=publisher
    )
    session.commit()
    assert tree["hn"].fallback_playlist_id is None
    assert {code for code, _ in emits} == {"HK-1", "HK-T1", "BD-1"}
    assert "fallback_playlist" not in _manifest(session, boards["hk"])


def test_an_item_archived_later_leaves_the_fallback_playlist(
    session, store, admin, approver, tree, boards, province_list, publisher
):
    playlist, item = province_list
    playlists.set_area_fallback(
        session, Actor(admin), tree["hn"], playlist.id, now=system_clock(), publisher=publisher
    )
    workflow.archive(session, Actor(admin), item, now=system_clock())
    regenerate(session, [boards["hk"].id], now=system_clock(), store=store)
    assert "fallback_playlist" not in _manifest(session, boards["hk"])  # nothing left to air


def test_hostile_choices_answer_clearly_and_change_nothing(
    client, factory, session, store, admin, approver, tree, boards, province_list
):
    playlist, item = province_list
    h = factory.bearer(admin)
    url = "/api/v1/areas/00070/fallback-playlist"

    # Another province's playlist is not "visible in that area": like a missing one.
    hp_item = approved_item(session, store, admin, tree["hp"], headline="Hải Phòng")
    hp_list = _playlist(session, admin, tree["hp"], [hp_item], name="Hải Phòng")
    missing = client.put(url, json={"playlist": hp_list.id}, headers=h)
    assert missing.status_code == 404
    unknown = client.put(url, json={"playlist": 999_999}, headers=h)
    assert unknown.status_code == 404
    assert missing.get_json()["error"]["message"] == unknown.get_json()["error"]["message"]
    # A lower area's playlist does not flow up either.
    child_list = _playlist(session, admin, tree["village"], [item], name="Tổ 1")
    assert client.put(url, json={"playlist": child_list.id}, headers=h).status_code == 404

    # Not an integer, or not a body at all.
    for bad in ({"playlist": "1"}, {"playlist": 1.5}, {"playlist": True}, {"playlist": 0},
                {"playlist": 2**40}, {"playlists": 1}, {}, [playlist.id]):  # fmt: skip
        resp = client.put(url, json=bad, headers=h)
        assert resp.status_code == 422, (bad, resp.get_json())
    assert (
        client.put(url, data="{", headers={**h, "Content-Type": "application/json"}).status_code
        == 400
    )

    # A deleted playlist.
    gone = _playlist(session, admin, tree["hn"], [item], name="Sẽ xoá")
    gone_id = gone.id
    playlists.delete_playlist(session, Actor(admin), gone, now=system_clock())
    assert client.put(url, json={"playlist": gone_id}, headers=h).status_code == 404

    # Empty, or with an archived item: 422 naming the playlist field.
    empty = _playlist(session, admin, tree["hn"], [], name="Trống")
    resp = client.put(url, json={"playlist": empty.id}, headers=h)
    assert resp.status_code == 422 and resp.get_json()["error"]["details"][0]["field"] == "playlist"
    stale_item = approved_item(session, store, admin, tree["hn"], headline="Sắp lưu trữ")
    stale = _playlist(session, admin, tree["hn"], [item, stale_item], name="Cũ")
    workflow.archive(session, Actor(admin), stale_item, now=system_clock())
    resp = client.put(url, json={"playlist": stale.id}, headers=h)
    assert resp.status_code == 422
    assert "Sắp lưu trữ" in resp.get_json()["error"]["details"][0]["message"]

    # Another province's area, and a user who may only view.
    hp_admin = factory.user("hp-admin", ("admin", tree["hp"]), locale="en")
    resp = client.put(url, json={"playlist": playlist.id}, headers=factory.bearer(hp_admin))
    assert resp.status_code == 404
    viewer = factory.user("hn-viewer", ("viewer", tree["hn"]), locale="en")
    resp = client.put(url, json={"playlist": playlist.id}, headers=factory.bearer(viewer))
    assert resp.status_code == 403
    assert client.get(url, headers=factory.bearer(viewer)).status_code == 200

    session.expire_all()
    assert tree["hk"].fallback_playlist_id is None  # nothing half-written
    assert client.get(url, headers=h).get_json()["effective"] is None


def test_choices_offer_only_playlists_of_the_area_and_above_that_air(
    session, store, admin, approver, tree, province_list
):
    playlist, item = province_list
    _playlist(session, admin, tree["hn"], [], name="Trống")
    _playlist(session, admin, tree["village"], [item], name="Tổ 1")
    hp_item = approved_item(session, store, admin, tree["hp"], headline="Hải Phòng")
    _playlist(session, admin, tree["hp"], [hp_item], name="Hải Phòng")
    assert [p.id for p in playlists.fallback_choices(session, tree["hk"])] == [playlist.id]
