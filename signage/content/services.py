"""Content services: media ingest, items and revisions, renditions, display profiles.

Approval transitions live in `signage.content.workflow`. Every function takes the session,
the acting user, `now` and the media store as arguments and knows nothing of Flask.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from PIL import Image
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.areas.models import Area
from signage.audit.models import AuditEntry
from signage.audit.services import Actor, record
from signage.content.errors import translate_rejection
from signage.content.ingest import ContentRejected, ingest_image, normalise_text
from signage.content.models import (
    CATEGORIES,
    ITEM_STATES,
    PRIORITIES,
    ContentItem,
    MediaAsset,
    ProfileRecord,
    RenditionRecord,
    Revision,
)
from signage.content.profiles import DisplayProfile
from signage.content.render import Rendition, render_image, render_text
from signage.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from signage.permissions import require, require_found, scope_filter, scope_paths
from signage.storage import MediaStore

HEADLINE_MAX = 200
BODY_MAX = 4000
COMMENT_MAX = 2000


# --- media -------------------------------------------------------------------------------


def upload_media(
    session: Session,
    store: MediaStore,
    actor: Actor,
    data: bytes,
    *,
    max_bytes: int,
    max_pixels: int,
    now: datetime,
) -> tuple[MediaAsset, bool]:
    """Ingest an uploaded image; the row is added only once the file is durable.

    Returns the asset and whether it is new (identical uploads share one asset).
    """
    if not scope_paths(actor.user, "content.edit"):
        raise PermissionDenied(_l("Uploading media needs the content.edit permission."))
    try:
        image = ingest_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    except ContentRejected as exc:
        raise translate_rejection(exc) from None
    existing = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == image.sha256))
    if existing is not None:
        return existing, False
    stored = store.put(image.data, image.ext)
    asset = MediaAsset(
        sha256=stored.sha256,
        ext=image.ext,
        mime=image.mime,
        width=image.width,
        height=image.height,
        size=stored.size,
        uploaded_by_id=actor.user.id if actor.user else None,
    )
    try:
        with session.begin_nested():
            session.add(asset)
    except IntegrityError:  # the same picture uploaded concurrently: use the other row
        return session.scalars(
            select(MediaAsset).where(MediaAsset.sha256 == stored.sha256)
        ).one(), False
    record(
        session, actor, "media.upload", "media", asset.sha256, details={"size": asset.size}, now=now
    )
    return asset, True


def get_media(session: Session, sha256: str) -> MediaAsset:
    """The media asset with this hash, or a field error naming it."""
    asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256.lower()))
    if asset is None:
        raise ValidationFailed(
            details=[{"field": "media", "message": _l("No uploaded image has this SHA-256.")}]
        )
    return asset


# --- items and revisions -----------------------------------------------------------------


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
    kind: str, headline: str, body: str, media: MediaAsset | None, colours: dict
) -> str:
    """Hash of everything a rendition depends on: equal content renders once."""
    canonical = json.dumps(
        {
            "kind": kind,
            "headline": headline,
            "body": body,
            "media": media.sha256 if media else None,
            "colours": colours,
        },
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
        content_hash=content_hash(item.kind, headline, body, media, colours),
        author_id=actor.user.id if actor.user else None,
        created_at=now,
    )
    item.revisions.append(revision)
    item.state, item.category, item.priority = "draft", category, priority
    item.headline, item.updated_at = headline, now
    return revision


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
    now: datetime,
) -> Revision:
    """A new draft revision; an approved revision keeps airing until the new one is approved."""
    require(actor.user, "content.edit", item.area)
    from signage.content.workflow import check_not_archived

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


# --- renditions --------------------------------------------------------------------------


def _colour(value: Any) -> tuple[int, int, int] | None:
    return None if value is None else (int(value[0]), int(value[1]), int(value[2]))


def render_revision(revision: Revision, profile: DisplayProfile, store: MediaStore) -> Rendition:
    """Render a revision for one profile (pure apart from reading its image)."""
    picture = None
    if revision.media is not None:
        with store.open(revision.media.sha256, revision.media.ext) as fh:
            picture = Image.open(fh)
            picture.load()
    if revision.item.kind == "image":
        assert picture is not None
        return render_image(profile, picture)
    colours = revision.colours.get(profile.key) or revision.colours.get("*") or {}
    return render_text(
        profile,
        revision.headline,
        revision.body,
        fg=_colour(colours.get("fg")),
        bg=_colour(colours.get("bg")),
        background=picture,
    )


Renderer = Callable[[Revision, DisplayProfile, MediaStore], Rendition]


def _complete(row: RenditionRecord, store: MediaStore) -> bool:
    """The row's files exist (the still image, and the strip of scrolling text)."""
    if not store.exists(row.sha256, "png"):
        return False
    if row.scrolls:
        if not row.ticker:
            return False
        return store.exists(row.ticker["sha256"], "png")
    return True


