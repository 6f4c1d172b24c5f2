"""Playlist services: ordered approved items with durations, editing, deletion when unused."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.accounts.permissions import can, require, require_found, scope_filter
from signage.areas.models import Area
from signage.audit.services import Actor, record
from signage.content.models import ContentItem
from signage.content.workflow import schedulable_revision
from signage.errors import Conflict, ValidationFailed
from signage.schedules import manifests
from signage.schedules.manifests import ManifestPublisher
from signage.schedules.models import Playlist, PlaylistEntry, Schedule

DEFAULT_DURATION = {"text": 15, "image": 10}
MAX_DURATION = 3600
MAX_ENTRIES = 200


def clean_name(text: str) -> str:
    """A playlist or schedule name: NFC, single spaces, 1-200 printable characters."""
    name = " ".join(unicodedata.normalize("NFC", text or "").split())
    if not name or len(name) > 200 or not name.isprintable():
        raise ValidationFailed(
            details=[{"field": "name", "message": _l("A name of 1-200 characters is required.")}]
        )
    return name


def _usable_item(session: Session, user: User | None, item_id: int, area: Area) -> ContentItem:
    item = session.get(ContentItem, item_id)
    if item is None:
        raise ValidationFailed(
            details=[{"field": "items", "message": _l("No content item %(id)s.", id=item_id)}]
        )
    # Content of a higher level flows down: a commune may play its province's notices.
    if not (area.path.startswith(item.area.path) or can(user, "content.view", item.area)):
        raise ValidationFailed(
            details=[{"field": "items", "message": _l("No content item %(id)s.", id=item_id)}]
        )
    schedulable_revision(item)  # WrongState (409) unless an approved revision airs
    return item


def set_entries(
    session: Session,
    actor: Actor,
    playlist: Playlist,
    entries: list[tuple[int, int | None]],
    *,
    now: datetime,
    publisher: ManifestPublisher | None = None,
) -> Playlist:
    """Replace the playlist's items: (item id, seconds or None for the kind's default)."""
    require(actor.user, "schedule.edit", playlist.area)
    if len(entries) > MAX_ENTRIES:
        raise ValidationFailed(_l("At most %(n)s items in a playlist.", n=MAX_ENTRIES))
    new = []
    for position, (item_id, seconds) in enumerate(entries):
        item = _usable_item(session, actor.user, item_id, playlist.area)
        seconds = DEFAULT_DURATION.get(item.kind, 10) if seconds is None else seconds
        if not 1 <= seconds <= MAX_DURATION:
            raise ValidationFailed(
                details=[
                    {
                        "field": f"items.{position}.duration_s",
                        "message": _l("Between 1 and %(n)s seconds.", n=MAX_DURATION),
                    }
                ]
            )
        new.append(PlaylistEntry(item_id=item.id, item=item, duration_s=seconds, position=position))
    playlist.entries = new
    playlist.updated_at = now
    session.flush()
    record(
        session,
        actor,
        "playlist.update",
        "playlist",
        playlist.id,
        area_id=playlist.area_id,
        details={"items": [e.item_id for e in new][:50]},
        now=now,
    )
    if publisher is not None:
        publisher.boards(session, manifests.affected_by_playlists(session, [playlist.id]), now=now)
    return playlist


def create_playlist(
    session: Session,
    actor: Actor,
    *,
    name: str,
    area: Area,
    entries: list[tuple[int, int | None]] = (),  # type: ignore[assignment]
    now: datetime,
) -> Playlist:
    """A new playlist owned by an area (schedule.edit there)."""
    require(actor.user, "schedule.edit", area)
    playlist = Playlist(
        name=clean_name(name),
        area=area,
        created_at=now,
        updated_at=now,
        created_by_id=actor.user.id if actor.user else None,
    )
    session.add(playlist)
    session.flush()
    record(session, actor, "playlist.create", "playlist", playlist.id, area_id=area.id, now=now)
    if entries:
        set_entries(session, actor, playlist, list(entries), now=now)
    return playlist


def rename_playlist(session: Session, actor: Actor, playlist: Playlist, name: str) -> None:
    """Change a playlist's name."""
    require(actor.user, "schedule.edit", playlist.area)
    playlist.name = clean_name(name)


def move_entry(
    session: Session,
    actor: Actor,
    playlist: Playlist,
    index: int,
    delta: int,
    *,
    now: datetime,
    publisher: ManifestPublisher | None = None,
) -> Playlist:
    """Move the entry at index one place up (-1) or down (+1)."""
    pairs: list[tuple[int, int | None]] = [(e.item_id, e.duration_s) for e in playlist.entries]
    target = index + delta
    if 0 <= index < len(pairs) and 0 <= target < len(pairs):
        pairs[index], pairs[target] = pairs[target], pairs[index]
    return set_entries(session, actor, playlist, pairs, now=now, publisher=publisher)


def delete_playlist(session: Session, actor: Actor, playlist: Playlist, *, now: datetime) -> None:
    """Delete a playlist no schedule uses (409 otherwise)."""
    require(actor.user, "schedule.edit", playlist.area)
    used = session.scalar(select(Schedule.id).where(Schedule.playlist_id == playlist.id))
    if used is not None:
        raise Conflict(_l("Schedule #%(id)s uses this playlist; delete it first.", id=used))
    record(
        session,
        actor,
        "playlist.delete",
        "playlist",
        playlist.id,
        area_id=playlist.area_id,
        now=now,
    )
    session.delete(playlist)
    session.flush()


def get_playlist(
    session: Session, user: User | None, playlist_id: int, action: str = "schedule.view"
) -> Playlist:
    """A playlist the user may do action on (404 outside their areas, like a missing one)."""
    playlist = session.get(Playlist, playlist_id)
    area = playlist.area if playlist else None
    require_found(user, "schedule.view", area, _l("No such playlist."))
    assert playlist is not None
    require(user, action, playlist.area)
    return playlist


def visible_playlists(user: User | None) -> Select[Playlist]:
    """Playlists of areas in the user's scope, newest change first."""
    return (
        select(Playlist)
        .join(Area, Playlist.area_id == Area.id)
        .where(scope_filter(user, "schedule.view", Area.path))
        .order_by(Playlist.updated_at.desc(), Playlist.id.desc())
    )
