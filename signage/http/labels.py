"""Translated labels for codes shown in the console: area kinds, categories, roles, statuses."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

KIND_LABELS: dict[str, Any] = {
    "country": _l("Country"),
    "municipality": _l("Centrally-run city"),
    "province": _l("Province"),
    "district": _l("District (former)"),
    "ward": _l("Ward"),
    "commune": _l("Commune"),
    "special_zone": _l("Special zone"),
    "village": _l("Village"),
    "residential_group": _l("Residential group"),
    "custom": _l("Custom zone"),
}

# Decree 49/2024/ND-CP Art. 6 categories of content items (signage.content.models.CATEGORIES).
CATEGORY_LABELS: dict[str, Any] = {
    "policy_law": _l("Policy and law"),
    "socio_economic": _l("Socio-economic programmes"),
    "disaster": _l("Disaster prevention, search and rescue"),
    "fire_rescue": _l("Fire and rescue"),
    "health_epidemic": _l("Health and epidemics"),
    "security_order": _l("Security and public order"),
    "citizen_feedback": _l("Citizens' feedback and replies"),
}

ROLE_LABELS: dict[str, Any] = {
    "admin": _l("Administrator"),
    "editor": _l("Editor"),
    "approver": _l("Approver"),
    "operator": _l("Emergency operator"),
    "viewer": _l("Viewer"),
}

ROLE_HELP: dict[str, Any] = {
    "admin": _l("Everything in the area, including users and the audit log."),
    "editor": _l("Writes content and schedules."),
    "approver": _l("Approves content before it airs."),
    "operator": _l("Sends emergency alerts."),
    "viewer": _l("Reads everything and the audit log; changes nothing."),
}

STATUS_TITLES: dict[int, Any] = {
    400: _l("Bad request"),
    401: _l("Sign-in required"),
    403: _l("Access denied"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    415: _l("Unsupported content"),
    422: _l("Invalid input"),
    423: _l("Account locked"),
    429: _l("Too many attempts"),
    500: _l("Server error"),
}

STATUS_ICONS: dict[int, str] = {
    401: "bi-person-lock",
    403: "bi-shield-lock",
    404: "bi-signpost-split",
    423: "bi-lock",
    429: "bi-hourglass-split",
    500: "bi-exclamation-octagon",
}


# Names of the seeded display profiles (signage.content.profiles.SEED_PROFILES), by key; a profile
# an administrator added keeps the name it was given.
PROFILE_LABELS: dict[str, Any] = {
    "led-192x96-mono": _l("LED 192x96, red (6x6 P10 modules)"),
    "led-256x128-3c": _l("LED 256x128, red/green/amber (8x8 P10 modules)"),
    "led-384x192-full": _l("LED 384x192, full colour (12x12 P10 modules)"),
    "lcd-1920x1080": _l("LCD 1920x1080, landscape"),
    "lcd-1080x1920": _l("LCD 1080x1920, portrait"),
}


def profile_label(profile: Any) -> str:
    """The translated name of a display profile, given the profile or its key."""
    key = profile if isinstance(profile, str) else profile.key
    label = PROFILE_LABELS.get(key)
    if label is not None:
        return str(label)
    return key if isinstance(profile, str) else str(profile.name)


def kind_label(kind: str) -> str:
    """The translated name of an area kind (the code itself if unknown)."""
    return str(KIND_LABELS.get(kind, kind))


def category_label(category: str) -> str:
    """The translated name of a content category ("Unknown category" if it is not one)."""
    label = CATEGORY_LABELS.get(category)
    return str(label) if label is not None else str(_l("Unknown category"))


def role_label(role: str) -> str:
    """The translated name of a role (the code itself if unknown)."""
    return str(ROLE_LABELS.get(role, role))


def status_title(status: int) -> str:
    """A short translated title for an HTTP error status."""
    return str(STATUS_TITLES.get(status, STATUS_TITLES[500] if status >= 500 else status))


def status_icon(status: int) -> str:
    """A Bootstrap icon class for an HTTP error status."""
    return STATUS_ICONS.get(status, "bi-exclamation-triangle")


ACTION_LABELS: dict[str, Any] = {
    "login.succeeded": _l("Signed in"),
    "login.failed": _l("Failed sign-in"),
    "login.locked": _l("Sign-in refused: account locked"),
    "user.lock": _l("Account locked after failed sign-ins"),
    "login.throttled": _l("Sign-in refused: too many failures, wait"),
    "logout": _l("Signed out"),
    "user.sessions_ended": _l("Signed out everywhere"),
    "user.create": _l("User created"),
    "user.update": _l("Profile updated"),
    "user.password": _l("Password changed"),
    "user.activate": _l("Account activated"),
    "user.deactivate": _l("Account deactivated"),
    "grant.add": _l("Role granted"),
    "grant.remove": _l("Role withdrawn"),
    "token.create": _l("API token created"),
    "token.revoke": _l("API token revoked"),
    "area.import": _l("Official areas imported"),
    "area.create": _l("Area created"),
    "area.move": _l("Area moved"),
    "board.token_issue": _l("Board token issued"),
    "board.token_revoke": _l("Board token revoked"),
    "board.pair": _l("Player paired with a board"),
    "board.pairing_expired": _l("Unclaimed pairing expired; its board token was revoked"),
    "board.command": _l("Command sent to a board"),
    # The content page's history lists these (the audit log itself speaks in sentences).
    "content.create": _l("Item created"),
    "content.revise": _l("Item revised"),
    "content.submit": _l("Submitted for approval"),
    "content.withdraw": _l("Withdrawn from approval"),
    "content.approve": _l("Approved"),
    "content.reject": _l("Rejected"),
    "content.archive": _l("Archived"),
    "content.refit": _l("Picture fit changed; the boards show the same picture"),
}


def action_label(action: str) -> str:
    """A translated description of an audit action ('' if none is known)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else ""
