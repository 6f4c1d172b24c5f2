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
    """Register the console blueprint and its template helpers."""
    from signage.web import context, security, views  # noqa: F401 - routes register on import

    context.init_app(app)
    security.init_app(app)
    app.register_blueprint(bp)
