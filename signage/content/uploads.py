"""Uploaded media: ingest an image once (identical uploads share one asset) and look it up.

Every function takes the session, the acting user, `now` and the media store as arguments and
knows nothing of Flask.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signage.audit.services import Actor, record
from signage.content.errors import translate_rejection
from signage.content.ingest import ContentRejected, ingest_image
from signage.content.models import MediaAsset
from signage.errors import PermissionDenied, ValidationFailed
from signage.permissions import scope_paths
from signage.storage import MediaStore


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
