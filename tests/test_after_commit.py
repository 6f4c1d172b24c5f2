"""run_after_commit: callbacks run once, after the real commit, and survive handled savepoints."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from signage.db import run_after_commit


@pytest.fixture()
def session():
    engine = create_engine("sqlite://")
    s = Session(engine)
    s.execute(text("select 1"))
    yield s
    s.close()
    engine.dispose()


def test_runs_after_commit_not_before(session):
    hits: list[int] = []
    run_after_commit(session, lambda: hits.append(1))
    session.flush()
    assert hits == []
    session.commit()
    assert hits == [1]


def test_released_savepoint_waits_for_the_real_commit(session):
    hits: list[int] = []
    run_after_commit(session, lambda: hits.append(1))
    with session.begin_nested():
        pass
    assert hits == []
    session.commit()
    assert hits == [1]


def test_handled_savepoint_rollback_keeps_the_callbacks(session):
    hits: list[int] = []
    run_after_commit(session, lambda: hits.append(1))
    with pytest.raises(ValueError), session.begin_nested():
        raise ValueError("expected, e.g. a duplicate row")
    session.commit()
    assert hits == [1]


def test_outer_rollback_discards_the_callbacks(session):
    hits: list[int] = []
    run_after_commit(session, lambda: hits.append(1))
    session.rollback()
    session.execute(text("select 1"))
    session.commit()
    assert hits == []
