"""Alert templates in the console: the list, a preview on every display profile, and (for
administrators) create, edit and delete through the same service and audit as the API."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Optional

from signage import clock
from signage.accounts.auth import current_actor, current_user, login_required
from signage.alerts.models import AlertTemplate
from signage.alerts.preview import previews
from signage.alerts.templates import (
    check_key,
    delete_template,
    save_template,
    template_by_key,
    templates,
    text_from_template,
)
from signage.alerts.text import AlertText, display_mode
from signage.alerts.views.send_form import duration_label
from signage.content.models import ProfileRecord
from signage.db import db
from signage.errors import DomainError, ValidationFailed
from signage.http.access import require_any
from signage.http.forms import at_most, form_action, form_int, required
from signage.permissions import require

bp = Blueprint("alert_templates", __name__, url_prefix="/alerts/templates")

NOT_KNOWN = _l("Not known")
CATEGORY_LABELS = {
    "Met": _l("Weather (storm, flood, heavy rain)"),
    "Geo": _l("Earth (earthquake, landslide)"),
    "Fire": _l("Fire"),
    "Health": _l("Epidemic and health"),
    "Safety": _l("Public safety"),
    "Security": _l("Security and order"),
    "Rescue": _l("Search and rescue"),
    "Env": _l("Environment and pollution"),
    "Transport": _l("Transport"),
    "Infra": _l("Power, water and telecoms"),
    "CBRNE": _l("Chemical, biological or radiation hazard"),
    "Other": _l("Other"),
}
# "Past" is left out: an alert about the past never airs.
URGENCY_LABELS = {
    "Immediate": _l("Act now"),
    "Expected": _l("Act soon (within the hour)"),
    "Future": _l("Act in the coming days"),
    "Unknown": NOT_KNOWN,
}
SEVERITY_LABELS = {
    "Extreme": _l("Extreme threat to life or property"),
    "Severe": _l("Significant threat to life or property"),
    "Moderate": _l("Possible threat"),
    "Minor": _l("Little or no threat"),
    "Unknown": NOT_KNOWN,
}
CERTAINTY_LABELS = {
    "Observed": _l("Happening now"),
    "Likely": _l("Likely"),
    "Possible": _l("Possible"),
    "Unlikely": _l("Unlikely"),
    "Unknown": NOT_KNOWN,
}
TEXT_FIELDS = ("category", "event", "urgency", "severity", "certainty", "headline",
               "description", "instruction")  # fmt: skip


def _choices(labels: dict[str, Any]) -> list[SelectChoice]:
    return [SelectChoice(k, v) for k, v in labels.items()]


class TemplateForm(FlaskForm):
    """A template's name, text and how boards show it."""

    key = StringField(
        _l("Short name for links"),
        validators=[Optional(), at_most(64)],
        description=_l("Letters, digits and dashes, e.g. storm-north. It cannot change later."),
    )
    name = StringField(_l("Name"), validators=[required(), at_most(200)])
    event = StringField(_l("Event"), validators=[required(), at_most(200)])
    category = SelectField(_l("Kind of danger"), choices=_choices(CATEGORY_LABELS))
    urgency = SelectField(_l("Urgency"), choices=_choices(URGENCY_LABELS))
    severity = SelectField(_l("Severity"), choices=_choices(SEVERITY_LABELS))
    certainty = SelectField(_l("Certainty"), choices=_choices(CERTAINTY_LABELS))
    headline = StringField(_l("Headline"), validators=[required(), at_most(300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), at_most(4000)])
    instruction = TextAreaField(
        _l("What residents must do"), validators=[Optional(), at_most(4000)]
    )
    expires_minutes = StringField(
        _l("Ends after (minutes)"),
        validators=[required()],
        description=_l("From 1 minute to 10080 (7 days)."),
    )


class DeleteForm(FlaskForm):
    """The delete button (CSRF token only)."""


