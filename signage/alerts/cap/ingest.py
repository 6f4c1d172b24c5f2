"""CAP 1.2 in and out: messages from upstream systems become alerts; alerts are published as CAP.

A received message is parsed and validated by `cap.parse` (no DTDs, the official schema, the
rules the schema cannot express), then:

- `Alert`: a new alert, targeted by the areas' geocodes (official area codes), polygons and
  circles (against board coordinates), handled exactly like a console alert;
- `Update`: the referenced alert (same sender) takes the new text and expiry (version + 1);
- `Cancel`: the referenced alert (same sender) ends;
- a message seen before (same sender and identifier) is a duplicate and changes nothing;
- `System`/`Draft` status, `Ack`/`Error` types and non-`Public` scope are accepted and ignored.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.alerts import geo
from signage.alerts.cap import message as cap
from signage.alerts.lifecycle import cancel_alert, create_alert, update_alert
from signage.alerts.models import Alert, CapMessageRecord
from signage.alerts.targets import Targets
from signage.alerts.text import AlertText, is_web_link
from signage.areas.services import find_by_code
from signage.audit.services import Actor
from signage.boards.models import Board
from signage.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from signage.permissions import can
from signage.storage import MediaStore

log = logging.getLogger(__name__)
DEFAULT_DURATION = timedelta(hours=6)
AIRED_STATUSES = {"Actual", "Exercise", "Test"}


@dataclass
class Outcome:
    """What a CAP message did: `created`, `updated`, `cancelled`, `duplicate` or `ignored`."""

    result: str
    alert: Alert | None = None
    reason: str = ""

    def as_json(self) -> dict[str, Any]:
        """The API answer."""
        out: dict[str, Any] = {"result": self.result}
        if self.alert is not None:
            out["alert"] = self.alert.id
            out["version"] = self.alert.version
            out["state"] = self.alert.state
        if self.reason:
            out["reason"] = self.reason
        return out


def _problem(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(details=[{"field": field, "message": message}])


def pick_info(message: cap.CapMessage) -> cap.CapInfo | None:
    """The Vietnamese info block if there is one, else the first."""
    for info in message.infos:
        if info.language.lower().startswith("vi"):
            return info
    return message.infos[0] if message.infos else None


def _text(info: cap.CapInfo) -> AlertText:
    return AlertText(
        event=info.event,
        headline=info.headline or info.event,
        description=info.description,
        instruction=info.instruction,
        category=info.categories[0] if info.categories else "Other",
        urgency=info.urgency,
        severity=info.severity,
        certainty=info.certainty,
        sender_name=info.sender_name,
        web=info.web,
        language=info.language or "vi-VN",
    )


def area_json(area: cap.CapArea) -> dict[str, Any]:
    """A CAP area as stored on the alert (for republishing)."""
    return {
        "desc": area.desc,
        "geocodes": [list(g) for g in area.geocodes],
        "polygons": [[list(p) for p in ring] for ring in area.polygons],
        "circles": [list(c) for c in area.circles],
    }


def resolve_cap_targets(session: Session, info: cap.CapInfo) -> Targets:
    """Areas by geocode value (official codes) and boards inside polygons or circles."""
    targets = Targets()
    seen_boards: set[int] = set()
    shapes = [a for a in info.areas if a.polygons or a.circles]
    for cap_area in info.areas:
        for _name, value in cap_area.geocodes:
            area = find_by_code(session, value.strip())
            if area is not None and area not in targets.areas:
                targets.areas.append(area)
    if shapes:
        located = session.scalars(
            select(Board).where(Board.lat.is_not(None), Board.lon.is_not(None))
        )
        for board in located:
            lat, lon = board.lat, board.lon
            if board.id in seen_boards or lat is None or lon is None:
                continue
            if any(geo.area_contains(a, lat, lon) for a in shapes):
                targets.boards.append(board)
                seen_boards.add(board.id)
    if not targets:
        raise _problem(
            "info.area",
            _l("No area code, board or board location here matches the message's areas."),
        )
    return targets


def trusted_users(settings: Any) -> set[str]:
    """Usernames whose CAP messages skip the two-person rule (`SIGNAGE_CAP_TRUSTED_USERS`)."""
    return set((getattr(settings, "cap_trusted_users", "") or "").replace(",", " ").split())


def require_send_generic(actor: Actor, targets: Targets) -> None:
    """PermissionDenied without naming the areas: a polygon must not reveal other areas' names."""
    if any(not can(actor.user, "alert.send", a) for a in targets.owning_areas()):
        raise PermissionDenied(
            _l("The message targets areas or boards outside the areas you may send alerts to.")
        )


