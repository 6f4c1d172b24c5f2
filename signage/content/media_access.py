"""Who may read a file under /media: the public, a signed-in user, or a board.

Only what boards play is public (and cached by anyone, forever: its name is its hash): the
renditions and ticker strips of approved revisions of items that are not archived, and the
images of alerts that went on air. Everything else in the store (drafts' renditions, uploaded
originals, board screenshots, alerts that never went on air) needs a user who may view what the
file belongs to, or a board token whose manifest or live alerts name it.

Content answers for its own files; the domains above it that keep files in the store (boards'
screenshots, alerts' images) register a FileOwner from their init_app, and the board side
registers the BoardReader: content imports none of them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.content.models import ContentItem, MediaAsset, RenditionRecord, Revision
from signage.permissions import can

if TYPE_CHECKING:
    from signage.boards.models import Board

AIRED_STATES = ("approved", "superseded")  # a superseded revision was approved once
_PUBLIC_TTL_S = 300.0


@dataclass(frozen=True)
class BoardReader:
    """How a board token reads private files: what its manifest or live alerts name.
    Registered by signage.players.init_app (the board side sits above content)."""

    token_prefix: str
    authenticate: Callable[[Session, str], Board]
    may_read_media: Callable[[Session, Board, str], bool]
    may_read_rendition: Callable[[Session, Board, Revision, str], bool]


_board_reader: list[BoardReader] = []


@dataclass(frozen=True)
class FileOwner:
    """A domain above content that keeps files in the store: whether one of its files is public
    (boards play it) and whether a user may view what the file belongs to."""

    name: str
    is_public: Callable[[Session, str], bool]
    user_may_read: Callable[[Session, User, str], bool]


FILE_OWNERS: list[FileOwner] = []


def add_file_owner(owner: FileOwner) -> None:
    """Register a file owner once per process (a later app registers the same one)."""
    FILE_OWNERS[:] = [o for o in FILE_OWNERS if o.name != owner.name] + [owner]


def set_board_reader(reader: BoardReader) -> None:
    """Install how boards read files (once per process; a later app installs the same)."""
    _board_reader[:] = [reader]


def board_reader() -> BoardReader | None:
    """The installed board reader; None (no board reads anything private) until installed."""
    return _board_reader[0] if _board_reader else None


class PublicCache:
    """Hashes found public recently (one per app): boards fetch the same files over and over."""

    def __init__(self, ttl: float = _PUBLIC_TTL_S, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def __contains__(self, sha256: str) -> bool:
        with self._lock:
            until = self._seen.get(sha256)
            return until is not None and until > time.monotonic()

    def add(self, sha256: str) -> None:
        with self._lock:
            if len(self._seen) >= self.size:
                self._seen.clear()
            self._seen[sha256] = time.monotonic() + self.ttl

    def clear(self) -> None:
        with self._lock:
            self._seen.clear()


def mentions(column: Any, sha256: str) -> Any:
    """A JSON column whose text names this file (images lists, ticker strips)."""
    # sha256 is checked to be 64 lowercase hex digits before any query: no LIKE wildcards.
    return cast(column, String).contains(sha256)


def _rendition_items(session: Session, sha256: str) -> list[tuple[ContentItem, str]]:
    """(item, revision state) of every revision rendered to this file (image or ticker strip)."""
    stmt = (
        select(ContentItem, Revision.state)
        .join(Revision, Revision.item_id == ContentItem.id)
        .join(RenditionRecord, RenditionRecord.content_hash == Revision.content_hash)
    )
    found = [(i, s) for i, s in session.execute(stmt.where(RenditionRecord.sha256 == sha256))]
    if not found:
        ticker = stmt.where(
            RenditionRecord.ticker.is_not(None), mentions(RenditionRecord.ticker, sha256)
        )
        found = [(i, s) for i, s in session.execute(ticker)]
    return found


def is_public(session: Session, sha256: str, cache: PublicCache | None = None) -> bool:
    """True if boards play this file: anyone may read it and caches may keep it."""
    if cache is not None and sha256 in cache:
        return True
    public = any(
        state in AIRED_STATES and item.archived_at is None
        for item, state in _rendition_items(session, sha256)
    ) or any(owner.is_public(session, sha256) for owner in FILE_OWNERS)
    if public and cache is not None:
        cache.add(sha256)
    return public


def user_may_read(session: Session, user: User, sha256: str) -> bool:
    """True if the user may view an item, board or alert this file belongs to."""
    if any(can(user, "content.view", item.area) for item, _ in _rendition_items(session, sha256)):
        return True
    asset = session.scalar(select(MediaAsset).where(MediaAsset.sha256 == sha256))
    if asset is not None:
        if asset.uploaded_by_id == user.id:
            return True
        items = session.scalars(
            select(ContentItem)
            .join(Revision, Revision.item_id == ContentItem.id)
            .where(Revision.media_id == asset.id)
        )
        if any(can(user, "content.view", item.area) for item in items):
            return True
    return any(owner.user_may_read(session, user, sha256) for owner in FILE_OWNERS)


def board_may_read(session: Session, board: Board, sha256: str) -> bool:
    """True if the board's manifest or one of its live alerts names this file."""
    reader = board_reader()
    return reader is not None and reader.may_read_media(session, board, sha256)


def board_may_read_rendition(
    session: Session, board: Board, revision: Revision, profile: str
) -> bool:
    """True if the board's manifest plays this revision in the board's own profile."""
    reader = board_reader()
    return reader is not None and reader.may_read_rendition(session, board, revision, profile)
