"""Boards: places, display profiles, operating hours, groups, CSV import."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the board console pages, and the boards' hooks into lower
    layers: sockets follow an area move; player tokens authenticate API requests."""
    from signage.areas import services as areas
    from signage.boards import views
    from signage.boards.services import follow_area_move
    from signage.boards.tokens import BOARD_TOKEN_PREFIX, authenticate_board
    from signage.http.api import register_token_kind

    app.register_blueprint(views.bp)
    if follow_area_move not in areas.AREA_MOVE_HOOKS:
        areas.AREA_MOVE_HOOKS.append(follow_area_move)
    register_token_kind(BOARD_TOKEN_PREFIX, authenticate_board)
