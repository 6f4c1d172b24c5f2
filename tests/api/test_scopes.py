"""API token scopes: every operation declares one, a token without it gets 403, scopes add nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from signage.accounts.models import ApiToken
from signage.accounts.scopes import ANY_TOKEN, SCOPES
from signage.audit.models import AuditEntry
from signage.http.api import ENDPOINT_SCOPES, PUBLIC_ENDPOINTS
from tests.api.helpers import assert_error, fields, snapshot

_PARAM = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def api_rules(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL with placeholder arguments) of every /api/v1 route in the URL map."""
    rules = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        url = _PARAM.sub(lambda m: "1" if m.group(1) == "int" else "x", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            rules.append((rule.endpoint, method, url))
    return rules


def scoped(factory, user, *scopes: str) -> dict[str, str]:
    """Authorization header of a new token of user limited to these scopes."""
    return {"Authorization": f"Bearer {factory.token(user, scopes=frozenset(scopes))}"}


def test_every_api_route_declares_a_scope_or_is_public(app):
    rules = api_rules(app)
    assert len(rules) > 60
    undeclared = [
        (endpoint, method, url)
        for endpoint, method, url in rules
        if endpoint not in ENDPOINT_SCOPES and endpoint not in PUBLIC_ENDPOINTS
    ]
    assert undeclared == []
    for endpoint, scope in ENDPOINT_SCOPES.items():
        assert scope == ANY_TOKEN or scope in SCOPES, endpoint
    # Every scope guards something: no scope is a promise the API does not keep.
    assert set(SCOPES) == set(ENDPOINT_SCOPES.values()) - {ANY_TOKEN}


def test_each_operation_refuses_a_token_without_its_scope_and_admits_one_with_it(
    app, client, factory, root_admin
):
    """Over every API route: all other scopes -> 403 naming the missing one; only it -> passes."""
    without = {s: scoped(factory, root_admin, *(set(SCOPES) - {s})) for s in SCOPES}
    only = {s: scoped(factory, root_admin, s) for s in SCOPES}
    problems = []
    checked = 0
    for endpoint, method, url in api_rules(app):
        if endpoint in PUBLIC_ENDPOINTS:
            continue
        scope = ENDPOINT_SCOPES[endpoint]
        checked += 1
        if scope == ANY_TOKEN:
            resp = client.open(url, method=method, headers=only["cap:write"])
            if resp.status_code != 200:
                problems.append((method, url, "any token", resp.status_code))
            continue
        resp = client.open(url, method=method, headers=without[scope], json={})
        body = resp.get_json(silent=True) or {}
        error = body.get("error", {})
        if (
            resp.status_code != 403
            or error.get("code") != "insufficient_scope"
            or scope not in error.get("message", "")
            or f'scope="{scope}"' not in resp.headers.get("WWW-Authenticate", "")
        ):
            problems.append((method, url, scope, resp.status_code, error))
        resp = client.open(url, method=method, headers=only[scope], json={})
        body = resp.get_json(silent=True) or {}
        if body.get("error", {}).get("code") == "insufficient_scope" or resp.status_code >= 500:
            problems.append((method, url, f"only {scope}", resp.status_code, body))
    assert problems == []
    assert checked > 60


def test_a_session_user_is_not_limited_by_scopes(client, factory, root_admin):
    from tests.conftest import login

    login(client, root_admin.username)
    assert client.get("/api/v1/users").status_code == 200
    assert client.get("/api/v1/audit").status_code == 200


def test_a_full_token_from_before_scopes_keeps_every_right(client, session, factory, root_admin):
    auth = factory.bearer(root_admin)  # stored scopes NULL, as every token before 0011
    assert session.scalars(select(ApiToken.scopes)).all() == [None]
    assert client.get("/api/v1/users", headers=auth).status_code == 200
    assert client.get("/api/v1/audit", headers=auth).status_code == 200


def test_scopes_never_add_rights(client, session, factory, tree, hn_editor):
    """An editor's token with users:admin and audit:read still cannot do what editors cannot."""
    auth = scoped(factory, hn_editor, "users:admin", "users:read", "audit:read", "areas:write")
    before = snapshot(session)
    resp = client.post(
        "/api/v1/users",
        json={"username": "moi", "password": "correct-horse-battery", "grants": []},
        headers=auth,
    )
    assert resp.status_code in (403, 404, 422)
    assert resp.get_json()["error"]["code"] != "insufficient_scope"
    assert client.get("/api/v1/audit", headers=auth).status_code == 403
    resp = client.post(
        "/api/v1/areas",
        json={"parent": "01", "code": "01-X", "name": "Khu mới", "kind": "custom"},
        headers=auth,
    )
    assert resp.status_code in (403, 404)
    assert snapshot(session) == before


def test_create_with_scopes_shows_them_and_audits_them(client, session, factory, hn_editor):
    auth = factory.bearer(hn_editor)
    resp = client.post(
        "/api/v1/tokens",
        json={"name": "cap feed", "scopes": ["cap:write", "areas:read"]},
        headers=auth,
    )
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["scopes"] == ["areas:read", "cap:write"]  # catalogue order
    assert body["token"].startswith("sgn_")
    row = session.get(ApiToken, body["id"])
    assert row.scopes == "areas:read cap:write"
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "token.create").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.details["scopes"] == "areas:read cap:write"
    listed = client.get("/api/v1/tokens", headers=auth).get_json()["tokens"]
    assert {t["id"]: t["scopes"] for t in listed}[body["id"]] == ["areas:read", "cap:write"]
    assert all("token" not in t for t in listed)  # the secret only at creation
    new = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/v1/areas", headers=new).status_code == 200
    assert_error(client.get("/api/v1/boards", headers=new), 403, "insufficient_scope")


