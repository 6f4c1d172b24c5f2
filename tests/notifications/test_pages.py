"""Console pages: the unread count in the menu, marking read, subscriptions and an area's
threshold and webhook, with hostile input refused clearly and nothing half-written."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from signage.clock import set_clock
from signage.notifications.models import AreaNotice, Notification, Subscription
from tests.conftest import csrf_token, login
from tests.notifications.conftest import NOW


@pytest.fixture()
def people(app, session, factory, tree):
    set_clock(app, NOW)
    out = {
        "viewer": factory.user("hn-viewer", ("viewer", tree["hn"]), locale="en"),
        "other": factory.user("hp-viewer", ("viewer", tree["hp"]), locale="en"),
        "admin": factory.user("hn-admin", ("admin", tree["hn"]), locale="en"),
        "root": factory.user("root", ("admin", tree["vn"]), locale="en"),
    }
    session.commit()
    return out


def signed_in(app, username):
    client = app.test_client()
    assert login(client, username).status_code == 302
    return client


def post(client, url, data, page):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, page)})


def notice(session, user, kind="offline", code="HK-1"):
    n = Notification(user_id=user.id, kind=kind, created_at=NOW,
                     params={"boards": [{"code": code, "name": f"Bảng {code}",
                                         "area": "Phường Hoàn Kiếm",
                                         "since": "2026-03-02T02:00:00Z"}]})  # fmt: skip
    session.add(n)
    session.commit()
    return n


def test_unread_count_in_the_menu_and_marking_read(app, session, people):
    me, other = people["viewer"], people["other"]
    first, _second = notice(session, me), notice(session, me, "recovered", "HK-2")
    theirs = notice(session, other)
    client = signed_in(app, "hn-viewer")
    home = client.get("/").get_data(as_text=True)
    assert 'id="nav-unread">2<' in home
    page = client.get("/notifications/").get_data(as_text=True)
    # Local time, never the stored ISO instant.
    assert "Board Bảng HK-1 (HK-1) in Phường Hoàn Kiếm is offline since 02/03/2026 09:00." in page
    assert "2026-03-02T02:00" not in page
    resp = post(client, "/notifications/read", {"notification": str(first.id)}, "/notifications/")
    assert resp.status_code == 302
    assert 'id="nav-unread">1<' in client.get("/").get_data(as_text=True)
    # Someone else's id changes nothing.
    post(client, "/notifications/read", {"notification": str(theirs.id)}, "/notifications/")
    session.expire_all()
    assert session.get(Notification, theirs.id).read_at is None
    post(client, "/notifications/read", {"all": "1"}, "/notifications/")
    assert 'id="nav-unread"' not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("bad", ["abc", "-1", "99999999999999999999", "²", "1\x00"])
def test_hostile_ids_to_mark_read_are_refused(app, session, people, bad):
    mine = notice(session, people["viewer"])
    client = signed_in(app, "hn-viewer")
    resp = post(client, "/notifications/read", {"notification": bad}, "/notifications/")
    assert resp.status_code == 302
    assert "whole number" in client.get("/notifications/").get_data(as_text=True)
    session.expire_all()
    assert session.get(Notification, mine.id).read_at is None


def test_subscribe_and_unsubscribe(app, session, people, tree):
    client = signed_in(app, "hn-viewer")
    resp = post(client, "/notifications/subscriptions", {"area": "00070", "console": "y"},
                "/notifications/subscriptions")  # fmt: skip
    assert resp.status_code == 302
    [sub] = session.scalars(select(Subscription)).all()
    assert (sub.area_id, sub.console, sub.email) == (tree["hk"].id, True, False)
    again = post(client, "/notifications/subscriptions", {"area": "00070", "console": "y"},
                 "/notifications/subscriptions")  # fmt: skip
    assert again.status_code == 409 and "already subscribed" in again.get_data(as_text=True)
    other = signed_in(app, "hp-viewer")
    theirs = post(other, f"/notifications/subscriptions/{sub.id}/delete", {}, "/notifications/")
    assert theirs.status_code == 404
    gone = post(client, f"/notifications/subscriptions/{sub.id}/delete", {}, "/notifications/")
    assert gone.status_code == 302
    assert session.scalars(select(Subscription)).all() == []


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"area": "31", "console": "y"}, 422, "Unknown area code: 31"),  # another province
        ({"area": "NOPE", "console": "y"}, 422, "Unknown area code: NOPE"),
        ({"area": "000\x0070", "console": "y"}, 422, "Unknown area code"),
        ({"area": "x" * 40, "console": "y"}, 422, "At most"),
        ({"area": "", "console": "y"}, 422, "This field is required."),
        ({"area": "00070"}, 422, "Choose at least one way to be told."),
        ({"area": "00070", "email": "y"}, 422, "Your account has no e-mail address."),
    ],
)
def test_hostile_subscriptions_are_refused(app, session, people, data, status, message):
    client = signed_in(app, "hn-viewer")
    resp = post(client, "/notifications/subscriptions", data, "/notifications/subscriptions")
    assert resp.status_code == status
    assert message in resp.get_data(as_text=True)
    assert session.scalars(select(Subscription)).all() == []


AREA = "/notifications/areas/01"


def test_area_admin_sets_threshold_and_a_public_webhook(app, session, people, tree):
    client = signed_in(app, "hn-admin")
    page = client.get(AREA).get_data(as_text=True)
    assert "uses 15 minutes" in page and "allow_private" not in page
    resp = post(client, AREA, {"threshold": "30", "webhook_url": "http://93.184.216.34/hook",
                               "webhook_enabled": "y"}, AREA)  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)
    saved = session.get(AreaNotice, tree["hn"].id)
    assert saved.threshold_minutes == 30 and saved.webhook_enabled
    assert len(saved.webhook_secret) >= 32  # made for the admin, shown on the page
    assert saved.webhook_secret in client.get(AREA).get_data(as_text=True)
    child = client.get("/notifications/areas/00070").get_data(as_text=True)
    assert "uses 30 minutes" in child  # inherited


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"threshold": "abc"}, "Enter a whole number."),
        ({"threshold": "0"}, "from 1 to 10080"),
        ({"threshold": "999999"}, "from 1 to 10080"),
        ({"threshold": "1e3"}, "Enter a whole number."),
        ({"webhook_url": "http://127.0.0.1:8080/hook"}, "private, loopback"),
        ({"webhook_url": "http://[::1]/hook"}, "private, loopback"),
        ({"webhook_url": "http://localhost:8080/hook"}, "private, loopback"),  # by DNS
        ({"webhook_url": "http://0x7f000001/hook"}, "private, loopback"),
        ({"webhook_url": "http://10.0.0.5/hook"}, "private, loopback"),
        ({"webhook_url": "http://169.254.169.254/latest"}, "private, loopback"),
        ({"webhook_url": "javascript:alert(1)"}, "such as https://"),
        ({"webhook_url": "file:///etc/passwd"}, "such as https://"),
        ({"webhook_url": "http://user:pw@93.184.216.34/"}, "no user name or password"),
        ({"webhook_url": "http://93.184.216.34/a b"}, "without spaces"),
        ({"webhook_url": "http://93.184.216.34/" + "a" * 600}, "At most 500"),
        ({"webhook_url": "http://[::1/"}, "such as https://"),
        ({"webhook_enabled": "y"}, "Enter the address the posts go to."),
        ({"webhook_url": "http://93.184.216.34/", "webhook_secret": "short"}, "16 to 200"),
        ({"webhook_url": "http://93.184.216.34/", "webhook_secret": "x" * 300}, "200"),
    ],
)
def test_hostile_area_settings_are_refused_and_nothing_is_saved(
    app, session, people, tree, data, message
):
    client = signed_in(app, "hn-admin")
    resp = post(client, AREA, data, AREA)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(AreaNotice, tree["hn"].id) is None


def test_only_an_installation_admin_allows_a_private_webhook(app, session, people, tree):
    loopback = {"webhook_url": "http://127.0.0.1:9/hook", "webhook_enabled": "y"}
    area_admin = signed_in(app, "hn-admin")
    sneaky = post(area_admin, AREA, {**loopback, "allow_private": "y"}, AREA)
    assert sneaky.status_code == 422 and "private, loopback" in sneaky.get_data(as_text=True)
    root = signed_in(app, "root")
    assert "allow_private" in root.get(AREA).get_data(as_text=True)
    resp = post(root, AREA, {**loopback, "allow_private": "y"}, AREA)
    assert resp.status_code == 302
    saved = session.get(AreaNotice, tree["hn"].id)
    assert saved.allow_private and saved.webhook_url == "http://127.0.0.1:9/hook"
    # The area admin may now change other fields; the permission stays as the root set it.
    assert post(area_admin, AREA, {**loopback, "threshold": "20"}, AREA).status_code == 302
    session.expire_all()
    assert session.get(AreaNotice, tree["hn"].id).allow_private


def test_the_setting_allows_private_webhooks_for_every_area(app, session, people, tree):
    app.config["SIGNAGE"].webhook_allow_private = True
    client = signed_in(app, "hn-admin")
    resp = post(client, AREA, {"webhook_url": "http://127.0.0.1:9/hook"}, AREA)
    assert resp.status_code == 302


def test_area_settings_need_area_manage(app, people):
    viewer = signed_in(app, "hn-viewer")
    assert viewer.get(AREA).status_code == 403
    assert signed_in(app, "hn-admin").get("/notifications/areas/31").status_code == 404


def test_pages_in_vietnamese(app, session, factory, tree):
    set_clock(app, NOW)
    user = factory.user("vi-viewer", ("viewer", tree["hn"]))
    notice(session, user)
    client = signed_in(app, "vi-viewer")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Bảng tin Bảng HK-1 (HK-1) tại Phường Hoàn Kiếm mất kết nối từ 02/03/2026 09:00." in page
    assert "Đăng ký nhận thông báo của tôi" in client.get(
        "/notifications/subscriptions").get_data(as_text=True)  # fmt: skip


def test_the_area_page_links_to_its_notification_settings_for_its_admins(app, people):
    assert 'id="area-notifications"' in signed_in(app, "hn-admin").get("/areas/01").get_data(
        as_text=True
    )
    assert 'id="area-notifications"' not in signed_in(app, "hn-viewer").get("/areas/01").get_data(
        as_text=True
    )
