"""Emergency alerts: console and CAP alerts, fan-out to boards, receipts."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the alert console pages (create_app registers the API blueprints)."""
    from signage.alerts import views

    app.register_blueprint(views.bp)
