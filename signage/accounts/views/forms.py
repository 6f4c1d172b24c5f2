"""Console forms of accounts: sign-in, passwords, users, grants and personal API tokens."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import EqualTo, Optional, ValidationError

from signage.accounts import scopes as token_scopes
from signage.accounts.services import USERNAME_RE, normalise_username
from signage.errors import ValidationFailed
from signage.http.forms import at_most, required
from signage.http.labels import ROLE_LABELS
from signage.permissions import ROLES


class LoginForm(FlaskForm):
    """Sign-in form."""

    username = StringField(_l("Username"), validators=[required(), at_most(64)])
    password = PasswordField(_l("Password"), validators=[required(), at_most(256)])


class PasswordForm(FlaskForm):
    """A new password typed twice (and the current one, when people change their own)."""

    current_password = PasswordField(_l("Current password"), validators=[Optional(), at_most(256)])
    password = PasswordField(_l("New password"), validators=[required(), at_most(256)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[required(), EqualTo("password", message=_l("The passwords do not match."))],
    )


def _username_rule(form: FlaskForm, field: StringField) -> None:
    """The service's username rule, checked early so every field error shows at once."""
    if not USERNAME_RE.match(normalise_username(field.data or "")):
        raise ValidationError(_l("3-64 characters: letters a-z, digits, dot, dash, underscore."))


class UserCreateForm(FlaskForm):
    """A new console user with their first role, granted in the same step."""

    username = StringField(_l("Username"), validators=[required(), at_most(64), _username_rule])
    display_name = StringField(_l("Full name"), validators=[Optional(), at_most(200)])
    # The address itself is checked by the service, which owns the rule.
    email = StringField(_l("Email"), validators=[Optional(), at_most(254)])
    locale = SelectField(
        _l("Language"),
        choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")],
        default="vi",
    )
    password = PasswordField(_l("Password"), validators=[required(), at_most(256)])
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[required(), EqualTo("password", message=_l("The passwords do not match."))],
    )
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES], default="viewer"
    )
    # Only installation-wide admins may leave it empty (the service enforces it).
    area = StringField(
        _l("Area"),
        validators=[Optional(), at_most(32)],
        description=_l("The first role's area, for example 01 (Hà Nội) or 00070."),
    )


class GrantForm(FlaskForm):
    """A role on an area subtree, the area given by its code."""

    role = SelectField(
        _l("Role"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES], default="viewer"
    )
    area = StringField(
        _l("Area"),
        validators=[required(), at_most(32)],
        description=_l("For example 01 (Hà Nội) or 00070 (Phường Hoàn Kiếm)."),
    )


class TokenCreateForm(FlaskForm):
    """A new personal API token."""

    name = StringField(
        _l("Name"),
        validators=[required(), at_most(100)],
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
