"""Reading alerts: one or a list within the user's grants, what a board shows now, and how far
an alert's current version got (delivered, displayed, boards offline).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.alerts.models import Alert, AlertDelivery
from signage.areas.models import Area
from signage.boards.models import Board, BoardStatus
from signage.boards.presence import online_clause
from signage.errors import NotFound
from signage.permissions import can


def get_alert(session: Session, user: Any, alert_id: int) -> Alert:
    """The alert if the user may see it."""
    alert = session.get(Alert, alert_id)
    if alert is None or not can(user, "alert.view", alert.area):
        raise NotFound(_l("No such alert."))
    return alert


def visible_alerts(user: Any) -> Any:
    """Alerts in the user's areas, newest first."""
    from signage.permissions import scope_filter

    return (
        select(Alert)
        .join(Area, Alert.area_id == Area.id)
        .where(scope_filter(user, "alert.view", Area.path))
        .order_by(Alert.created_at.desc(), Alert.id.desc())
    )


def active_for_board(session: Session, board_id: int, *, now: datetime) -> list[Alert]:
    """The alerts a board must show now."""
    return list(
        session.scalars(
            select(Alert)
            .join(AlertDelivery, AlertDelivery.alert_id == Alert.id)
            .where(
                AlertDelivery.board_id == board_id,
                Alert.state == "active",
                Alert.expires > now,
            )
            .order_by(Alert.id)
        )
    )


ENDED = ("cancelled", "expired")


def shown_clause(alert: Alert) -> Any:
    """A delivery that counts as displayed: the current version while the alert is live; once
    it ended, any version (the cancel raises the version, and must not erase what aired)."""
    d = AlertDelivery
    if alert.state in ENDED:
        return d.displayed_at.is_not(None)
    return d.displayed_at.is_not(None) & (d.version >= alert.version)


def progress(session: Session, alert: Alert, *, now: datetime) -> dict[str, int]:
    """Targeted / delivered / displayed / offline counts of the alert's current version (of
    what aired, once it ended)."""
    d = AlertDelivery
    row = session.execute(
        select(
            func.count(),
            func.count(d.received_at),
            func.count().filter(shown_clause(alert)),
            func.count()
            .filter(d.displayed_at.is_(None))
            .filter(
                ~select(BoardStatus.board_id)
                .where(BoardStatus.board_id == d.board_id, online_clause(now))
                .exists()
            ),
        ).where(d.alert_id == alert.id)
    ).one()
    return {"targeted": row[0], "delivered": row[1], "displayed": row[2], "offline": row[3]}


def not_displayed(session: Session, alert: Alert, *, limit: int = 200) -> list[tuple[Board, Any]]:
    """Boards that have not displayed the current version (nothing, once the alert ended),
    with their status row."""
    d = AlertDelivery
    stmt = (
        select(Board, BoardStatus)
        .join(d, d.board_id == Board.id)
        .outerjoin(BoardStatus, BoardStatus.board_id == Board.id)
        .where(d.alert_id == alert.id)
        .where(~shown_clause(alert))
        .order_by(Board.code)
        .limit(limit)
    )
    return [(b, s) for b, s in session.execute(stmt)]


def deliveries(
    session: Session, alert: Alert, *, limit: int = 200
) -> list[tuple[Board, AlertDelivery]]:
    """Each board the alert was sent to with its receipt times, by board code."""
    d = AlertDelivery
    stmt = (
        select(Board, d)
        .join(d, d.board_id == Board.id)
        .where(d.alert_id == alert.id)
        .order_by(Board.code)
        .limit(limit)
    )
    return [(b, row) for b, row in session.execute(stmt)]


def _with_image(session: Session, sha256: str) -> list[Alert]:
    from signage.content.media_access import mentions

    return list(session.scalars(select(Alert).where(mentions(Alert.images, sha256))))


def image_is_public(session: Session, sha256: str) -> bool:
    """True if an alert that went on air shows this image: boards play it."""
    return any(a.activated_at is not None for a in _with_image(session, sha256))


def image_readable_by(session: Session, user: User, sha256: str) -> bool:
    """True if the user may view an alert that shows this image."""
    return any(can(user, "alert.view", a.area) for a in _with_image(session, sha256))
