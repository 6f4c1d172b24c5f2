"""Issue 10 item 12 on forms: an area code another province owns reads like an unknown one, and
hostile codes (huge, control characters, bidi overrides) get the same short refusal, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from signage.boards.models import BoardGroup
from signage.schedules.models import Playlist
from tests.conftest import csrf_token, login

HOSTILE = ["31", "99999", "\u202e31", "0\x001", "x" * 5000, "'; DROP TABLE areas; --"]


@pytest.fixture()
def hn_admin(factory, tree):
    return factory.user("hn-admin", ("admin", tree["hn"]), locale="en")


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("code", HOSTILE)
def test_playlist_form_refuses_other_and_hostile_area_codes_alike(client, session, hn_admin, code):
    login(client, "hn-admin")
    resp = client.post(
        "/playlists/",
        data={"csrf_token": csrf_token(client, "/playlists/"), "name": "Sáng", "area": code},
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "Unknown area code" in html and "Hải Phòng" not in html
    assert "x" * 100 not in html  # the code is shown cut short
    assert _count(session, Playlist) == 0


@pytest.mark.parametrize("code", HOSTILE)
def test_group_form_refuses_other_and_hostile_area_codes_alike(client, session, hn_admin, code):
    login(client, "hn-admin")
    page = "/boards/groups"
    resp = client.post(
        page,
        data={"csrf_token": csrf_token(client, page), "code": "G1", "name": "N", "area": code[:32]},
    )
    assert resp.status_code in (200, 422)  # the form shown again with the field error
    html = resp.get_data(as_text=True)
    assert "Unknown area code" in html and "Hải Phòng" not in html
    assert _count(session, BoardGroup) == 0


def test_other_province_and_unknown_code_answer_the_same_in_the_api(client, factory, hn_admin):
    headers = factory.bearer(hn_admin)
    answers = []
    for code in ("31", "99"):
        body = {"code": "HK-X", "name": "B", "area": code, "profile": "led-192x96-mono"}
        resp = client.post("/api/v1/boards", json=body, headers=headers)
        answers.append((resp.status_code, resp.get_data(as_text=True).replace(code, "?")))
    assert answers[0] == answers[1] and answers[0][0] == 422
