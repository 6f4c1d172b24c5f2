"""The notifications API: my notifications (list, mark read) and my subscriptions."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signage.notifications.models import Notification, Subscription
from tests.api.helpers import assert_error, fields
from tests.notifications.conftest import NOW


@pytest.fixture()
def me(factory, tree):
    return factory.user("api-viewer", ("viewer", tree["hn"]), locale="en")


@pytest.fixture()
def auth(factory, me):
    return factory.bearer(me)


def add_notice(session, user, kind="offline", n=1):
    boards = [{"code": f"HK-{i}", "name": f"Bảng {i}", "area": "Phường Hoàn Kiếm",
               "since": "2026-03-02T02:00:00Z"} for i in range(n)]  # fmt: skip
    row = Notification(user_id=user.id, kind=kind, params={"boards": boards}, created_at=NOW)
    session.add(row)
    session.flush()
    return row


def test_list_and_mark_read(client, session, factory, tree, me, auth):
    first = add_notice(session, me)
    add_notice(session, me, "offline_digest", n=7)
    other = factory.user("someone", ("viewer", tree["hn"]))
    theirs = add_notice(session, other)
    body = client.get("/api/v1/notifications", headers=auth).get_json()
    assert body["total"] == 2 and body["unread"] == 2
    digest = body["notifications"][0]
    assert digest["kind"] == "offline_digest" and len(digest["boards"]) == 7
    assert digest["text"].startswith("7 boards went offline.")
    resp = client.post("/api/v1/notifications/read", headers=auth,
                       json={"ids": [first.id, theirs.id]})  # fmt: skip
    assert resp.get_json() == {"marked": 1, "unread": 1}
    assert session.get(Notification, theirs.id).read_at is None
    unread = client.get("/api/v1/notifications?unread=true", headers=auth).get_json()
    assert [n["kind"] for n in unread["notifications"]] == ["offline_digest"]
    resp = client.post("/api/v1/notifications/read", headers=auth, json={"all": True})
    assert resp.get_json() == {"marked": 1, "unread": 0}


@pytest.mark.parametrize(
    "body",
    [{}, {"ids": [1], "all": True}, {"ids": "1"}, {"ids": [1] * 501}, {"ids": ["x"]},
     {"all": "yes please"}, {"extra": 1}, {"ids": [2**70]}, {"ids": [0]}, {"ids": [-1]}],
)  # fmt: skip
def test_mark_read_refuses_malformed_bodies(client, session, me, auth, body):
    row = add_notice(session, me)
    assert_error(client.post("/api/v1/notifications/read", headers=auth, json=body), 422)
    assert session.get(Notification, row.id).read_at is None


def test_list_refuses_bad_query(client, auth):
    assert_error(client.get("/api/v1/notifications?limit=0", headers=auth), 422)
    assert_error(client.get("/api/v1/notifications?unread=maybe", headers=auth), 422)


def test_subscriptions_create_list_delete(client, session, factory, tree, me, auth):
    resp = client.post("/api/v1/subscriptions", headers=auth, json={"area": "00070"})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    created = resp.get_json()
    assert created["area"] == "00070" and created["console"] and not created["email"]
    listed = client.get("/api/v1/subscriptions", headers=auth).get_json()["subscriptions"]
    assert [s["id"] for s in listed] == [created["id"]]
    assert_error(client.post("/api/v1/subscriptions", headers=auth, json={"area": "00070"}), 409)
    stranger = factory.bearer(factory.user("stranger", ("viewer", tree["hn"])))
    gone = client.delete(f"/api/v1/subscriptions/{created['id']}", headers=stranger)
    assert_error(gone, 404)
    assert client.delete(f"/api/v1/subscriptions/{created['id']}", headers=auth).status_code == 204
    assert session.scalars(select(Subscription)).all() == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"area": "31"}, "area"),  # another province reads like an unknown code
        ({"area": "NOPE"}, "area"),
        ({"area": "x" * 33}, "area"),
        ({"area": "00070", "console": False}, "console"),
        ({"area": "00070", "email": True}, "email"),  # no e-mail address
        ({"area": "00070", "console": "sure"}, "console"),
        ({"area": "00070", "user": 1}, "user"),
        ({}, "area"),
    ],
)
def test_subscribe_refuses_bad_bodies(client, session, auth, body, field):
    error = assert_error(client.post("/api/v1/subscriptions", headers=auth, json=body), 422)
    assert field in fields(error)
    assert session.scalars(select(Subscription)).all() == []


def test_unknown_and_foreign_area_read_the_same(client, auth):
    foreign = client.post("/api/v1/subscriptions", headers=auth, json={"area": "31"}).get_json()
    unknown = client.post("/api/v1/subscriptions", headers=auth, json={"area": "99"}).get_json()
    assert fields(foreign["error"])["area"].replace("31", "?") == fields(unknown["error"])[
        "area"
    ].replace("99", "?")


def test_a_read_only_token_cannot_change_subscriptions(client, factory, me):
    token = {"Authorization": f"Bearer {factory.token(me, scopes=frozenset({'boards:read'}))}"}
    assert client.get("/api/v1/notifications", headers=token).status_code == 200
    resp = client.post("/api/v1/subscriptions", headers=token, json={"area": "00070"})
    assert_error(resp, 403, "insufficient_scope")
