"""Issue 10 item 8: security headers on every response; /player keeps its stricter CSP."""

from __future__ import annotations

import re

import pytest

from tests.conftest import login

PAGES = [
    "/login",
    "/",
    "/users",
    "/areas",
    "/audit",
    "/tokens",
    "/static/console/console.js",
    "/api/v1/me",
    "/api/v1/openapi.json",
    "/no-such-page",
    "/api/v1/no-such-thing",
]


def _check(resp) -> None:
    csp = resp.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


@pytest.mark.parametrize("path", PAGES)
def test_every_response_carries_the_headers(client, admin, path):
    login(client, "root-admin")
    resp = client.get(path)
    resp.close()
    assert resp.status_code < 500
    _check(resp)
    assert "Strict-Transport-Security" not in resp.headers  # plain HTTP: no HSTS


def test_signed_out_and_error_pages_too(client):
    for resp in (client.get("/"), client.get("/login"), client.post("/logout")):
        _check(resp)


def test_hsts_behind_https(app, client, admin):
    app.config["SIGNAGE"].session_cookie_secure = True
    resp = client.get("/login")
    assert resp.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_player_keeps_its_stricter_policy(client):
    csp = client.get("/player").headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "form-action 'none'" in csp


def test_console_pages_have_no_inline_script(client, admin):
    login(client, "root-admin")
    for path in ("/", "/users", "/areas", "/audit", "/tokens", "/users/new", "/no-such-page"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+=", html), path
        assert "javascript:" not in html, path
