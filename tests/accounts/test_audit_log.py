"""The audit log is append-only: no update or delete gets through the ORM."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from signage.audit.models import AuditEntry
from signage.audit.services import SYSTEM, Actor, record
from signage.clock import system_clock


@pytest.fixture()
def entry(session) -> AuditEntry:
    row = record(session, SYSTEM, "area.import", "area", "all", now=system_clock())
    session.flush()
    return row


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEntry))


def test_changing_an_entry_raises(session, entry):
    entry.action = "nothing.happened"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()


def test_deleting_an_entry_raises(session, entry):
    session.delete(entry)
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()


@pytest.mark.parametrize(
    "statement",
    [update(AuditEntry).values(actor="someone-else"), delete(AuditEntry)],
    ids=["bulk-update", "bulk-delete"],
)
def test_bulk_statements_raise(session, entry, statement):
    with pytest.raises(RuntimeError, match="append-only"):
        session.execute(statement)
    assert count(session) == 1
    assert session.get(AuditEntry, entry.id, populate_existing=True).actor == "system"


def test_appending_still_works(session, entry):
    record(session, Actor(None, "10.0.0.1", "someone"), "login.failed", "user", now=system_clock())
    session.flush()
    assert count(session) == 2


def test_long_values_are_cut_to_the_column_sizes(session):
    row = record(
        session,
        Actor(None, "x" * 100, "y" * 300),
        "login.failed",
        "user",
        "z" * 100,
        now=system_clock(),
    )
    session.flush()
    assert (len(row.actor), len(row.object_id), len(row.ip)) == (100, 64, 64)
