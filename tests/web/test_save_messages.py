"""Every console save says it worked (issue #13): playlists, group members, notifications read;
a new playlist no longer offers the items already in it; the editor's home offers their work."""

from __future__ import annotations

import re

from sqlalchemy import select

from signage.audit.services import Actor
from signage.boards.models import Board
from signage.clock import system_clock
from signage.content import workflow
from signage.content.items import create_item
from signage.content.models import ProfileRecord
from signage.notifications.models import Notification
from signage.schedules.models import Playlist
from tests.conftest import csrf_token, login


def said(client, page: str) -> str:
    html = client.get(page).get_data(as_text=True)
    return " ".join(re.findall(r'class="alert alert-success[^"]*"[^>]*>(.*?)<button', html, re.S))


def approved(app, session, factory, tree, admin, headline):
    approver = factory.user(f"appr-{headline}", ("approver", tree["vn"]))
    item = create_item(
        session,
        Actor(admin),
        kind="text",
        area=tree["hn"],
        category="policy_law",
        priority="normal",
        headline=headline,
        now=system_clock(),
    )
    workflow.submit(session, Actor(admin), item, now=system_clock())
    workflow.approve(
        session, Actor(approver), item, store=app.extensions["signage_media"], now=system_clock()
    )
    return item


def test_playlist_saves_are_confirmed_and_listed_items_are_not_offered(
    app, client, session, factory, tree
):
    admin = factory.user("root-admin", ("admin", tree["vn"]), locale="en")
    first = approved(app, session, factory, tree, admin, "Tin một")
    second = approved(app, session, factory, tree, admin, "Tin hai")
    login(client, "root-admin")
    resp = client.post(
        "/playlists/",
        data={"csrf_token": csrf_token(client, "/playlists/"), "name": "Sáng", "area": "01"},
    )
    assert resp.status_code == 302
    pl = session.scalar(select(Playlist))
    page = f"/playlists/{pl.id}"
    assert "The playlist Sáng was created; add approved items to it." in said(client, page)
    client.post(
        page, data={"csrf_token": csrf_token(client, page), "action": "add", "item": first.id}
    )
    html = client.get(page).get_data(as_text=True)
    assert f'<option value="{second.id}">' in html and f'<option value="{first.id}">' not in html
    client.post(
        page, data={"csrf_token": csrf_token(client, page), "action": "add", "item": first.id}
    )
    assert "The playlist was saved" in said(client, page)
    resp = client.post(f"{page}/delete", data={"csrf_token": csrf_token(client, page)})
    assert "The playlist Sáng was deleted." in said(client, "/playlists/")


def test_group_members_and_notifications_read_are_confirmed(app, client, session, factory, tree):
    factory.user("hn-admin", ("admin", tree["hn"]), locale="en")
    profile = session.scalar(select(ProfileRecord))
    session.add(Board(code="HK-1", name="Bảng 1", area=tree["hk"], profile=profile))
    session.flush()
    login(client, "hn-admin")
    client.post(
        "/boards/groups",
        data={
            "csrf_token": csrf_token(client, "/boards/groups"),
            "code": "CHO",
            "name": "Chợ",
            "area": "01",
        },
    )
    said(client, "/boards/groups")
    token = csrf_token(client, "/boards/groups")
    client.post("/boards/groups/CHO/members", data={"csrf_token": token, "board": "HK-1"})
    assert "The board was added to the group." in said(client, "/boards/groups")
    client.post(
        "/boards/groups/CHO/members", data={"csrf_token": token, "board": "HK-1", "remove": "1"}
    )
    assert "The board was taken out of the group." in said(client, "/boards/groups")
    user = factory.user("reader", ("viewer", tree["hn"]), locale="en")
    session.add(Notification(user_id=user.id, kind="offline", created_at=system_clock(), params={}))
    session.flush()
    reader = app.test_client()
    login(reader, "reader")
    token = csrf_token(reader, "/notifications/")
    reader.post("/notifications/read", data={"csrf_token": token, "all": "1"})
    assert "1 notification marked read." in said(reader, "/notifications/")


def test_the_editors_home_offers_what_an_editor_does(client, session, factory, tree):
    factory.user("hk-editor", ("editor", tree["hk"]), locale="en")
    login(client, "hk-editor")
    html = client.get("/").get_data(as_text=True)
    for shortcut in ("shortcut-new-text", "shortcut-upload", "shortcut-mine", "shortcut-playlists"):
        assert f'id="{shortcut}"' in html
    assert 'id="my-items"' in html
    assert 'id="shortcut-queue"' not in html  # editors do not approve
