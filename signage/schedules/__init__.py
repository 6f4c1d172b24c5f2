"""Schedules: playlists, schedule rules, timeline resolution (pure), manifests and their push."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the schedule console pages and the content-approval hook."""
    from signage.content import workflow
    from signage.schedules import views

    app.register_blueprint(views.bp)
    if _on_item_change not in workflow.ITEM_HOOKS:
        workflow.ITEM_HOOKS.append(_on_item_change)


def publisher():
    """The current app's manifest publisher: media store + Socket.IO emit."""
    from signage.content import media_store
    from signage.schedules.manifests import ManifestPublisher

    return ManifestPublisher(media_store())


def _on_item_change(session, item, now) -> None:
    """An item was approved or archived: regenerate the manifests of the boards that play it."""
    from signage.schedules.manifests import affected_by_items

    publisher().boards(session, affected_by_items(session, [item.id]), now=now)
