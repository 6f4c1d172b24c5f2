"""Hostile and broken requests: the JSON error shape, the right status, nothing written."""

from __future__ import annotations

import json

import pytest

from tests.api.helpers import assert_error, fields, snapshot

GOOD_USER = {"username": "new-user", "password": "a-long-enough-pass", "grants": []}


@pytest.fixture()
def auth(factory, root_admin) -> dict[str, str]:
    return factory.bearer(root_admin)


def post_raw(client, path, data, headers, content_type="application/json"):
    return client.post(path, data=data, headers=headers, content_type=content_type)


def test_401_without_credentials(client, session):
    before = snapshot(session)
    err = assert_error(client.get("/api/v1/me"), 401, "unauthenticated")
    assert "token" in err["message"].lower()
    resp = client.post("/api/v1/users", json=GOOD_USER)
    assert_error(resp, 401)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    assert snapshot(session) == before


def test_403_shape(client, factory, hn_editor):
    err = assert_error(
        client.post("/api/v1/users", json=GOOD_USER, headers=factory.bearer(hn_editor)),
        403,
        "forbidden",
    )
    assert "user.manage" in err["message"]


def test_404_unknown_route_and_unknown_item(client, auth):
    assert_error(client.get("/api/v1/no-such-thing", headers=auth), 404, "not_found")
    err = assert_error(client.get("/api/v1/areas/NOPE", headers=auth), 404, "not_found")
    assert "NOPE" in err["message"]
    assert_error(client.get("/api/v1/users/999999", headers=auth), 404)


def test_405_says_which_methods_are_allowed(client, auth):
    resp = client.put("/api/v1/tokens", json={}, headers=auth)
    assert_error(resp, 405, "method_not_allowed")
    assert {"GET", "POST"} <= {m.strip() for m in resp.headers["Allow"].split(",")}


def test_409_duplicate_username_writes_no_second_row(client, session, auth):
    assert client.post("/api/v1/users", json=GOOD_USER, headers=auth).status_code == 201
    before = snapshot(session)
    # Usernames are compared case-insensitively and without surrounding spaces.
    for name in ("new-user", " NEW-User "):
        err = assert_error(
            client.post("/api/v1/users", json={**GOOD_USER, "username": name}, headers=auth),
            409,
            "conflict",
        )
        assert "new-user" in err["message"]
    assert snapshot(session) == before


def test_413_body_over_the_json_limit(client, session, app, auth):
    limit = app.config["SIGNAGE"].max_json_bytes
    before = snapshot(session)
    body = json.dumps({**GOOD_USER, "display_name": "x" * (limit + 1)})
    err = assert_error(post_raw(client, "/api/v1/users", body, auth), 413, "payload_too_large")
    assert str(limit) in err["message"]
    assert snapshot(session) == before


def test_413_body_over_max_content_length(client, session, app, auth):
    # MAX_CONTENT_LENGTH guards every request, before any JSON parsing.
    app.config["MAX_CONTENT_LENGTH"] = 100
    before = snapshot(session)
    body = json.dumps({**GOOD_USER, "display_name": "x" * 200})
    assert_error(post_raw(client, "/api/v1/users", body, auth), 413, "payload_too_large")
    assert snapshot(session) == before


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_415_wrong_content_type(client, session, auth, content_type):
    before = snapshot(session)
    resp = post_raw(client, "/api/v1/users", json.dumps(GOOD_USER), auth, content_type)
    err = assert_error(resp, 415, "unsupported_media_type")
    assert "application/json" in err["message"]
    assert snapshot(session) == before


@pytest.mark.parametrize(
    "raw",
    [
        b'{"username": "a",',
        b"{'username': 'single-quotes'}",
        b"",
        b"\xff\xfe not utf-8",
        b"[" * 100_000 + b"]" * 100_000,  # nesting deeper than any parser recursion limit
    ],
    ids=["truncated", "single-quotes", "empty", "not-utf8", "deep-nesting"],
)
def test_400_malformed_json(client, session, auth, raw):
    before = snapshot(session)
    err = assert_error(post_raw(client, "/api/v1/users", raw, auth), 400, "invalid_json")
    assert "JSON" in err["message"]
    assert snapshot(session) == before


def test_malformed_json_says_where(client, auth):
    err = assert_error(post_raw(client, "/api/v1/users", b'{\n "a": }', auth), 400)
    assert "line 2" in err["message"]


