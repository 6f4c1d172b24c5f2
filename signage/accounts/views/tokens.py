"""Console pages for the signed-in user's personal API tokens: list, create (shown once), revoke."""

from __future__ import annotations

from datetime import timedelta

from flask import flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from signage import clock
from signage.accounts import scopes as token_scopes
from signage.accounts import tokens as token_service
from signage.accounts.auth import current_actor, login_required, signed_in_user
from signage.accounts.models import ApiToken
from signage.accounts.views import bp
from signage.accounts.views.forms import TokenCreateForm
from signage.db import db
from signage.errors import NotFound
from signage.http.forms import form_action


def _page(form: TokenCreateForm, error: object = None) -> str:
    return render_template(
        "tokens/list.html",
        title=_("My API tokens"),
        tokens=token_service.list_tokens(db.session, signed_in_user()),
        scopes_of=token_service.scopes_of,
        scope_labels=token_scopes.SCOPES,
        form=form,
        error=error,
        now=clock.now(),
    )


@bp.get("/tokens")
@login_required
def tokens() -> ResponseReturnValue:
    """The signed-in user's API tokens and a form for a new one."""
    return _page(TokenCreateForm(formdata=None))


@bp.post("/tokens")
@login_required
def token_create() -> ResponseReturnValue:
    """Create a token and show its secret on this response only (it is never stored)."""
    form = TokenCreateForm()

    def create() -> tuple[ApiToken, str]:
        now = clock.now()
        days = form.expires.data
        expires_at = now + timedelta(days=int(days)) if days and days.isdigit() else None
        return token_service.create_token(
            db.session,
            current_actor(),
            signed_in_user(),
            name=form.name.data or "",
            expires_at=expires_at,
            scopes=token_scopes.validate(form.scopes.data or []),
            now=now,
        )

    return form_action(form, create, done=_created, page=lambda error: _page(form, error))


def _created(made: tuple[ApiToken, str]) -> ResponseReturnValue:
    token, secret = made
    resp = make_response(
        render_template(
            "tokens/created.html",
            title=_("New API token"),
            token=token,
            secret=secret,
            scopes=token_service.scopes_of(token),
            scope_labels=token_scopes.SCOPES,
        )
    )
    # The secret must not linger in caches or be shown again by the back button.
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["Pragma"] = "no-cache"
    return resp


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def token_revoke(token_id: int) -> ResponseReturnValue:
    """Revoke one of my tokens; programs using it get 401 from then on."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != signed_in_user().id:
        raise NotFound(_("No such API token."))

    def revoked(_none: None) -> ResponseReturnValue:
        flash(_("The token %(name)s was revoked.", name=token.name or token.prefix), "success")
        return redirect(url_for("accounts.tokens"))

    return form_action(
        None,
        lambda: token_service.revoke_token(db.session, current_actor(), token, now=clock.now()),
        done=revoked,
        page=lambda error: _page(TokenCreateForm(formdata=None), error),
    )
