"""Turning outage events into console notifications and queued e-mails and webhook posts.

Nothing is sent here: the delivery job sends the queue (notifications.delivery)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.clock import iso_utc
from signage.notifications import text
from signage.notifications.models import AreaNotice, Notification, OutboxMessage


@dataclass(frozen=True)
class Event:
    """A board that went dark or came back, as the messages tell it."""

    board_id: int
    code: str
    name: str
    area: str
    area_path: str
    since: datetime
    recovered_at: datetime | None = None

    def params(self) -> dict[str, Any]:
        """The board as stored in a notification's params (times as ISO UTC)."""
        out = {
            "code": self.code,
            "name": self.name,
            "area": self.area,
            "since": iso_utc(self.since),
        }
        if self.recovered_at is not None:
            out["recovered_at"] = iso_utc(self.recovered_at)
        return out


def grouped(kind: str, events: list[Event], digest_over: int) -> list[tuple[str, list[Event]]]:
    """One notice per board, or one digest when there are more than digest_over boards."""
    if len(events) > digest_over:
        return [(f"{kind}_digest", events)]
    return [(kind, [e]) for e in events]


def notify_users(
    session: Session,
    kind: str,
    by_user: dict[int, dict[str, list[Event]]],
    *,
    now: datetime,
    settings: Any,
) -> int:
    """Add console notifications and queue e-mails (in each user's language); how many."""
    made = 0
    for user_id, channels in by_user.items():
        user = session.get(User, user_id)
        if user is None:
            continue
        for notice_kind, events in grouped(
            kind, channels.get("console", []), settings.notify_digest_over
        ):
            params = {"boards": [e.params() for e in events]}
            session.add(
                Notification(user_id=user_id, kind=notice_kind, params=params, created_at=now)
            )
            made += 1
        if not (settings.smtp_host and user.email):
            continue
        for notice_kind, events in grouped(
            kind, channels.get("email", []), settings.notify_digest_over
        ):
            params = {"boards": [e.params() for e in events]}
            with force_locale(user.locale or settings.default_locale):
                subject, body = (
                    text.subject(notice_kind, params),
                    text.email_body(notice_kind, params),
                )
            area_id = _area_id(events)
            session.add(
                OutboxMessage(
                    channel="email",
                    area_id=area_id,
                    user_id=user_id,
                    recipient=user.email,
                    subject=subject[:300],
                    body=body,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
            made += 1
    return made


def _area_id(events: list[Event]) -> int:
    """The deepest area holding every event's board (whose admins see a failed e-mail)."""
    chains = [[p for p in e.area_path.split("/") if p] for e in events]
    common = chains[0]
    for chain in chains[1:]:
        n = 0
        while n < min(len(common), len(chain)) and common[n] == chain[n]:
            n += 1
        common = common[:n]
    return int(common[-1] if common else chains[0][0])


def webhook_payload(
    notice: AreaNotice, dark: list[Event], recovered: list[Event], now: datetime
) -> dict[str, Any]:
    """The JSON a webhook receives: the area, the boards gone dark and back, and a summary in
    Vietnamese that a chat bridge can post as it is."""
    with force_locale("vi"):
        summary = []
        if dark:
            kind = "offline" if len(dark) == 1 else "offline_digest"
            summary.append(text.headline(kind, {"boards": [e.params() for e in dark]}))
        if recovered:
            kind = "recovered" if len(recovered) == 1 else "recovered_digest"
            summary.append(text.headline(kind, {"boards": [e.params() for e in recovered]}))
    return {
        "type": "board_status",
        "sent_at": iso_utc(now),
        "area": {"code": notice.area.code, "name": notice.area.name},
        "offline": [e.params() for e in dark],
        "recovered": [e.params() for e in recovered],
        "text": " ".join(summary),
    }


def post_webhooks(
    session: Session, dark: list[Event], recovered: list[Event], *, now: datetime
) -> int:
    """Queue one post per enabled webhook whose area holds any of the events; how many."""
    if not (dark or recovered):
        return 0
    queued = 0
    notices = session.scalars(
        select(AreaNotice).where(AreaNotice.webhook_enabled, AreaNotice.webhook_url != "")
    )
    for notice in notices:
        mine = [e for e in dark if e.area_path.startswith(notice.area.path)]
        back = [e for e in recovered if e.area_path.startswith(notice.area.path)]
        if not (mine or back):
            continue
        body = json.dumps(webhook_payload(notice, mine, back, now), ensure_ascii=False)
        session.add(
            OutboxMessage(
                channel="webhook",
                area_id=notice.area_id,
                recipient=notice.webhook_url,
                body=body,
                created_at=now,
                next_attempt_at=now,
            )
        )
        queued += 1
    return queued
