"""Content: media ingest, text and image items, revisions, approval workflow, renditions."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the console pages and the public-file cache (the media store itself is
    signage.storage's, built by create_app)."""
    from signage.content import console, views  # noqa: F401  (console adds the queue pages)
    from signage.content.media_access import PublicCache

    app.extensions["signage_public_media"] = PublicCache()
    app.register_blueprint(views.bp)
    app.register_blueprint(views.media_bp)
