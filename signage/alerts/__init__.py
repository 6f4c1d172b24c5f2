"""Emergency alerts: console and CAP alerts, fan-out to boards, receipts."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the alert console pages (create_app registers the API blueprints); alerts'
    images are files that are public once the alert went on air; a deleted board's deliveries
    are kept for the alert reports."""
    from signage.alerts import views
    from signage.alerts.queries import image_is_public, image_readable_by
    from signage.alerts.report import views as reports
    from signage.alerts.report.retired import keep_deliveries
    from signage.alerts.views import template_pages
    from signage.boards import services as boards
    from signage.content.media_access import FileOwner, add_file_owner

    app.register_blueprint(views.bp)
    app.register_blueprint(template_pages.bp)
    app.register_blueprint(reports.bp)
    add_file_owner(FileOwner("alert images", image_is_public, image_readable_by))
    if keep_deliveries not in boards.DELETE_CHECKS:
        boards.DELETE_CHECKS.append(keep_deliveries)
