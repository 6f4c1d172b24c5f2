"""Template globals: the current user, permissions, languages, labels and local time formatting."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, g
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel.speaklater import LazyString

from signage import clock
from signage.http.access import can_any
from signage.http.labels import (
    action_label,
    kind_label,
    profile_label,
    role_label,
    status_icon,
    status_title,
)
from signage.i18n import LANGUAGES, local_tz
from signage.permissions import can


def local_time(value: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """Show a stored UTC time in the installation's timezone."""
    if value is None:
        return ""
    return value.astimezone(local_tz()).strftime(fmt)


def duration_words(seconds: float | None) -> str:
    """A duration in words of the language, two units at most ("2 giờ 15 phút", "3 ngày 4 giờ")."""
    total = max(0, int(seconds or 0))
    if total < 60:
        return _("less than a minute")
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes and not days:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return " ".join(parts[:2])


def time_ago(value: datetime | None) -> str:
    """How long before now (the app's clock) a stored time was, in words ("12 phút trước")."""
    if value is None:
        return ""
    return _("%(duration)s ago", duration=duration_words((clock.now() - value).total_seconds()))


def byte_size(value: int | None) -> str:
    """A size in bytes in human units with the language's decimal mark ("3,2 GB")."""
    if value is None:
        return ""
    size = float(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024:
            return f"{format_decimal(size, format='#,##0.#')} {unit}"
        size /= 1024
    return f"{format_decimal(size, format='#,##0.#')} TB"


def day_input(value: object) -> str:
    """A date (or date and time) as a date field shows it: dd/mm/yyyy [HH:MM]; other text as is.

    Views keep ISO days in their query strings (links, old bookmarks); people read and type
    the day first."""
    if isinstance(value, datetime):
        return local_time(value) if value.tzinfo else value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = str(value or "").strip()
    for fmt, out in (("%Y-%m-%d", "%d/%m/%Y"), ("%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M")):
        try:
            return datetime.strptime(text, fmt).strftime(out)
        except ValueError:
            continue
    return text


def has_endpoint(name: str) -> bool:
    """True if a view is registered under this endpoint (optional sections in the menu)."""
    return name in current_app.view_functions


def _finalize(value: object) -> object:
    """Render a lazy message as the plain text it is: flask_babel's LazyString has __html__,
    which made autoescaping trust it, values it quotes included ("Unknown area code: <b>")."""
    return str(value) if isinstance(value, LazyString) else value


def init_app(app: Flask) -> None:
    """Expose helpers to every template; lazy messages are escaped like any text."""
    app.jinja_env.finalize = _finalize

    @app.context_processor
    def _globals() -> dict:
        user = g.get("user")
        return {
            "current_user": user,
            "can": lambda action, area=None: can(user, action, area),
            "can_any": lambda action: can_any(user, action),
            "languages": LANGUAGES,
            "get_locale": get_locale,
        }

    # Request-independent helpers are env globals so that imported macros can use them too.
    app.jinja_env.globals.update(
        action_label=action_label,
        has_endpoint=has_endpoint,
        kind_label=kind_label,
        profile_label=profile_label,
        role_label=role_label,
        status_title=status_title,
        status_icon=status_icon,
    )
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(duration_words, "duration")
    app.add_template_filter(time_ago, "ago")
    app.add_template_filter(byte_size, "bytes")
    app.add_template_filter(day_input, "day_input")
