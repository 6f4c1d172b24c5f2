"""Content server for public electronic bulletin boards."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def create_app(overrides: dict[str, Any] | None = None):
    """Build the Flask app: settings, then each subsystem's init_app, then blueprints."""
    from flask import Flask

    from signage import clock, errors, i18n, storage
    from signage.accounts import auth, token_use
    from signage.alerts import init_app as init_alerts
    from signage.boards import init_app as init_boards
    from signage.config import Settings
    from signage.content import init_app as init_content
    from signage.db import db
    from signage.http.api import register_api
    from signage.notifications import init_app as init_notifications
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
        SIGNAGE_VERSION=__version__,  # the OpenAPI description's version (http cannot import us)
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
    storage.init_app(app)
    auth.init_app(app)
    init_realtime(app)
    init_content(app)
    init_boards(app)
    init_schedules(app)
    init_alerts(app)
    init_players(app)  # the /player namespace, its buffers and page
    init_notifications(app)  # pages and the unread count in the menu
    for blueprint in _console_blueprints():
        app.register_blueprint(blueprint)
    token_use.init_app(app)
    register_api(app, _api_blueprints())
    init_web(app)
    return app


def _console_blueprints() -> list[Any]:
    """The console pages of accounts, areas, audit and reports (the other domains register
    theirs in their init_app)."""
    from signage.accounts import views as accounts
    from signage.areas import views as areas
    from signage.audit import views as audit
    from signage.reports.views import indicators as report_indicators
    from signage.reports.views import plays as report_plays

    return [accounts.bp, areas.bp, audit.bp, report_plays.bp, report_indicators.bp]


def _api_blueprints() -> list[Any]:
    """Every domain's API blueprint, nested under /api/v1 as "api.<name>": the one list."""
    from signage.accounts import api as accounts
    from signage.alerts import api as alerts
    from signage.alerts.cap import api as cap_api
    from signage.alerts.report import api as alert_reports
    from signage.areas import api as areas
    from signage.audit import api as audit
    from signage.boards import api as boards
    from signage.boards.uptime import api as uptime
    from signage.content import api as content
    from signage.http import openapi
    from signage.notifications import api as notifications
    from signage.players import api as player_api
    from signage.reports.api import indicators as report_indicators
    from signage.reports.api import plays as report_plays
    from signage.schedules import api as schedules

    # URL-map order (tests/api/test_scopes.py walks it; token revocation comes last).
    return [
        content.bp,
        boards.bp,
        uptime.bp,
        player_api.bp,
        schedules.bp,
        alerts.bp,
        cap_api.bp,
        alert_reports.bp,
        notifications.bp,
        areas.bp,
        audit.bp,
        report_plays.bp,
        report_indicators.bp,
        openapi.bp,
        accounts.bp,
    ]
