"""Player endpoints: pairing, board status, commands, token revocation, screenshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field

from signage import clock
from signage.accounts.ratelimit import limiter
from signage.boards import services
from signage.boards.api import StatusOut, player_board, status_out
from signage.boards.models import Board, BoardStatus
from signage.boards.presence import has_active_token
from signage.content.errors import translate_rejection
from signage.content.ingest import ContentRejected, ingest_image
from signage.db import db, run_after_commit
from signage.errors import PermissionDenied, ValidationFailed
from signage.http.api import actor, api_blueprint, json_body, operations
from signage.players import pairing, presence_feed, telemetry, tokens
from signage.storage import media_store

bp = api_blueprint("players")
operation = operations(bp)

MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024


class PairingOut(BaseModel):
    pairing_code: str
    claim_id: str
    expires_at: str
    poll_url: str


class ClaimOut(BaseModel):
    status: Literal["pending", "paired"]
    expires_at: str
    board: str | None = None
    token: str | None = None


class PairIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pairing_code: str = Field(min_length=1, max_length=32)


class CommandIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Literal["reload", "screenshot", "identify"]


def on_revoke(code: str) -> None:
    """Disconnect the board's players (after commit)."""
    from signage.players.namespace import disconnect_board

    disconnect_board(code)


@operation(
    "/pairing",
    "POST",
    summary="A new player asks to be paired: a code for its screen and a secret claim id",
    tag="players",
    response=PairingOut,
    status=201,
    public=True,
    errors=(429,),
)
@limiter.limit(lambda: current_app.config["SIGNAGE"].pairing_rate_limit)
def start_pairing() -> ResponseReturnValue:
    ticket = pairing.start(db.session, now=clock.now())
    body = PairingOut(
        pairing_code=ticket.code,
        claim_id=ticket.claim_id,
        expires_at=ticket.expires_at.isoformat(),
        poll_url=url_for("api.players.claim_pairing", claim_id=ticket.claim_id),
    )
    return jsonify(body.model_dump()), 201


@operation(
    "/pairing/<claim_id>",
    "GET",
    summary="The player polls: pending, or its board and token (delivered once)",
    tag="players",
    response=ClaimOut,
    public=True,
    errors=(409, 410),
)
def claim_pairing(claim_id: str) -> ResponseReturnValue:
    result = pairing.claim(db.session, claim_id, now=clock.now())
    body = ClaimOut(
        status=result.status,  # type: ignore[arg-type]
        expires_at=result.expires_at.isoformat(),
        board=result.board,
        token=result.token,
    )
    resp = jsonify(body.model_dump(exclude_none=True))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@operation(
    "/boards/<code>/pair",
    "POST",
    summary="Pair the player showing this code with the board (issues a new board token)",
    tag="players",
    body=PairIn,
    errors=(409, 410),
    scope="boards:write",
)
def pair_board(code: str) -> ResponseReturnValue:
    board = services.get_board(db.session, actor().user, code, "board.pair")
    data = json_body(PairIn)
    pairing.pair(
        db.session, actor(), board, data.pairing_code, now=clock.now(), on_revoke=on_revoke
    )
    return jsonify({"board": board.code, "paired": True})


@operation(
    "/boards/<code>/status",
    "GET",
    summary="What the board's player last reported (users, or the board's own player)",
    tag="players",
    response=StatusOut,
    players=True,
    scope="boards:read",
)
def board_status(code: str) -> ResponseReturnValue:
    board = player_board(code) or services.get_board(db.session, actor().user, code)
    row = db.session.get(BoardStatus, board.id)
    return jsonify(status_out(board, row, paired=has_active_token(db.session, board)))


@operation(
    "/boards/<code>/commands",
    "POST",
    summary="Send a command (reload, screenshot, identify) to the board's players",
    tag="players",
    body=CommandIn,
    status=202,
    scope="boards:write",
)
def board_command(code: str) -> ResponseReturnValue:
    board = services.get_board(db.session, actor().user, code, "board.manage")
    data = json_body(CommandIn)
    return jsonify(queue_command(db.session, actor(), board, data.name, now=clock.now())), 202


def queue_command(
    session: Any, actor: Any, board: Board, name: str, *, now: datetime
) -> dict[str, str]:
    """Audit the command (board.manage) and emit it to the board's room after commit."""
    import secrets

    from signage.audit.services import record
    from signage.permissions import require
    from signage.players.namespace import send_command

    require(actor.user, "board.manage", board.area)
    command_id = secrets.token_hex(8)
    record(
        session,
        actor,
        "board.command",
        "board",
        board.code,
        area_id=board.area_id,
        details={"name": name, "id": command_id},
        now=now,
    )
    code = board.code
    run_after_commit(session, lambda: send_command(code, name, command_id))
    return {"id": command_id, "name": name}


@operation(
    "/boards/<code>/revoke",
    "POST",
    summary="Revoke the board's token and disconnect its players now",
    tag="players",
    scope="boards:write",
)
def revoke_board(code: str) -> ResponseReturnValue:
    board = services.get_board(db.session, actor().user, code, "board.manage")
    n = tokens.revoke_tokens(db.session, actor(), board, now=clock.now(), on_revoke=on_revoke)
    return jsonify({"board": board.code, "revoked": n})


@operation(
    "/boards/<code>/screenshot",
    "POST",
    summary="The player uploads what it shows (PNG body); linked in the board's status",
    tag="players",
    status=201,
    players=True,
    errors=(413, 415, 422),
    scope="boards:write",
)
def upload_screenshot(code: str) -> ResponseReturnValue:
    board = player_board(code)
    if board is None:
        # A user: another area's board reads like a missing one; a visible one is refused.
        services.get_board(db.session, actor().user, code)
        raise PermissionDenied(_l("Only the board's player may upload its screenshot."))
    if request.mimetype not in ("image/png", "application/octet-stream"):
        raise ValidationFailed(
            _l("Send the screenshot as the body with 'Content-Type: image/png'.")
        )
    data = request.get_data(cache=False)
    try:
        image = ingest_image(
            data,
            max_bytes=MAX_SCREENSHOT_BYTES,
            max_pixels=current_app.config["SIGNAGE"].max_image_pixels,
        )
    except ContentRejected as exc:
        raise translate_rejection(exc) from None
    if image.format != "PNG":
        raise ValidationFailed(_l("The screenshot must be a PNG image."))
    stored = media_store().put(image.data, "png")
    row = telemetry.status_of(db.session, board)
    row.screenshot_sha, row.screenshot_at = stored.sha256, clock.now()
    presence_feed.announce_screenshot(db.session, board)
    url = url_for("media.file", sha256=stored.sha256, ext="png")
    return jsonify({"sha256": stored.sha256, "url": url}), 201