def test_star_and_omitted_mean_every_scope(client, session, factory, hn_editor):
    auth = factory.bearer(hn_editor)
    for payload in ({"name": "a", "scopes": ["*"]}, {"name": "b"}):
        resp = client.post("/api/v1/tokens", json=payload, headers=auth)
        assert resp.status_code == 201
        assert resp.get_json()["scopes"] == ["*"]
        assert session.get(ApiToken, resp.get_json()["id"]).scopes is None


@pytest.mark.parametrize(
    ("scopes", "field", "says"),
    [
        (["cap:write", "boards:explode"], "scopes.1", "boards:explode"),
        (["CAP:WRITE"], "scopes.0", "Unknown scope"),
        ([], "scopes", "at least one"),
        (["cap:write", "cap:write"], "scopes", "only once"),
        (["*", "cap:write"], "scopes", "stands alone"),
        ("cap:write", "scopes", "list"),
        ([1, 2], "scopes.0", "text"),
        ([["cap:write"]], "scopes.0", "text"),
        ({"cap:write": True}, "scopes", "list"),
        (["cap:write"] * 10_000, "scopes", "At most 64"),
        (["x" * 5000], "scopes.0", "Unknown scope"),
    ],
)
def test_hostile_scopes_are_refused_and_nothing_is_written(
    client, session, factory, hn_editor, scopes, field, says
):
    auth = factory.bearer(hn_editor)
    before = snapshot(session)
    resp = client.post("/api/v1/tokens", json={"name": "x", "scopes": scopes}, headers=auth)
    error = assert_error(resp, 422, "validation_failed")
    assert says.lower() in fields(error)[field].lower(), error
    assert len(fields(error)[field]) < 600  # a huge bad value is not echoed back
    assert snapshot(session) == before


def test_a_narrowed_token_cannot_mint_a_wider_one(client, session, factory, hn_editor):
    auth = scoped(factory, hn_editor, "tokens:write", "tokens:read")
    before = snapshot(session)
    for payload in (
        {"name": "wider", "scopes": ["cap:write"]},
        {"name": "full", "scopes": ["*"]},
    ):
        error = assert_error(
            client.post("/api/v1/tokens", json=payload, headers=auth), 403, "insufficient_scope"
        )
        assert "cap:write" in error["message"]
    assert snapshot(session) == before
    resp = client.post("/api/v1/tokens", json={"name": "same"}, headers=auth)
    assert resp.status_code == 201
    assert resp.get_json()["scopes"] == ["tokens:read", "tokens:write"]
    resp = client.post(
        "/api/v1/tokens", json={"name": "less", "scopes": ["tokens:read"]}, headers=auth
    )
    assert resp.status_code == 201


def test_openapi_names_the_scope_of_every_operation(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    bearer = doc["components"]["securitySchemes"]["bearer"]
    for scope in SCOPES:
        assert f"`{scope}`" in bearer["description"]
    ops = [op for path in doc["paths"].values() for op in path.values()]
    for op in ops:
        if "security" not in op:
            continue
        scope = op["x-token-scope"]
        assert scope == ANY_TOKEN or op["security"] == [{"bearer": [scope]}]
        assert scope in op["description"] or "Any valid token" in op["description"]
    assert doc["paths"]["/api/v1/cap"]["post"]["security"] == [{"bearer": ["cap:write"]}]
