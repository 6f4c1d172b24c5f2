"""Content server for public electronic bulletin boards."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def create_app(overrides: dict[str, Any] | None = None):
    """Build the Flask app: settings, then each subsystem's init_app, then blueprints."""
    from flask import Flask

    from signage import clock, errors, i18n
    from signage.accounts import auth
    from signage.alerts import init_app as init_alerts
    from signage.api import init_app as init_api
    from signage.boards import init_app as init_boards
    from signage.config import Settings
    from signage.content import init_app as init_content
    from signage.db import db
    from signage.players import init_app as init_players
    from signage.realtime import init_app as init_realtime
    from signage.schedules import init_app as init_schedules
    from signage.web import init_app as init_web

    overrides = dict(overrides or {})
    flask_overrides = overrides.pop("flask", {})
    app_clock = overrides.pop("clock", None)
    settings = Settings.from_env(**overrides)
    app = Flask(__name__, instance_path=str(settings.instance_dir), instance_relative_config=False)
    app.config.update(
        SIGNAGE=settings,
        SECRET_KEY=settings.ensure_secret_key(),
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.session_cookie_secure,
        TESTING=settings.testing,
        WTF_CSRF_TIME_LIMIT=None,
        JSON_SORT_KEYS=False,
    )
    app.config.update(flask_overrides)
    if settings.proxy_count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Client addresses in the audit log and rate limits come from the trusted proxies.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=settings.proxy_count, x_proto=settings.proxy_count
        )
    clock.init_app(app, app_clock)
    db.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    init_realtime(app)
    init_content(app)  # before init_api: its endpoints join the API blueprint
    init_boards(app)  # before init_api, like content
    init_schedules(app)  # before init_api, like content
    init_alerts(app)  # before init_api, like content
    init_players(app)  # the /player namespace, its buffers and page
    init_api(app)
    init_web(app)
    return app
