"""Playlist services: ordered approved items with durations, editing, deletion when unused."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.areas.models import Area
from signage.audit.services import Actor, record
from signage.content.models import ContentItem
from signage.content.workflow import airing_revision, schedulable_revision
from signage.errors import Conflict, NotFound, ValidationFailed
from signage.permissions import can, require, require_found, scope_filter
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


def delete_playlist(
    session: Session,
    actor: Actor,
    playlist: Playlist,
    *,
    now: datetime,
    publisher: ManifestPublisher | None = None,
) -> None:
    """Delete a playlist no schedule uses (409 otherwise). Areas that fell back on it no
    longer do (their boards inherit from above, or loop their last programme past the
    horizon) and get a new manifest."""
    require(actor.user, "schedule.edit", playlist.area)
    used = session.scalar(select(Schedule.id).where(Schedule.playlist_id == playlist.id))
    if used is not None:
        raise Conflict(_l("Schedule #%(id)s uses this playlist; delete it first.", id=used))
    affected = manifests.affected_by_playlists(session, [playlist.id])
    for area in session.scalars(select(Area).where(Area.fallback_playlist_id == playlist.id)):
        area.fallback_playlist_id = None  # ON DELETE SET NULL, said for the session too
    record(
        session,
        actor,
        "playlist.delete",
        "playlist",
        playlist.id,
        area_id=playlist.area_id,
        details={"name": playlist.name},  # the log names the playlist after it is gone
        now=now,
    )
    session.delete(playlist)
    session.flush()
    if publisher is not None and affected:
        publisher.boards(session, affected, now=now)


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


# --- an area's fallback playlist (never blank) ---------------------------------------------


def fallback_choices(session: Session, area: Area) -> list[Playlist]:
    """Playlists an area may fall back on: its own and its ancestors' (content flows down)."""
    ids = [int(i) for i in area.path.strip("/").split("/") if i]
    stmt = select(Playlist).where(Playlist.area_id.in_(ids)).order_by(Playlist.name, Playlist.id)
    return [p for p in session.scalars(stmt) if fallback_problem(p) is None]


def fallback_problem(playlist: Playlist) -> str | None:
    """Why a playlist cannot be a fallback (translated), or None: it must have items, and every
    item must air (an approved revision, not archived)."""
    if not playlist.entries:
        return str(_l("The playlist is empty; add approved items first."))
    for entry in playlist.entries:
        if airing_revision(entry.item) is None:
            return str(
                _l(
                    "Item %(name)s has no approved revision or is archived.",
                    name=entry.item.headline or f"#{entry.item_id}",
                )
            )
    return None


def effective_fallback(session: Session, area: Area) -> tuple[Playlist, Area] | None:
    """The fallback playlist boards in this area play and the area that chose it: its own,
    else the nearest ancestor's."""
    ids = [int(i) for i in area.path.strip("/").split("/") if i]
    rows = {
        a.id: a
        for a in session.scalars(
            select(Area).where(Area.id.in_(ids), Area.fallback_playlist_id.is_not(None))
        )
    }
    for aid in reversed(ids):
        owner = rows.get(aid)
        if owner is not None and owner.fallback_playlist_id is not None:
            playlist = session.get(Playlist, owner.fallback_playlist_id)
            if playlist is not None:
                return playlist, owner
    return None


def set_area_fallback(
    session: Session,
    actor: Actor,
    area: Area,
    playlist_id: int | None,
    *,
    now: datetime,
    publisher: ManifestPublisher | None = None,
) -> Playlist | None:
    """Choose (or with None clear) the playlist the area's boards play when nothing is
    scheduled and past their manifest's horizon; the area's boards get a new manifest.

    Only a playlist of this area or an ancestor qualifies (any other answers like a missing
    one: 404), and only one whose items all air (422)."""
    require(actor.user, "schedule.edit", area)
    playlist = None
    if playlist_id is not None:
        playlist = session.get(Playlist, playlist_id)
        if playlist is None or not area.path.startswith(playlist.area.path):
            raise NotFound(_l("No such playlist."))
        problem = fallback_problem(playlist)
        if problem is not None:
            raise ValidationFailed(details=[{"field": "playlist", "message": problem}])
    if area.fallback_playlist_id == playlist_id:
        return playlist
    area.fallback_playlist_id = playlist_id
    session.flush()
    record(
        session,
        actor,
        "area.fallback_playlist",
        "area",
        area.code,
        area_id=area.id,
        details={"playlist": playlist_id},
        now=now,
    )
    if publisher is not None:
        publisher.boards(
            session, manifests.affected_by_targets(session, [("area", area.id)]), now=now
        )
    return playlist
