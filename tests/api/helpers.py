"""Assertions shared by the API tests: JSON error shape, table snapshots, audit entries."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.accounts.models import ApiToken, Grant, User
from signage.areas.models import Area
from signage.audit.models import AuditEntry

TABLES = {"users": User, "grants": Grant, "tokens": ApiToken, "areas": Area, "audit": AuditEntry}


def snapshot(session: Session) -> dict[str, int]:
    """Row counts of every table, to prove a rejected request wrote nothing."""
    return {name: session.scalar(select(func.count()).select_from(m)) for name, m in TABLES.items()}


def audit_actions(session: Session, after_id: int = 0) -> list[str]:
    """Actions recorded after the entry with id after_id, oldest first."""
    return list(
        session.scalars(
            select(AuditEntry.action).where(AuditEntry.id > after_id).order_by(AuditEntry.id)
        )
    )


def last_audit_id(session: Session) -> int:
    return session.scalar(select(func.max(AuditEntry.id))) or 0


def assert_error(resp, status: int, code: str | None = None) -> dict:
    """The response is a JSON error of this status (and code), with a message to show."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    body = resp.get_json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    assert isinstance(body["error"]["message"], str) and body["error"]["message"].strip()
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def fields(error: dict) -> dict[str, str]:
    """The field -> message map of a validation error."""
    return {d["field"]: d["message"] for d in error.get("details", [])}
