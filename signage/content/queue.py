"""The approval queue: what waits for a user's decision, the next item, and decisions in bulk.

Bulk decisions run each item through `workflow.approve` / `workflow.reject` (same checks, same
audit) inside its own savepoint: one item that fails is rolled back and reported with its reason,
the others stay decided.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.audit.services import Actor
from signage.content import workflow
from signage.content.items import clean_comment, get_item, visible_items
from signage.content.models import ContentItem, Revision
from signage.errors import DomainError, ValidationFailed
from signage.storage import MediaStore

# One form post decides at most this many items (a page of the queue is 50).
BULK_MAX = 100
DECISIONS = ("approve", "reject")


def pending_items(user: User | None) -> Select[Any]:
    """Pending items the user may decide on (not their own revisions), oldest submission first.

    An item's updated_at is its submission time while it is pending (the workflow sets it)."""
    stmt = (
        visible_items(user, state="pending", action="content.approve")
        .order_by(None)
        .where(ContentItem.archived_at.is_(None))
    )
    if user is not None:
        own = exists().where(
            Revision.item_id == ContentItem.id,
            Revision.state == "pending",
            Revision.author_id == user.id,
        )
        stmt = stmt.where(~own)
    return stmt.order_by(ContentItem.updated_at, ContentItem.id)


def pending_count(session: Session, user: User | None) -> int:
    """How many items wait for this user's decision (0 for users who approve nothing)."""
    stmt = pending_items(user).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(stmt)) or 0


def next_pending(session: Session, user: User | None) -> ContentItem | None:
    """The first item in the user's queue, or None when nothing waits."""
    return session.scalars(pending_items(user).limit(1)).first()


@dataclass
class BulkOutcome:
    """What a bulk decision did: the items decided and, for each refused one, why."""

    done: list[ContentItem] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (what was asked, why not)


def parse_ids(raw: Iterable[str]) -> tuple[list[int], list[str]]:
    """Item numbers from form values, de-duplicated in order, and the values that are not."""
    ids: list[int] = []
    bad: list[str] = []
    for value in raw:
        text = (value or "").strip()
        if text.isascii() and text.isdigit() and len(text) <= 10 and int(text) < 2**31:
            if int(text) not in ids:
                ids.append(int(text))
        else:
            bad.append(text[:20])
    return ids, bad


def decide_many(
    session: Session,
    actor: Actor,
    raw_ids: Iterable[str],
    *,
    decision: str,
    comment: str,
    store: MediaStore,
    now: datetime,
) -> BulkOutcome:
    """Approve or reject the chosen items with one comment; refusals are reported per item.

    The whole request is refused (ValidationFailed, nothing done) when the decision is unknown,
    no item or too many are chosen, or a rejection has no comment."""
    raw = list(raw_ids)
    if decision not in DECISIONS:
        raise ValidationFailed(_l("Choose approve or reject."))
    if not raw:
        raise ValidationFailed(_l("Tick at least one item."))
    if len(raw) > BULK_MAX:
        raise ValidationFailed(
            _l("Choose at most %(max)d items at a time.", max=BULK_MAX),
            details=[{"field": "item", "message": _l("Too many items.")}],
        )
    try:
        text = clean_comment(comment, required=decision == "reject")
    except ValidationFailed as exc:  # one form, no field to point at: say it in the message
        raise ValidationFailed(
            _l("Comment: %(why)s", why=exc.details[0]["message"]) if exc.details else exc.message
        ) from None
    ids, bad = parse_ids(raw)
    outcome = BulkOutcome(failed=[(value, str(_l("Not an item number."))) for value in bad])
    for item_id in ids:
        label = str(_l("item number %(n)s", n=item_id))
        try:
            with session.begin_nested():
                item = get_item(session, actor.user, item_id)
                label = item.headline
                if decision == "approve":
                    workflow.approve(session, actor, item, store=store, comment=text, now=now)
                else:
                    workflow.reject(session, actor, item, comment=text, now=now)
        except DomainError as exc:
            outcome.failed.append((label, str(exc.message)))
            continue
        outcome.done.append(item)
    return outcome
