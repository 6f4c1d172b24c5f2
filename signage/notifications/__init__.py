"""Notifications: boards that go dark (and come back) are told to the users who subscribed for
their area, in the console, by e-mail and by webhook. Reads every domain below it."""

from __future__ import annotations

from flask import Flask, g


def init_app(app: Flask) -> None:
    """Register the notification pages and the unread count every console page shows."""
    from sqlalchemy.exc import SQLAlchemyError

    from signage.db import db
    from signage.notifications import views
    from signage.notifications.services import unread_count

    app.register_blueprint(views.bp)

    def unread() -> int:
        try:
            return unread_count(db.session, g.get("user"))
        except SQLAlchemyError:  # an error page must still render when the database fails
            return 0

    @app.context_processor
    def _unread() -> dict:
        return {"unread_notifications": unread}
