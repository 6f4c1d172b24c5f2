"""The area page's fallback playlist card: who may choose, inheritance shown, hostile posts."""

from __future__ import annotations

import re

import pytest

from signage.audit.services import Actor
from signage.clock import system_clock
from signage.schedules import playlists
from tests.conftest import login
from tests.schedules.conftest import approved_item
from tests.web.conftest import post_form, text


@pytest.fixture()
def lists(app, session, factory, tree, admin):
    factory.user("vn-approver", ("approver", tree["vn"]))
    store = app.extensions["signage_media"]
    item = approved_item(session, store, admin, tree["hn"], headline="Giữ gìn vệ sinh")
    hp_item = approved_item(session, store, admin, tree["hp"], headline="Hải Phòng")

    def make(area, name, items):
        return playlists.create_playlist(
            session, Actor(admin), name=name, area=area,
            entries=[(i.id, 10) for i in items], now=system_clock(),
        )  # fmt: skip

    return {
        "hn": make(tree["hn"], "Dự phòng Hà Nội", [item]),
        "hp": make(tree["hp"], "HP", [hp_item]),
    }


def _card(resp) -> str:
    match = re.search(
        r'id="fallback-playlist">(.*?)</form>|id="fallback-playlist">(.*?)</div>\s*</div>',
        text(resp),
        re.S,
    )
    assert match, "no fallback card"
    return match.group(0)


def test_an_editor_chooses_and_the_village_shows_it_inherited(
    client, session, tree, hk_editor, lists
):
    login(client, "hk-editor")
    card = _card(client.get("/areas/00070"))
    assert "Dự phòng Hà Nội" in card and 'name="playlist"' in card
    assert "HP" not in re.findall(
        r"<option[^>]*>([^<]*)", card
    )  # another province's is not offered
    resp = post_form(
        client, "/areas/00070", "/areas/00070/fallback-playlist", {"playlist": str(lists["hn"].id)}
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/areas/00070")
    session.expire_all()
    assert tree["hk"].fallback_playlist_id == lists["hn"].id
    village = _card(client.get("/areas/00070-T1"))
    assert (
        "Dự phòng Hà Nội" in village and "Phường Hoàn Kiếm" in village
    )  # inherited, and from where
    # Back to inheriting (nothing above chose one).
    post_form(client, "/areas/00070", "/areas/00070/fallback-playlist", {"playlist": ""})
    session.expire_all()
    assert tree["hk"].fallback_playlist_id is None


def test_hostile_posts_change_nothing(client, factory, session, tree, hk_editor, hp_viewer, lists):
    login(client, "hk-editor")
    page, action = "/areas/00070", "/areas/00070/fallback-playlist"
    assert post_form(client, page, action, {"playlist": "abc"}).status_code == 422
    assert post_form(client, page, action, {"playlist": "-1"}).status_code == 422
    assert post_form(client, page, action, {"playlist": "9" * 30}).status_code == 422
    assert post_form(client, page, action, {"playlist": str(lists["hp"].id)}).status_code == 404
    no_csrf = client.post(action, data={"playlist": str(lists["hn"].id)})
    assert no_csrf.status_code in (400, 422)
    # Another province's area: like a missing one; the editor cannot choose above their ward.
    assert (
        post_form(client, page, "/areas/31/fallback-playlist", {"playlist": ""}).status_code == 404
    )
    # Above their ward the editor sees nothing; a viewer sees the card but may not choose.
    action_01 = "/areas/01/fallback-playlist"
    assert post_form(client, page, action_01, {"playlist": ""}).status_code == 404
    factory.user("hn-viewer", ("viewer", tree["hn"]))
    viewer = client.application.test_client()
    login(viewer, "hn-viewer")
    assert post_form(viewer, "/areas/01", action_01, {"playlist": ""}).status_code == 403
    session.expire_all()
    assert tree["hk"].fallback_playlist_id is None and tree["hn"].fallback_playlist_id is None


def test_a_viewer_sees_the_choice_without_the_form(client, factory, session, tree, lists):
    factory.user("hn-viewer", ("viewer", tree["hn"]))
    tree["hn"].fallback_playlist_id = lists["hn"].id
    session.flush()
    login(client, "hn-viewer")
    card = _card(client.get("/areas/00070"))
    assert "Dự phòng Hà Nội" in card and "<select" not in card
