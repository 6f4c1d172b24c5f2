"""The audit log is append-only in the database itself, not only in the ORM (issue 10, item 18).

Runs on both backends: PostgreSQL (CI's PostgreSQL pass) has a PL/pgSQL trigger, SQLite two
plain triggers; both come from migration 0009.
"""

from __future__ import annotations

import pytest
from sqlalchemy import exc, select, text

from signage.accounts.models import User
from signage.audit.models import AuditEntry
from signage.audit.services import Actor, record
from signage.clock import system_clock


@pytest.fixture()
def entry(session, factory, tree):
    user = factory.user("auditor")
    row = record(
        session,
        Actor(user),
        "test.action",
        "thing",
        "1",
        area_id=tree["hk"].id,
        now=system_clock(),
    )
    session.flush()
    return row


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET action = 'forged' WHERE id = :id",
        "UPDATE audit_log SET actor = 'someone else' WHERE id = :id",
        "DELETE FROM audit_log WHERE id = :id",
    ],
)
def test_raw_update_and_delete_are_refused(session, entry, sql):
    with pytest.raises(exc.DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(text(sql), {"id": entry.id})
    session.expire_all()
    row = session.get(AuditEntry, entry.id)
    assert row is not None and row.action == "test.action" and row.actor == "auditor"


def test_deleting_a_user_still_clears_the_actor_reference(session, entry):
    user = session.scalar(select(User).where(User.username == "auditor"))
    for grant in list(user.grants):
        session.delete(grant)
    session.flush()
    session.execute(text("DELETE FROM users WHERE id = :id"), {"id": user.id})
    session.expire_all()
    row = session.get(AuditEntry, entry.id)
    assert row.actor_id is None and row.actor == "auditor"


def test_emptying_the_table_is_refused(session, entry):
    # TRUNCATE on PostgreSQL; SQLite has no TRUNCATE, its equivalent is a DELETE without WHERE.
    pg = session.get_bind().dialect.name == "postgresql"
    sql = "TRUNCATE audit_log CASCADE" if pg else "DELETE FROM audit_log"
    with pytest.raises(exc.DBAPIError, match="append-only"):
        with session.begin_nested():
            session.execute(text(sql))
    assert session.get(AuditEntry, entry.id) is not None