@pytest.mark.parametrize("raw", [b"[]", b'[{"username": "x"}]', b'"text"', b"42", b"null"])
def test_422_json_that_is_not_an_object(client, session, auth, raw):
    before = snapshot(session)
    err = assert_error(post_raw(client, "/api/v1/users", raw, auth), 422, "validation_failed")
    assert "object" in fields(err)["body"]
    assert snapshot(session) == before


def test_422_unknown_fields_are_refused(client, session, auth):
    before = snapshot(session)
    body = {**GOOD_USER, "is_admin": True, "password_hash": "x"}
    err = assert_error(client.post("/api/v1/users", json=body, headers=auth), 422)
    assert set(fields(err)) == {"is_admin", "password_hash"}
    assert "Unknown field" in fields(err)["is_admin"]
    assert snapshot(session) == before


def test_422_names_every_bad_field(client, session, auth):
    before = snapshot(session)
    body = {"username": "", "locale": "fr", "grants": [{"role": "king", "area": "01"}]}
    err = assert_error(client.post("/api/v1/users", json=body, headers=auth), 422)
    problems = fields(err)
    assert problems["password"] == "This field is required."
    assert problems["username"] == "Must not be empty."
    assert "'vi'" in problems["locale"] and "'en'" in problems["locale"]
    assert "admin" in problems["grants.0.role"]
    assert snapshot(session) == before


@pytest.mark.parametrize(
    "display_name", ["nul\u0000byte", "bell\u0007", "lone \ud800 surrogate"], ids=repr
)
def test_422_control_characters_and_lone_surrogates(client, session, auth, display_name):
    # PostgreSQL refuses NUL in text and no database stores a lone surrogate: refuse them early.
    before = snapshot(session)
    raw = json.dumps({**GOOD_USER, "display_name": display_name})
    err = assert_error(post_raw(client, "/api/v1/users", raw, auth), 422)
    assert "control characters" in err["message"]
    assert snapshot(session) == before


def test_422_wrong_types(client, session, auth):
    before = snapshot(session)
    body = {"username": 123, "password": ["x"], "grants": {"role": "admin"}}
    err = assert_error(client.post("/api/v1/users", json=body, headers=auth), 422)
    problems = fields(err)
    assert problems["username"] == "Must be text."
    assert problems["grants"] == "Must be a list."
    assert snapshot(session) == before


def test_query_string_errors(client, factory, root_admin):
    auth = factory.bearer(root_admin)
    cases = {
        "/api/v1/audit?limit=abc": ("limit", "whole number"),
        "/api/v1/audit?limit=0": ("limit", "at least 1"),
        "/api/v1/audit?limit=501": ("limit", "at most 500"),
        "/api/v1/audit?offset=-1": ("offset", "at least 0"),
        "/api/v1/audit?acton=user.create": ("acton", "Unknown parameter"),
        "/api/v1/audit?limit=1&limit=2": ("limit", "only once"),
        "/api/v1/audit?since=yesterday": ("since", "ISO 8601"),
        "/api/v1/audit?since=2025-07-01T08:00:00": ("since", "UTC offset"),
        "/api/v1/audit?since=9999-12-31T23:59:59-12:00": ("since", "out of range"),
        "/api/v1/audit?actor=a%00b": ("actor", "control characters"),
        "/api/v1/areas?q=" + "x" * 101: ("q", "At most 100"),
        "/api/v1/areas?parent=01&parent=31": ("parent", "only once"),
        "/api/v1/users?q=" + "x" * 101: ("q", "At most 100"),
        "/api/v1/users?limit=9999": ("limit", "at most 500"),
        "/api/v1/users?offset=99999999999999999999": ("offset", "at most"),
        "/api/v1/users?sort=username": ("sort", "Unknown parameter"),
    }
    for url, (field, text) in cases.items():
        err = assert_error(client.get(url, headers=auth), 422)
        assert text in fields(err).get(field, ""), (url, err)


def test_query_language_parameter_is_always_accepted(client, factory, root_admin):
    resp = client.get("/api/v1/audit?lang=en&limit=1", headers=factory.bearer(root_admin))
    assert resp.status_code == 200


@pytest.mark.parametrize(
    "path",
    ["/api/v1/users/99999999999999999999999", "/api/v1/tokens/2147483648", "/api/v1/users/0"],
)
def test_ids_out_of_range_are_not_found(client, auth, path):
    method = client.delete if "tokens" in path else client.get
    assert_error(method(path, headers=auth), 404)


def test_path_with_nul_is_not_found(client, auth):
    assert_error(client.get("/api/v1/areas/a%00b", headers=auth), 404)
