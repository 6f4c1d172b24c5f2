"""Alert lifecycle: create (with targets and the two-person rule), confirm, update, cancel, expire.

Every transition checks `alert.send` on every target's area, writes the audit log and, after the
commit, fans the change out to the boards (see delivery.py). Nothing here talks to sockets.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from signage.alerts import delivery
from signage.alerts.models import (
    CAP_CATEGORIES,
    CERTAINTIES,
    SEVERITIES,
    STATUSES,
    URGENCIES,
    Alert,
    AlertDelivery,
    AlertTarget,
    AlertTemplate,
)
from signage.areas.models import Area
from signage.areas.services import find_by_code, root
from signage.audit.services import Actor, record
from signage.boards.models import Board, BoardGroup, BoardStatus
from signage.boards.telemetry import online_clause
from signage.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from signage.permissions import can, require
from signage.schedules.manifests import affected_by_targets
from signage.storage import MediaStore

MAX_DURATION = timedelta(days=7)
TAKEOVER_URGENCY = {"Immediate", "Expected"}
TAKEOVER_SEVERITY = {"Extreme", "Severe"}
TAKEOVER_CERTAINTY = {"Observed", "Likely"}


def display_mode(urgency: str, severity: str, certainty: str) -> str:
    """`takeover` (full screen) for urgent, severe and likely alerts; `banner` for the rest.

    Past urgency never airs: creation refuses it.
    """
    if (
        urgency in TAKEOVER_URGENCY
        and severity in TAKEOVER_SEVERITY
        and certainty in TAKEOVER_CERTAINTY
    ):
        return "takeover"
    return "banner"


@dataclass
class AlertText:
    """What an operator or a CAP message says; every field is checked by `check`."""

    event: str = ""
    headline: str = ""
    description: str = ""
    instruction: str = ""
    category: str = "Met"
    urgency: str = "Immediate"
    severity: str = "Severe"
    certainty: str = "Observed"
    sender_name: str = ""
    web: str = ""
    language: str = "vi-VN"

    @classmethod
    def of(cls, alert: Alert) -> AlertText:
        """The text an alert carries now (the base for an update)."""
        return cls(**{name: getattr(alert, name) for name in cls.__dataclass_fields__})

    def cleaned(self) -> AlertText:
        """NFC text without control characters and surrounding blanks."""
        from signage.content.layout import clean_text

        out = {}
        for name, value in vars(self).items():
            value = clean_text(str(value or ""))
            # Only the long texts keep line breaks.
            out[name] = value if name in {"description", "instruction"} else " ".join(value.split())
        return AlertText(**out)

    def problems(self) -> list[dict[str, Any]]:
        """What is wrong, field by field."""
        found = []

        def bad(name: str, message: Any) -> None:
            found.append({"field": name, "message": message})

        for name, limit in (
            ("event", 200),
            ("headline", 300),
            ("description", 4000),
            ("instruction", 4000),
            ("sender_name", 200),
            ("web", 500),
        ):
            if len(getattr(self, name)) > limit:
                bad(name, _l("At most %(n)s characters.", n=limit))
        if not self.headline:
            bad("headline", _l("A headline is required."))
        if not self.event:
            bad("event", _l("Say what the event is (e.g. storm)."))
        for name, allowed in (
            ("category", CAP_CATEGORIES),
            ("urgency", URGENCIES),
            ("severity", SEVERITIES),
            ("certainty", CERTAINTIES),
        ):
            if getattr(self, name) not in allowed:
                bad(name, _l("Must be one of: %(values)s.", values=", ".join(allowed)))
        if self.urgency == "Past":
            bad("urgency", _l("An alert about the past is not shown on boards."))
        if self.web and not is_web_link(self.web):
            bad("web", _l("Only an http:// or https:// link is allowed."))
        return found


def is_web_link(url: str) -> bool:
    """True for an absolute http(s) URL with a host (never javascript:, data:, file: ...)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in {"http", "https"} and bool(parts.hostname)


@dataclass
class Targets:
    """Resolved targets: area subtrees, groups and single boards."""

    areas: list[Area] = field(default_factory=list)
    groups: list[BoardGroup] = field(default_factory=list)
    boards: list[Board] = field(default_factory=list)

    def pairs(self) -> list[tuple[str, int]]:
        """(kind, id) pairs as stored."""
        return (
            [("area", a.id) for a in self.areas]
            + [("group", g.id) for g in self.groups]
            + [("board", b.id) for b in self.boards]
        )

    def owning_areas(self) -> list[Area]:
        """The area each target lives in."""
        return self.areas + [g.area for g in self.groups] + [b.area for b in self.boards]

    def __bool__(self) -> bool:
        return bool(self.areas or self.groups or self.boards)


def _by_code(session: Session, model: Any, code: str) -> Any:
    return session.scalar(select(model).where(model.code == code))


