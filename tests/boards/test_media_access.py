"""/media: public only for what boards play; the rest needs a user or board that may see it
(issue 10, item 17)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from signage.audit.services import SYSTEM, Actor
from signage.boards.models import BoardStatus
from signage.clock import system_clock
from signage.content import workflow
from signage.content.models import ProfileRecord
from signage.content.renditions import rendition
from signage.players.tokens import issue_token
from tests.boards.test_board_access import NOW, schedule
from tests.conftest import login
from tests.schedules.conftest import approved_item, make_board

PUBLIC = "public, max-age=31536000, immutable"


@pytest.fixture()
def store(app):
    return app.extensions["signage_media"]


@pytest.fixture()
def approver(factory, tree):
    return factory.user("vn-approver", ("approver", tree["vn"]), locale="en")


@pytest.fixture()
def publisher(store):
    from signage.schedules.manifests import ManifestPublisher

    return ManifestPublisher(store, lambda code, version: None)


@pytest.fixture()
def board(session, tree):
    return make_board(session, "HK-1", tree["hk"])


def rendition_url(session, store, item) -> str:
    profile = session.scalar(select(ProfileRecord).where(ProfileRecord.key == "led-192x96-mono"))
    row = rendition(session, store, item.latest, profile.as_profile())
    return f"/media/{row.sha256}.png"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_what_boards_play_is_public_and_immutable(
    client, session, store, admin, approver, tree, board, publisher
):
    item = approved_item(session, store, admin, tree["hn"], "Tin công khai")
    schedule(session, store, admin, board, [item], publisher)
    resp = client.get(rendition_url(session, store, item))
    assert resp.status_code == 200 and resp.headers["Cache-Control"] == PUBLIC


def test_draft_rendition_needs_someone_who_may_view_it(
    client, session, store, admin, tree, factory, board
):
    draft = approved_item(
        session, store, admin, tree["hk"], "Bản nháp", submit=False, approve=False
    )
    url = rendition_url(session, store, draft)
    assert client.get(url).status_code == 404  # same as a missing file
    hk_viewer = factory.user("hk-viewer", ("viewer", tree["hk"]), locale="en")
    hp_viewer = factory.user("hp-viewer", ("viewer", tree["hp"]), locale="en")
    resp = client.get(url, headers=factory.bearer(hk_viewer))
    assert resp.status_code == 200
    assert "public" not in resp.headers["Cache-Control"]
    assert "Authorization" in resp.headers["Vary"]
    assert client.get(url, headers=factory.bearer(hp_viewer)).status_code == 404
    token = issue_token(session, SYSTEM, board, now=system_clock())
    session.flush()
    assert client.get(url, headers=bearer(token)).status_code == 404  # not in its manifest


def test_archived_items_are_no_longer_public(
    client, session, store, admin, approver, tree, factory
):
    item = approved_item(session, store, admin, tree["hn"], "Tin cũ")
    workflow.archive(session, Actor(admin), item, now=NOW)
    session.flush()
    url = rendition_url(session, store, item)
    assert client.get(url).status_code == 404
    assert client.get(url, headers=factory.bearer(admin)).status_code == 200


def test_screenshots_need_a_session_or_token_with_access(
    client, session, store, board, factory, tree
):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buf, "PNG")
    sha = store.put(buf.getvalue(), "png").sha256
    session.add(BoardStatus(board_id=board.id, screenshot_sha=sha))
    session.flush()
    url = f"/media/{sha}.png"
    assert client.get(url).status_code == 404
    hp_admin = factory.user("hp-admin", ("admin", tree["hp"]), locale="en")
    assert client.get(url, headers=factory.bearer(hp_admin)).status_code == 404
    factory.user("hk-admin", ("admin", tree["hk"]), locale="en")
    login(client, "hk-admin")
    resp = client.get(url)
    assert resp.status_code == 200 and resp.headers["Cache-Control"].startswith("private")


@pytest.mark.parametrize(
    "header", ["Basic abc", "Bearer ", "Bearer sgb_forged", "Bearer nope", "Bearer \x7f"]
)
def test_bad_credentials_are_refused_clearly(client, session, store, header):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buf, "PNG")
    sha = store.put(buf.getvalue(), "png").sha256
    resp = client.get(f"/media/{sha}.png", headers={"Authorization": header})
    assert resp.status_code == 401


@pytest.mark.parametrize(
    "path", ["/media/ABC.png", "/media/" + "a" * 64 + ".exe", "/media/..%2f..%2fetc.png"]
)
def test_malformed_names_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_private_media_needs_content_read_on_a_narrowed_token(
    client, session, store, admin, tree, factory
):
    draft = approved_item(
        session, store, admin, tree["hk"], "Bản nháp", submit=False, approve=False
    )
    url = rendition_url(session, store, draft)
    hk_viewer = factory.user("hk-viewer", ("viewer", tree["hk"]), locale="en")
    narrowed = factory.token(hk_viewer, scopes=frozenset({"cap:write", "boards:read"}))
    assert client.get(url, headers=bearer(narrowed)).status_code == 404  # as if missing
    reader = factory.token(hk_viewer, scopes=frozenset({"content:read"}))
    assert client.get(url, headers=bearer(reader)).status_code == 200
