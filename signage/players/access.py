"""What a board's player may fetch: only what its manifest and its live alerts reference.

A board token is a weaker secret than a user's session (it sits on a kiosk in a public
square), so it opens nothing beyond the board's own programme: the renditions and media files
named by the board's stored manifest, and the images of the alerts delivered to it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.alerts.models import Alert, AlertDelivery
from signage.boards.models import Board
from signage.content.models import Revision
from signage.schedules.models import BoardManifest

# Alerts whose images a board may still need: on air, or waiting to go on air.
_LIVE_ALERT_STATES = ("active",)


@dataclass(frozen=True)
class BoardReferences:
    """Items, revisions and media files a board's manifest and live alerts name."""

    items: frozenset[int] = frozenset()
    revisions: frozenset[int] = frozenset()
    media: frozenset[str] = field(default_factory=frozenset)


def _parse(text: str | None) -> dict[str, Any]:
    if not text:
        return {}
    try:
        doc = json.loads(text)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _manifest_document(session: Session, board_id: int) -> dict[str, Any]:
    return _parse(
        session.scalar(select(BoardManifest.document).where(BoardManifest.board_id == board_id))
    )


def _entries(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for seg in doc.get("segments", [])
        if isinstance(seg, dict)
        for e in seg.get("entries", [])
        if isinstance(e, dict)
    ]


# Item ids by manifest version: a version names one document, so this never goes stale.
_ITEMS_BY_VERSION: dict[str, frozenset[int]] = {}
_ITEMS_CACHE_SIZE = 4096


def manifest_items(session: Session, board_ids: list[int]) -> dict[int, frozenset[int]]:
    """The item ids each board's stored manifest plays (boards without one: empty)."""
    found: dict[int, frozenset[int]] = {b: frozenset() for b in board_ids}
    ids = sorted(set(board_ids))
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        versions = dict(
            session.execute(
                select(BoardManifest.board_id, BoardManifest.version).where(
                    BoardManifest.board_id.in_(chunk)
                )
            ).all()
        )
        unknown = sorted({v for v in versions.values() if v not in _ITEMS_BY_VERSION})
        if unknown:
            if len(_ITEMS_BY_VERSION) + len(unknown) > _ITEMS_CACHE_SIZE:
                _ITEMS_BY_VERSION.clear()
            rows = session.execute(
                select(BoardManifest.version, BoardManifest.document).where(
                    BoardManifest.version.in_(unknown)
                )
            )
            for version, text in rows:
                items = {e.get("item") for e in _entries(_parse(text))}
                _ITEMS_BY_VERSION[version] = frozenset(i for i in items if isinstance(i, int))
        for board_id, version in versions.items():
            found[board_id] = _ITEMS_BY_VERSION.get(version, frozenset())
    return found


def _alert_media(session: Session, board_id: int) -> set[str]:
    stmt = (
        select(Alert.images)
        .join(AlertDelivery, AlertDelivery.alert_id == Alert.id)
        .where(AlertDelivery.board_id == board_id, Alert.state.in_(_LIVE_ALERT_STATES))
    )
    found: set[str] = set()
    for images in session.scalars(stmt):
        for image in (images or {}).values():
            if isinstance(image, dict) and isinstance(image.get("sha256"), str):
                found.add(image["sha256"])
            banner = image.get("banner") if isinstance(image, dict) else None
            for part in (banner, banner.get("ticker") if isinstance(banner, dict) else None):
                if isinstance(part, dict) and isinstance(part.get("sha256"), str):
                    found.add(part["sha256"])
    return found


def references(session: Session, board: Board) -> BoardReferences:
    """What the board's stored manifest and its live alerts reference."""
    items: set[Any] = set()
    revisions: set[Any] = set()
    media: set[Any] = set()
    for entry in _entries(_manifest_document(session, board.id)):
        items.add(entry.get("item"))
        revisions.add(entry.get("revision"))
        media.add(entry.get("sha256"))
        ticker = entry.get("ticker")
        if isinstance(ticker, dict):
            media.add(ticker.get("sha256"))
    media |= _alert_media(session, board.id)
    return BoardReferences(
        items=frozenset(i for i in items if isinstance(i, int)),
        revisions=frozenset(r for r in revisions if isinstance(r, int)),
        media=frozenset(m for m in media if isinstance(m, str)),
    )


def may_read_rendition(session: Session, board: Board, revision: Revision, profile: str) -> bool:
    """True if the board's manifest plays this revision in the board's own profile."""
    if profile != board.profile.key:
        return False
    return revision.id in references(session, board).revisions


def may_read_media(session: Session, board: Board, sha256: str) -> bool:
    """True if the board's manifest or one of its live alerts names this media file."""
    return sha256 in references(session, board).media
