"""Alert lifecycle: create (with the two-person rule), confirm, update, cancel, expire.

Every transition checks `alert.send` on every target's area, writes the audit log and, after the
commit, fans the change out to the boards (see delivery.py). Nothing here talks to sockets.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.alerts import delivery
from signage.alerts.models import STATUSES, Alert, AlertTarget, AlertTemplate
from signage.alerts.targets import Targets, needs_confirmation, targeted_boards
from signage.alerts.text import AlertText
from signage.areas.models import Area
from signage.areas.services import root
from signage.audit.services import Actor, record
from signage.errors import Conflict, ValidationFailed
from signage.permissions import require
from signage.storage import MediaStore

MAX_DURATION = timedelta(days=7)


def _common_area(session: Session, areas: list[Area]) -> Area:
    """The narrowest area whose subtree holds all of these."""
    paths = [a.path.strip("/").split("/") for a in areas]
    common: list[str] = []
    for parts in zip(*paths, strict=False):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    if not common:
        return root(session)
    return session.get(Area, int(common[-1])) or root(session)


def _check_times(expires: datetime, now: datetime, field_name: str = "expires") -> None:
    if expires <= now:
        raise ValidationFailed(
            details=[{"field": field_name, "message": _l("The expiry time has already passed.")}]
        )
    if expires - now > MAX_DURATION:
        raise ValidationFailed(
            details=[{"field": field_name, "message": _l("An alert may last at most 7 days.")}]
        )


def create_alert(
    session: Session,
    actor: Actor,
    text: AlertText,
    targets: Targets,
    *,
    expires: datetime,
    now: datetime,
    store: MediaStore,
    settings: Any,
    status: str = "Actual",
    source: str = "console",
    template: AlertTemplate | None = None,
    two_person_exempt: bool = False,
    identifier: str | None = None,
    sender: str | None = None,
    sent: datetime | None = None,
    cap_areas: list[dict[str, Any]] | None = None,
    effective: datetime | None = None,
    onset: datetime | None = None,
) -> Alert:
    """Store a new alert; it airs at once unless the two-person rule holds it for confirmation.

    `two_person_exempt` is only for sources the administrator configured as trusted (polled CAP
    feeds, `SIGNAGE_CAP_TRUSTED_USERS`); every person's alert, CAP included, follows the rule.
    """
    text = text.cleaned()
    problems = text.problems()
    if status not in STATUSES:
        problems.append(
            {
                "field": "status",
                "message": _l("Must be one of: %(values)s.", values=", ".join(STATUSES)),
            }
        )
    if problems:
        raise ValidationFailed(details=problems)
    _check_times(expires, now)
    alert = Alert(
        identifier=identifier or f"urn:uuid:{uuid.uuid4()}",
        sender=sender or settings.alert_sender,
        sent=sent or now,
        status=status,
        source=source,
        state="active",
        version=1,
        expires=expires,
        effective=effective,
        onset=onset,
        area_id=_common_area(session, targets.owning_areas()).id,
        template_id=template.id if template else None,
        created_by_id=actor.user.id if actor.user else None,
        editor_ids=[],
        cap_areas=cap_areas if cap_areas is not None else _cap_areas(targets),
        created_at=now,
        updated_at=now,
        **vars(text),
    )
    alert.targets = [AlertTarget(kind=k, target_id=i) for k, i in targets.pairs()]
    session.add(alert)
    session.flush()
    pending = not two_person_exempt and needs_confirmation(session, settings, targets)
    record(
        session,
        actor,
        "alert.create",
        "alert",
        alert.id,
        area_id=alert.area_id,
        details={
            "headline": alert.headline,
            "status": status,
            "targets": [f"{k}:{i}" for k, i in targets.pairs()],
            "needs_confirmation": pending,
        },
        now=now,
    )
    if pending:
        alert.state = "pending_confirmation"
        return alert
    _activate(session, alert, now=now, store=store)
    return alert


def _cap_areas(targets: Targets) -> list[dict[str, Any]]:
    """CAP <area> blocks for console targets: the official codes of the areas as geocodes.

    Groups and boards are published as the area they belong to: their codes are internal.
    """
    areas = list(dict.fromkeys(targets.owning_areas()))
    return [
        {"desc": a.name, "geocodes": [["VN-AREA", a.code]], "polygons": [], "circles": []}
        for a in areas
    ]


def _activate(session: Session, alert: Alert, *, now: datetime, store: MediaStore) -> None:
    alert.state = "active"
    alert.activated_at = now
    boards = targeted_boards(session, alert)
    delivery.render_images(session, alert, boards, store)
    delivery.fan_out(session, alert, boards, now=now)


def confirm_alert(
    session: Session,
    actor: Actor,
    alert: Alert,
    *,
    version: int,
    now: datetime,
    store: MediaStore,
) -> Alert:
    """Second operator's confirmation of the version they reviewed.

    Nobody who wrote or edited any version may confirm it, and a confirmation of an older
    version than the current one is refused: the text on air is the text that was reviewed.
    """
    require(actor.user, "alert.send", alert.area)
    proposal = alert.proposal if alert.state == "active" else None
    if alert.state != "pending_confirmation" and not proposal:
        raise Conflict(_l("This alert is not waiting for confirmation."))
    if actor.user is None or actor.user.id == alert.created_by_id:
        raise Conflict(_l("A second operator must confirm: you created this alert."))
    if actor.user.id in (alert.editor_ids or []):
        raise Conflict(_l("A second operator must confirm: you changed this alert's text."))
    current = proposal["version"] if proposal else alert.version
    if version != current:
        raise Conflict(
            _l(
                "The alert changed after you reviewed it (you saw version %(seen)s, it is now "
                "version %(current)s). Read it again, then confirm.",
                seen=version,
                current=current,
            )
        )
    if alert.expires <= now:
        raise Conflict(_l("The alert expired before it was confirmed."))
    if proposal:
        return _confirm_proposal(session, actor, alert, proposal, now=now, store=store)
    alert.confirmed_by_id = actor.user.id
    alert.updated_at = now
    record(
        session,
        actor,
        "alert.confirm",
        "alert",
        alert.id,
        area_id=alert.area_id,
        details={"version": version},
        now=now,
    )
    _activate(session, alert, now=now, store=store)
    return alert


def update_alert(
    session: Session,
    actor: Actor,
    alert: Alert,
    text: AlertText,
    *,
    expires: datetime | None,
    now: datetime,
    store: MediaStore,
    check: bool = True,
) -> Alert:
    """New text or expiry; the version rises and every targeted board switches to it.

    `check=False` is for trusted upstream CAP sources configured by the administrator.
    """
    if check:
        require(actor.user, "alert.send", alert.area)
    if alert.state not in {"active", "pending_confirmation"}:
        raise Conflict(_l("This alert has ended and can no longer be changed."))
    text = text.cleaned()
    problems = text.problems()
    if problems:
        raise ValidationFailed(details=problems)
    if expires is not None:
        _check_times(expires, now)
    if actor.user is not None and actor.user.id not in (alert.editor_ids or []):
        alert.editor_ids = [*(alert.editor_ids or []), actor.user.id]  # a new list: JSON change
    if check and alert.state == "active" and alert.confirmed_by_id is not None:
        return _propose(session, actor, alert, text, expires=expires, now=now)
    if expires is not None:
        alert.expires = expires
    for name, value in vars(text).items():
        setattr(alert, name, value)
    alert.version = max(alert.version, (alert.proposal or {}).get("version", 0)) + 1
    alert.proposal = None
    alert.updated_at = now
    record(
        session,
        actor,
        "alert.update",
        "alert",
        alert.id,
        area_id=alert.area_id,
        details={"version": alert.version, "headline": alert.headline},
        now=now,
    )
    if alert.state == "active":
        boards = targeted_boards(session, alert)
        delivery.render_images(session, alert, boards, store)
        delivery.fan_out(session, alert, boards, now=now)
    return alert


def _propose(
    session: Session,
    actor: Actor,
    alert: Alert,
    text: AlertText,
    *,
    expires: datetime | None,
    now: datetime,
) -> Alert:
    """Hold a person's change of an alert that aired under the two-person rule.

    The confirmed text stays on air; the change gets a version number of its own (a later
    change replaces it with a higher one), which the second operator's confirmation must name.
    """
    version = max(alert.version, (alert.proposal or {}).get("version", 0)) + 1
    alert.proposal = {
        "version": version,
        "by": actor.user.id if actor.user else None,
        "text": vars(text),
        "expires": expires.isoformat() if expires else None,
    }
    record(
        session,
        actor,
        "alert.propose",
        "alert",
        alert.id,
        area_id=alert.area_id,
        details={"version": version, "headline": text.headline},
        now=now,
    )
    return alert


def _confirm_proposal(
    session: Session,
    actor: Actor,
    alert: Alert,
    proposal: dict[str, Any],
    *,
    now: datetime,
    store: MediaStore,
) -> Alert:
    """Put a confirmed change on air: every targeted board switches to it."""
    expires = datetime.fromisoformat(proposal["expires"]) if proposal.get("expires") else None
    if expires is not None and expires <= now:
        raise Conflict(_l("The proposed end time has already passed: propose the change again."))
    for name, value in proposal["text"].items():
        setattr(alert, name, value)
    if expires is not None:
        alert.expires = expires
    alert.version = proposal["version"]
    alert.proposal = None
    alert.confirmed_by_id = actor.user.id if actor.user else None
    alert.updated_at = now
    record(session, actor, "alert.confirm", "alert", alert.id, area_id=alert.area_id,
           details={"version": alert.version}, now=now)  # fmt: skip
    boards = targeted_boards(session, alert)
    delivery.render_images(session, alert, boards, store)
    delivery.fan_out(session, alert, boards, now=now)
    return alert


def cancel_alert(
    session: Session, actor: Actor, alert: Alert, *, now: datetime, check: bool = True
) -> Alert:
    """End an alert now; boards return to their programme."""
    if check:
        require(actor.user, "alert.send", alert.area)
    if alert.state not in {"active", "pending_confirmation"}:
        raise Conflict(_l("This alert has already ended."))
    _end(session, alert, "cancelled", now=now, by=actor.user.id if actor.user else None)
    record(session, actor, "alert.cancel", "alert", alert.id, area_id=alert.area_id, now=now)
    return alert


def _end(session: Session, alert: Alert, state: str, *, now: datetime, by: int | None) -> None:
    was_active = alert.state == "active"
    alert.state, alert.ended_at, alert.ended_by_id = state, now, by
    alert.version = max(alert.version, (alert.proposal or {}).get("version", 0)) + 1
    alert.proposal = None
    alert.updated_at = now
    if was_active:
        delivery.fan_out_cancel(session, alert)


def expire_alerts(session: Session, *, now: datetime) -> int:
    """End the alerts whose expiry passed (the scheduler's job); how many ended."""
    due = list(
        session.scalars(
            select(Alert).where(
                Alert.state.in_(("active", "pending_confirmation")), Alert.expires <= now
            )
        )
    )
    for alert in due:
        _end(session, alert, "expired", now=now, by=None)
        record(
            session,
            Actor(None, "", label_override="scheduler"),
            "alert.expire",
            "alert",
            alert.id,
            area_id=alert.area_id,
            now=now,
        )
    return len(due)