def resolve_targets(
    session: Session,
    user: Any,
    *,
    areas: list[str] = (),  # type: ignore[assignment]
    groups: list[str] = (),  # type: ignore[assignment]
    boards: list[str] = (),  # type: ignore[assignment]
    check: bool = True,
) -> Targets:
    """Look up target codes; every unknown code and every area outside the grant is named."""
    problems: list[dict[str, Any]] = []
    found = Targets()
    lookups = (
        ("areas", areas, lambda c: find_by_code(session, c), _l("Unknown area code: %(code)s")),
        (
            "groups",
            groups,
            lambda c: _by_code(session, BoardGroup, c),
            _l("Unknown group: %(code)s"),
        ),
        ("boards", boards, lambda c: _by_code(session, Board, c), _l("Unknown board: %(code)s")),
    )
    for field_name, codes, lookup, unknown in lookups:
        for code in dict.fromkeys(codes):
            row = lookup(code)
            # An area, board or group outside the user's view answers like a missing one.
            hidden = check and row is not None
            area = row if field_name == "areas" else cast(Any, row).area if row else None
            if hidden and not can(user, "alert.view", area):
                row = None
            if row is None:
                problems.append({"field": field_name, "message": unknown % {"code": code}})
            else:
                getattr(found, field_name).append(row)
    if problems:
        raise ValidationFailed(details=problems)
    if not found:
        raise ValidationFailed(
            details=[
                {"field": "targets", "message": _l("Choose at least one area, group or board.")}
            ]
        )
    if check:
        require_send(user, found.owning_areas())
    return found


def require_send(user: Any, areas: list[Area]) -> None:
    """PermissionDenied naming every area outside the user's `alert.send` grants."""
    outside = sorted({a.name for a in areas if not can(user, "alert.send", a)})
    if outside:
        raise PermissionDenied(
            _l("You may not send alerts to: %(areas)s", areas=", ".join(outside))
        )


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


def needs_confirmation(session: Session, settings: Any, targets: Targets) -> bool:
    """Two-person rule: a province-wide (or wider) alert waits for a second operator.

    Province-wide however it is targeted: the province (or the country) itself, or communes,
    groups, boards or a CAP polygon that together take every board of a province whose boards
    stand in two or more of its communes. (A province with boards in one commune only is not
    taken "province-wide" by an alert to that commune: the operator chose the commune.)
    """
    if not settings.alert_two_person_province:
        return False
    if any(a.depth <= 1 for a in targets.areas):
        return True
    if not (targets.groups or targets.boards or len(targets.areas) > 1):
        return False  # one commune (or smaller) area: never a whole province of 2+ communes
    chosen = affected_by_targets(session, targets.pairs())
    provinces = {tuple(_path_ids(a.path)[:2]) for a in targets.owning_areas() if a.depth >= 1}
    for province in provinces:
        prefix = "".join(f"/{i}" for i in province) + "/"
        rows = session.execute(
            select(Board.id, Area.path)
            .join(Area, Board.area_id == Area.id)
            .where(Area.path.startswith(prefix, autoescape=True))
        ).all()
        communes = {tuple(_path_ids(path)[:3]) for _, path in rows}
        if len(communes) >= 2 and {board_id for board_id, _ in rows} <= chosen:
            return True
    return False


def _path_ids(path: str) -> list[int]:
    """'/1/5/9/' → [1, 5, 9]: the area ids from the root down."""
    return [int(part) for part in path.strip("/").split("/") if part]


def targeted_boards(session: Session, alert: Alert) -> list[Board]:
    """The boards an alert goes to; Exercise and Test alerts reach boards marked for tests only."""
    pairs = [(t.kind, t.target_id) for t in alert.targets]
    ids = sorted(affected_by_targets(session, pairs))
    boards: list[Board] = []
    for i in range(0, len(ids), 500):
        stmt = select(Board).where(Board.id.in_(ids[i : i + 500]))
        if alert.is_exercise:
            stmt = stmt.where(Board.is_test.is_(True))
        boards += session.scalars(stmt)
    return boards


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


def progress(session: Session, alert: Alert, *, now: datetime) -> dict[str, int]:
    """Targeted / delivered / displayed / offline counts of the alert's current version."""
    d = AlertDelivery
    row = session.execute(
        select(
            func.count(),
            func.count(d.received_at),
            func.count(d.displayed_at).filter(d.version >= alert.version),
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
    """Boards that have not displayed the current version, with their status row."""
    d = AlertDelivery
    stmt = (
        select(Board, BoardStatus)
        .join(d, d.board_id == Board.id)
        .outerjoin(BoardStatus, BoardStatus.board_id == Board.id)
        .where(d.alert_id == alert.id)
        .where((d.displayed_at.is_(None)) | (d.version < alert.version))
        .order_by(Board.code)
        .limit(limit)
    )
    return [(b, s) for b, s in session.execute(stmt)]


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


def mark_sent(session: Session, alert_id: int, board_ids: list[int], *, now: datetime) -> None:
    """Note a resend."""
    if board_ids:
        session.execute(
            update(AlertDelivery)
            .where(AlertDelivery.alert_id == alert_id, AlertDelivery.board_id.in_(board_ids))
            .values(sent_at=now)
        )
