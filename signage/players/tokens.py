"""Board tokens: the secret a player authenticates with; shown once, stored as SHA-256.

Each board has at most one active token: issuing a new one revokes the others. Revoking also
disconnects the board's players (after commit, through `on_revoke`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from signage.accounts.tokens import digest
from signage.audit.services import Actor, record
from signage.boards.models import Board, BoardToken
from signage.db import run_after_commit
from signage.errors import AuthenticationRequired

BOARD_TOKEN_PREFIX = "sgb_"  # noqa: S105 - a public marker, not a secret
OnRevoke = Callable[[str], None]  # board code


class BoardTokenRevoked(AuthenticationRequired):
    code = "revoked"
    default_message = _l("This board token was revoked; pair the player again.")


def _revoke_active(session: Session, board: Board, now: datetime) -> int:
    result = session.execute(
        update(BoardToken)
        .where(BoardToken.board_id == board.id, BoardToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


def issue_token(
    session: Session,
    actor: Actor,
    board: Board,
    *,
    now: datetime,
    on_revoke: OnRevoke | None = None,
) -> str:
    """A fresh token for the board (older ones are revoked); returns the secret, never stored."""
    revoked = _revoke_active(session, board, now)
    secret = BOARD_TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        BoardToken(
            board_id=board.id,
            token_hash=digest(secret),
            prefix=secret[: len(BOARD_TOKEN_PREFIX) + 6],
            created_at=now,
        )
    )
    session.flush()
    record(session, actor, "board.token_issue", "board", board.code, now=now)
    if revoked and on_revoke is not None:
        code = board.code
        run_after_commit(session, lambda: on_revoke(code))
    return secret


def revoke_tokens(
    session: Session,
    actor: Actor,
    board: Board,
    *,
    now: datetime,
    on_revoke: OnRevoke | None = None,
) -> int:
    """Revoke the board's active token; its players are disconnected after commit."""
    revoked = _revoke_active(session, board, now)
    record(
        session, actor, "board.token_revoke", "board", board.code, details={"n": revoked}, now=now
    )
    if on_revoke is not None:
        code = board.code
        run_after_commit(session, lambda: on_revoke(code))
    return revoked


def authenticate_board(session: Session, secret: str) -> Board:
    """The board owning this active token, or AuthenticationRequired (code `revoked` if so)."""
    if not isinstance(secret, str) or not secret.startswith(BOARD_TOKEN_PREFIX):
        raise AuthenticationRequired(_l("The board token is not valid."))
    if len(secret) > 200:
        raise AuthenticationRequired(_l("The board token is not valid."))
    token = session.scalar(select(BoardToken).where(BoardToken.token_hash == digest(secret)))
    if token is None:
        raise AuthenticationRequired(_l("The board token is not valid."))
    if token.revoked_at is not None:
        raise BoardTokenRevoked()
    return token.board
