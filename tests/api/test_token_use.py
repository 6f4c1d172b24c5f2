"""API token last use: at most one write a minute per token, off the request's transaction
(issue 10, item 16)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from signage import create_app
from signage.accounts.models import ApiToken
from signage.accounts.token_use import TokenUseBuffer, token_uses
from signage.db import make_engine
from signage.migrations import upgrade
from tests.factories import Factory

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def test_a_token_is_noted_at_most_once_a_minute():
    buffer = TokenUseBuffer()
    buffer.seen(1, T0)
    buffer.seen(1, T0 + timedelta(seconds=59))
    buffer.seen(2, T0 + timedelta(seconds=1))
    assert buffer.take() == {1: T0, 2: T0 + timedelta(seconds=1)}
    buffer.seen(1, T0 + timedelta(seconds=30))
    assert buffer.pending() == 0
    buffer.seen(1, T0 + timedelta(minutes=1))
    assert buffer.take() == {1: T0 + timedelta(minutes=1)}


def test_a_failed_write_keeps_the_uses_for_the_next_flush():
    buffer = TokenUseBuffer()
    buffer.seen(1, T0)
    batch = buffer.take()
    buffer.seen(2, T0)
    buffer.restore(batch)
    assert buffer.take() == {1: T0, 2: T0}


def test_requests_write_last_use_once_a_minute(app, client, session, factory, hn_editor):
    secret = factory.token(hn_editor)
    h = {"Authorization": f"Bearer {secret}"}
    writes = []

    def count(conn, cursor, statement, params, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE API_TOKENS"):
            writes.append(statement)

    target = session.connection().engine
    event.listen(target, "before_cursor_execute", count)
    try:
        for _ in range(5):
            assert client.get("/api/v1/me", headers=h).status_code == 200
    finally:
        event.remove(target, "before_cursor_execute", count)
    assert len(writes) == 1
    token = session.scalars(select(ApiToken).execution_options(populate_existing=True)).one()
    assert token.last_used_at is not None
    assert token_uses(app).pending() == 0


def test_last_use_never_moves_backwards(session, factory, hn_editor):
    factory.token(hn_editor)
    token = session.scalars(select(ApiToken)).one()
    token.last_used_at = T0
    session.flush()
    TokenUseBuffer.write(session, {token.id: T0 - timedelta(hours=1)})
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at == T0


def test_two_concurrent_clients_on_sqlite_never_see_database_locked(tmp_path):
    """Two API clients in parallel on a SQLite file: every answer is 200, none is a 500."""
    url = f"sqlite:///{tmp_path / 'concurrent.db'}"
    upgrade(url)
    app = create_app(
        {
            "database_url": url,
            "instance_dir": tmp_path / "instance",
            "media_dir": tmp_path / "media",
            "secret_key": "test-secret",
            "testing": True,
            "background_tasks": False,  # flush and send inline: no loop outlives the test
            "alert_snapshot_seconds": 0,  # every alert_sync reads the test transaction
        }
    )
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            factory = Factory(s)
            tree = factory.tree()
            secrets = [
                factory.token(factory.user(f"u{n}", ("viewer", tree["hn"]))) for n in range(2)
            ]
            s.commit()
        statuses: list[int] = []
        lock = threading.Lock()

        def client_loop(secret: str) -> None:
            h = {"Authorization": f"Bearer {secret}"}
            with app.app_context():
                web = app.test_client()
                for _ in range(40):
                    for path in ("/api/v1/me", "/api/v1/areas/01"):
                        code = web.get(path, headers=h).status_code
                        with lock:
                            statuses.append(code)

        threads = [threading.Thread(target=client_loop, args=(s,)) for s in secrets]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert len(statuses) == 160
        assert set(statuses) == {200}, sorted(set(statuses))
        with Session(engine) as s:
            assert all(t.last_used_at is not None for t in s.scalars(select(ApiToken)))
    finally:
        engine.dispose()
        if app.extensions.get("signage_db"):
            app.extensions["signage_db"].engine.dispose()


def test_uses_waiting_in_memory_are_written_when_the_process_stops(
    app, session, factory, hn_editor
):
    from signage.realtime.lifecycle import flush_buffers

    factory.token(hn_editor)
    token = session.scalars(select(ApiToken)).one()
    session.commit()
    token_uses(app).seen(token.id, T0)  # noted by a request, not yet written by the loop
    flush_buffers(app)  # what SIGTERM, gunicorn's worker_exit and atexit run
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at == T0
    assert token_uses(app).pending() == 0
