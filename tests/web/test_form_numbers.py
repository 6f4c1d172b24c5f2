"""Issue 10 item 10: hostile numbers in playlist and schedule forms answer 422, never 500."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signage.audit.services import Actor
from signage.clock import system_clock
from signage.content import workflow
from signage.content.items import create_item
from signage.errors import ValidationFailed
from signage.http.forms import form_int
from signage.schedules.models import Playlist, Schedule
from tests.conftest import csrf_token, login

HOSTILE = ["²", "١", "1e3", "-", " ", "0x10", "12345678901234567890", "9" * 5000]


@pytest.fixture()
def playlist(app, client, factory, session, tree, admin):
    approver = factory.user("appr", ("approver", tree["vn"]))
    item = create_item(
        session,
        Actor(admin),
        kind="text",
        area=tree["hn"],
        category="policy_law",
        priority="normal",
        headline="Tin",
        now=system_clock(),
    )
    workflow.submit(session, Actor(admin), item, now=system_clock())
    workflow.approve(
        session, Actor(approver), item, store=app.extensions["signage_media"], now=system_clock()
    )
    login(client, "root-admin")
    client.post(
        "/playlists/",
        data={"csrf_token": csrf_token(client, "/playlists/"), "name": "Sáng", "area": "01"},
    )
    pl = session.scalar(select(Playlist))
    page = f"/playlists/{pl.id}"
    client.post(
        page, data={"csrf_token": csrf_token(client, page), "action": "add", "item": item.id}
    )
    session.expire_all()
    assert len(session.get(Playlist, pl.id).entries) == 1
    return pl


def _entries(session, pl):
    session.expire_all()
    return [(e.item_id, e.duration_s) for e in session.get(Playlist, pl.id).entries]


@pytest.mark.parametrize(
    "fields",
    [
        {"duration-0": "²"},
        {"action": "up:²"},
        {"action": "remove:²"},
        {"action": "down:12345678901234567890"},
        {"action": "add", "item": "12345678901234567890"},
        {"action": "add", "item": "9" * 5000},
        {"action": "add", "item": "²"},
        {"action": "add", "item": "-1"},
        {"duration-0": "9" * 5000},
    ],
)
def test_hostile_playlist_numbers_are_422_and_change_nothing(client, session, playlist, fields):
    before = _entries(session, playlist)
    page = f"/playlists/{playlist.id}"
    resp = client.post(page, data={"csrf_token": csrf_token(client, page), **fields})
    assert resp.status_code == 422
    assert _entries(session, playlist) == before


@pytest.mark.parametrize("weekdays", [["²"], ["7"], ["12345678901234567890"], ["9" * 5000]])
def test_hostile_schedule_numbers_are_422(client, session, playlist, weekdays):
    form = {
        "csrf_token": csrf_token(client, "/schedules/new"),
        "target_kind": "area",
        "target": "01",
        "playlist": playlist.id,
        "windows": "06:00-07:00",
        "weekdays": weekdays,
        "priority": "normal",
    }
    assert client.post("/schedules/new", data=form).status_code == 422
    for bad in ("²", "12345678901234567890", "9" * 5000):
        assert (
            client.post(
                "/schedules/new", data={**form, "weekdays": ["1"], "playlist": bad}
            ).status_code
            == 422
        )
    assert session.scalar(select(Schedule)) is None


@pytest.mark.parametrize("raw", HOSTILE)
def test_form_int_refuses_what_is_not_a_bounded_whole_number(raw):
    with pytest.raises(ValidationFailed) as exc:
        form_int(raw, field="n", maximum=1000)
    assert exc.value.details[0]["field"] == "n"


def test_form_int_accepts_bounded_numbers():
    assert form_int(" 42 ", field="n") == 42
    assert form_int("0", field="n", maximum=6) == 0
    with pytest.raises(ValidationFailed):
        form_int("7", field="n", maximum=6)
    with pytest.raises(ValidationFailed):
        form_int("0", field="n", minimum=1)
