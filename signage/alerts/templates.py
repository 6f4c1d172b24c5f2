"""Alert templates: the seeded and administrator-made starting texts for common alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.alerts.lifecycle import MAX_DURATION
from signage.alerts.models import AlertTemplate
from signage.alerts.text import AlertText
from signage.audit.services import Actor, record
from signage.errors import NotFound, ValidationFailed
from signage.permissions import require


def templates(session: Session, *, active_only: bool = True) -> list[AlertTemplate]:
    """The templates, in their seeded order."""
    stmt = select(AlertTemplate).order_by(AlertTemplate.id)
    if active_only:
        stmt = stmt.where(AlertTemplate.is_active.is_(True))
    return list(session.scalars(stmt))


def template_by_key(session: Session, key: str) -> AlertTemplate:
    """A template by key, or NotFound."""
    row = session.scalar(select(AlertTemplate).where(AlertTemplate.key == key))
    if row is None or not row.is_active:
        raise NotFound(_l("No such template: %(key)s", key=key[:64]))
    return row


def check_key(key: str) -> None:
    """ValidationFailed unless the key is 1 to 64 ASCII letters, digits and dashes."""
    if not key or not key.replace("-", "").isalnum() or len(key) > 64 or not key.isascii():
        raise ValidationFailed(
            details=[{"field": "key", "message": _l("Letters, digits and dashes.")}]
        )


def text_from_template(template: AlertTemplate, **overrides: Any) -> AlertText:
    """An AlertText filled from a template; non-empty overrides win."""
    base = {
        "event": template.event,
        "headline": template.headline,
        "description": template.description,
        "instruction": template.instruction,
        "category": template.category,
        "urgency": template.urgency,
        "severity": template.severity,
        "certainty": template.certainty,
    }
    base.update({k: v for k, v in overrides.items() if v not in (None, "")})
    return AlertText(**base)


def save_template(
    session: Session,
    actor: Actor,
    key: str,
    text: AlertText,
    *,
    name: str,
    expires_minutes: int,
    now: datetime,
) -> AlertTemplate:
    """Create or change a template (admins: template.manage on the whole installation)."""
    require(actor.user, "template.manage", None)
    text = text.cleaned()
    problems = text.problems()
    if not 1 <= expires_minutes <= int(MAX_DURATION.total_seconds() // 60):
        problems.append({"field": "expires_minutes", "message": _l("Between 1 minute and 7 days.")})
    if not name.strip() or len(name) > 200:
        problems.append(
            {"field": "name", "message": _l("A name of at most 200 characters is required.")}
        )
    if problems:
        raise ValidationFailed(details=problems)
    row = session.scalar(select(AlertTemplate).where(AlertTemplate.key == key))
    if row is None:
        row = AlertTemplate(key=key)
        session.add(row)
    row.name, row.expires_minutes, row.updated_at, row.is_active = (
        name.strip(),
        expires_minutes,
        now,
        True,
    )
    for attr in (
        "category",
        "event",
        "urgency",
        "severity",
        "certainty",
        "headline",
        "description",
        "instruction",
    ):
        setattr(row, attr, getattr(text, attr))
    session.flush()
    record(session, actor, "template.save", "alert_template", row.id, details={"key": key}, now=now)
    return row


def delete_template(session: Session, actor: Actor, key: str, *, now: datetime) -> None:
    """Take a template off the list (admins); alerts sent from it keep their link to it."""
    require(actor.user, "template.manage", None)
    row = template_by_key(session, key)
    row.is_active, row.updated_at = False, now
    session.flush()
    record(
        session, actor, "template.delete", "alert_template", row.id, details={"key": key}, now=now
    )
