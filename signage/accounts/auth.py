"""Who is calling: the signed-in user from the session cookie, or a Bearer API token."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFProtect

from signage.accounts.models import User
from signage.audit.services import Actor
from signage.db import db
from signage.errors import AuthenticationRequired

F = TypeVar("F", bound=Callable[..., Any])
csrf = CSRFProtect()


def login_user(user: User) -> None:
    """Start a fresh session for user (guards against fixation by clearing the old one)."""
    lang = session.get("lang")
    session.clear()
    session["uid"] = user.id
    session["stamp"] = user.security_stamp
    if lang:
        session["lang"] = lang
    session.permanent = False


def logout_user() -> None:
    """End the session but keep the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _load_session_user() -> None:
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    user = db.session.get(User, uid)
    if user is None or not user.is_active or user.security_stamp != session.get("stamp"):
        session.pop("uid", None)
        session.pop("stamp", None)
        return
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
