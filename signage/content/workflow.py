"""Approval workflow: every state change of a content item, with its permission check and audit.

draft -> pending (submit) -> approved | rejected (approve / reject); pending -> draft
(withdraw); any -> archived (item level). Only approved revisions can air.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from signage.audit.services import Actor, record
from signage.content.errors import WrongState
from signage.content.items import check_not_archived, clean_comment
from signage.content.models import ContentItem, Revision
from signage.content.renditions import render_all
from signage.errors import PermissionDenied
from signage.permissions import can, require
from signage.storage import MediaStore

# Called as hook(session, item, now) after an item's airing revision changes (approve,
# archive); schedules registers one that regenerates the affected boards' manifests.
ITEM_HOOKS: list[Callable[[Session, ContentItem, datetime], None]] = []


# Called as hook(session, item) when an item enters or leaves the approval queue (submit,
# withdraw, approve, reject, archive); the console registers one that updates queue counts.
QUEUE_HOOKS: list[Callable[[Session, ContentItem], None]] = []


def _queue_changed(session: Session, item: ContentItem) -> None:
    for hook in QUEUE_HOOKS:
        hook(session, item)


def notify_airing_changed(session: Session, item: ContentItem, now: datetime) -> None:
    """Run the ITEM_HOOKS: the item's airing revision changed."""
    for hook in ITEM_HOOKS:
        hook(session, item, now)


def airing_revision(item: ContentItem) -> Revision | None:
    """The revision boards show: the approved one, unless the item is archived."""
    if item.archived_at is not None:
        return None
    for revision in reversed(item.revisions):
        if revision.state == "approved":
            return revision
    return None


def schedulable_revision(item: ContentItem) -> Revision:
    """The revision a schedule or player may use; WrongState when nothing is approved."""
    revision = airing_revision(item)
    if revision is None:
        raise WrongState(_l("Only approved content can be scheduled or sent to boards."))
    return revision


def _expect(revision: Revision, *states: str) -> None:
    if revision.state in states:
        return
    messages = {
        "draft": _l("This revision is a draft; submit it first."),
        "pending": _l("This revision is already waiting for approval."),
        "approved": _l("This revision is already approved."),
        "rejected": _l("This revision was rejected; edit the item to make a new revision."),
        "superseded": _l("A newer revision has replaced this one."),
    }
    raise WrongState(messages.get(revision.state))


def _audit(
    session: Session, actor: Actor, action: str, item: ContentItem, now: datetime, **details: object
) -> None:
    details = {"revision": item.latest.number, **details}
    record(
        session,
        actor,
        action,
        "content_item",
        item.id,
        area_id=item.area_id,
        details=details,
        now=now,
    )


def _sync(item: ContentItem, now: datetime) -> None:
    item.state = "archived" if item.archived_at else item.latest.state
    item.updated_at = now


def submit(session: Session, actor: Actor, item: ContentItem, *, now: datetime) -> Revision:
    """Send the latest revision for approval."""
    require(actor.user, "content.edit", item.area)
    check_not_archived(item)
    revision = item.latest
    _expect(revision, "draft")
    revision.state, revision.submitted_at = "pending", now
    _sync(item, now)
    _audit(session, actor, "content.submit", item, now)
    _queue_changed(session, item)
    return revision


def withdraw(session: Session, actor: Actor, item: ContentItem, *, now: datetime) -> Revision:
    """Take a pending revision back to draft."""
    require(actor.user, "content.edit", item.area)
    check_not_archived(item)
    revision = item.latest
    _expect(revision, "pending")
    revision.state, revision.submitted_at = "draft", None
    _sync(item, now)
    _audit(session, actor, "content.withdraw", item, now)
    _queue_changed(session, item)
    return revision


def _decide(actor: Actor, item: ContentItem) -> Revision:
    require(actor.user, "content.approve", item.area)
    check_not_archived(item)
    revision = item.latest
    _expect(revision, "pending")
    if actor.user is not None and revision.author_id == actor.user.id:
        raise PermissionDenied(_l("You cannot approve or reject your own revision."))
    return revision


def approve(
    session: Session,
    actor: Actor,
    item: ContentItem,
    *,
    store: MediaStore,
    comment: str = "",
    now: datetime,
) -> Revision:
    """Approve the pending revision: it replaces the airing one and is rendered everywhere."""
    revision = _decide(actor, item)
    text = clean_comment(comment, required=False)
    previous = airing_revision(item)
    if previous is not None:
        previous.state = "superseded"
    revision.state, revision.decided_at, revision.decision_comment = "approved", now, text
    revision.decided_by_id = actor.user.id if actor.user else None
    _sync(item, now)
    _audit(session, actor, "content.approve", item, now, comment=text)
    _queue_changed(session, item)
    render_all(session, store, revision)
    notify_airing_changed(session, item, now)
    return revision


def reject(
    session: Session, actor: Actor, item: ContentItem, *, comment: str, now: datetime
) -> Revision:
    """Reject the pending revision with a reason; an approved older revision keeps airing."""
    revision = _decide(actor, item)
    text = clean_comment(comment, required=True)
    revision.state, revision.decided_at, revision.decision_comment = "rejected", now, text
    revision.decided_by_id = actor.user.id if actor.user else None
    _sync(item, now)
    _audit(session, actor, "content.reject", item, now, comment=text)
    _queue_changed(session, item)
    return revision


def may_archive(actor: Actor, item: ContentItem) -> bool:
    """Editors and approvers of the item's area may archive it."""
    return can(actor.user, "content.edit", item.area) or can(
        actor.user, "content.approve", item.area
    )


def archive(session: Session, actor: Actor, item: ContentItem, *, now: datetime) -> ContentItem:
    """Retire the item: it stops airing and can no longer change."""
    if not may_archive(actor, item):
        raise PermissionDenied()
    check_not_archived(item)
    item.archived_at = now
    _sync(item, now)
    _audit(session, actor, "content.archive", item, now)
    notify_airing_changed(session, item, now)
    _queue_changed(session, item)
    return item
