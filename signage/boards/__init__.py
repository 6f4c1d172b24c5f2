"""Boards: places, display profiles, operating hours, groups, CSV import."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the board console pages, and the boards' hook into a lower layer: sockets
    follow an area move; screenshots are files only board viewers may read."""
    from signage.areas import services as areas
    from signage.boards import views
    from signage.boards.services import follow_area_move, screenshot_readable_by
    from signage.content.media_access import FileOwner, add_file_owner

    app.register_blueprint(views.bp)
    if follow_area_move not in areas.AREA_MOVE_HOOKS:
        areas.AREA_MOVE_HOOKS.append(follow_area_move)
    add_file_owner(FileOwner("screenshots", lambda _s, _sha: False, screenshot_readable_by))
