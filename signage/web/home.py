"""What the console home shows each role: supervisors and admins the fleet at a glance, editors
their drafts and returned items, approvers the queue, operators the active alerts.

Each section calls the domains' own queries (boards.fleet, content.items, alerts.queries); a
section a user has no right for is None and the template leaves it out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.alerts.models import Alert
from signage.alerts.queries import visible_alerts
from signage.boards import fleet
from signage.content.items import visible_items
from signage.content.models import ContentItem
from signage.content.queue import pending_count
from signage.http.access import can_any

LIST_LIMIT = 10


@dataclass
class Home:
    """The sections of one user's home page (None: not for this user)."""

    counts: dict[str, int] | None = None
    statuses: dict[str, str] | None = None
    dark: list[fleet.DarkBoard] | None = None
    status_map: dict[str, Any] | None = None
    plays_today: int | None = None
    alerts: list[Alert] | None = None
    alerts_total: int = 0
    pending: int | None = None
    my_items: list[ContentItem] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _count(session: Session, stmt: Any) -> int:
    return session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def active_alerts(user: User | None, *, now: datetime) -> Any:
    """Alerts on air now in the user's alert.view areas, newest first."""
    return visible_alerts(user).where(Alert.state == "active", Alert.expires > now)


def home_for(session: Session, user: User, *, now: datetime, tz: ZoneInfo) -> Home:
    """The home sections this user's rights call for."""
    home = Home()
    supervisor = can_any(user, "report.view")
    if supervisor and can_any(user, "board.view"):
        home.counts = fleet.status_counts(session, user, now=now)
        home.statuses = fleet.statuses_by_code(session, user, now=now)
        home.dark = fleet.offline_boards(session, user, now=now, limit=LIST_LIMIT)
        home.status_map = fleet.status_map(session, user, now=now)
        home.plays_today = fleet.plays_today(session, user, now=now, tz=tz)
    if supervisor or can_any(user, "alert.send"):
        stmt = active_alerts(user, now=now)
        home.alerts = list(session.scalars(stmt.limit(LIST_LIMIT)))
        home.alerts_total = _count(session, stmt)
    if can_any(user, "content.approve"):
        home.pending = pending_count(session, user)
    elif supervisor or can_any(user, "content.edit"):
        home.pending = _count(session, visible_items(user, state="pending"))
    if can_any(user, "content.edit"):
        mine = (
            visible_items(user, action="content.edit")
            .where(ContentItem.created_by_id == user.id)
            .where(ContentItem.state.in_(("draft", "rejected")))
        )
        home.my_items = list(session.scalars(mine.limit(LIST_LIMIT)))
    return home
