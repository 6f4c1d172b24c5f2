"""Unclaimed pairing tokens expire and are wiped; the SQLite file is private (issue 10, 15)."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import select

from signage import jobs
from signage.audit.models import AuditEntry
from signage.audit.services import Actor
from signage.boards.models import BoardToken, PairingRequest
from signage.boards.presence import has_active_token
from signage.clock import system_clock
from signage.db import make_engine
from signage.players import pairing
from signage.players.tokens import BoardTokenRevoked, authenticate_board
from tests.schedules.conftest import make_board


@pytest.fixture()
def admin(factory, tree):
    return factory.user("root-admin", ("admin", tree["vn"]), locale="en")


def paired_but_unclaimed(session, tree, admin):
    board = make_board(session, "HK-1", tree["hk"])
    now = system_clock()
    ticket = pairing.start(session, now=now)
    request = pairing.pair(session, Actor(admin), board, ticket.code, now=now)
    secret = request.token
    assert secret and authenticate_board(session, secret).code == "HK-1"
    return board, ticket, request, secret


def test_expired_unclaimed_token_is_wiped_and_revoked(session, tree, admin):
    board, ticket, request, secret = paired_but_unclaimed(session, tree, admin)
    later = request.expires_at + timedelta(seconds=1)
    assert pairing.sweep(session, now=later - timedelta(seconds=2)) == 0  # not yet
    assert request.token == secret
    assert pairing.sweep(session, now=later) == 1
    session.expire_all()
    row = session.get(PairingRequest, request.id)
    assert row.token is None
    stored = session.scalars(select(PairingRequest.token)).all()
    assert secret not in stored
    with pytest.raises(BoardTokenRevoked):
        authenticate_board(session, secret)
    assert not has_active_token(session, board)
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "board.pairing_expired" in actions
    with pytest.raises(pairing.PairingExpired):
        pairing.claim(session, ticket.claim_id, now=later)


def test_expired_pairing_never_hands_out_the_token(session, tree, admin):
    _board, ticket, request, _secret = paired_but_unclaimed(session, tree, admin)
    with pytest.raises(pairing.PairingExpired):  # before any sweep ran
        pairing.claim(session, ticket.claim_id, now=request.expires_at)


def test_sweep_spares_a_newer_token_of_the_same_board(session, tree, admin):
    board, ticket, request, secret = paired_but_unclaimed(session, tree, admin)
    from signage.players.tokens import issue_token

    newer = issue_token(session, Actor(admin), board, now=system_clock())
    pairing.sweep(session, now=request.expires_at)
    assert authenticate_board(session, newer).code == "HK-1"
    assert session.scalar(select(BoardToken).where(BoardToken.revoked_at.is_(None))) is not None


def test_claimed_token_is_not_touched_by_the_sweep(session, tree, admin):
    _board, ticket, request, secret = paired_but_unclaimed(session, tree, admin)
    got = pairing.claim(session, ticket.claim_id, now=system_clock())
    assert got.token == secret and request.token is None
    assert pairing.sweep(session, now=request.expires_at + timedelta(hours=1)) == 0
    assert authenticate_board(session, secret).code == "HK-1"


def test_sweep_job_is_declared():
    assert any(j.id == "pairing.sweep" and j.func is jobs.sweep_pairings for j in jobs.JOBS)


def test_new_sqlite_database_file_is_private(tmp_path):
    from sqlalchemy import text

    path = tmp_path / "signage.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (a INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        for name in os.listdir(tmp_path):
            mode = stat.S_IMODE(os.stat(tmp_path / name).st_mode)
            assert mode == 0o600, (name, oct(mode))
    finally:
        engine.dispose()


def test_existing_database_file_keeps_its_mode(tmp_path):
    path = tmp_path / "signage.db"
    path.touch(mode=0o640)
    os.chmod(path, 0o640)
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_memory_and_missing_directories_are_left_alone(tmp_path):
    make_engine("sqlite://").dispose()
    make_engine("sqlite:///:memory:").dispose()
    make_engine(f"sqlite:///{tmp_path}/nope/x.db").dispose()
    assert not (tmp_path / "nope").exists()
