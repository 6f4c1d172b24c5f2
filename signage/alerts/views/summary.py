"""The summary step before a real alert leaves: what it takes over, and the token that says the
operator saw exactly this summary (signed with the app's secret, bound to the user, the posted
fields and the time it was shown)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.alerts.delivery import online_among
from signage.alerts.preview import previews
from signage.alerts.targets import Targets
from signage.alerts.text import AlertText, display_mode
from signage.boards.models import Board
from signage.schedules.manifests import affected_by_targets

# A summary older than this no longer confirms anything: boards may have come and gone.
SUMMARY_MAX_AGE = timedelta(minutes=15)
LISTED_BOARDS = 30


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt="alert-summary")


def fields_digest(values: dict[str, Any]) -> str:
    """A digest of the posted alert: any change after the summary voids its token."""
    text = json.dumps(values, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def summary_token(user_id: int, digest: str, now: datetime) -> str:
    """The confirmation token the summary page posts back."""
    return _signer().dumps({"u": user_id, "d": digest, "t": int(now.timestamp())})


def token_matches(token: str, user_id: int, digest: str, now: datetime) -> bool:
    """True if the token was signed here for this user, these fields, and recently."""
    if not token or len(token) > 500:
        return False
    try:
        data = _signer().loads(token)
    except BadSignature:
        return False
    if not isinstance(data, dict) or not isinstance(data.get("t"), int):
        return False
    age = now.timestamp() - data["t"]
    return (
        data.get("u") == user_id
        and data.get("d") == digest
        and 0 <= age <= (SUMMARY_MAX_AGE.total_seconds())
    )


def summary(
    session: Session, targets: Targets, text: AlertText, *, status: str, now: datetime
) -> dict[str, Any]:
    """Boards the alert takes over, how many are online, the targets by name, mode, previews."""
    ids = sorted(affected_by_targets(session, targets.pairs()))
    boards: list[Board] = []
    for i in range(0, len(ids), 500):
        stmt = select(Board).where(Board.id.in_(ids[i : i + 500])).order_by(Board.name)
        if status != "Actual":
            stmt = stmt.where(Board.is_test.is_(True))
        boards += session.scalars(stmt)
    online = online_among(session, [b.id for b in boards], now=now)
    profiles = {b.profile.key: b.profile for b in boards}
    return {
        "boards": len(boards),
        "online": len(online),
        "listed": boards[:LISTED_BOARDS],
        "areas": [a.name for a in targets.areas],
        "groups": [g.name for g in targets.groups],
        "board_names": [b.name for b in targets.boards],
        "mode": display_mode(text.urgency, text.severity, text.certainty),
        "previews": previews(
            text, sorted(profiles.values(), key=lambda p: p.name), status=status, now=now
        ),
    }
