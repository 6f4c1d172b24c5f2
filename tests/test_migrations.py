"""Migrations: empty -> head -> base -> head on a scratch database; models match the revisions."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from signage.db import make_engine
from signage.migrations import downgrade, upgrade
from signage.models import Base


@pytest.fixture()
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A new, empty database on the test backend, never the session-wide migrated one."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"signage_migr_{secrets.token_hex(6)}"
    server = make_engine(
        make_url(database_url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def model_diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url):
    model_tables = set(Base.metadata.tables)
    assert tables(scratch_url) == set()
    upgrade(scratch_url)
    assert tables(scratch_url) == model_tables | {"alembic_version"}
    downgrade(scratch_url, "base")
    assert tables(scratch_url) == {"alembic_version"}
    upgrade(scratch_url)
    assert tables(scratch_url) == model_tables | {"alembic_version"}
    upgrade(scratch_url)  # already at head: nothing to do, no error


def test_models_match_the_migrations(scratch_url):
    upgrade(scratch_url)
    assert model_diff(scratch_url) == []


def test_rebuilding_a_table_keeps_the_rows_that_refer_to_it(scratch_url):
    """0007 rebuilds `users` on SQLite (copy, DROP, rename): the DROP must not fire ON DELETE
    actions, which deleted every grant and nulled every audit entry's actor."""
    from tests.alerts.test_alert_editors_migration import insert

    upgrade(scratch_url, "0006")
    engine = make_engine(scratch_url)
    try:
        from sqlalchemy import MetaData

        meta = MetaData()
        meta.reflect(engine, only=["areas", "users", "grants", "audit_log"])
        t = meta.tables
        with engine.begin() as conn:
            insert(conn, t["areas"], id=1, code="01", path="/1/", depth=1)
            insert(conn, t["users"], id=7, username="u7", email="u7@x")
            insert(conn, t["grants"], id=1, user_id=7, role="editor", area_id=1)
            insert(conn, t["audit_log"], id=1, actor_id=7, action="x", object_type="user",
                   object_id="7", details={})  # fmt: skip
        upgrade(scratch_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT user_id FROM grants")).scalars().all() == [7]
            assert conn.execute(text("SELECT actor_id FROM audit_log")).scalars().all() == [7]
    finally:
        engine.dispose()


def test_tokens_from_before_0011_keep_every_scope(scratch_url):
    """0011 adds api_tokens.scopes as NULL for existing rows: NULL means every scope."""
    from sqlalchemy import MetaData

    from signage.accounts.scopes import parse
    from tests.alerts.test_alert_editors_migration import insert

    upgrade(scratch_url, "0010")
    engine = make_engine(scratch_url)
    try:
        meta = MetaData()
        meta.reflect(engine, only=["users", "api_tokens"])
        t = meta.tables
        with engine.begin() as conn:
            insert(conn, t["users"], id=7, username="u7", email="u7@x")
            insert(conn, t["api_tokens"], id=1, user_id=7, name="old", prefix="sgn_abcdef",
                   token_hash="0" * 64)  # fmt: skip
        upgrade(scratch_url)
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT scopes FROM api_tokens")).scalars().all()
        assert stored == [None]
        assert parse(stored[0]) is None  # every scope
        downgrade(scratch_url, "0010")
        assert "scopes" not in {c["name"] for c in inspect(engine).get_columns("api_tokens")}
    finally:
        engine.dispose()
