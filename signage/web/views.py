"""Console pages: sign-in, language, home."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from signage import clock
from signage.accounts import services
from signage.accounts.auth import (
    current_actor,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from signage.accounts.ratelimit import limiter
from signage.accounts.views.forms import LoginForm
from signage.boards.views import STATUS_LABELS
from signage.content.views import STATE_LABELS
from signage.db import db
from signage.errors import InvalidCredentials, SignInThrottled
from signage.i18n import LANGUAGES, local_tz
from signage.web import bp
from signage.web.home import home_for
from signage.web.live import approval_count


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after sign-in.

    Control characters (CR/LF) are refused: a Location header cannot carry them, and the
    failure came after the session was set, losing the sign-in's audit entry.
    """
    if target and any(ord(c) < 32 or ord(c) == 127 for c in target):
        return url_for("web.index")
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("web.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNAGE"].login_rate_limit, methods=["POST"])
def login() -> ResponseReturnValue:
    """Sign in with username and password; repeated failures make the next attempts wait."""
    if current_user() is not None and request.method == "GET":
        return redirect(url_for("web.index"))
    form = LoginForm()
    error = None
    status = 200
    if form.validate_on_submit():
        settings = current_app.config["SIGNAGE"]
        policy = services.LoginPolicy(
            max_failures=settings.login_max_failures,
            lockout=timedelta(seconds=settings.login_lockout_seconds),
            account_delay=timedelta(seconds=settings.login_account_delay_seconds),
            address_failures=settings.login_address_failures,
        )
        try:
            user = services.authenticate(
                db.session,
                form.username.data or "",
                form.password.data or "",
                now=clock.now(),
                policy=policy,
                ip=request.remote_addr or "",
            )
        except InvalidCredentials as exc:
            error, status = exc.message, exc.status
        except SignInThrottled as exc:
            page = render_template("login.html", form=form, error=exc.message)
            return page, exc.status, {"Retry-After": str(exc.retry_after)}
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("login.html", form=form, error=error), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    """Sign out: the session ends on the server too (a copied cookie stops working)."""
    user = current_user()
    if user is not None:
        services.end_sessions(db.session, current_actor(), user, action="logout", now=clock.now())
    logout_user()
    return redirect(url_for("web.login"))


@bp.get("/lang/<code>")
def set_language(code: str) -> ResponseReturnValue:
    """Switch the console language for this session."""
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(_safe_next(request.args.get("next")))


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Console home: what the user's roles call for (the fleet for supervisors and admins)."""
    user = current_user()
    assert user is not None
    summary = home_for(db.session, user, now=clock.now(), tz=local_tz())
    return render_template(
        "index.html",
        title=_("Home"),
        home=summary,
        status_labels=STATUS_LABELS,
        state_labels=STATE_LABELS,
    )


@bp.get("/live/approvals")
@login_required
def live_approvals() -> ResponseReturnValue:
    """The approval queue's length for the menu's badge (live pages refresh it)."""
    return {"count": approval_count()}
