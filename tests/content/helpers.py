"""Helpers shared by the content tests: media files on disk, row counts, tiny images."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.audit.models import AuditEntry
from signage.content.models import ContentItem, MediaAsset, RenditionRecord, Revision
from signage.storage import MediaStore

TABLES = {
    "media": MediaAsset,
    "items": ContentItem,
    "revisions": Revision,
    "renditions": RenditionRecord,
    "audit": AuditEntry,
}


def media_files(store: MediaStore) -> list[Path]:
    """Every file under the media root (temporary files included)."""
    if not store.root.exists():
        return []
    return sorted(p for p in store.root.rglob("*") if p.is_file())


def counts(session: Session) -> dict[str, int]:
    """Row counts of the content tables and the audit log."""
    return {n: session.scalar(select(func.count()).select_from(m)) for n, m in TABLES.items()}


def jpeg(width: int = 120, height: int = 80, colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="JPEG")
    return buffer.getvalue()
