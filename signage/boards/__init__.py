"""Boards: places, display profiles, operating hours, groups, CSV import."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the board console pages and API endpoints."""
    from signage.boards import api, views  # noqa: F401 - API routes register on import

    app.register_blueprint(views.bp)
