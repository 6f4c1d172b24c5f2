"""Alert endpoints: send, read with receipt counts, update, confirm, cancel; templates."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field

from signage import clock
from signage.alerts import lifecycle, queries
from signage.alerts.models import Alert
from signage.alerts.targets import resolve_targets
from signage.alerts.templates import (
    check_key,
    save_template,
    template_by_key,
    templates,
    text_from_template,
)
from signage.alerts.text import AlertText, display_mode
from signage.boards.presence import is_online
from signage.clock import iso_utc
from signage.db import db
from signage.errors import ValidationFailed
from signage.http.api import UtcDateTime, actor, api_blueprint, json_body, operations, query_args
from signage.storage import media_store

bp = api_blueprint("alerts")
operation = operations(bp)

Code = Field(max_length=64)
Urgency = Literal["Immediate", "Expected", "Future", "Past", "Unknown"]
Severity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
Certainty = Literal["Observed", "Likely", "Possible", "Unlikely", "Unknown"]
Category = Literal[
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
    "CBRNE", "Other",
]  # fmt: skip


class TextFields(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event: str | None = Field(None, max_length=200)
    headline: str | None = Field(None, max_length=300)
    description: str | None = Field(None, max_length=4000)
    instruction: str | None = Field(None, max_length=4000)
    category: Category | None = None
    urgency: Urgency | None = None
    severity: Severity | None = None
    certainty: Certainty | None = None
    sender_name: str | None = Field(None, max_length=200, description="Issuing agency")
    web: str | None = Field(None, max_length=500)


class AlertIn(TextFields):
    template: str | None = Field(None, max_length=64, description="Template key, e.g. storm")
    areas: list[str] = Field(default_factory=list, max_length=500, description="Area codes")
    groups: list[str] = Field(default_factory=list, max_length=500, description="Group codes")
    boards: list[str] = Field(default_factory=list, max_length=5000, description="Board codes")
    expires: UtcDateTime | None = Field(None, description="Default: now + the template's time")
    status: Literal["Actual", "Exercise", "Test"] = "Actual"


class AlertPatch(TextFields):
    expires: UtcDateTime | None = None


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(
        ge=1, le=2**31 - 1, description="The version you reviewed (the alert's `version`)"
    )


class AlertQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: Literal["pending_confirmation", "active", "cancelled", "expired"] | None = None
    limit: int = Field(100, ge=1, le=500)


class TemplateIn(TextFields):
    name: str = Field(max_length=200)
    expires_minutes: int = Field(360, ge=1, le=7 * 24 * 60)


def alert_out(alert: Alert, *, now: datetime, counts: bool = True) -> dict[str, Any]:
    """Serialise an alert, with receipt counts."""
    out = {
        "id": alert.id,
        "identifier": alert.identifier,
        "state": alert.state,
        "version": alert.version,
        "status": alert.status,
        "source": alert.source,
        "area": alert.area.code,
        "event": alert.event,
        "category": alert.category,
        "urgency": alert.urgency,
        "severity": alert.severity,
        "certainty": alert.certainty,
        "mode": display_mode(alert.urgency, alert.severity, alert.certainty),
        "headline": alert.headline,
        "description": alert.description,
        "instruction": alert.instruction,
        "sender_name": alert.sender_name,
        "sent": iso_utc(alert.sent),
        "expires": iso_utc(alert.expires),
        "created_by": alert.created_by.username if alert.created_by else None,
        "confirmed_by": alert.confirmed_by.username if alert.confirmed_by else None,
        "targets": [{"kind": t.kind, "id": t.target_id} for t in alert.targets],
        "images": alert.images,
        # A change of a confirmed alert on air, waiting for a second operator.
        "proposal": _proposal_out(alert.proposal),
    }
    if counts:
        out["receipts"] = queries.progress(db.session, alert, now=now)
    return out


def _proposal_out(proposal: dict[str, Any] | None) -> dict[str, Any] | None:
    if not proposal:
        return None
    out = {"version": proposal["version"], **proposal["text"]}
    if proposal.get("expires"):
        out["expires"] = iso_utc(datetime.fromisoformat(proposal["expires"]))
    return out


def _text(body: TextFields, base: AlertText | None = None) -> AlertText:
    values = {
        k: v for k, v in body.model_dump(exclude_none=True).items() if k in TextFields.model_fields
    }
    if base is None:
        return AlertText(**values)
    merged = {**vars(base), **values}
    return AlertText(**merged)


@operation(
    "/alerts",
    "GET",
    summary="Alerts in my areas",
    tag="alerts",
    query=AlertQuery,
    scope="alerts:read",
)
def list_alerts() -> ResponseReturnValue:
    q: AlertQuery = query_args(AlertQuery)
    stmt = queries.visible_alerts(actor().user).limit(q.limit)
    if q.state:
        stmt = stmt.where(Alert.state == q.state)
    now = clock.now()
    rows = db.session.scalars(stmt).unique()
    return jsonify({"alerts": [alert_out(a, now=now, counts=False) for a in rows]})


@operation(
    "/alerts",
    "POST",
    summary="Send an alert",
    tag="alerts",
    body=AlertIn,
    status=201,
    errors=(404, 409),
    scope="alerts:write",
)
def create_alert() -> ResponseReturnValue:
    """From a template (`template`) and/or text fields; targets by area, group and board codes.

    Province-wide alerts wait for a second operator (`state: pending_confirmation`) when the
    two-person rule is on; confirm with POST /alerts/{id}/confirm.
    """
    body: AlertIn = json_body(AlertIn)
    session, who, now = db.session, actor(), clock.now()
    settings = current_app.config["SIGNAGE"]
    template = template_by_key(session, body.template) if body.template else None
    if template is not None:
        text = text_from_template(template, **_text(body).__dict__)
    else:
        missing = [f for f in ("event", "headline") if not getattr(body, f)]
        if missing:
            raise ValidationFailed(
                details=[
                    {"field": f, "message": _l("Required without a template.")} for f in missing
                ]
            )
        text = _text(body)
    targets = resolve_targets(
        session, who.user, areas=body.areas, groups=body.groups, boards=body.boards
    )
    minutes = template.expires_minutes if template else 360
    alert = lifecycle.create_alert(
        session,
        who,
        text,
        targets,
        expires=body.expires or now + timedelta(minutes=minutes),
        now=now,
        store=media_store(),
        settings=settings,
        status=body.status,
        source="api",
        template=template,
    )
    out = alert_out(alert, now=now)
    out["targeted"] = out["receipts"]["targeted"]
    return jsonify(out), 201


@operation("/alerts/<int:alert_id>", "GET", summary="An alert and its receipts", tag="alerts",
           errors=(404,), scope="alerts:read")  # fmt: skip
def get_alert(alert_id: int) -> ResponseReturnValue:
    alert = queries.get_alert(db.session, actor().user, alert_id)
    return jsonify(alert_out(alert, now=clock.now()))


@operation("/alerts/<int:alert_id>/boards", "GET", summary="Boards that have not displayed it",
           tag="alerts", errors=(404,), scope="alerts:read")  # fmt: skip
def alert_boards(alert_id: int) -> ResponseReturnValue:
    alert = queries.get_alert(db.session, actor().user, alert_id)
    now = clock.now()
    rows = queries.not_displayed(db.session, alert)
    return jsonify(
        {
            "boards": [
                {
                    "code": b.code,
                    "name": b.name,
                    "online": is_online(s, now),
                    "last_seen": iso_utc(s.last_seen) if s else None,
                }
                for b, s in rows
            ]
        }
    )


@operation("/alerts/<int:alert_id>", "PATCH", summary="Change an alert's text or expiry",
           tag="alerts", body=AlertPatch, errors=(404, 409), scope="alerts:write")  # fmt: skip
def update_alert(alert_id: int) -> ResponseReturnValue:
    """On an alert that aired after a second operator's confirmation, the change waits in
    `proposal` (the confirmed text stays on air) until another operator confirms its version."""
    body: AlertPatch = json_body(AlertPatch)
    session, now = db.session, clock.now()
    alert = queries.get_alert(session, actor().user, alert_id)
    lifecycle.update_alert(
        session,
        actor(),
        alert,
        _text(body, AlertText.of(alert)),
        expires=body.expires,
        now=now,
        store=media_store(),
    )
    return jsonify(alert_out(alert, now=now))


@operation("/alerts/<int:alert_id>/confirm", "POST", summary="Confirm a held alert (2nd person)",
           tag="alerts", body=ConfirmIn, errors=(404, 409), scope="alerts:write")  # fmt: skip
def confirm_alert(alert_id: int) -> ResponseReturnValue:
    """Body `{"version": n}`: the version you reviewed; 409 if it changed since, or if you wrote
    or edited any version of it (nobody confirms their own text)."""
    body: ConfirmIn = json_body(ConfirmIn)
    session, now = db.session, clock.now()
    alert = queries.get_alert(session, actor().user, alert_id)
    lifecycle.confirm_alert(
        session, actor(), alert, version=body.version, now=now, store=media_store()
    )
    return jsonify(alert_out(alert, now=now))


@operation("/alerts/<int:alert_id>/cancel", "POST", summary="Cancel an alert", tag="alerts",
           errors=(404, 409), scope="alerts:write")  # fmt: skip
def cancel_alert(alert_id: int) -> ResponseReturnValue:
    session, now = db.session, clock.now()
    alert = queries.get_alert(session, actor().user, alert_id)
    lifecycle.cancel_alert(session, actor(), alert, now=now)
    return jsonify(alert_out(alert, now=now))


def template_out(t: Any) -> dict[str, Any]:
    """Serialise a template."""
    return {
        "key": t.key,
        "name": t.name,
        "category": t.category,
        "event": t.event,
        "urgency": t.urgency,
        "severity": t.severity,
        "certainty": t.certainty,
        "headline": t.headline,
        "description": t.description,
        "instruction": t.instruction,
        "expires_minutes": t.expires_minutes,
    }


@operation("/alert-templates", "GET", summary="Alert templates", tag="alerts", scope="alerts:read")
def list_templates() -> ResponseReturnValue:
    return jsonify({"templates": [template_out(t) for t in templates(db.session)]})


@operation("/alert-templates/<key>", "PUT", summary="Create or change a template (admins)",
           tag="alerts", body=TemplateIn, scope="alerts:write")  # fmt: skip
def put_template(key: str) -> ResponseReturnValue:
    body: TemplateIn = json_body(TemplateIn)
    check_key(key)
    existing = templates(db.session, active_only=False)
    base = next((t for t in existing if t.key == key), None)
    text = text_from_template(base, **_text(body).__dict__) if base else _text(body)
    row = save_template(
        db.session,
        actor(),
        key,
        text,
        name=body.name,
        expires_minutes=body.expires_minutes,
        now=clock.now(),
    )
    return jsonify(template_out(row))
