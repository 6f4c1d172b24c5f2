"""The per-address limit on sign-in attempts (Flask-Limiter), on an app built with a low limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import sessionmaker

from signage import create_app
from signage.audit.models import AuditEntry
from signage.db import db
from tests.conftest import TEST_PASSWORD, IsolatedClient, csrf_token
from tests.factories import Factory

A = {"REMOTE_ADDR": "203.0.113.10"}
B = {"REMOTE_ADDR": "203.0.113.11"}


@pytest.fixture()
def limited_app(connection: Connection, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Like the `app` fixture, with at most 3 sign-in attempts a minute per address."""
    application = create_app(
        {
            "database_url": database_url,
            "instance_dir": tmp_path / "instance",
            "media_dir": tmp_path / "media",
            "secret_key": "test-secret",
            "testing": True,
            "background_tasks": False,  # flush and send inline: no loop outlives the test
            "alert_snapshot_seconds": 0,  # every alert_sync reads the test transaction
            "login_rate_limit": "3 per minute",
        }
    )
    application.test_client_class = IsolatedClient
    db.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    with application.app_context():
        yield application


def attempt(client, password, environ):
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"username": "lan", "password": password, "csrf_token": token},
        environ_base=environ,
    )


def test_fourth_attempt_in_a_minute_is_refused(limited_app):
    session = db.sessionmaker()
    Factory(session).user("lan")
    client = limited_app.test_client()
    for _ in range(3):
        assert attempt(client, "wrong-password", A).status_code == 401
    resp = attempt(client, TEST_PASSWORD, A)  # even the right password: the limit comes first
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) > 0
    # The refused attempt never reached the sign-in check: three failures logged, not four.
    logged = session.scalar(
        select(func.count()).where(AuditEntry.action.in_(["login.failed", "login.succeeded"]))
    )
    assert logged == 3
    # Another address is not affected, and reading the page is never limited.
    assert attempt(limited_app.test_client(), TEST_PASSWORD, B).status_code == 302
    assert client.get("/login", environ_base=A).status_code == 200
    session.close()


def test_the_limit_answers_json_to_json_clients(limited_app):
    client = limited_app.test_client()
    for _ in range(3):
        attempt(client, "wrong-password", A)
    resp = client.post(
        "/login",
        data={"username": "lan", "password": "x", "csrf_token": csrf_token(client)},
        headers={"Accept": "application/json"},
        environ_base=A,
    )
    assert resp.status_code == 429
    assert resp.get_json()["error"]["code"] == "rate_limited"
