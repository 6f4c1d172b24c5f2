"""Translation layer: Vietnamese first, English second, chosen per session or per user."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import Babel

LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}
babel = Babel()


def select_locale() -> str:
    """The session's chosen language, else the user's, else Vietnamese."""
    if not has_request_context():
        return current_app.config["SIGNAGE"].default_locale
    lang = request.args.get("lang")
    if lang in LANGUAGES:
        return lang
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    user = g.get("user")
    if user is not None and user.locale in LANGUAGES:
        return user.locale
    return current_app.config["SIGNAGE"].default_locale


def local_tz() -> ZoneInfo:
    """The installation's timezone for showing times to people."""
    return ZoneInfo(current_app.config["SIGNAGE"].timezone)


def init_app(app: Flask) -> None:
    """Configure Flask-Babel with the package's catalogs and the installation timezone."""
    app.config["BABEL_DEFAULT_LOCALE"] = "vi"
    app.config["BABEL_DEFAULT_TIMEZONE"] = app.config["SIGNAGE"].timezone
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    babel.init_app(app, locale_selector=select_locale)
