"""Shared fixtures: a migrated database, one rolled-back transaction per test, app and client."""

from __future__ import annotations

import contextvars
import os
import re
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from signage import create_app
from signage.db import db, make_engine
from signage.migrations import upgrade
from tests.factories import Factory

TEST_PASSWORD = "correct-horse-battery"
WALL_CLOCK_VARIABLE = "SIGNAGE_TEST_WALL_CLOCK"


def pytest_configure(config: pytest.Config) -> None:
    """With SIGNAGE_TEST_WALL_CLOCK (ISO time), the whole session runs from that wall-clock time.

    CI runs one pass at an evening hour in UTC (where a test that read the wall clock used to
    fail) to prove that no test depends on the time of day. The clock keeps ticking; monotonic
    time is untouched; processes the tests start keep the real clock. libfaketime would shift
    those too, but it breaks Python 3.11's timed sleeps and waits (EINVAL or a hang).
    """
    start = os.environ.get(WALL_CLOCK_VARIABLE)
    if not start:
        return
    import time_machine

    at = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise pytest.UsageError(f"{WALL_CLOCK_VARIABLE} needs a time zone, e.g. {start}Z")
    traveller = time_machine.travel(at, tick=True)
    traveller.start()
    config.add_cleanup(traveller.stop)


ONE_PASS_VARIABLE = "SIGNAGE_TEST_ONE_PASS"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With SIGNAGE_TEST_ONE_PASS=1 (CI runs the suite twice), a slow test marked
    `one_pass("sqlite")` or `one_pass("postgresql")` runs only in the pass on that database:
    it is deselected, not skipped, in the other one."""
    if os.environ.get(ONE_PASS_VARIABLE) != "1":
        return
    url = os.environ.get("SIGNAGE_TEST_DATABASE_URL", "")
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    keep: list[pytest.Item] = []
    other: list[pytest.Item] = []
    for item in items:
        mark = item.get_closest_marker("one_pass")
        (other if mark is not None and mark.args[0] != backend else keep).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> str | None:
    """Say when the session runs on a shifted wall clock."""
    start = os.environ.get(WALL_CLOCK_VARIABLE)
    return f"wall clock shifted to {start} ({WALL_CLOCK_VARIABLE})" if start else None


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context and `g`, as in production.

    The `app` fixture keeps an app context pushed for the whole test; without this, requests
    would share its `g` (the db session, a sticky rollback flag, the cached CSRF token).
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(autouse=True)
def no_stray_threads() -> Iterator[None]:
    """Fail a test that leaves a thread running.

    A thread that outlives its test shares the global `db` with the tests after it: a scheduler
    left behind by a refused `serve` once ran its minute job on another test's connection and
    broke that test's savepoints at random.
    """
    before = set(threading.enumerate())
    yield
    stray = [t for t in threading.enumerate() if t not in before]
    for thread in stray:
        thread.join(timeout=5)
    alive = [t.name for t in stray if t.is_alive()]
    assert not alive, f"threads left running by this test: {alive}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """SIGNAGE_TEST_DATABASE_URL (PostgreSQL in CI) or a fresh SQLite file."""
    url = os.environ.get("SIGNAGE_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def reset_database(url: str) -> None:
    """Drop everything in the test database so migrations start from empty."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The migrated test database (migrations run from empty once per session)."""
    reset_database(database_url)
    upgrade(database_url)
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture()
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    conn = engine.connect()
    trans = conn.begin()
    yield conn
    if trans.is_active:
        trans.rollback()
    conn.close()


@pytest.fixture()
def app(connection: Connection, database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """The app bound to the test transaction: every commit becomes a savepoint."""
    application = create_app(
        {
            "database_url": database_url,
            "instance_dir": tmp_path / "instance",
            "media_dir": tmp_path / "media",
            "secret_key": "test-secret",
            "testing": True,
            "background_tasks": False,  # flush and send inline: no loop outlives the test
            "alert_snapshot_seconds": 0,  # every alert_sync reads the test transaction
        }
    )
    application.test_client_class = IsolatedClient
    db.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    with application.app_context():
        yield application


@pytest.fixture()
def session(app: Flask) -> Iterator[Session]:
    """A session on the test transaction, for arranging and checking data."""
    assert db.sessionmaker is not None
    s = db.sessionmaker()
    yield s
    s.close()


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def factory(session: Session) -> Factory:
    return Factory(session)


@pytest.fixture()
def tree(factory: Factory) -> dict:
    """A small area tree: VN > Hà Nội > Hoàn Kiếm > village; VN > Hải Phòng > a commune."""
    return factory.tree()


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Fetch a page and return its CSRF token."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, username: str, password: str = TEST_PASSWORD):
    """Sign in through the real form (with its CSRF token)."""
    token = csrf_token(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