def _profiles() -> list[ProfileRecord]:
    return list(db.session.scalars(select(ProfileRecord).order_by(ProfileRecord.name)))


def _template_or_404(key: str) -> AlertTemplate:
    try:
        return template_by_key(db.session, key[:64])
    except DomainError:
        abort(404)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """Every template, with how boards show it and how long it lasts."""
    require_any(current_user(), "alert.view")
    rows = templates(db.session)
    return render_template(
        "alerts/templates/list.html",
        title=_("Alert templates"),
        rows=rows,
        modes={t.key: display_mode(t.urgency, t.severity, t.certainty) for t in rows},
        durations={t.key: duration_label(t.expires_minutes) for t in rows},
        categories=CATEGORY_LABELS,
    )


@bp.get("/<key>")
@login_required
def preview(key: str) -> ResponseReturnValue:
    """A template's text and what it looks like on each display profile."""
    require_any(current_user(), "alert.view")
    template = _template_or_404(key)
    return render_template(
        "alerts/templates/preview.html",
        title=template.name,
        template=template,
        previews=previews(
            text_from_template(template), _profiles(), status="Actual", now=clock.now()
        ),
        mode=display_mode(template.urgency, template.severity, template.certainty),
        duration=duration_label(template.expires_minutes),
        labels={
            "category": CATEGORY_LABELS,
            "urgency": URGENCY_LABELS,
            "severity": SEVERITY_LABELS,
            "certainty": CERTAINTY_LABELS,
        },  # fmt: skip
        delete_form=DeleteForm(),
    )


def _edit(template: AlertTemplate | None) -> ResponseReturnValue:
    require(current_user(), "template.manage", None)
    form = TemplateForm(obj=template)
    if template is not None:
        form.expires_minutes.data = form.expires_minutes.data or str(template.expires_minutes)
    elif not form.is_submitted():
        form.expires_minutes.data = "360"

    def save() -> AlertTemplate:
        key = template.key if template is not None else (form.key.data or "").strip()
        check_key(key)
        if template is None and key in {t.key for t in templates(db.session)}:
            raise ValidationFailed(
                details=[{"field": "key", "message": _("A template already uses this name.")}]
            )
        minutes = form_int(str(form.expires_minutes.data or ""), field="expires_minutes", minimum=1,
                           maximum=7 * 24 * 60)  # fmt: skip
        text = AlertText(**{f: getattr(form, f).data or "" for f in TEXT_FIELDS})
        return save_template(db.session, current_actor(), key, text, name=form.name.data or "",
                             expires_minutes=minutes, now=clock.now())  # fmt: skip

    def saved(row: AlertTemplate) -> ResponseReturnValue:
        flash(_("The template was saved."), "success")
        return redirect(url_for("alert_templates.preview", key=row.key))

    return form_action(
        form,
        save,
        done=saved,
        page=lambda error: render_template(
            "alerts/templates/form.html",
            title=_("Edit the template") if template else _("New alert template"),
            form=form,
            template=template,
            error=error,
        ),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> ResponseReturnValue:
    """A new template (administrators)."""
    return _edit(None)


@bp.route("/<key>/edit", methods=["GET", "POST"])
@login_required
def edit(key: str) -> ResponseReturnValue:
    """Change a template's text (administrators); alerts already sent keep theirs."""
    require(current_user(), "template.manage", None)
    return _edit(_template_or_404(key))


@bp.post("/<key>/delete")
@login_required
def delete(key: str) -> ResponseReturnValue:
    """Take a template off the list (administrators)."""
    require(current_user(), "template.manage", None)
    template = _template_or_404(key)

    def deleted(_result: None) -> ResponseReturnValue:
        flash(_("The template %(name)s was deleted.", name=template.name), "success")
        return redirect(url_for("alert_templates.index"))

    return form_action(
        DeleteForm(),
        lambda: delete_template(db.session, current_actor(), template.key, now=clock.now()),
        done=deleted,
        back=url_for("alert_templates.preview", key=template.key),
    )