def _find_referenced(
    session: Session, actor: Actor, message: cap.CapMessage, *, check_grants: bool
) -> list[Alert]:
    found = []
    for sender, identifier, _sent in message.references:
        row = session.scalar(
            select(CapMessageRecord).where(
                CapMessageRecord.sender == sender, CapMessageRecord.identifier == identifier
            )
        )
        alert = session.get(Alert, row.alert_id) if row and row.alert_id else None
        if alert is None:
            alert = session.scalar(select(Alert).where(Alert.identifier == identifier))
        if alert is not None and check_grants and not can(actor.user, "alert.view", alert.area):
            alert = None  # another area's alert answers like a missing one
        if alert is None:
            raise NotFound(
                _l("The referenced alert %(id)s is unknown.", id=identifier[:100]),
                details=[{"field": "references", "message": identifier[:100]}],
            )
        if alert.sender != message.sender:
            raise PermissionDenied(
                _l("Only the sender of alert %(id)s may update or cancel it.", id=identifier[:100])
            )
        found.append(alert)
    return found


def ingest(
    session: Session,
    actor: Actor,
    data: bytes,
    *,
    now: datetime,
    store: MediaStore,
    settings: Any,
    source: str = "api",
    check_grants: bool = True,
) -> Outcome:
    """Apply one CAP message; raises CapError / domain errors with nothing written."""
    message = cap.parse(data)
    duplicate = session.scalar(
        select(CapMessageRecord).where(
            CapMessageRecord.sender == message.sender,
            CapMessageRecord.identifier == message.identifier,
        )
    )
    if duplicate is not None:
        alert = session.get(Alert, duplicate.alert_id) if duplicate.alert_id else None
        return Outcome("duplicate", alert)
    if message.status not in AIRED_STATUSES or message.msg_type in {"Ack", "Error"}:
        outcome = Outcome("ignored", reason=f"status {message.status}, type {message.msg_type}")
    elif message.scope != "Public":
        outcome = Outcome("ignored", reason=f"scope {message.scope}")
    elif message.msg_type == "Alert":
        outcome = _create(session, actor, message, now=now, store=store, settings=settings,
                          check_grants=check_grants)  # fmt: skip
    else:
        outcome = _update_or_cancel(session, actor, message, now=now, store=store,
                                    check_grants=check_grants)  # fmt: skip
    session.add(
        CapMessageRecord(
            sender=message.sender,
            identifier=message.identifier,
            sent=message.sent,
            msg_type=message.msg_type,
            alert_id=outcome.alert.id if outcome.alert else None,
            received_at=now,
            source=source[:500],
        )
    )
    session.flush()
    return outcome


def _create(
    session: Session,
    actor: Actor,
    message: cap.CapMessage,
    *,
    now: datetime,
    store: MediaStore,
    settings: Any,
    check_grants: bool,
) -> Outcome:
    info = pick_info(message)
    if info is None:
        raise _problem("info", _l("An Alert message needs an info block."))
    if session.scalar(select(Alert.id).where(Alert.identifier == message.identifier)):
        raise Conflict(
            _l("Another sender already used the identifier %(id)s.", id=message.identifier[:100])
        )
    targets = resolve_cap_targets(session, info)
    if check_grants:
        require_send_generic(actor, targets)
    # The two-person rule binds every person; only administrator-configured sources skip it.
    exempt = not check_grants or (
        actor.user is not None and actor.user.username in trusted_users(settings)
    )
    expires = info.expires or now + DEFAULT_DURATION
    alert = create_alert(
        session,
        actor,
        _text(info),
        targets,
        expires=expires,
        now=now,
        store=store,
        settings=settings,
        status=message.status,
        source="cap",
        two_person_exempt=exempt,
        identifier=message.identifier,
        sender=message.sender,
        sent=message.sent,
        cap_areas=[area_json(a) for a in info.areas],
        effective=info.effective,
        onset=info.onset,
    )
    return Outcome("created", alert)


