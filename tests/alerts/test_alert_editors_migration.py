"""Revision 0008: alerts held at upgrade time remember who edited them (from the audit log)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, MetaData, String, Table, select

from signage.db import make_engine
from signage.migrations import upgrade
from tests.test_migrations import scratch_url  # noqa: F401 - the fixture, on the test backend

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)


def insert(conn: Any, table: Table, **values: Any) -> None:
    """A row with the given values and a placeholder in every other required column."""
    for column in table.columns:
        if column.name in values or column.nullable or column.primary_key:
            continue
        kind = column.type
        values[column.name] = (
            NOW if isinstance(kind, DateTime) else False if isinstance(kind, Boolean)
            else 0 if isinstance(kind, Integer) else [] if isinstance(kind, JSON)
            else "x" if isinstance(kind, String) else "x"
        )  # fmt: skip
    conn.execute(table.insert().values(**values))


def test_held_alerts_get_their_editors_from_the_audit_log(scratch_url):  # noqa: F811
    upgrade(scratch_url, "0006")
    engine = make_engine(scratch_url)
    try:
        meta = MetaData()
        meta.reflect(engine, only=["areas", "users", "alerts", "audit_log"])
        t = meta.tables
        with engine.begin() as conn:
            insert(conn, t["areas"], id=1, code="01", path="/1/", depth=1)
            for uid in (1, 2, 3):
                insert(conn, t["users"], id=uid, username=f"u{uid}", email=f"u{uid}@x")
            for aid, state in ((1, "pending_confirmation"), (2, "active")):
                insert(conn, t["alerts"], id=aid, identifier=f"a{aid}", state=state, area_id=1,
                       created_by_id=1)  # fmt: skip
            entries = [(1, 2, "alert.update"), (1, 2, "alert.update"), (1, 3, "alert.create"),
                       (2, 3, "alert.update")]  # fmt: skip
            for i, (aid, uid, action) in enumerate(entries, start=1):
                insert(conn, t["audit_log"], id=i, actor_id=uid, action=action,
                       object_type="alert", object_id=str(aid), details={})  # fmt: skip
        upgrade(scratch_url)
        meta = MetaData()
        alerts = Table("alerts", meta, autoload_with=engine)
        with engine.connect() as conn:
            rows = dict(conn.execute(select(alerts.c.id, alerts.c.editor_ids)).all())
        assert rows[1] == [2]  # edited twice by user 2; "create" entries are not edits
        assert rows[2] is None  # not held: nothing to confirm any more
    finally:
        engine.dispose()
