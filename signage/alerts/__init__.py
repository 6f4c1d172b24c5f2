"""Emergency alerts: console and CAP alerts, fan-out to boards, receipts."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the alert API endpoints (before the API blueprint) and console pages."""
    from signage.alerts import api, views  # noqa: F401 - API routes register on import
    from signage.alerts.cap import api as cap_api  # noqa: F401

    app.register_blueprint(views.bp)
