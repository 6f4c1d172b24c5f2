"""Renditions: a revision rendered for a display profile, cached by content hash, and the stored
display profiles they are made for.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signage.audit.services import Actor, record
from signage.content.fit import for_profile as fit_for
from signage.content.models import ProfileRecord, RenditionRecord, Revision
from signage.content.profiles import DisplayProfile
from signage.content.render import Rendition, render_image, render_text
from signage.errors import Conflict, NotFound
from signage.permissions import require
from signage.storage import MediaStore


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
        return render_image(profile, picture, fit_for(revision.fit, profile.key))
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


def _measured(row: RenditionRecord, revision: Revision) -> bool:
    """Pictures rendered before 0019 have no legibility figures: render them again."""
    return revision.item.kind != "image" or row.legibility is not None


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
    if cached is not None and _complete(cached, store) and _measured(cached, revision):
        return cached
    result = render(revision, profile, store)
    stored = store.put(result.png(), "png")
    ticker = _store_ticker(result, store)
    if cached is not None:  # a file was lost (or the strip predates 0006): point at the fresh one
        cached.sha256, cached.ticker = stored.sha256, ticker
        cached.legibility = result.legibility
        return cached
    row = RenditionRecord(
        content_hash=key[0],
        profile_key=key[1],
        sha256=stored.sha256,
        width=result.image.width,
        height=result.image.height,
        scrolls=result.ticker is not None,
        ticker=ticker,
        legibility=result.legibility,
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
