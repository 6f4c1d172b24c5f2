"""Deliveries outlive their board: a board's deletion first copies them for the alert reports."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from signage import clock
from signage.alerts.models import AlertDelivery, RetiredDelivery
from signage.boards.models import Board


def keep_deliveries(session: Session, board: Board) -> None:
    """Copy the board's alert deliveries (they cascade away with the board), under its code,
    name and area as they are now (boards.DELETE_CHECKS calls it before the delete)."""
    d = AlertDelivery
    now = clock.now()
    rows = [
        {
            "alert_id": r.alert_id,
            "board_code": board.code,
            "board_name": board.name,
            "area_id": board.area_id,
            "version": r.version,
            "first_sent_at": r.first_sent_at,
            "online_at_send": r.online_at_send,
            "received_at": r.received_at,
            "displayed_at": r.displayed_at,
            "cleared_at": r.cleared_at,
            "retired_at": now,
        }
        for r in session.scalars(select(d).where(d.board_id == board.id))
    ]
    if rows:
        session.execute(insert(RetiredDelivery), rows)
