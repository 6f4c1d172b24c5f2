"""Who is calling: the signed-in user from the session cookie, or a Bearer API token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

from signage import clock
from signage.accounts.models import User
from signage.audit.services import Actor
from signage.db import db
from signage.errors import AuthenticationRequired

F = TypeVar("F", bound=Callable[..., Any])
csrf = CSRFProtect()


# The last-seen time in the cookie is refreshed at most this often (fewer Set-Cookie headers).
_SEEN_RESOLUTION = 60


def login_user(user: User) -> None:
    """Start a fresh session for user (guards against fixation by clearing the old one)."""
    lang = session.get("lang")
    session.clear()
    started = int(clock.now().timestamp())
    session["uid"] = user.id
    session["stamp"] = user.security_stamp
    session["iat"] = started
    session["seen"] = started
    if lang:
        session["lang"] = lang
    session.permanent = False


def logout_user() -> None:
    """Forget the session in this browser but keep the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _session_expired(now: int) -> bool:
    """True if the session passed its idle or absolute timeout (or predates them)."""
    settings = current_app.config["SIGNAGE"]
    started, seen = session.get("iat"), session.get("seen")
    if not isinstance(started, int) or not isinstance(seen, int):
        return True
    return (
        now - seen > settings.session_idle_seconds or now - started > settings.session_max_seconds
    )


def session_user(db_session: Session) -> User | None:
    """The user the console session cookie names, if that session is still valid (read only:
    the console's Socket.IO connect asks it too)."""
    uid = session.get("uid")
    if uid is None:
        return None
    user = db_session.get(User, uid)
    # The stamp changes on logout, password change, deactivation and "sign out everywhere":
    # a cookie saved before any of them no longer works.
    if (
        user is None
        or not user.is_active
        or user.security_stamp != session.get("stamp")
        or _session_expired(int(clock.now().timestamp()))
    ):
        return None
    return user


def _load_session_user() -> None:
    g.user = None
    if session.get("uid") is None:
        return
    now = int(clock.now().timestamp())
    user = session_user(db.session)
    if user is None:
        logout_user()
        return
    if now - session["seen"] >= _SEEN_RESOLUTION:
        session["seen"] = now
    g.user = user


def current_user() -> User | None:
    """The signed-in user of this request, if any."""
    return g.get("user")


def signed_in_user() -> User:
    """The user of a request that required sign-in (console session or API token)."""
    user = g.get("user")
    if user is None:
        raise AuthenticationRequired()
    return user


def current_actor() -> Actor:
    """The Actor for audit and permission checks: the current user and client address."""
    return Actor(g.get("user"), request.remote_addr or "")


def login_required(view: F) -> F:
    """Console views: redirect to the sign-in page when nobody is signed in."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("user") is None:
            return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def init_app(app: Flask) -> None:
    """CSRF on every form, and the session user loaded before each request."""
    from signage.accounts import ratelimit

    csrf.init_app(app)
    ratelimit.init_app(app)
    app.before_request(_load_session_user)
