"""REST API under /api/v1: Bearer-token auth, JSON in and out, an OpenAPI description."""

from __future__ import annotations

from flask import Blueprint, Flask

from signage.accounts.auth import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    """Register the API blueprint; CSRF is checked per request by the API's own auth."""
    from signage.api import areas, audit, openapi, tokens, users  # noqa: F401 - routes register on import
    from signage.api.token_use import init_app as init_token_uses

    init_token_uses(app)
    csrf.exempt(bp)
    app.register_blueprint(bp)
