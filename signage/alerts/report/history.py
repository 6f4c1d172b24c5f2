"""The history of ended alerts over a period, each with its outcome over the reader's boards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from signage.alerts.models import Alert, AlertDelivery, RetiredDelivery
from signage.alerts.queries import ENDED
from signage.alerts.report.figures import in_paths
from signage.areas.models import Area
from signage.boards.models import Board
from signage.permissions import scope_filter


@dataclass
class HistoryRow:
    """An ended alert and how far it got on the reader's boards."""

    alert: Alert
    targeted: int
    delivered: int
    displayed: int


def _history(user: Any, paths: Sequence[str], start: datetime, end: datetime) -> Any:
    """Alerts sent in [start, end) that ended, that the user may see or that reached a board
    under paths, with their counts over those boards; newest first."""
    d, r = AlertDelivery, RetiredDelivery
    in_period = (Alert.state.in_(ENDED), Alert.sent >= start, Alert.sent < end)
    live = (
        select(d.alert_id, d.received_at, d.displayed_at)
        .join(Alert, Alert.id == d.alert_id)
        .join(Board, Board.id == d.board_id)
        .join(Area, Area.id == Board.area_id)
        .where(*in_period, in_paths(Area.path, paths))
    )
    retired = (
        select(r.alert_id, r.received_at, r.displayed_at)
        .join(Alert, Alert.id == r.alert_id)
        .join(Area, Area.id == r.area_id)
        .where(*in_period, in_paths(Area.path, paths))
    )
    each = union_all(live, retired).subquery()
    counts = (
        select(
            each.c.alert_id.label("alert_id"),
            func.count().label("targeted"),
            func.count().filter(each.c.received_at.is_not(None) | each.c.displayed_at.is_not(None))
            .label("delivered"),
            func.count(each.c.displayed_at).label("displayed"),
        )
        .group_by(each.c.alert_id)
        .subquery()
    )  # fmt: skip
    alert_area = aliased(Area)
    return (
        select(
            Alert,
            func.coalesce(counts.c.targeted, 0),
            func.coalesce(counts.c.delivered, 0),
            func.coalesce(counts.c.displayed, 0),
        )
        .join(alert_area, alert_area.id == Alert.area_id)
        .outerjoin(counts, counts.c.alert_id == Alert.id)
        .where(*in_period)
        .where(
            or_(scope_filter(user, "alert.view", alert_area.path), counts.c.alert_id.is_not(None))
        )
        .order_by(Alert.sent.desc(), Alert.id.desc())
    )


def ended_alerts(
    session: Session,
    user: Any,
    paths: Sequence[str],
    start: datetime,
    end: datetime,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[HistoryRow], int]:
    """One slice of the history (all of it when limit is None) and how many rows it has."""
    stmt = _history(user, paths, start, end)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    rows = [HistoryRow(a, t, dl, ds) for a, t, dl, ds in session.execute(stmt)]
    return rows, total
