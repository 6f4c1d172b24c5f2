"""What an alert says: the text an operator, a template or a CAP message gives, checked and
normalised, and how its urgency, severity and certainty decide the way boards show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from signage.alerts.models import CAP_CATEGORIES, CERTAINTIES, SEVERITIES, URGENCIES, Alert

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
