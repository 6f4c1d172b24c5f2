"""create_user's savepoint must stay inside the caller's transaction on plain SQLite too."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.accounts.services import create_user
from signage.audit.services import SYSTEM
from signage.clock import system_clock
from signage.db import make_engine
from signage.migrations import upgrade


def test_rollback_after_create_user_keeps_nothing(tmp_path):
    # No test transaction around this database: the driver's own transaction handling is tested.
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            session.scalar(select(func.count()).select_from(User))  # a read, no write yet
            create_user(
                session,
                SYSTEM,
                "lan",
                "a-long-password",
                check_permission=False,
                now=system_clock(),
            )
            session.rollback()  # e.g. a later grant failed
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(User)) == 0
    finally:
        engine.dispose()
