"""Alembic environment: the package's models, the configured URL, batch mode on SQLite."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from signage.db import UTCDateTime, make_engine
from signage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations on a live connection."""
    connectable = config.attributes.get("connection")
    if connectable is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise SystemExit("no database URL: run migrations with `signage db upgrade`")
        engine = make_engine(url)
        with engine.connect() as connection:
            _run(connection)
        engine.dispose()
    else:
        _run(connectable)


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render the UTC decorator as a plain aware DateTime so revisions import no app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table by copy and DROP; with foreign keys on, the DROP would fire
        # ON DELETE actions (audit entries losing their actor, grants deleted). SQLite ignores
        # this pragma inside a transaction, so it is set before the migration's transaction.
        _foreign_keys(connection, "OFF")
    try:
        _migrate(connection, sqlite)
    finally:
        if sqlite:
            _foreign_keys(connection, "ON")


def _foreign_keys(connection, state: str) -> None:
    # On the driver's connection (autocommit): SQLAlchemy's "begin" event would wrap it in BEGIN.
    if connection.in_transaction():
        connection.commit()
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={state}")


def _migrate(connection, sqlite: bool) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"migration left rows with dangling foreign keys: {broken[:5]}")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `signage db upgrade`")
run_migrations_online()
