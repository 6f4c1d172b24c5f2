"""What a notification says, made when it is read (console, API) or sent (e-mail), in the
reader's language; times in the installation's zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from signage.i18n import local_tz

DIGEST_KINDS = {"offline_digest": "offline", "recovered_digest": "recovered"}


def local(iso: str | None) -> str:
    """A stored ISO UTC instant as people read it: 26/11/2026 14:05."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso).astimezone(local_tz()).strftime("%d/%m/%Y %H:%M")
    except ValueError:
        return ""


def board_line(board: dict[str, Any]) -> str:
    """One board of a digest: name, code, area and since when it is dark."""
    return _(
        "%(name)s (%(code)s), %(area)s, offline since %(since)s",
        name=board.get("name", ""),
        code=board.get("code", ""),
        area=board.get("area", ""),
        since=local(board.get("since")),
    )


def headline(kind: str, params: dict[str, Any]) -> str:
    """The one-sentence text of a notification (the e-mail subject is shorter: `subject`)."""
    boards = params.get("boards") or [{}]
    first = boards[0]
    values = {
        "name": first.get("name", ""),
        "code": first.get("code", ""),
        "area": first.get("area", ""),
        "since": local(first.get("since")),
    }
    if kind == "offline":
        return _("Board %(name)s (%(code)s) in %(area)s is offline since %(since)s.", **values)
    if kind == "recovered":
        return _(
            "Board %(name)s (%(code)s) in %(area)s is back online (offline since %(since)s).",
            **values,
        )
    if kind == "offline_digest":
        return _("%(count)d boards went offline.", count=len(boards))
    return _("%(count)d boards are back online.", count=len(boards))


def lines(kind: str, params: dict[str, Any]) -> list[str]:
    """The boards a digest lists, one line each (empty for a single board's notice)."""
    if kind not in DIGEST_KINDS:
        return []
    return [board_line(b) for b in params.get("boards") or []]


def subject(kind: str, params: dict[str, Any]) -> str:
    """A short e-mail subject."""
    boards = params.get("boards") or [{}]
    code = boards[0].get("code", "")
    if kind == "offline":
        return _("Board %(code)s is offline", code=code)
    if kind == "recovered":
        return _("Board %(code)s is back online", code=code)
    if kind == "offline_digest":
        return _("%(count)d boards are offline", count=len(boards))
    return _("%(count)d boards are back online", count=len(boards))


def email_body(kind: str, params: dict[str, Any]) -> str:
    """The plain-text e-mail: the sentence, the boards of a digest, and where times are."""
    parts = [headline(kind, params), ""]
    parts += [f"- {line}" for line in lines(kind, params)]
    if len(parts) > 2:
        parts.append("")
    parts.append(_("Times are shown in Viet Nam time (UTC+7)."))
    parts.append(_("You receive this because you subscribed to offline notifications."))
    return "\n".join(parts) + "\n"
