"""What an alert will look like before it exists: the full-screen rendition of a text on each
display profile, as data: URLs for the summary and template pages (nothing is stored)."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from signage.alerts.delivery import alert_png, screen_text
from signage.alerts.models import Alert
from signage.alerts.text import AlertText
from signage.content.models import ProfileRecord


def previews(
    text: AlertText, profiles: Iterable[ProfileRecord], *, status: str, now: datetime
) -> list[dict[str, Any]]:
    """One {profile, src} per profile: the screen the boards of that profile would show."""
    # A transient alert (never added to a session) so the boards' own layout code is reused.
    draft = Alert(
        headline=text.headline,
        description=text.description,
        instruction=text.instruction,
        sender_name=text.sender_name,
        status=status,
        sent=now,
    )
    out = []
    for record in profiles:
        profile = record.as_profile()
        headline, body = screen_text(draft, lcd=not profile.is_led)
        png = alert_png(profile, headline, body)
        out.append(
            {"profile": record, "src": "data:image/png;base64," + base64.b64encode(png).decode()}
        )
    return out