def _store_ticker(result: Rendition, store: MediaStore) -> dict[str, Any] | None:
    """Store the strip of a scrolling rendition; how players scroll it."""
    ticker = result.ticker
    if ticker is None:
        return None
    buffer = io.BytesIO()
    ticker.strip.save(buffer, format="PNG")
    stored = store.put(buffer.getvalue(), "png")
    return {
        "sha256": stored.sha256,
        "y": ticker.y,
        "width": ticker.width,
        "speed_px_s": ticker.speed_px_s,
        "strip_width": ticker.strip.width,
    }


def rendition(
    session: Session,
    store: MediaStore,
    revision: Revision,
    profile: DisplayProfile,
    *,
    render: Renderer = render_revision,
) -> RenditionRecord:
    """The cached rendition of the revision's content for the profile, rendered if missing."""
    key = (revision.content_hash, profile.key)
    cached = session.scalar(
        select(RenditionRecord).where(
            RenditionRecord.content_hash == key[0], RenditionRecord.profile_key == key[1]
        )
    )
    if cached is not None and _complete(cached, store):
        return cached
    result = render(revision, profile, store)
    stored = store.put(result.png(), "png")
    ticker = _store_ticker(result, store)
    if cached is not None:  # a file was lost (or the strip predates 0006): point at the fresh one
        cached.sha256, cached.ticker = stored.sha256, ticker
        return cached
    row = RenditionRecord(
        content_hash=key[0],
        profile_key=key[1],
        sha256=stored.sha256,
        width=result.image.width,
        height=result.image.height,
        scrolls=result.ticker is not None,
        ticker=ticker,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:  # rendered concurrently; identical bytes, same hash
        return session.scalars(
            select(RenditionRecord).where(
                RenditionRecord.content_hash == key[0], RenditionRecord.profile_key == key[1]
            )
        ).one()
    return row


def render_all(session: Session, store: MediaStore, revision: Revision) -> list[RenditionRecord]:
    """Renditions of the revision for every display profile."""
    return [rendition(session, store, revision, p) for p in profiles(session)]


# --- display profiles --------------------------------------------------------------------


def profile_records(session: Session) -> list[ProfileRecord]:
    """Every stored display profile, LED first, then by size."""
    return list(
        session.scalars(
            select(ProfileRecord).order_by(
                ProfileRecord.kind.desc(), ProfileRecord.width, ProfileRecord.key
            )
        )
    )


def profiles(session: Session) -> list[DisplayProfile]:
    """Every stored display profile as the renderer's value."""
    return [r.as_profile() for r in profile_records(session)]


def get_profile(session: Session, key: str) -> DisplayProfile:
    """The display profile with this key."""
    row = session.scalar(select(ProfileRecord).where(ProfileRecord.key == key))
    if row is None:
        raise NotFound(_l("No display profile has the key %(key)s.", key=key))
    return row.as_profile()


def create_profile(
    session: Session, actor: Actor, profile: DisplayProfile, *, now: datetime
) -> ProfileRecord:
    """Add a display profile (installation admins or template managers)."""
    require(actor.user, "template.manage", None)
    if session.scalar(select(ProfileRecord.id).where(ProfileRecord.key == profile.key)):
        raise Conflict(_l("A display profile with the key %(key)s exists.", key=profile.key))
    row = ProfileRecord(
        key=profile.key,
        name=profile.name,
        width=profile.width,
        height=profile.height,
        colour_mode=profile.colour_mode,
        palette=[list(c) for c in profile.palette],
        kind=profile.kind,
        banner_fraction=profile.banner_fraction,
    )
    session.add(row)
    session.flush()
    record(session, actor, "profile.create", "display_profile", profile.key, now=now)
    return row
