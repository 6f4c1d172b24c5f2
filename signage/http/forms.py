"""Console forms (Flask-WTF: CSRF token on every form) and mapping domain errors onto them."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, ValidationError

from signage.accounts import scopes as token_scopes
from signage.accounts.permissions import ROLES
from signage.accounts.services import USERNAME_RE, normalise_username
from signage.areas.services import MANUAL_KINDS
from signage.errors import DomainError, ValidationFailed
from signage.http.labels import KIND_LABELS, ROLE_LABELS

REQUIRED = _l("This field is required.")


def _required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def _max(n: int) -> Length:
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


class LoginForm(FlaskForm):
    """Sign-in form."""

    username = StringField(_l("Username"), validators=[_required(), _max(64)])
    password = PasswordField(_l("Password"), validators=[_required(), _max(256)])


class PasswordForm(FlaskForm):
    """A new password typed twice (and the current one, when people change their own)."""

    current_password = PasswordField(_l("Current password"), validators=[Optional(), _max(256)])
    password = PasswordField(_l("New password"), validators=[_required(), _max(256)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[_required(), EqualTo("password", message=_l("The passwords do not match."))],
    )


def _username_rule(form: FlaskForm, field: StringField) -> None:
    """The service's username rule, checked early so every field error shows at once."""
    if not USERNAME_RE.match(normalise_username(field.data or "")):
        raise ValidationError(_l("3-64 characters: letters a-z, digits, dot, dash, underscore."))


class UserCreateForm(FlaskForm):
    """A new console user with their first role, granted in the same step."""

    username = StringField(_l("Username"), validators=[_required(), _max(64), _username_rule])
    display_name = StringField(_l("Full name"), validators=[Optional(), _max(200)])
    # The address itself is checked by the service, which owns the rule.
    email = StringField(_l("Email"), validators=[Optional(), _max(254)])
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")],
        default="vi",
    )
    password = PasswordField(_l("Password"), validators=[_required(), _max(256)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[_required(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES], default="viewer"
    )
    # Only installation-wide admins may leave it empty (the service enforces it).
    area = StringField(
        _l("Area code"),
        validators=[Optional(), _max(32)],
        description=_l("The first role's area, for example 01 (Hà Nội) or 00070."),
    )


class GrantForm(FlaskForm):
    """A role on an area subtree, the area given by its code."""

    role = SelectField(
        _l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES], default="viewer"
    )
    area = StringField(
        _l("Area code"),
        validators=[_required(), _max(32)],
        description=_l("For example 01 (Hà Nội) or 00070 (Phường Hoàn Kiếm)."),
    )


class AreaCreateForm(FlaskForm):
    """A hand-made area (village, residential group, custom zone) under an existing one."""

    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in MANUAL_KINDS])
    code = StringField(
        _l("Code"),
        validators=[_required(), _max(32)],
        description=_l("Unique and stable, e.g. 00070-TDP1."),
    )
    name = StringField(_l("Name"), validators=[_required(), _max(200)])


class TokenCreateForm(FlaskForm):
    """A new personal API token."""

    name = StringField(
        _l("Name"),
        validators=[_required(), _max(100)],
        description=_l("What the token is for, e.g. the script or machine that uses it."),
    )
    expires = SelectField(
        _l("Expires"),
        choices=[
            SelectChoice("30", _l("In 30 days")),
            SelectChoice("90", _l("In 90 days")),
            SelectChoice("365", _l("In one year")),
            SelectChoice("never", _l("Never")),
        ],
        default="90",
    )
    scopes = SelectMultipleField(
        _l("What the token may do"),
        choices=[
            SelectChoice(token_scopes.ALL, _l("Everything my account may do")),
            *(SelectChoice(key, label) for key, label in token_scopes.SCOPES.items()),
        ],
        default=[token_scopes.ALL],
        description=_l("A token never has more rights than your account in each area."),
    )

    def validate_scopes(self, field: Any) -> None:
        """At least one scope; "everything" stands alone."""
        if token_scopes.ALL in (field.data or []) and len(field.data) > 1:
            raise ValidationError(
                _l("Untick “Everything my account may do” to choose single rights.")
            )
        try:
            token_scopes.validate(field.data or [])
        except ValidationFailed as exc:
            raise ValidationError(str(exc.details[0]["message"])) from None


# Ids are INTEGER columns: larger numbers cannot name a row (and overflow SQLite's driver).
MAX_ID = 2**31 - 1


def form_int(raw: str | None, *, field: str, minimum: int = 0, maximum: int = MAX_ID) -> int:
    """A whole number typed in a form, within bounds, or ValidationFailed naming the field.

    Only ASCII digits count: "²".isdigit() is true but int("²") fails, and a 5,000-digit
    number must not reach int() or the database.
    """
    text = (raw or "").strip()
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > len(str(maximum)) + 1:
        message = _l("Enter a whole number.")
    else:
        value = int(text)
        if minimum <= value <= maximum:
            return value
        message = _l("Enter a whole number from %(min)d to %(max)d.", min=minimum, max=maximum)
    raise ValidationFailed(details=[{"field": field, "message": message}])


def show_domain_error(form: FlaskForm | None, exc: DomainError) -> Any:
    """Put a service's field errors on the form and return its general message; roll back."""
    g.db_rollback = True
    unplaced = []
    for detail in exc.details:
        field = form._fields.get(detail.get("field", "")) if form is not None else None
        if field is not None:
            field.errors = [*field.errors, detail.get("message", "")]
        else:
            unplaced.append(detail.get("message", ""))
    if unplaced:
        return " ".join(str(m) for m in [exc.message, *unplaced])
    return exc.message
