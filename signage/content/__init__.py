"""Content: media ingest, text and image items, revisions, approval workflow, renditions."""

from __future__ import annotations

from flask import Flask, current_app

from signage.storage import MediaStore


def init_app(app: Flask) -> None:
    """Build the media store from settings; register the console pages."""
    from signage.content import views
    from signage.content.media_access import PublicCache

    app.extensions["signage_media"] = MediaStore(app.config["SIGNAGE"].media_dir)
    app.extensions["signage_public_media"] = PublicCache()
    app.register_blueprint(views.bp)
    app.register_blueprint(views.media_bp)


def media_store() -> MediaStore:
    """The current app's media store."""
    return current_app.extensions["signage_media"]
