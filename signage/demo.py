"""Demo data for a first look: two cities, demo users with known roles. Idempotent."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.models import Grant, User
from signage.accounts.services import create_user
from signage.areas.services import ROOT_CODE, get_by_code, import_official
from signage.audit.services import Actor
from signage.config import Settings

DEMO_PROVINCES = ("01", "31")  # Hà Nội, Hải Phòng
# username, role, area code, description
DEMO_USERS = (
    ("admin", "admin", ROOT_CODE, "admin, whole installation"),
    ("editor", "editor", "01", "editor, Hà Nội"),
    ("approver", "approver", "01", "approver, Hà Nội"),
    ("operator", "operator", "01", "emergency operator, Hà Nội"),
    ("viewer", "viewer", "31", "viewer, Hải Phòng"),
)
ACTOR = Actor(None, "", label_override="seed-demo")


def _credentials_file(settings: Settings) -> Path:
    return settings.instance_dir / "demo_credentials.txt"


def _password_for(username: str, settings: Settings, saved: dict[str, str]) -> str:
    fixed = os.environ.get("SIGNAGE_DEMO_PASSWORD")
    if fixed:
        return fixed
    return saved.get(username) or secrets.token_urlsafe(12)


def _load_saved(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split(maxsplit=1) for line in path.read_text().splitlines() if line.strip())
    return {p[0]: p[1] for p in pairs if len(p) == 2}


def seed(
    session: Session,
    settings: Settings,
    echo: Callable[[str], None] = print,
    *,
    now: datetime,
) -> list[tuple[str, str, str]]:
    """Import the demo provinces and create the demo users if missing; return their logins."""
    for code in DEMO_PROVINCES:
        result = import_official(session, ACTOR, province=code, now=now)
        echo(f"Province {code}: {result.created} areas created, {result.unchanged} unchanged.")
    path = _credentials_file(settings)
    saved = _load_saved(path)
    out: list[tuple[str, str, str]] = []
    for username, role, area_code, what in DEMO_USERS:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            password = _password_for(username, settings, saved)
            user = create_user(session, ACTOR, username, password, check_permission=False, now=now)
            session.add(Grant(user=user, role=role, area=get_by_code(session, area_code)))
            saved[username] = password
        shown = saved.get(username, "(unchanged; signage users set-password)")
        out.append((username, shown, what))
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode does not apply to a file that already exists
    with os.fdopen(fd, "w") as fh:
        fh.writelines(f"{u} {p}\n" for u, p in saved.items())
    return out
