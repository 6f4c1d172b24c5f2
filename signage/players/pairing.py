"""Pairing: a new player shows a short code; an operator enters it on the board's page.

The player starts a request (`start`), gets a pairing code for its screen and a secret claim
id, and polls `claim` with the claim id. Pairing (`pair`) issues a fresh board token and keeps
it on the request until the player collects it, once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from signage.audit.services import SYSTEM, Actor, record
from signage.boards.models import Board, BoardToken, PairingRequest
from signage.errors import Conflict, DomainError, NotFound
from signage.permissions import require
from signage.players.tokens import OnRevoke, digest, issue_token

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: codes are read off a board and typed by hand.
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
LIFETIME = timedelta(minutes=10)


class PairingExpired(DomainError):
    status = 410
    code = "pairing_expired"
    default_message = _l("This pairing code has expired; restart pairing on the player.")


class PairingUsed(Conflict):
    code = "pairing_used"
    default_message = _l("This pairing code was already used; restart pairing on the player.")


class PairingUnknown(NotFound):
    code = "pairing_unknown"
    default_message = _l("No player is waiting with this pairing code; check the code on screen.")


@dataclass(frozen=True)
class PairingTicket:
    """What the player gets when it starts pairing."""

    code: str
    claim_id: str
    expires_at: datetime


@dataclass(frozen=True)
class ClaimResult:
    """A poll's answer: pending, or the board and its token (delivered once)."""

    status: str
    expires_at: datetime
    board: str | None = None
    token: str | None = None


def normalise_code(code: str) -> str:
    """A typed pairing code without spaces or dashes, upper case."""
    return "".join(ch for ch in (code or "").upper() if ch not in " -\t")[:32]


def sweep(session: Session, *, now: datetime) -> int:
    """Wipe and revoke the tokens of pairings that expired unclaimed; drop old requests.

    Between pairing and the player's claim the token is kept in plain text (the player has no
    other way to get it); once the request expires nobody may collect it, so it must not stay
    in the database, nor stay valid. Runs as a job every minute and on every new pairing."""
    stale = list(
        session.scalars(
            select(PairingRequest).where(
                PairingRequest.token.is_not(None), PairingRequest.expires_at <= now
            )
        )
    )
    for request in stale:
        if request.token is None:
            continue
        session.execute(
            update(BoardToken)
            .where(BoardToken.token_hash == digest(request.token), BoardToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        request.token = None
        board = session.get(Board, request.board_id) if request.board_id else None
        if board is not None:
            record(
                session,
                SYSTEM,
                "board.pairing_expired",
                "board",
                board.code,
                area_id=board.area_id,
                now=now,
            )
    session.execute(
        delete(PairingRequest)
        .where(PairingRequest.expires_at <= now - LIFETIME)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return len(stale)


def start(session: Session, *, now: datetime) -> PairingTicket:
    """A new pairing request; expired requests are swept at the same time."""
    sweep(session, now=now)
    live = set(session.scalars(select(PairingRequest.code).where(PairingRequest.expires_at > now)))
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        if code not in live:
            break
    claim_id = secrets.token_urlsafe(24)
    expires = now + LIFETIME
    session.add(
        PairingRequest(code=code, claim_hash=digest(claim_id), created_at=now, expires_at=expires)
    )
    session.flush()
    return PairingTicket(code=code, claim_id=claim_id, expires_at=expires)


def pair(
    session: Session,
    actor: Actor,
    board: Board,
    code: str,
    *,
    now: datetime,
    on_revoke: OnRevoke | None = None,
) -> PairingRequest:
    """Bind a fresh token of the board (board.pair) to the waiting player with this code."""
    require(actor.user, "board.pair", board.area)
    code = normalise_code(code)
    rows = list(
        session.scalars(
            select(PairingRequest)
            .where(PairingRequest.code == code)
            .order_by(PairingRequest.id.desc())
            .with_for_update()
        )
    )
    if not rows:
        raise PairingUnknown()
    request = rows[0]
    if request.board_id is not None:
        raise PairingUsed()
    if request.expires_at <= now:
        raise PairingExpired()
    request.token = issue_token(session, actor, board, now=now, on_revoke=on_revoke)
    request.board_id, request.paired_at = board.id, now
    record(session, actor, "board.pair", "board", board.code, area_id=board.area_id, now=now)
    return request


def claim(session: Session, claim_id: str, *, now: datetime) -> ClaimResult:
    """The player's poll: pending until paired, then the token once; errors say why not."""
    if not isinstance(claim_id, str) or not 10 <= len(claim_id) <= 100:
        raise PairingUnknown(_l("Unknown pairing request; start pairing again."))
    request = session.scalar(
        select(PairingRequest).where(PairingRequest.claim_hash == digest(claim_id))
    )
    if request is None:
        raise PairingUnknown(_l("Unknown pairing request; start pairing again."))
    if request.delivered_at is not None:
        raise PairingUsed(_l("The token of this pairing was already delivered."))
    if request.expires_at <= now:
        raise PairingExpired()  # paired or not: an expired token is never handed out
    if request.board_id is None or request.token is None:
        return ClaimResult(status="pending", expires_at=request.expires_at)
    token, request.token, request.delivered_at = request.token, None, now
    board = session.get(Board, request.board_id)
    return ClaimResult(
        status="paired",
        expires_at=request.expires_at,
        board=board.code if board else None,
        token=token,
    )