def _update_or_cancel(
    session: Session,
    actor: Actor,
    message: cap.CapMessage,
    *,
    now: datetime,
    store: MediaStore,
    check_grants: bool,
) -> Outcome:
    referenced = _find_referenced(session, actor, message, check_grants=check_grants)
    if not referenced:
        raise _problem("references", _l("Update and Cancel messages must reference an alert."))
    last: Alert | None = None
    for alert in referenced:
        if check_grants:
            require_send_generic(actor, Targets(areas=[alert.area]))
        if alert.state not in {"active", "pending_confirmation"}:
            last = alert
            continue
        if message.msg_type == "Cancel":
            cancel_alert(session, actor, alert, now=now, check=check_grants)
        else:
            info = pick_info(message)
            if info is None:
                raise _problem("info", _l("An Update message needs an info block."))
            update_alert(
                session,
                actor,
                alert,
                _text(info),
                expires=info.expires,
                now=now,
                store=store,
                check=check_grants,
            )
        last = alert
    if message.msg_type == "Cancel":
        return Outcome("cancelled", last)
    # A confirmed alert's change from a person waits for a second operator (lifecycle._propose).
    return Outcome("proposed" if last is not None and last.proposal else "updated", last)


# --- publishing --------------------------------------------------------------------------


INTERNAL_GEOCODES = ("SIGNAGE-",)  # board and group codes of older rows: never published


def _cap_area(raw: dict[str, Any]) -> cap.CapArea:
    return cap.CapArea(
        desc=raw.get("desc") or "-",
        geocodes=tuple(
            (str(n), str(v))
            for n, v in raw.get("geocodes", [])
            if not str(n).upper().startswith(INTERNAL_GEOCODES)
        ),
        polygons=tuple(
            tuple((float(a), float(b)) for a, b in ring) for ring in raw.get("polygons", [])
        ),
        circles=tuple((float(a), float(b), float(r)) for a, b, r in raw.get("circles", [])),
    )


def published_areas(alert: Alert) -> tuple[cap.CapArea, ...]:
    """The alert's CAP areas without internal codes; a block left empty becomes the alert's area.

    Blocks that named only a board or a group (older rows) would otherwise publish its name.
    """
    out: list[cap.CapArea] = []
    for raw in alert.cap_areas or []:
        area = _cap_area(raw)
        if not (area.geocodes or area.polygons or area.circles):
            area = cap.CapArea(alert.area.name, (("VN-AREA", alert.area.code),), (), ())
        if area not in out:
            out.append(area)
    return tuple(out) or (cap.CapArea("Việt Nam", (), (), ()),)


def to_message(alert: Alert) -> cap.CapMessage:
    """The alert as a CAP 1.2 message (Cancel once it was cancelled, Update after changes).

    Only alerts that went on air are published (see cap/api.py); `web` only if it is http(s).
    """
    if alert.state == "cancelled":
        msg_type = "Cancel"
    elif alert.activated_at is not None and alert.updated_at > alert.activated_at:
        msg_type = "Update"  # changed since it went on air; edits while held are not news
    else:
        msg_type = "Alert"
    references = ((alert.sender, alert.identifier, alert.sent),) if msg_type != "Alert" else ()
    identifier = alert.identifier if msg_type == "Alert" else f"{alert.identifier}.v{alert.version}"
    info = cap.CapInfo(
        language=alert.language or "vi-VN",
        categories=(alert.category,),
        event=alert.event,
        urgency=alert.urgency,
        severity=alert.severity,
        certainty=alert.certainty,
        headline=alert.headline,
        description=alert.description,
        instruction=alert.instruction,
        web=alert.web if is_web_link(alert.web or "") else "",
        sender_name=alert.sender_name,
        effective=alert.effective,
        onset=alert.onset,
        expires=alert.expires,
        areas=published_areas(alert),
    )
    return cap.CapMessage(
        identifier=identifier,
        sender=alert.sender,
        sent=alert.updated_at if msg_type != "Alert" else alert.sent,
        status=alert.status,
        msg_type=msg_type,
        scope="Public",
        references=references,
        note="",
        infos=(info,),
    )
