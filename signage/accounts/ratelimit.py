"""Per-client rate limits (sign-in); storage in memory or the configured Redis."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask) -> None:
    """Use the installation's rate-limit storage (memory:// by default, redis:// in production)."""
    settings = app.config["SIGNAGE"]
    app.config["RATELIMIT_STORAGE_URI"] = settings.ratelimit_storage
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter.init_app(app)
