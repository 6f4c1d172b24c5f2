"""The HTML console: blueprints, templates and vendored static assets."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static/console",
)


def init_app(app: Flask) -> None:
    """Register the console blueprint, its template helpers and the /console namespace."""
    from signage.realtime import serve_namespace
    from signage.web import context, live, lookup, security, views  # noqa: F401 - routes register on import
    from signage.web.live import ConsoleNamespace

    serve_namespace(ConsoleNamespace())
    live.init_app(app)
    context.init_app(app)
    app.jinja_env.globals["picker_label"] = lookup.picker_label
    security.init_app(app)
    app.register_blueprint(bp)
