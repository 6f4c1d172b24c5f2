"""What console forms share (Flask-WTF: CSRF token on every form): field validators, whole numbers,
mapping domain errors onto a form. Each domain's forms live beside its views."""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length

from signage.errors import DomainError, ValidationFailed

REQUIRED = _l("This field is required.")


def required() -> DataRequired:
    """A field that must be filled in, with the console's message."""
    return DataRequired(message=REQUIRED)


def at_most(n: int) -> Length:
    """At most n characters, with the console's message."""
    return Length(max=n, message=_l("At most %(max)d characters.", max=n))


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
