"""Writing the audit log and building queries over it; Actor says who acts and from where.

Which entries a user may read (by area) is the reading side, in signage.audit.views.reading,
shared by the console page and the API: the audit core knows nothing of areas or permissions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, event, select
from sqlalchemy.orm import ORMExecuteState, Session

from signage.audit.models import AuditEntry

if TYPE_CHECKING:
    from signage.accounts.models import User


@dataclass(frozen=True)
class Actor:
    """Who performs an action: a user (or None for the system) and the client address."""

    user: User | None
    ip: str = ""
    label_override: str = ""

    @property
    def label(self) -> str:
        """A readable name for the log: the username, or what the system component is."""
        if self.label_override:
            return self.label_override
        return self.user.username if self.user is not None else "system"


SYSTEM = Actor(None)


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any = "",
    *,
    area_id: int | None = None,
    details: dict[str, Any] | None = None,
    now: datetime,
) -> AuditEntry:
    """Append one entry to the audit log in the caller's transaction."""
    entry = AuditEntry(
        actor_id=actor.user.id if actor.user is not None else None,
        actor=actor.label[:100],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:64],
        area_id=area_id,
        ip=actor.ip[:64],
        details=details or {},
        at=now,
    )
    session.add(entry)
    return entry


def query(
    *,
    action: str | None = None,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[AuditEntry]:
    """A newest-first select of audit entries matching every given filter."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        # Actions are lower case; lowering the filter makes LIKE agree on SQLite and PostgreSQL.
        stmt = stmt.where(AuditEntry.action.startswith(action.lower(), autoescape=True))
    if actor:
        stmt = stmt.where(AuditEntry.actor == actor)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at < until)
    return stmt


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEntry for mapper in state.all_mappers
    ):
        raise RuntimeError("the audit log is append-only")


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("the audit log is append-only")
