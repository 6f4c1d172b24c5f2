"""The emergency console: templates, send form with targets, live progress, history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from signage import clock
from signage.accounts.auth import current_actor, current_user, login_required
from signage.alerts.lifecycle import cancel_alert, confirm_alert, create_alert, update_alert
from signage.alerts.models import STATUSES, Alert
from signage.alerts.queries import deliveries, get_alert, not_displayed, progress, visible_alerts
from signage.alerts.targets import resolve_targets
from signage.alerts.templates import template_by_key, templates, text_from_template
from signage.alerts.text import AlertText, display_mode
from signage.areas.models import Area
from signage.boards.mapping import MAP_LIMIT, project
from signage.db import db
from signage.errors import DomainError, ValidationFailed
from signage.http.access import require_any
from signage.http.forms import form_action
from signage.http.paging import page_number, paginate
from signage.permissions import require, scope_paths
from signage.storage import media_store

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

DURATIONS = (30, 60, 180, 360, 720, 1440, 4320)
STATUS_LABELS = {"Actual": _l("Real alert"), "Exercise": _l("Exercise"), "Test": _l("Test")}
STATE_LABELS = {
    "pending_confirmation": _l("Waiting for confirmation"),
    "active": _l("On air"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}


def _duration_label(minutes: int) -> str:
    if minutes < 60:
        return _("%(n)s minutes", n=minutes)
    if minutes < 1440:
        return _("%(n)s hours", n=minutes // 60)
    return _("%(n)s days", n=minutes // 1440)


class SendForm(FlaskForm):
    """The text of an alert; targets come from the checkboxes and code fields."""

    headline = StringField(_l("Headline"), validators=[Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    instruction = TextAreaField(
        _l("What residents must do"), validators=[Optional(), Length(max=4000)]
    )
    sender_name = StringField(_l("Issuing agency"), validators=[Optional(), Length(max=200)])
    duration = SelectField(_l("Ends after"), coerce=int)
    status = SelectField(_l("Kind"), choices=[SelectChoice(s, STATUS_LABELS[s]) for s in STATUSES])
    groups = StringField(
        _l("Group codes (comma-separated)"), validators=[Optional(), Length(max=2000)]
    )
    boards = StringField(
        _l("Board codes (comma-separated)"), validators=[Optional(), Length(max=20000)]
    )


class UpdateForm(FlaskForm):
    """New text for an alert on air."""

    headline = StringField(_l("Headline"), validators=[Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    instruction = TextAreaField(
        _l("What residents must do"), validators=[Optional(), Length(max=4000)]
    )


class ActionForm(FlaskForm):
    """A button with a CSRF token (cancel)."""


class ConfirmForm(FlaskForm):
    """The confirm button: names the version the second operator reviewed."""

    version = HiddenField()

    def reviewed_version(self) -> int | None:
        """The version as a bounded integer, or None when it is missing or garbled."""
        raw = (self.version.data or "").strip()
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            return None
        return int(raw)


def _codes(text: str) -> list[str]:
    return [c.strip() for c in (text or "").replace("\n", ",").split(",") if c.strip()]


def target_areas(user: Any) -> list[tuple[Area, list[Area]]]:
    """The user's alert areas, each with its child areas, for the target checkboxes."""
    out = []
    for path in scope_paths(user, "alert.send"):
        area = db.session.scalar(select(Area).where(Area.path == path))
        if area is None:
            continue
        children = list(
            db.session.scalars(select(Area).where(Area.parent_id == area.id).order_by(Area.code))
        )
        out.append((area, children))
    return out


