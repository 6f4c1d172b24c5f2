"""Content items and their revisions: create, revise, find, history; texts checked and normalised.

Approval transitions live in `signage.content.workflow`. Every function takes the session,
the acting user and `now` as arguments and knows nothing of Flask.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.areas.models import Area
from signage.audit.models import AuditEntry
from signage.audit.services import Actor, record
from signage.content.errors import WrongState, translate_rejection
from signage.content.ingest import ContentRejected, normalise_text
from signage.content.models import (
    CATEGORIES,
    ITEM_STATES,
    PRIORITIES,
    ContentItem,
    MediaAsset,
    Revision,
)
from signage.errors import Conflict, NotFound, ValidationFailed
from signage.permissions import require, require_found, scope_filter

HEADLINE_MAX = 200
BODY_MAX = 4000
COMMENT_MAX = 2000


def clean_text(headline: str, body: str) -> tuple[str, str]:
    """NFC-normalised, validated headline and body (body may be empty)."""
    try:
        head = normalise_text(headline, max_len=HEADLINE_MAX, field="headline")
        text = normalise_text(body, max_len=BODY_MAX, field="body") if body != "" else ""
    except ContentRejected as exc:
        raise translate_rejection(exc) from None
    return head, text


def clean_comment(comment: str, *, required: bool) -> str:
    """A decision comment, normalised; required for rejections."""
    if comment.strip() == "" and not required:
        return ""
    try:
        return normalise_text(comment, max_len=COMMENT_MAX, field="comment", multiline=True)
    except ContentRejected as exc:
        if exc.code == "blank":
            raise ValidationFailed(
                details=[{"field": "comment", "message": _l("Say why, so the author can fix it.")}]
            ) from None
        raise translate_rejection(exc) from None


def _check_choice(field: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValidationFailed(
            details=[
                {
                    "field": field,
                    "message": _l("Choose one of: %(choices)s.", choices=", ".join(choices)),
                }
            ]
        )


def content_hash(
    kind: str,
    headline: str,
    body: str,
    media: MediaAsset | None,
    colours: dict,
    fit: dict | None = None,
) -> str:
    """Hash of everything a rendition depends on: equal content renders once."""
    content: dict[str, Any] = {
        "kind": kind,
        "headline": headline,
        "body": body,
        "media": media.sha256 if media else None,
        "colours": colours,
    }
    if fit:  # absent when letterboxed everywhere: hashes from before fits stay the same
        content["fit"] = fit
    canonical = json.dumps(
        content,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _new_revision(
    item: ContentItem,
    actor: Actor,
    *,
    number: int,
    category: str,
    priority: str,
    headline: str,
    body: str,
    media: MediaAsset | None,
    colours: dict[str, Any],
    fit: dict[str, Any] | None = None,
    now: datetime,
) -> Revision:
    _check_choice("category", category, CATEGORIES)
    _check_choice("priority", priority, PRIORITIES)
    headline, body = clean_text(headline, body)
    if item.kind == "image":
        if media is None:
            raise ValidationFailed(
                details=[{"field": "media", "message": _l("An image item needs an image.")}]
            )
        body, colours = "", {}
    else:
        fit = {}
    revision = Revision(
        number=number,
        state="draft",
        category=category,
        priority=priority,
        headline=headline,
        body=body,
        media=media,
        media_id=media.id if media else None,
        colours=colours,
        fit=fit or {},
        content_hash=content_hash(item.kind, headline, body, media, colours, fit),
        author_id=actor.user.id if actor.user else None,
        created_at=now,
    )
    item.revisions.append(revision)
    item.state, item.category, item.priority = "draft", category, priority
    item.headline, item.updated_at = headline, now
    return revision


def check_not_archived(item: ContentItem) -> None:
    """WrongState if the item is archived."""
    if item.archived_at is not None:
        raise WrongState(_l("This item is archived; it can no longer change."))


def create_item(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    area: Area,
    category: str,
    priority: str,
    headline: str,
    body: str = "",
    media: MediaAsset | None = None,
    colours: dict[str, Any] | None = None,
    fit: dict[str, Any] | None = None,
    now: datetime,
) -> ContentItem:
    """A new item of an area, with its first (draft) revision."""
    require(actor.user, "content.edit", area)
    _check_choice("kind", kind, ("text", "image"))
    item = ContentItem(
        kind=kind,
        area=area,
        area_id=area.id,
        category=category,
        priority=priority,
        created_by_id=actor.user.id if actor.user else None,
        created_at=now,
    )
    _new_revision(
        item,
        actor,
        number=1,
        category=category,
        priority=priority,
        headline=headline,
        body=body,
        media=media,
        colours=colours or {},
        fit=fit,
        now=now,
    )
    session.add(item)
    session.flush()
    record(
        session,
        actor,
        "content.create",
        "content_item",
        item.id,
        area_id=area.id,
        details={"revision": 1, "kind": kind, "headline": item.headline[:100]},
        now=now,
    )
    return item


_KEEP: Any = object()


def revise(
    session: Session,
    actor: Actor,
    item: ContentItem,
    *,
    category: str | None = None,
    priority: str | None = None,
    headline: str | None = None,
    body: str | None = None,
    media: Any = _KEEP,
    colours: dict[str, Any] | None = None,
    fit: dict[str, Any] | None = None,
    now: datetime,
) -> Revision:
    """A new draft revision; an approved revision keeps airing until the new one is approved."""
    require(actor.user, "content.edit", item.area)
    check_not_archived(item)
    latest = item.latest
    if latest.state == "pending":
        raise Conflict(_l("This revision is waiting for approval; withdraw it before editing."))
    revision = _new_revision(
        item,
        actor,
        number=latest.number + 1,
        category=category if category is not None else latest.category,
        priority=priority if priority is not None else latest.priority,
        headline=headline if headline is not None else latest.headline,
        body=body if body is not None else latest.body,
        media=latest.media if media is _KEEP else media,
        colours=colours if colours is not None else dict(latest.colours),
        fit=fit if fit is not None else dict(latest.fit or {}),
        now=now,
    )
    session.flush()
    record(
        session,
        actor,
        "content.revise",
        "content_item",
        item.id,
        area_id=item.area_id,
        details={"revision": revision.number},
        now=now,
    )
    return revision


def visible_items(
    user: User | None,
    *,
    state: str | None = None,
    area: Area | None = None,
    category: str | None = None,
    action: str = "content.view",
) -> Select[ContentItem]:
    """Items in the user's scope for action, newest change first, filtered."""
    stmt = (
        select(ContentItem)
        .join(Area, ContentItem.area_id == Area.id)
        .where(scope_filter(user, action, Area.path))
        .order_by(ContentItem.updated_at.desc(), ContentItem.id.desc())
    )
    if state:
        _check_choice("state", state, ITEM_STATES)
        stmt = stmt.where(ContentItem.state == state)
    if area is not None:
        stmt = stmt.where(Area.path.startswith(area.path, autoescape=True))
    if category:
        _check_choice("category", category, CATEGORIES)
        stmt = stmt.where(ContentItem.category == category)
    return stmt


def get_item(session: Session, user: User | None, item_id: int) -> ContentItem:
    """An item the user may view (outside their areas: 404, exactly like a missing one)."""
    item = session.get(ContentItem, item_id)
    require_found(user, "content.view", item.area if item else None, _l("No such content item."))
    assert item is not None
    return item


def get_revision(item: ContentItem, number: int) -> Revision:
    """The item's revision with this number."""
    for revision in item.revisions:
        if revision.number == number:
            return revision
    raise NotFound(_l("No such revision."))


def history(session: Session, item: ContentItem) -> list[AuditEntry]:
    """Everything that happened to the item, from the audit log, oldest first."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "content_item", AuditEntry.object_id == str(item.id))
            .order_by(AuditEntry.at, AuditEntry.id)
        )
    )
