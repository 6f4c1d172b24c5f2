"""What console forms share (Flask-WTF: CSRF token on every form): field validators, whole numbers,
mapping domain errors onto a form. Each domain's forms live beside its views."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import flash, g, redirect, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length

from signage.errors import DomainError, ValidationFailed

REQUIRED = _l("This field is required.")
# What every console form says when it comes back with errors on its fields.
CHECK_FIELDS = _l("Check the highlighted fields.")

T = TypeVar("T")


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


def show_domain_error(
    form: FlaskForm | None,
    exc: DomainError,
    *,
    fields: Mapping[str, str] | None = None,
    listed: list[dict[str, Any]] | None = None,
) -> Any:
    """Put a service's field errors on the form and return its general message; roll back.

    `fields` maps a service's field names to the form's where they differ. Details for no
    field of the form are appended to the message, or to `listed` if given (a page that lists
    them, such as the rows of an import)."""
    g.db_rollback = True
    unplaced = []
    for detail in exc.details:
        name = detail.get("field", "")
        name = (fields or {}).get(name, name)
        field = form._fields.get(name) if form is not None else None
        if field is not None:
            field.errors = [*field.errors, detail.get("message", "")]
        elif listed is not None:
            listed.append(detail)
        else:
            unplaced.append(detail.get("message", ""))
    if unplaced:
        return " ".join(str(m) for m in [exc.message, *unplaced])
    return exc.message


def form_action(
    form: FlaskForm | None,
    do: Callable[[], T],
    *,
    done: Callable[[T], ResponseReturnValue],
    page: Callable[[Any], str] | None = None,
    back: str = "",
    fields: Mapping[str, str] | None = None,
    listed: list[dict[str, Any]] | None = None,
) -> ResponseReturnValue:
    """Run a console action; every console form and button shows its outcome this one way.

    Not a POST (the page's first showing): page(None). A POST whose form does not validate:
    page(CHECK_FIELDS) with 422 (form None: nothing to validate beyond the CSRF token, which
    CSRFProtect checks before any view). Then do(): if it raises a DomainError, the request is
    rolled back, field errors go onto the form (see show_domain_error for `fields`, `listed`)
    and page(message) answers with the error's status; a button without a page of its own
    (page None) flashes the message and returns to `back`. Otherwise done(what do returned).
    """

    def shown(message: Any, status: int) -> ResponseReturnValue:
        if page is not None:
            return page(message), status
        if message is not None:
            flash(str(message), "danger")
        return redirect(back)

    if request.method != "POST":
        return shown(None, 200)
    if form is not None and not form.validate_on_submit():
        return shown(CHECK_FIELDS, 422)
    try:
        result = do()
    except DomainError as exc:
        return shown(show_domain_error(form, exc, fields=fields, listed=listed), exc.status)
    return done(result)
