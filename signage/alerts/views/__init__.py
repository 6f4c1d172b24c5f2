"""The emergency console: templates, send form with targets, live progress, history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length, Optional

from signage import clock
from signage.accounts.auth import current_actor, current_user, login_required
from signage.alerts.lifecycle import cancel_alert, confirm_alert, create_alert, update_alert
from signage.alerts.models import Alert
from signage.alerts.queries import deliveries, get_alert, not_displayed, progress, visible_alerts
from signage.alerts.targets import resolve_targets
from signage.alerts.templates import template_by_key, templates, text_from_template
from signage.alerts.text import AlertText, display_mode
from signage.alerts.views.send_form import (
    DURATIONS,
    STATUS_LABELS,
    SendForm,
    codes_of,
    duration_label,
    map_points,
    refuse_overlaps,
    target_areas,
)
from signage.alerts.views.summary import fields_digest, summary, summary_token, token_matches
from signage.boards.views import STATUS_LABELS as BOARD_STATUS_LABELS
from signage.db import db
from signage.errors import DomainError, ValidationFailed
from signage.http.access import require_any
from signage.http.forms import form_action
from signage.http.paging import page_number, paginate
from signage.permissions import require
from signage.storage import media_store

bp = Blueprint("alerts", __name__, url_prefix="/alerts")

STATE_LABELS = {
    "pending_confirmation": _l("Waiting for confirmation"),
    "active": _l("On air"),
    "cancelled": _l("Cancelled"),
    "expired": _l("Expired"),
}


class UpdateForm(FlaskForm):
    """New text for an alert on air."""

    headline = StringField(_l("Headline"), validators=[Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    instruction = TextAreaField(
        _l("What residents must do"), validators=[Optional(), Length(max=4000)]
    )


class ActionForm(FlaskForm):
    """A button with a CSRF token."""


class CancelForm(FlaskForm):
    """The cancel confirmation: `confirm` is "yes" only on the confirmation page's button."""

    confirm = HiddenField()


class ConfirmForm(FlaskForm):
    """The confirm button: names the version the second operator reviewed."""

    version = HiddenField()

    def reviewed_version(self) -> int | None:
        """The version as a bounded integer, or None when it is missing or garbled."""
        raw = (self.version.data or "").strip()
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            return None
        return int(raw)


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
        statuses=STATUS_LABELS,
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
    form.duration.choices = [SelectChoice(m, duration_label(m)) for m in DURATIONS]
    areas = target_areas(me)
    if request.method == "GET" and template is not None:
        form.headline.data = template.headline
        form.description.data = template.description
        form.instruction.data = template.instruction
        form.duration.data = (
            template.expires_minutes if template.expires_minutes in DURATIONS else 360
        )
    chosen = request.form.getlist("areas") if request.method == "POST" else []
    step = request.form.get("step", "")

    def posted() -> dict[str, Any]:
        names = ("headline", "description", "instruction", "sender_name", "groups", "boards")
        # Line breaks travel as CRLF or LF depending on how the summary's hidden copy came back.
        values: dict[str, Any] = {
            n: "\n".join((getattr(form, n).data or "").splitlines()) for n in names
        }
        return {**values, "duration": form.duration.data, "status": form.status.data,
                "areas": sorted(set(chosen)), "template": key}  # fmt: skip

    def send() -> Alert | dict[str, Any]:
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
            groups=codes_of(form.groups.data),
            boards=codes_of(form.boards.data),
        )
        refuse_overlaps(targets)
        if form.status.data == "Actual":
            # A real alert leaves only after its summary was shown and confirmed (POST twice).
            digest, user_id = fields_digest(posted()), me.id if me is not None else 0
            if step == "review":
                facts = summary(session, targets, text, status="Actual", now=now)
                return {**facts, "token": summary_token(user_id, digest, now)}
            token = request.form.get("confirmation", "")
            if not token:
                raise ValidationFailed(
                    _("A real alert is sent only after you confirm its summary. Press "
                      "Send alert, check the summary, then confirm.")
                )  # fmt: skip
            if not token_matches(token, user_id, digest, now):
                raise ValidationFailed(
                    _("This confirmation does not match the alert (it was changed, or the "
                      "summary is older than 15 minutes). Check the new summary and confirm.")
                )  # fmt: skip
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

    def page(error: Any) -> str:
        return render_template(
            "alerts/new.html",
            title=_("Send an alert"),
            form=form,
            template=template,
            areas=areas,
            chosen=set(chosen),
            board_map=map_points(me),
            board_statuses=BOARD_STATUS_LABELS,
            error=error,
        )

    def sent(result: Alert | dict[str, Any]) -> ResponseReturnValue:
        if isinstance(result, dict):
            return render_template(
                "alerts/summary.html",
                title=_("Check before sending"),
                form=form,
                template=template,
                chosen=sorted(set(chosen)),
                facts=result,
            )
        if result.state == "pending_confirmation":
            flash(_("The alert waits for a second operator to confirm it."), "warning")
        else:
            flash(_("The alert is on air."), "success")
        return redirect(url_for("alerts.detail", alert_id=result.id))

    if request.method == "POST" and step == "edit" and form.validate_on_submit():
        return page(None)  # back from the summary to change something
    return form_action(form, send, done=sent, page=page)


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


@bp.route("/<int:alert_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(alert_id: int) -> ResponseReturnValue:
    """Ask, then end the alert now: only the confirmation page's button cancels."""
    alert = _alert_or_404(alert_id, "alert.send")
    if request.method == "GET" and alert.state not in ("active", "pending_confirmation"):
        return redirect(url_for("alerts.detail", alert_id=alert.id))
    form = CancelForm()

    def cancel_confirmed() -> None:
        if form.confirm.data != "yes":
            raise ValidationFailed(
                _("The alert was not cancelled: confirm with the button on this page.")
            )
        cancel_alert(db.session, current_actor(), alert, now=clock.now())

    def cancelled(_result: None) -> ResponseReturnValue:
        flash(_("The alert was cancelled; boards return to their programme."), "success")
        return redirect(url_for("alerts.detail", alert_id=alert.id))

    return form_action(
        form,
        cancel_confirmed,
        done=cancelled,
        page=lambda error: render_template(
            "alerts/cancel.html",
            title=_("Cancel the alert"),
            alert=alert,
            form=form,
            counts=progress(db.session, alert, now=clock.now()),
            error=error,
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
