"""The permission matrix: every route of the URL map × every role × an object inside and outside
the role's areas, requested for real, against one explicit table of who may do what.

A route missing from ROUTES fails `test_every_route_is_in_the_table`, so a new route cannot ship
without someone deciding its policy here. The expected outcome of each request follows from the
route's policy and the role's grants (the roles of signage.permissions):

- ok: 2xx, 3xx other than to the sign-in page, or a refusal of the body after the permission
  check (400, 409, 422);
- login: 401, or a redirect to /login;
- 403: the user may see the object (or the section exists for them) but not do this;
- 404: the object belongs to an area the user may not see: answered exactly like a missing one.

Each test runs in a savepoint rolled back afterwards, so deletes and sign-outs do not leak.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker

from signage import create_app
from signage.accounts.models import ApiToken, Grant, User
from signage.audit.services import SYSTEM
from signage.clock import system_clock
from signage.content.models import RenditionRecord, Revision
from signage.db import db
from signage.notifications.models import Subscription
from signage.permissions import can, scope_paths
from signage.players.tokens import issue_token
from tests.conftest import IsolatedClient, csrf_token
from tests.factories import Factory
from tests.schedules.conftest import make_board

ROLES = ("anonymous", "board", "viewer", "editor", "approver", "operator", "area_admin", "admin")
SIDES = ("inside", "outside")
PROFILE = "led-192x96-mono"
MISSING_AREA = "99999"


@dataclass(frozen=True)
class Policy:
    """Who may use a route.

    kind: public (anyone), nothing (serves nothing to anyone), login (any signed-in user), section (action anywhere), root
    (action installation-wide), object (action on the object's area; view elsewhere = 404),
    owner (one's own API token), manager (one's own token, or one of a user one manages),
    player (the board's own token, or object rules for users), media (a private file: readers
    of what it belongs to; everybody else 404), create (a body naming an area: an area outside
    the user's view answers exactly like an unknown code; 403 where visible but not allowed),
    cap (a CAP message: a generic refusal, see docs/cap.md).
    """

    kind: str
    action: str = ""
    view: str = ""
    board: str = ""  # what a board token gets where it differs from the kind's rule


def P(kind: str, action: str = "", view: str = "", board: str = "") -> Policy:
    view = view or (action.split(".")[0] + ".view" if action else "")
    return Policy(kind, action, view, board)


PUBLIC, LOGIN = P("public"), P("login")

# The one table: "METHOD rule" -> policy, or {variant params: policy} for rules with choices.
ROUTES: dict[str, Policy | dict[str, Policy]] = {
    # console: sign-in, language, home, static files
    "GET /": LOGIN,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "POST /logout": P("signout"),  # ends the session that sent it, then shows the sign-in page
    "GET /lang/<code>": PUBLIC,
    "GET /static/<path:filename>": P("nothing"),  # Flask's default route; no such folder
    "GET /static/console/<path:filename>": PUBLIC,
    # console: areas, users, audit, tokens
    "GET /areas": P("section", "area.view"),
    "GET /areas/<code>": P("object", "area.view"),
    "GET /areas/<code>/children": P("object", "area.view"),
    "POST /areas/<code>/children": P("object", "area.manage"),
    "POST /areas/<code>/fallback-playlist": P("object", "schedule.edit", "area.view"),
    "GET /audit": P("section", "audit.view"),
    "GET /audit/export": P("section", "audit.view"),  # without a format: 422 after the check
    # console: indicators and the December report (an area outside the grants: tests/reports)
    "GET /reports/indicators": P("section", "report.view"),
    "GET /reports/december": P("section", "report.view"),
    "GET /tokens": LOGIN,
    "POST /tokens": LOGIN,
    "POST /tokens/<int:token_id>/revoke": P("owner"),
    "GET /users": P("section", "user.view"),
    "GET /users/new": P("section", "user.manage"),
    "POST /users/new": P("section", "user.manage"),
    "GET /users/<int:user_id>": P("object", "user.view", "user.view"),
    "POST /users/<int:user_id>/active": P("object", "user.manage", "user.view"),
    "POST /users/<int:user_id>/grants": P("object", "user.manage", "user.view"),
    "POST /users/<int:user_id>/grants/<int:grant_id>/remove": P(
        "object", "user.manage", "user.view"
    ),
    "POST /users/<int:user_id>/password": P("object", "user.manage", "user.view"),
    "POST /users/<int:user_id>/sessions/end": P("object", "user.manage", "user.view"),
    # console: reports (an item's page: 404 unless its area is visible or it played in mine)
    "GET /reports/": P("section", "report.view"),
    "GET /reports/plays": P("section", "report.view"),
    "GET /reports/plays/items/<int:item_id>": P("object", "report.view", "content.view"),
    # console: boards
    "GET /boards/": P("section", "board.view"),
    "GET /boards/<code>": P("object", "board.view"),
    "POST /boards/<code>/command": P("object", "board.manage"),
    "GET /boards/<code>/edit": P("object", "board.manage"),
    "POST /boards/<code>/edit": P("object", "board.manage"),
    "POST /boards/<code>/pair": P("object", "board.pair"),
    "POST /boards/<code>/revoke": P("object", "board.manage"),
    "GET /boards/groups": P("section", "board.view"),
    "POST /boards/groups": P("section", "board.manage"),
    "POST /boards/groups/<code>/members": P("object", "board.manage"),
    "GET /boards/import": P("section", "board.manage"),
    "POST /boards/import": P("section", "board.manage"),
    "GET /boards/new": P("section", "board.manage"),
    "POST /boards/new": P("section", "board.manage"),
    # console: content
    "GET /content/": P("section", "content.view"),
    "GET /content/<int:item_id>": P("object", "content.view"),
    "POST /content/<int:item_id>/<any(submit, withdraw, approve, reject, archive):action>": {
        "submit": P("object", "content.edit"),
        "withdraw": P("object", "content.edit"),
        "approve": P("object", "content.approve"),
        "reject": P("object", "content.approve"),
        "archive": P("object", "content.edit|content.approve"),
    },
    "GET /content/<int:item_id>/edit": P("object", "content.edit"),
    "POST /content/<int:item_id>/edit": P("object", "content.edit"),
    "POST /content/<int:item_id>/fit": P("object", "content.edit"),
    "GET /lookup/<kind>": LOGIN,  # results limited to the user's areas (tests/web/test_lookup.py)
    "GET /live/approvals": LOGIN,  # the user's own count (tests/players_server/test_console_live.py)
    "GET /content/new": P("section", "content.edit"),
    "POST /content/new": P("section", "content.edit"),
    "GET /content/queue": P("section", "content.approve"),
    "POST /content/queue/decide": P("section", "content.approve"),
    "GET /content/upload": P("section", "content.edit"),
    "POST /content/upload": P("section", "content.edit"),
    "GET /media/<sha256>.<ext>": P("media", "content.view"),
    # console: playlists and schedules
    "GET /playlists/": P("section", "schedule.view"),
    "POST /playlists/": P("section", "schedule.edit"),
    "GET /playlists/<int:playlist_id>": P("object", "schedule.view"),
    "POST /playlists/<int:playlist_id>": P("object", "schedule.edit"),
    "POST /playlists/<int:playlist_id>/delete": P("object", "schedule.edit"),
    "GET /schedules/": P("section", "schedule.view"),
    "GET /schedules/<int:schedule_id>": P("object", "schedule.view"),
    "POST /schedules/<int:schedule_id>/delete": P("object", "schedule.edit"),
    "GET /schedules/<int:schedule_id>/edit": P("object", "schedule.edit"),
    "POST /schedules/<int:schedule_id>/edit": P("object", "schedule.edit"),
    "GET /schedules/new": P("section", "schedule.edit"),
    # Without ?board= or ?area=: 422 to anyone signed in; the board's or area's own check
    # (404 outside the user's areas) is in tests/schedules/test_calendar.py.
    "GET /schedules/calendar": LOGIN,
    "POST /schedules/new": P("section", "schedule.edit"),
    # console: alerts
    "GET /alerts/": P("section", "alert.view"),
    "GET /alerts/<int:alert_id>": P("object", "alert.view"),
    "GET /alerts/<int:alert_id>/cancel": P("object", "alert.send"),  # the confirmation page
    "POST /alerts/<int:alert_id>/cancel": P("object", "alert.send"),
    "POST /alerts/<int:alert_id>/confirm": P("object", "alert.send"),
    "POST /alerts/<int:alert_id>/update": P("object", "alert.send"),
    "GET /alerts/new": P("section", "alert.send"),
    # alert reports: the alert's area, or a board it reached, in the reader's alert/report view
    "GET /alerts/<int:alert_id>/report": P("object", "alert.view"),
    "GET /alerts/<int:alert_id>/report/export": P("object", "alert.view"),  # no format: 422
    "GET /alerts/history": P("section", "alert.view"),
    "GET /alerts/templates/": P("section", "alert.view"),
    "GET /alerts/templates/<key>": P("section", "alert.view"),
    "GET /alerts/templates/<key>/edit": P("root", "template.manage"),
    "POST /alerts/templates/<key>/edit": P("root", "template.manage"),
    "POST /alerts/templates/<key>/delete": P("root", "template.manage"),
    "GET /alerts/templates/new": P("root", "template.manage"),
    "POST /alerts/templates/new": P("root", "template.manage"),
    "GET /alerts/history/export": P("section", "alert.view"),  # no format: 422
    "POST /alerts/new": P("section", "alert.send"),
    # console: notifications (one's own list and subscriptions; an area's settings)
    "GET /notifications/": LOGIN,
    "POST /notifications/read": LOGIN,  # ids of others' notifications change nothing
    "GET /notifications/subscriptions": LOGIN,
    "POST /notifications/subscriptions": LOGIN,  # the form names the area (board.view there)
    "POST /notifications/subscriptions/<int:subscription_id>/delete": P("owner"),
    "GET /notifications/areas/<area_code>": P("object", "area.manage", "area.view"),
    "POST /notifications/areas/<area_code>": P("object", "area.manage", "area.view"),
    # the web player (its page and files are public; its API calls carry the board token)
    "GET /player": PUBLIC,
    "GET /player/<path:filename>": PUBLIC,
    "GET /player/font.ttf": PUBLIC,
    "GET /player/sw.js": PUBLIC,
    # API: description, me, tokens
    "GET /api/v1/openapi.json": PUBLIC,
    "GET /api/v1/me": LOGIN,
    "GET /api/v1/tokens": LOGIN,
    "POST /api/v1/tokens": LOGIN,
    "DELETE /api/v1/tokens/<int:token_id>": P("manager"),
    # API: areas, users, audit
    "GET /api/v1/areas": LOGIN,  # lists what the caller may see (empty for nobody)
    "POST /api/v1/areas": P("create", "area.manage"),
    "GET /api/v1/areas/<code>": P("object", "area.view"),
    "GET /api/v1/areas/<code>/uptime": P("object", "area.view"),
    "GET /api/v1/areas/<code>/fallback-playlist": P("object", "schedule.view"),
    "PUT /api/v1/areas/<code>/fallback-playlist": P("object", "schedule.edit"),
    "GET /api/v1/audit": P("section", "audit.view"),
    "GET /api/v1/audit/export": P("section", "audit.view"),
    "GET /api/v1/reports/indicators": P("section", "report.view"),
    "GET /api/v1/reports/december": P("section", "report.view"),
    "GET /api/v1/reports/plays": P("section", "report.view"),
    "GET /api/v1/users": P("section", "user.view"),
    "POST /api/v1/users": P("create", "user.manage", "user.view"),
    "GET /api/v1/users/<int:user_id>": P("object", "user.view", "user.view"),
    "PATCH /api/v1/users/<int:user_id>": P("object", "user.manage", "user.view"),
    "POST /api/v1/users/<int:user_id>/grants": P("object", "user.manage", "user.view"),
    "DELETE /api/v1/users/<int:user_id>/grants/<int:grant_id>": P(
        "object", "user.manage", "user.view"
    ),
    # API: boards, groups, profiles, pairing, the player's endpoints
    "GET /api/v1/boards": LOGIN,
    "POST /api/v1/boards": P("create", "board.manage"),
    # All or nothing: a row another user may not manage is a line error (422), tested in
    # tests/boards/test_board_import.py; here an area outside the view reads like an unknown one.
    "POST /api/v1/boards/import": P("create", "board.view"),
    "GET /api/v1/boards/<code>": P("object", "board.view"),
    "PATCH /api/v1/boards/<code>": P("object", "board.manage"),
    "DELETE /api/v1/boards/<code>": P("object", "board.manage"),
    "POST /api/v1/boards/<code>/commands": P("object", "board.manage"),
    "GET /api/v1/boards/<code>/manifest": P("player", "board.view"),
    "POST /api/v1/boards/<code>/pair": P("object", "board.pair"),
    "POST /api/v1/boards/<code>/revoke": P("object", "board.manage"),
    "POST /api/v1/boards/<code>/screenshot": P("player", "-", "board.view"),  # the board only
    "GET /api/v1/boards/<code>/status": P("player", "board.view"),
    "GET /api/v1/boards/<code>/timeline": P("object", "board.view"),
    "GET /api/v1/boards/<code>/uptime": P("object", "board.view"),
    "GET /api/v1/groups": LOGIN,
    "POST /api/v1/groups": P("create", "board.manage"),
    "GET /api/v1/groups/<code>": P("object", "board.view"),
    "POST /api/v1/groups/<code>/members": P("object", "board.manage"),
    "GET /api/v1/profiles": LOGIN,
    "POST /api/v1/profiles": P("root", "board.manage"),
    "POST /api/v1/pairing": PUBLIC,
    "GET /api/v1/pairing/<claim_id>": PUBLIC,  # the claim id is the secret
    # API: content
    "GET /api/v1/content": LOGIN,
    "POST /api/v1/content": P("create", "content.edit"),
    "GET /api/v1/content/<int:item_id>": P("object", "content.view"),
    "PATCH /api/v1/content/<int:item_id>": P("object", "content.edit"),
    "POST /api/v1/content/<int:item_id>/approve": P("object", "content.approve"),
    "POST /api/v1/content/<int:item_id>/archive": P("object", "content.edit|content.approve"),
    "POST /api/v1/content/<int:item_id>/reject": P("object", "content.approve"),
    "POST /api/v1/content/<int:item_id>/submit": P("object", "content.edit"),
    "POST /api/v1/content/<int:item_id>/withdraw": P("object", "content.edit"),
    # A board reads only what its manifest plays (nothing here): one 404 for everything else.
    "GET /api/v1/content/<int:item_id>/revisions/<int:rev>/renditions/<profile_key>.png": P(
        "object", "content.view", board="404"
    ),
    "POST /api/v1/media": P("section", "content.edit"),
    # API: playlists and schedules
    "GET /api/v1/playlists": LOGIN,
    "POST /api/v1/playlists": P("create", "schedule.edit"),
    "GET /api/v1/playlists/<int:playlist_id>": P("object", "schedule.view"),
    "PUT /api/v1/playlists/<int:playlist_id>": P("object", "schedule.edit"),
    "DELETE /api/v1/playlists/<int:playlist_id>": P("object", "schedule.edit"),
    "GET /api/v1/schedules": LOGIN,
    "POST /api/v1/schedules": P("create", "schedule.edit"),
    "GET /api/v1/schedules/<int:schedule_id>": P("object", "schedule.view"),
    "PUT /api/v1/schedules/<int:schedule_id>": P("object", "schedule.edit"),
    "DELETE /api/v1/schedules/<int:schedule_id>": P("object", "schedule.edit"),
    # API: alerts, templates, CAP
    "GET /api/v1/alerts": LOGIN,
    "POST /api/v1/alerts": P("create", "alert.send"),
    "GET /api/v1/alerts/<int:alert_id>": P("object", "alert.view"),
    "PATCH /api/v1/alerts/<int:alert_id>": P("object", "alert.send"),
    "GET /api/v1/alerts/<int:alert_id>/boards": P("object", "alert.view"),
    "GET /api/v1/alerts/<int:alert_id>/report": P("object", "alert.view"),
    "GET /api/v1/alerts/<int:alert_id>/report/export": P("object", "alert.view"),  # no format: 422
    "POST /api/v1/alerts/<int:alert_id>/cancel": P("object", "alert.send"),
    "POST /api/v1/alerts/<int:alert_id>/confirm": P("object", "alert.send"),
    "GET /api/v1/alert-templates": LOGIN,
    "PUT /api/v1/alert-templates/<key>": P("root", "template.manage"),
    "POST /api/v1/cap": P("cap", "alert.send"),
    "GET /api/v1/cap/alerts": PUBLIC,  # only alerts that went on air
    "GET /api/v1/cap/alerts/<int:alert_id>.xml": PUBLIC,
    # API: notifications
    "GET /api/v1/notifications": LOGIN,
    "POST /api/v1/notifications/read": LOGIN,
    "GET /api/v1/subscriptions": LOGIN,
    "POST /api/v1/subscriptions": P("create", "board.view"),
    "DELETE /api/v1/subscriptions/<int:subscription_id>": P("owner"),
}

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SIDE_FREE = ("public", "nothing", "signout", "login", "section", "root")


def url_map_keys(app: Flask) -> list[str]:
    """'METHOD rule' for every rule and method of the app's URL map."""
    keys = set()
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods or ()):
            if method in METHODS:
                keys.add(f"{method} {rule.rule}")
    return sorted(keys)


def cases() -> list[Any]:
    """(key, variant, role, side) for each row of the table."""
    out = []
    for key, entry in ROUTES.items():
        variants = entry if isinstance(entry, dict) else {"": entry}
        for variant, policy in variants.items():
            sides = ("-",) if policy.kind in SIDE_FREE else SIDES
            for role in ROLES:
                for side in sides:
                    name = f"{key}{' ' + variant if variant else ''}|{role}|{side}"
                    out.append(pytest.param(key, variant, role, side, id=name))
    return out


CASES = cases()


# --- the installation the matrix runs against ----------------------------------------------


@dataclass
class World:
    app: Flask
    users: dict[str, User]
    cookies: dict[str, str]
    csrf: dict[str, str]
    bearer: dict[str, str]
    token_ids: dict[str, int]
    params: dict[str, dict[str, Any]]  # side -> rule parameter values
    areas: dict[str, Any]
    begin: Callable[[], Any]


def _api(client: Any, method: str, url: str, headers: dict[str, str], **kw: Any) -> Any:
    resp = client.open(url, method=method, headers=headers, **kw)
    assert resp.status_code < 300, (url, resp.status_code, resp.get_data(as_text=True)[:500])
    return resp.get_json()


@pytest.fixture(scope="module")
def world(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One app, one transaction for the module; data built once through services and the API."""
    tmp: Path = tmp_path_factory.mktemp("matrix")
    connection = engine.connect()
    outer = connection.begin()
    app = create_app(
        {
            "database_url": str(engine.url.render_as_string(hide_password=False)),
            "instance_dir": tmp / "instance",
            "media_dir": tmp / "media",
            "secret_key": "matrix-secret",
            "testing": True,
            "background_tasks": False,  # flush and send inline: no loop outlives the test
            "alert_snapshot_seconds": 0,  # every alert_sync reads the test transaction
        }
    )
    app.test_client_class = IsolatedClient
    db.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    ctx = app.app_context()
    ctx.push()
    session = db.sessionmaker()
    factory = Factory(session)
    t = factory.tree()
    areas = {"inside": t["hk"], "outside": t["hp_commune"]}
    hn = t["hn"]
    users = {
        "viewer": factory.user("mx-viewer", ("viewer", hn), locale="en"),
        "editor": factory.user("mx-editor", ("editor", hn), locale="en"),
        "approver": factory.user("mx-approver", ("approver", hn), locale="en"),
        "operator": factory.user("mx-operator", ("operator", hn), locale="en"),
        "area_admin": factory.user("mx-area-admin", ("admin", hn), locale="en"),
        "admin": factory.user("mx-admin", ("admin", t["vn"]), locale="en"),
    }
    bearer = {role: factory.token(u) for role, u in users.items()}
    token_ids = {
        role: session.scalar(select(ApiToken.id).where(ApiToken.user_id == u.id))
        for role, u in users.items()
    }
    approver_h = {
        "Authorization": f"Bearer {factory.token(factory.user('mx-admin2', ('admin', t['vn'])))}"
    }
    victims = {
        side: factory.user(f"mx-victim-{side}", ("viewer", area), locale="en")
        for side, area in areas.items()
    }
    boards = {side: make_board(session, f"MX-{side.upper()}", area) for side, area in areas.items()}
    factory.token(victims["outside"])
    victim_token = session.scalar(
        select(ApiToken.id).where(ApiToken.user_id == victims["outside"].id)
    )
    board_token = issue_token(session, SYSTEM, boards["inside"], now=system_clock())
    session.commit()

    admin_h = {"Authorization": f"Bearer {bearer['admin']}"}
    client = app.test_client()
    params: dict[str, dict[str, Any]] = {}
    for side, area in areas.items():
        item = _api(
            client,
            "POST",
            "/api/v1/content",
            admin_h,
            json={"area": area.code, "category": "disaster", "headline": f"Tin {side}"},
        )
        approved = _api(
            client,
            "POST",
            "/api/v1/content",
            admin_h,
            json={"area": area.code, "category": "disaster", "headline": f"Đã duyệt {side}"},
        )
        _api(client, "POST", f"/api/v1/content/{approved['id']}/submit", admin_h, json={})
        _api(
            client,
            "POST",
            f"/api/v1/content/{approved['id']}/approve",
            approver_h,
            json={},
        )
        playlist = _api(
            client,
            "POST",
            "/api/v1/playlists",
            admin_h,
            json={"name": f"DS {side}", "area": area.code, "items": [{"item": approved["id"]}]},
        )
        schedule = _api(
            client,
            "POST",
            "/api/v1/schedules",
            admin_h,
            json={
                "target_kind": "area",
                "target": area.code,
                "playlist": playlist["id"],
                "windows": ["07:00-08:00"],
            },
        )
        alert = _api(
            client,
            "POST",
            "/api/v1/alerts",
            admin_h,
            json={"template": "storm", "areas": [area.code]},
        )
        group = _api(
            client,
            "POST",
            "/api/v1/groups",
            admin_h,
            json={"code": f"MXG-{side}", "name": "Nhóm", "area": area.code},
        )
        # A draft's rendition: a private file under /media.
        client.get(
            f"/api/v1/content/{item['id']}/revisions/1/renditions/{PROFILE}.png", headers=admin_h
        )
        revision = session.scalar(select(Revision).where(Revision.item_id == item["id"]))
        assert revision is not None
        sha = session.scalar(
            select(RenditionRecord.sha256).where(
                RenditionRecord.content_hash == revision.content_hash
            )
        )
        assert sha, "the draft was not rendered"
        victim = victims[side]
        grant_id = session.scalar(select(Grant.id).where(Grant.user_id == victim.id))
        other_token = victim_token if side == "outside" else None
        params[side] = {
            "area": area,
            "code": boards[side].code,
            "area_code": area.code,
            "group": group["code"],
            "item_id": item["id"],
            "approved_id": approved["id"],
            "rev": 1,
            "profile_key": PROFILE,
            "playlist_id": playlist["id"],
            "schedule_id": schedule["id"],
            "alert_id": alert["id"],
            "user_id": victim.id,
            "grant_id": grant_id,
            "sha256": sha,
            "ext": "png",
            "other_token": other_token,
        }
    claim = _api(client, "POST", "/api/v1/pairing", {})
    common = {
        "claim_id": claim["poll_url"].rstrip("/").rsplit("/", 1)[-1],
        "lang": "en",
        "key": "storm",
        "kind": "areas",
        "board_token": board_token,
    }
    for side in SIDES:
        params[side].update(common)
    # "owner" rows: inside, each role's own subscription; outside, a victim's.
    own_subs = {role: Subscription(user=u, area=hn) for role, u in users.items()}
    victim_sub = Subscription(user=victims["outside"], area=areas["outside"])
    session.add_all([*own_subs.values(), victim_sub])
    session.flush()
    params["inside"]["subscription_ids"] = {role: sub.id for role, sub in own_subs.items()}
    params["outside"]["subscription_ids"] = {role: victim_sub.id for role in ROLES}
    params["-"] = dict(params["inside"])

    cookies: dict[str, str] = {}
    csrf: dict[str, str] = {}
    for n, (role, user) in enumerate(users.items()):
        c = app.test_client()
        addr = {"REMOTE_ADDR": f"192.0.2.{10 + n}"}
        token = csrf_token(c, "/login")
        resp = c.post(
            "/login",
            data={"username": user.username, "password": "correct-horse-battery",
                  "csrf_token": token},
            environ_base=addr,
        )  # fmt: skip
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        csrf[role] = csrf_token(c, "/tokens")
        cookie = c.get_cookie("session")
        assert cookie is not None
        cookies[role] = cookie.value
    session.commit()  # closing without it would roll back what the API made since the last one
    session.close()

    yield World(
        app=app,
        users=users,
        cookies=cookies,
        csrf=csrf,
        bearer=bearer,
        token_ids=token_ids,
        params=params,
        areas=areas,
        begin=connection.begin_nested,
    )
    ctx.pop()
    outer.rollback()
    connection.close()


# --- expectations and requests ---------------------------------------------------------------


def expected(policy: Policy, role: str, side: str, world: World, api: bool) -> str:
    """The outcome class the table promises for this role on this side."""
    if policy.kind == "public":
        return "ok"
    if policy.kind == "nothing":
        return "404"
    if policy.kind == "signout":
        return "login"
    if role == "board":
        if policy.board:
            return policy.board
        if policy.kind == "player":
            return "ok" if side == "inside" else "404"
        return "404" if policy.kind == "media" else "login"
    if role == "anonymous":
        return "404" if policy.kind == "media" else "login"
    user = world.users[role]
    if policy.kind == "login":
        return "ok"
    if policy.kind == "section":
        return "ok" if scope_paths(user, policy.action) else "403"
    if policy.kind == "root":
        return "ok" if can(user, policy.action, None) else "403"
    area = world.areas[side]
    if policy.kind in ("owner", "manager"):
        mine = side == "inside"
        manages = policy.kind == "manager" and can(user, "user.manage", area)
        return "ok" if mine or manages else "404"
    if not can(user, policy.view, area):
        if policy.kind == "cap":
            return "403"
        return "missing" if policy.kind == "create" else "404"
    if policy.kind == "media":
        return "ok"
    if policy.action == "-":  # only the board itself
        return "403"
    allowed = any(can(user, a, area) for a in policy.action.split("|"))
    return "ok" if allowed else "403"


def outcome(resp: Any) -> str:
    """The class of an answer: ok, login, 403 or 404 (anything else is returned as is)."""
    status = resp.status_code
    if status == 401 or (status in (301, 302, 303) and "/login" in resp.headers["Location"]):
        return "login"
    if status in (403, 404):
        return str(status)
    if status < 400 or status in (400, 409, 415, 422):
        return "ok"
    return str(status)


def build_url(rule: str, params: dict[str, Any], variant: str, role: str, world: World) -> str:
    """The rule with its parameters filled in from the side's objects."""

    def value(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "", match.group(2)
        if converter.startswith("any"):
            return variant
        if name == "code":
            if rule.startswith("/areas/") or rule.startswith("/api/v1/areas/"):
                return params["area_code"]
            if "/groups/" in rule:
                return params["group"]
            return params["lang"] if rule.startswith("/lang/") else params["code"]
        if name == "subscription_id":
            return str(params["subscription_ids"].get(role, 1))
        if name == "token_id":
            return str(params["other_token"] or world.token_ids.get(role, 1))
        if name == "filename":
            if rule.startswith("/player/"):
                return "player.js"
            if rule.startswith("/static/console/"):
                return "console.css"
            return "console.css"  # the app's own folder is empty: nothing to serve
        return str(params[name])

    return re.sub(r"<(?:(\w+(?:\([^)]*\))?):)?(\w+)>", value, rule)


def body_for(key: str, params: dict[str, Any]) -> Any:
    """A small valid body where the body names the area (creates), else an empty one."""
    code = params["area_code"]
    bodies: dict[str, Any] = {
        "POST /api/v1/areas": {"code": f"{code}-MX", "name": "Tổ MX", "kind": "custom",
                               "parent": code},
        "POST /api/v1/users": {"username": "mx-new", "password": "correct-horse-battery-2",
                               "grants": [{"role": "viewer", "area": code}]},
        "POST /api/v1/users/<int:user_id>/grants": {"role": "viewer", "area": code},
        "POST /api/v1/boards": {"code": "MX-NEW", "name": "Bảng mới", "area": code,
                                "profile": PROFILE},
        "POST /api/v1/groups": {"code": "MXG-NEW", "name": "Nhóm mới", "area": code},
        "POST /api/v1/content": {"area": code, "category": "disaster", "headline": "Mới"},
        "POST /api/v1/playlists": {"name": "Mới", "area": code, "items": []},
        "POST /api/v1/schedules": {"target_kind": "area", "target": code,
                                   "playlist": params["playlist_id"], "windows": ["09:00-10:00"]},
        "POST /api/v1/alerts": {"template": "storm", "areas": [code]},
        "POST /api/v1/subscriptions": {"area": code},
        "POST /api/v1/alerts/<int:alert_id>/confirm": {"version": 1},
        "PUT /api/v1/schedules/<int:schedule_id>": {"target_kind": "area", "target": code,
                                   "playlist": params["playlist_id"], "windows": ["09:00-10:00"]},
        "POST /api/v1/profiles": {"key": "mx-led", "name": "MX", "width": 64, "height": 32,
                                  "colour_mode": "mono", "kind": "led",
                                  "palette": [[0, 0, 0], [255, 0, 0]]},
        "PUT /api/v1/alert-templates/<key>": {"name": "Bão", "event": "Bão", "headline": "BÃO",
            "category": "Met", "urgency": "Expected", "severity": "Moderate",
            "certainty": "Likely", "expires_minutes": 60},
    }  # fmt: skip
    return bodies.get(key, {})


def cap_message(code: str) -> str:
    """A minimal CAP 1.2 alert for one area code."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>MX-{code}</identifier><sender>mx@example.vn</sender>
  <sent>2026-03-02T07:00:00+07:00</sent><status>Actual</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info><language>vi-VN</language><category>Met</category><event>Bão</event>
    <urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>
    <headline>Bão số 3</headline>
    <area><areaDesc>MX</areaDesc><geocode><valueName>VN</valueName><value>{code}</value>
    </geocode></area>
  </info>
</alert>"""


def request(world: World, key: str, variant: str, role: str, side: str, area_code: str = "") -> Any:
    """Send the request as this role, with what it needs to pass CSRF and authentication
    (with area_code, the body names that area instead of the side's)."""
    method, rule = key.split(" ", 1)
    params = world.params[side]
    if area_code:
        params = {**params, "area_code": area_code}
    url = build_url(rule, params, variant, role, world)
    client = world.app.test_client()
    headers: dict[str, str] = {}
    kw: dict[str, Any] = {}
    api = rule.startswith("/api/v1/")
    if role == "board":
        headers["Authorization"] = f"Bearer {params['board_token']}"
    elif role != "anonymous":
        if api:
            headers["Authorization"] = f"Bearer {world.bearer[role]}"
        else:
            client.set_cookie("session", world.cookies[role])
    if method != "GET":
        if key == "POST /api/v1/cap":
            kw["data"] = cap_message(params["area_code"])
            kw["content_type"] = "application/cap+xml"
        elif key == "POST /api/v1/boards/import":
            kw["data"] = (
                "code,name,area_code,profile\n"
                + f"MX-IMP,Bảng nhập,{params['area_code']},{PROFILE}\n"
            ).encode()
            kw["content_type"] = "text/csv"
        elif key == "POST /api/v1/boards/<code>/screenshot":
            kw["data"] = b"not a png"
            kw["content_type"] = "image/png"
        elif key == "POST /api/v1/media":
            kw["data"] = b""
            kw["content_type"] = "application/octet-stream"
        elif api:
            kw["json"] = body_for(key, params)
        elif role in world.csrf:
            kw["data"] = {"csrf_token": world.csrf[role]}
        else:  # no session: take the sign-in page's token, so the login check is what answers
            kw["data"] = {"csrf_token": csrf_token(client, "/login")}
    resp = client.open(url, method=method, headers=headers, **kw)
    resp.get_data()  # read the body and close the response (files are streamed)
    resp.close()
    return resp


# --- the tests ------------------------------------------------------------------------------


def test_every_route_is_in_the_table(world: World) -> None:
    """A route of the URL map without a row here fails, naming the route."""
    keys = url_map_keys(world.app)
    missing = [k for k in keys if k not in ROUTES]
    assert not missing, f"routes without a row in the permission matrix: {missing}"
    stale = [k for k in ROUTES if k not in keys]
    assert not stale, f"rows for routes that no longer exist: {stale}"
    print(f"permission matrix: {len(keys)} route × method pairs, {len(CASES)} combinations")


@pytest.mark.parametrize(("key", "variant", "role", "side"), CASES)
def test_route(world: World, key: str, variant: str, role: str, side: str) -> None:
    """One route × role × side answers the class of outcome its policy promises."""
    entry = ROUTES[key]
    policy = entry[variant] if isinstance(entry, dict) else entry
    want = expected(policy, role, side, world, key.split(" ", 1)[1].startswith("/api/v1/"))
    savepoint = world.begin()
    try:
        resp = request(world, key, variant, role, side)
        got = outcome(resp)
    finally:
        savepoint.rollback()
    if want == "missing":
        # Another province's area must read exactly like a code that does not exist.
        savepoint = world.begin()
        try:
            unknown = request(world, key, variant, role, side, area_code=MISSING_AREA)
        finally:
            savepoint.rollback()
        shown = resp.get_data(as_text=True).replace(world.params[side]["area_code"], "?")
        assert (resp.status_code, shown) == (
            unknown.status_code,
            unknown.get_data(as_text=True).replace(MISSING_AREA, "?"),
        ), f"{key} as {role}: another area's code is told apart from an unknown one"
        return
    assert got == want, (
        f"{key} {variant} as {role} ({side}): expected {want}, got {resp.status_code} "
        f"{resp.get_data(as_text=True)[:300]!r}"
    )