def map_points(user: Any) -> dict[str, Any] | None:
    """Located boards the user may alert, projected into an SVG box (None if there are none)."""
    from signage.boards.models import Board
    from signage.permissions import scope_filter

    rows = db.session.execute(
        select(Board.code, Board.name, Board.lat, Board.lon)
        .join(Area, Board.area_id == Area.id)
        .where(scope_filter(user, "alert.send", Area.path))
        .where(Board.lat.is_not(None), Board.lon.is_not(None))
        .order_by(Board.code)
        .limit(MAP_LIMIT)
    ).all()
    return project(rows)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Templates to start from, alerts on air, and the history."""
    me = current_user()
    require_any(me, "alert.view")
    stmt = visible_alerts(me)
    live = list(
        db.session.scalars(stmt.where(Alert.state.in_(("active", "pending_confirmation")))).unique()
    )
    page = paginate(
        db.session,
        stmt.where(Alert.state.in_(("cancelled", "expired"))),
        page_number(request.args.get("page")),
        25,
    )
    now = clock.now()
    counts = {a.id: progress(db.session, a, now=now) for a in live}
    return render_template(
        "alerts/index.html",
        title=_("Emergency alerts"),
        templates=templates(db.session),
        live=live,
        counts=counts,
        page=page,
        states=STATE_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    """Send an alert from a template: adjust the text, pick targets, send."""
    me = current_user()
    require_any(me, "alert.send")
    key = request.values.get("template", "")
    try:
        template = template_by_key(db.session, key) if key else None
    except DomainError:
        abort(404)
    form = SendForm()
    form.duration.choices = [SelectChoice(m, _duration_label(m)) for m in DURATIONS]
    areas = target_areas(me)
    if request.method == "GET" and template is not None:
        form.headline.data = template.headline
        form.description.data = template.description
        form.instruction.data = template.instruction
        form.duration.data = (
            template.expires_minutes if template.expires_minutes in DURATIONS else 360
        )
    chosen = (
        request.form.getlist("areas")
        if request.method == "POST"
        else ([areas[0][0].code] if len(areas) == 1 else [])
    )

    def send() -> Alert:
        session, now = db.session, clock.now()
        text = (
            text_from_template(template)
            if template is not None
            else AlertText(event=_("Emergency"), headline="")
        )
        for name in ("headline", "description", "instruction", "sender_name"):
            setattr(text, name, getattr(form, name).data or "")
        targets = resolve_targets(
            session,
            me,
            areas=chosen,
            groups=_codes(form.groups.data),
            boards=_codes(form.boards.data),
        )
        return create_alert(
            session,
            current_actor(),
            text,
            targets,
            expires=now + timedelta(minutes=form.duration.data),
            now=now,
            store=media_store(),
            settings=current_app.config["SIGNAGE"],
            status=form.status.data,
            template=template,
        )

    def sent(alert: Alert) -> ResponseReturnValue:
        if alert.state == "pending_confirmation":
            flash(_("The alert waits for a second operator to confirm it."), "warning")
        else:
            flash(_("The alert is on air."), "success")
        return redirect(url_for("alerts.detail", alert_id=alert.id))

    return form_action(
        form,
        send,
        done=sent,
        page=lambda error: render_template(
            "alerts/new.html",
            title=_("Send an alert"),
            form=form,
            template=template,
            areas=areas,
            chosen=set(chosen),
            board_map=map_points(me),
            error=error,
        ),
    )


def _alert_or_404(alert_id: int, action: str = "alert.view") -> Alert:
    """The alert if the user may see it (else 404) and do action on it (else 403)."""
    try:
        alert = get_alert(db.session, current_user(), alert_id)
    except DomainError:
        abort(404)
    require(current_user(), action, alert.area)
    return alert


@bp.get("/<int:alert_id>")
@login_required
def detail(alert_id: int) -> ResponseReturnValue:
    """Live progress: counts and the boards that have not displayed it yet."""
    alert = _alert_or_404(alert_id)
    return _detail(alert, UpdateForm(obj=alert))


def _detail(alert: Alert, form: UpdateForm, error: Any = None) -> str:
    now = clock.now()
    me = current_user()
    return render_template(
        "alerts/detail.html",
        title=alert.headline,
        alert=alert,
        counts=progress(db.session, alert, now=now),
        missing=not_displayed(db.session, alert),
        deliveries=deliveries(db.session, alert),
        now=now,
        form=form,
        action=ActionForm(),
        confirm_form=ConfirmForm(
            formdata=None, version=str((alert.proposal or {}).get("version", alert.version))
        ),
        states=STATE_LABELS,
        statuses=STATUS_LABELS,
        mode=display_mode(alert.urgency, alert.severity, alert.certainty),
        may_confirm=(
            alert.state == "pending_confirmation"
            or (alert.state == "active" and bool(alert.proposal))
        )
        and me is not None
        and me.id != alert.created_by_id
        and me.id not in (alert.editor_ids or []),
        error=error,
    )


def _act(
    alert: Alert, form: FlaskForm, do: Any, done: Any, shown: UpdateForm | None = None
) -> ResponseReturnValue:
    """Run an action from the alert's page; a refusal shows the page again with its reason."""

    def finished(_result: Any) -> ResponseReturnValue:
        flash(*done(alert))
        return redirect(url_for("alerts.detail", alert_id=alert.id))

    return form_action(
        form,
        lambda: do(alert),
        done=finished,
        page=lambda error: _detail(alert, shown or UpdateForm(obj=alert), error),
    )


@bp.post("/<int:alert_id>/confirm")
@login_required
def confirm(alert_id: int) -> ResponseReturnValue:
    """Second operator's confirmation of the version shown on their page."""
    form = ConfirmForm()

    def confirm_version(alert: Alert) -> None:
        version = form.reviewed_version()
        if version is None:
            raise ValidationFailed(
                _("The page did not say which version you reviewed. Reload it and confirm again.")
            )
        confirm_alert(
            db.session, current_actor(), alert, version=version, now=clock.now(),
            store=media_store(),
        )  # fmt: skip

    return _act(
        _alert_or_404(alert_id, "alert.send"),
        form,
        confirm_version,
        lambda _alert: (_("Confirmed: the alert is on air."), "success"),
    )


@bp.post("/<int:alert_id>/cancel")
@login_required
def cancel(alert_id: int) -> ResponseReturnValue:
    """End the alert now."""
    return _act(
        _alert_or_404(alert_id, "alert.send"),
        ActionForm(),
        lambda a: cancel_alert(db.session, current_actor(), a, now=clock.now()),
        lambda _alert: (
            _("The alert was cancelled; boards return to their programme."),
            "success",
        ),
    )


@bp.post("/<int:alert_id>/update")
@login_required
def update(alert_id: int) -> ResponseReturnValue:
    """New text: every targeted board switches to the new version."""
    form = UpdateForm()

    def update_text(alert: Alert) -> None:
        text = AlertText.of(alert)
        text.headline = form.headline.data or ""
        text.description = form.description.data or ""
        text.instruction = form.instruction.data or ""
        update_alert(
            db.session,
            current_actor(),
            alert,
            text,
            expires=None,
            now=clock.now(),
            store=media_store(),
        )

    def updated(alert: Alert) -> tuple[str, str]:
        if alert.proposal:
            return _("The new text waits for a second operator to confirm it."), "warning"
        return _("Updated: boards show the new text."), "success"

    return _act(_alert_or_404(alert_id, "alert.send"), form, update_text, updated, shown=form)
