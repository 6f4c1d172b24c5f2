"""Template globals: the current user, permissions, languages, labels and local time formatting."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, g
from flask_babel import get_locale

from signage.http.access import can_any
from signage.http.labels import action_label, kind_label, role_label, status_icon, status_title
from signage.i18n import LANGUAGES, local_tz
from signage.permissions import can


def local_time(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """Show a stored UTC time in the installation's timezone."""
    if value is None:
        return ""
    return value.astimezone(local_tz()).strftime(fmt)


def has_endpoint(name: str) -> bool:
    """True if a view is registered under this endpoint (optional sections in the menu)."""
    return name in current_app.view_functions


def init_app(app: Flask) -> None:
    """Expose helpers to every template."""

    @app.context_processor
    def _globals() -> dict:
        user = g.get("user")
        return {
            "current_user": user,
            "can": lambda action, area=None: can(user, action, area),
            "can_any": lambda action: can_any(user, action),
            "languages": LANGUAGES,
            "get_locale": get_locale,
        }

    # Request-independent helpers are env globals so that imported macros can use them too.
    app.jinja_env.globals.update(
        action_label=action_label,
        has_endpoint=has_endpoint,
        kind_label=kind_label,
        role_label=role_label,
        status_title=status_title,
        status_icon=status_icon,
    )
    app.add_template_filter(local_time, "local_time")
