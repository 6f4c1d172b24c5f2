"""Board tokens read only what their manifest and live alerts reference (issue 10, item 3)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from signage.audit.services import SYSTEM, Actor
from signage.clock import system_clock
from signage.content import workflow
from signage.players.tokens import issue_token
from signage.schedules import playlists, services
from signage.schedules.manifests import ManifestPublisher
from tests.schedules.conftest import approved_item, make_board

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 08:00 in Hà Nội
PROFILE = "led-192x96-mono"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def url(item, number: int = 1, profile: str = PROFILE) -> str:
    return f"/api/v1/content/{item.id}/revisions/{number}/renditions/{profile}.png"


@pytest.fixture()
def store(app):
    return app.extensions["signage_media"]


@pytest.fixture()
def approver(factory, tree):
    return factory.user("vn-approver", ("approver", tree["vn"]), locale="en")


@pytest.fixture()
def publisher(store):
    return ManifestPublisher(store, lambda code, version: None)


@pytest.fixture()
def board(session, tree):
    return make_board(session, "HK-1", tree["hk"])


@pytest.fixture()
def token(session, board) -> str:
    secret = issue_token(session, SYSTEM, board, now=system_clock())
    session.flush()
    return secret


def schedule(session, store, admin, board, items, publisher) -> None:
    """Play these items on the board every day, 07:00-09:00."""
    pl = playlists.create_playlist(
        session,
        Actor(admin),
        name="Sáng",
        area=board.area,
        entries=[(i.id, None) for i in items],
        now=NOW,
    )
    rule = services.ScheduleInput(
        target_kind="board",
        target=board.code,
        playlist_id=pl.id,
        windows=["07:00-09:00"],
        weekdays=[0, 1, 2, 3, 4, 5, 6],
    )
    services.save_schedule(session, Actor(admin), rule, now=NOW, publisher=publisher)


@pytest.fixture()
def playing(session, store, admin, approver, tree, board, publisher):
    item = approved_item(session, store, admin, tree["hn"], "Tin sáng")
    schedule(session, store, admin, board, [item], publisher)
    return item


def test_board_reads_the_rendition_its_manifest_plays(client, playing, token):
    resp = client.get(url(playing), headers=bearer(token))
    assert resp.status_code == 200 and resp.mimetype == "image/png"


def test_board_cannot_read_other_profiles_of_its_items(client, playing, token):
    resp = client.get(url(playing, profile="lcd-1920x1080"), headers=bearer(token))
    assert resp.status_code == 404


def test_approved_item_not_in_the_manifest_is_not_found(
    client, session, store, admin, approver, tree, playing, token
):
    other = approved_item(session, store, admin, tree["hn"], "Tin khác")
    assert client.get(url(other), headers=bearer(token)).status_code == 404


def test_another_provinces_draft_answers_like_a_missing_item(
    client, session, store, admin, approver, tree, playing, token
):
    draft = approved_item(
        session, store, admin, tree["hp"], "Bản nháp", submit=False, approve=False
    )
    got = client.get(url(draft), headers=bearer(token))
    missing = client.get(
        f"/api/v1/content/{10**6}/revisions/1/renditions/{PROFILE}.png", headers=bearer(token)
    )
    wrong_rev = client.get(url(playing, number=9), headers=bearer(token))
    assert got.status_code == missing.status_code == wrong_rev.status_code == 404
    assert got.get_json() == missing.get_json() == wrong_rev.get_json()


def test_archived_item_is_not_readable_any_more(client, session, admin, playing, token):
    assert client.get(url(playing), headers=bearer(token)).status_code == 200
    workflow.archive(session, Actor(admin), playing, now=NOW)  # regenerates the manifest
    session.flush()
    assert client.get(url(playing), headers=bearer(token)).status_code == 404


def test_board_without_a_manifest_reads_nothing(
    client, session, store, admin, approver, tree, token
):
    item = approved_item(session, store, admin, tree["hn"], "Tin")
    assert client.get(url(item), headers=bearer(token)).status_code == 404


def test_users_keep_reading_renditions_of_what_they_may_view(
    client, factory, session, store, admin, approver, tree
):
    draft = approved_item(
        session, store, admin, tree["hn"], "Bản nháp", submit=False, approve=False
    )
    assert client.get(url(draft), headers=factory.bearer(admin)).status_code == 200
