"""Console actions on a board's player: send a command, revoke its token, pair a player.

Their own blueprint under /boards (endpoints board_player.command, .revoke, .pair): they drive
the board side (tokens, pairing, the /player namespace), which sits above the boards package.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from signage import clock
from signage.accounts.auth import current_actor, current_user, login_required
from signage.boards import services
from signage.boards.views import COMMAND_LABELS
from signage.db import db
from signage.http.forms import form_action
from signage.players import pairing
from signage.players.api import on_revoke, queue_command
from signage.players.tokens import revoke_tokens

bp = Blueprint("board_player", __name__, url_prefix="/boards")


@bp.post("/<code>/command")
@login_required
def command(code: str) -> ResponseReturnValue:
    """Send identify, reload or screenshot to the board's players."""
    item = services.get_board(db.session, current_user(), code, "board.manage")
    name = request.form.get("name", "")
    if not FlaskForm().validate_on_submit() or name not in COMMAND_LABELS:
        flash(_("The form expired; try again."), "danger")
    else:
        queue_command(db.session, current_actor(), item, name, now=clock.now())
        flash(_("The command was sent: %(name)s.", name=COMMAND_LABELS[name]), "success")
    return redirect(url_for("boards.board", code=item.code))


@bp.post("/<code>/revoke")
@login_required
def revoke(code: str) -> ResponseReturnValue:
    """Revoke the board's token; its players disconnect now and must be paired again."""
    item = services.get_board(db.session, current_user(), code, "board.manage")
    if FlaskForm().validate_on_submit():
        revoke_tokens(db.session, current_actor(), item, now=clock.now(), on_revoke=on_revoke)
        flash(_("The board token was revoked; pair the player again."), "success")
    else:
        flash(_("The form expired; try again."), "danger")
    return redirect(url_for("boards.board", code=item.code))


@bp.post("/<code>/pair")
@login_required
def pair(code: str) -> ResponseReturnValue:
    """Pair the player showing a pairing code with this board."""
    item = services.get_board(db.session, current_user(), code, "board.pair")
    if not FlaskForm().validate_on_submit():
        flash(_("The form expired; try again."), "danger")
        return redirect(url_for("boards.board", code=item.code))
    return form_action(
        None,
        lambda: pairing.pair(
            db.session,
            current_actor(),
            item,
            request.form.get("pairing_code", ""),
            now=clock.now(),
            on_revoke=on_revoke,
        ),
        done=lambda _token: _paired(item.code),
        back=url_for("boards.board", code=item.code),
    )


def _paired(code: str) -> ResponseReturnValue:
    flash(_("The player was paired with this board."), "success")
    return redirect(url_for("boards.board", code=code))
