"""Manifests: each board's next 48 h timeline with rendition URLs, versioned by content hash.

A board whose area (or an ancestor) chose a fallback playlist also gets `fallback_playlist`:
what the player loops in gaps and past the horizon (docs/protocol.md, "Never blank").

Regeneration is incremental: callers name the boards a change affects (`affected_*`), and
`ManifestPublisher` regenerates only those, storing the canonical JSON and its SHA-256 (the
version) in board_manifests, then emits `manifest` {version} to `board:<code>` on /player once
the transaction commits, for the boards whose version changed.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage.areas.models import Area
from signage.boards.models import Board, BoardGroupMember
from signage.clock import iso_utc
from signage.content.models import ContentItem, RenditionRecord, Revision
from signage.content.profiles import DisplayProfile
from signage.db import run_after_commit
from signage.realtime import emitter
from signage.realtime.rooms import board_room
from signage.schedules import rules as pure
from signage.schedules.models import BoardManifest, Playlist, PlaylistEntry, Schedule
from signage.schedules.spans import operating_hours, parse_window
from signage.schedules.timeline import Segment, timeline
from signage.storage import MediaStore

Emit = Callable[[str, str], None]  # (board code, manifest version)
HORIZON = timedelta(hours=48)
ROLL = timedelta(hours=6)  # the window start moves in steps, so versions stay stable between
_CHUNK = 500


def emit_manifest(code: str, version: str) -> None:
    """Tell the board's room on /player that its manifest changed (via the message queue)."""
    emitter()("manifest", {"version": version}, board_room(code))


def window(now: datetime) -> tuple[datetime, datetime]:
    """[start, end) resolved for a manifest made at now: covers at least the next 48 hours."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    lo = epoch + ((now - epoch) // ROLL) * ROLL
    return lo, lo + ROLL + HORIZON


def rule_of(schedule: Schedule, airing: dict[int, Revision]) -> pure.ScheduleRule:
    """A stored schedule as the resolver's pure rule, playing each item's airing revision."""
    entries = tuple(
        pure.PlaylistEntry(e.item_id, airing[e.item_id].id, e.duration_s)
        for e in schedule.playlist.entries
        if e.item_id in airing
    )
    return schedule_rule(schedule, entries)


def schedule_rule(schedule: Schedule, entries: tuple[pure.PlaylistEntry, ...]) -> pure.ScheduleRule:
    """A stored schedule as the resolver's pure rule, playing `entries`."""
    return pure.ScheduleRule(
        id=schedule.id,
        playlist=entries,
        windows=tuple(parse_window(w) for w in schedule.windows),
        weekdays=frozenset(schedule.weekdays),
        priority=schedule.priority,  # type: ignore[arg-type]
        target_kind=schedule.target_kind,  # type: ignore[arg-type]
        target_depth=schedule.area.depth,
        valid_from=schedule.valid_from,
        valid_to=schedule.valid_to,
        source=f"{schedule.area.code} {schedule.area.name}",
    )


def airing_revisions(session: Session, item_ids: Iterable[int]) -> dict[int, Revision]:
    """The approved revision of each (not archived) item, by item id."""
    ids = sorted(set(item_ids))
    found: dict[int, Revision] = {}
    for i in range(0, len(ids), _CHUNK):
        stmt = (
            select(Revision)
            .join(ContentItem, Revision.item_id == ContentItem.id)
            .where(
                Revision.item_id.in_(ids[i : i + _CHUNK]),
                Revision.state == "approved",
                ContentItem.archived_at.is_(None),
            )
        )
        for rev in session.scalars(stmt):
            found[rev.item_id] = rev
    return found


@dataclass
class RuleIndex:
    """Active schedules as pure rules, indexed by what they target."""

    by_target: dict[tuple[str, int], list[pure.ScheduleRule]] = field(
        default_factory=lambda: defaultdict(list)
    )
    revisions: dict[int, Revision] = field(default_factory=dict)  # by revision id

    @classmethod
    def load(cls, session: Session, now: datetime) -> RuleIndex:
        """Every schedule not expired at now, with its playlist's airing revisions."""
        stmt = select(Schedule).where(
            Schedule.expired.is_(False), or_(Schedule.valid_to.is_(None), Schedule.valid_to > now)
        )
        schedules = list(session.scalars(stmt))
        playlist_ids = {s.playlist_id for s in schedules}
        if playlist_ids:
            list(session.scalars(select(Playlist).where(Playlist.id.in_(playlist_ids))))
            entries = session.scalars(
                select(PlaylistEntry).where(PlaylistEntry.playlist_id.in_(playlist_ids))
            )
            item_ids = {e.item_id for e in entries}
        else:
            item_ids = set()
        airing = airing_revisions(session, item_ids)
        index = cls(revisions={r.id: r for r in airing.values()})
        for s in schedules:
            index.by_target[(s.target_kind, s.target_id)].append(rule_of(s, airing))
        return index

    def rules_for(self, board: Board, group_ids: Iterable[int]) -> list[pure.ScheduleRule]:
        """Rules reaching the board: its own, its groups' and every area on its path."""
        found = list(self.by_target.get(("board", board.id), ()))
        for gid in group_ids:
            found += self.by_target.get(("group", gid), ())
        for aid in board.area.path.strip("/").split("/"):
            if aid:
                found += self.by_target.get(("area", int(aid)), ())
        return found


def context(board: Board) -> pure.BoardContext:
    """What the resolver needs to know about a board."""
    return pure.BoardContext(
        tz=board.timezone, hours=operating_hours(board.hours), fallback=board.area.name
    )


def canonical(data: Any) -> str:
    """The one JSON text a document hashes to."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class _Renditions:
    """Rendition URLs by (revision id, profile key), rendering what is missing."""

    def __init__(self, session: Session, store: MediaStore, revisions: dict[int, Revision]):
        self.session, self.store, self.revisions = session, store, revisions
        self.rows: dict[tuple[str, str], RenditionRecord] = {}
        hashes = sorted({r.content_hash for r in revisions.values()})
        for i in range(0, len(hashes), _CHUNK):
            stmt = select(RenditionRecord).where(
                RenditionRecord.content_hash.in_(hashes[i : i + _CHUNK])
            )
            for row in session.scalars(stmt):
                self.rows[(row.content_hash, row.profile_key)] = row

    def get(self, revision_id: int, profile: DisplayProfile) -> RenditionRecord:
        revision = self.revisions[revision_id]
        key = (revision.content_hash, profile.key)
        row = self.rows.get(key)
        if row is None:
            from signage.content.renditions import rendition

            row = self.rows[key] = rendition(self.session, self.store, revision, profile)
        return row


def _ticker_json(row: RenditionRecord) -> dict[str, Any]:
    """For scrolling text: the strip and how to scroll it (docs/protocol.md, Manifest)."""
    if not row.scrolls or not row.ticker:
        return {}
    t = row.ticker
    return {
        "ticker": {
            "url": f"/media/{t['sha256']}.png",
            "sha256": t["sha256"],
            "y": t["y"],
            "speed_px_s": t["speed_px_s"],
            "strip_width": t["strip_width"],
        }
    }


def _entry_json(
    item_id: int, revision_id: int, duration_s: int, row: RenditionRecord
) -> dict[str, Any]:
    return {
        "item": item_id,
        "revision": revision_id,
        "duration_s": duration_s,
        "url": f"/media/{row.sha256}.png",
        "sha256": row.sha256,
        "scrolls": row.scrolls,
        **_ticker_json(row),
    }


def _segments_json(
    segments: list[Segment], profile: DisplayProfile, renditions: _Renditions
) -> list[dict[str, Any]]:
    out = []
    for seg in segments:
        entries = []
        for e in seg.entries:
            row = renditions.get(e.revision_id, profile)
            entries.append(
                {
                    **_entry_json(e.item_id, e.revision_id, e.duration_s, row),
                    "schedule": e.rule_id,
                    "priority": e.priority,
                }
            )
        out.append(
            {
                "start": iso_utc(seg.start),
                "end": iso_utc(seg.end),
                "kind": seg.kind,
                "entries": entries,
            }
        )
    return out


@dataclass
class Fallbacks:
    """Areas' chosen fallback playlists (inherited down the tree) with their airing entries."""

    by_area: dict[int, int] = field(default_factory=dict)  # area id -> playlist id
    entries: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)  # (item, rev, s)
    revisions: dict[int, Revision] = field(default_factory=dict)  # by revision id

    @classmethod
    def load(cls, session: Session) -> Fallbacks:
        """Every area's choice; a playlist's entries whose item no longer airs are left out."""
        chosen = select(Area.id, Area.fallback_playlist_id).where(
            Area.fallback_playlist_id.is_not(None)
        )
        found = cls(by_area={a: p for a, p in session.execute(chosen) if p is not None})
        if not found.by_area:
            return found
        rows = list(
            session.execute(
                select(PlaylistEntry.playlist_id, PlaylistEntry.item_id, PlaylistEntry.duration_s)
                .where(PlaylistEntry.playlist_id.in_(set(found.by_area.values())))
                .order_by(PlaylistEntry.playlist_id, PlaylistEntry.position)
            )
        )
        airing = airing_revisions(session, {item for _, item, _ in rows})
        found.revisions = {r.id: r for r in airing.values()}
        for playlist_id, item_id, seconds in rows:
            if item_id in airing:
                found.entries.setdefault(playlist_id, []).append(
                    (item_id, airing[item_id].id, seconds)
                )
        return found

    def playlist_for(self, area: Area) -> int | None:
        """The playlist of the nearest area on the path (the area itself first) that chose one
        with something to air."""
        for aid in reversed(area.path.strip("/").split("/")):
            playlist = self.by_area.get(int(aid)) if aid else None
            if playlist is not None and self.entries.get(playlist):
                return playlist
        return None


def regenerate(
    session: Session,
    board_ids: Iterable[int],
    *,
    now: datetime,
    store: MediaStore,
    index: RuleIndex | None = None,
) -> list[tuple[str, str]]:
    """Rebuild the manifests of these boards; (code, version) of those whose version changed."""
    ids = sorted(set(board_ids))
    if not ids:
        return []
    index = index or RuleIndex.load(session, now)
    fallbacks = Fallbacks.load(session)
    renditions = _Renditions(session, store, {**index.revisions, **fallbacks.revisions})
    lo, hi = window(now)
    cache: dict[tuple, tuple[list[dict[str, Any]], datetime]] = {}
    fallback_cache: dict[tuple[int, str], dict[str, Any]] = {}
    changed: list[tuple[str, str]] = []
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        boards = list(session.scalars(select(Board).where(Board.id.in_(chunk))))
        groups: dict[int, list[int]] = defaultdict(list)
        for gid, bid in session.execute(
            select(BoardGroupMember.group_id, BoardGroupMember.board_id).where(
                BoardGroupMember.board_id.in_(chunk)
            )
        ):
            groups[bid].append(gid)
        stored = {
            m.board_id: m
            for m in session.scalars(select(BoardManifest).where(BoardManifest.board_id.in_(chunk)))
        }
        for board in boards:
            rules = index.rules_for(board, groups[board.id])
            profile = board.profile.as_profile()
            key = (
                tuple(sorted(r.id for r in rules)),
                board.timezone,
                canonical(board.hours),
                profile.key,
            )
            if key not in cache:
                segs = timeline(context(board), rules, lo, hi)
                segs = [s for s in segs if s.end > now]
                until = min(segs[0].end if segs else hi, lo + ROLL)
                cache[key] = (_segments_json(segs, profile, renditions), until)
            seg_json, until = cache[key]
            doc: dict[str, Any] = {
                "board": board.code,
                "profile": profile.key,
                "tz": board.timezone,
                "fallback": board.area.name,
                "to": iso_utc(hi),
                "segments": seg_json,
            }
            playlist_id = fallbacks.playlist_for(board.area)
            if playlist_id is not None:
                fkey = (playlist_id, profile.key)
                if fkey not in fallback_cache:
                    fallback_cache[fkey] = {
                        "playlist": playlist_id,
                        "entries": [
                            _entry_json(item, rev, seconds, renditions.get(rev, profile))
                            for item, rev, seconds in fallbacks.entries[playlist_id]
                        ],
                    }
                doc["fallback_playlist"] = fallback_cache[fkey]
            text = canonical(doc)
            version = hashlib.sha256(text.encode()).hexdigest()
            row = stored.get(board.id)
            if row is None:
                row = BoardManifest(board_id=board.id, version="", document="")
                session.add(row)
            row.valid_until, row.generated_at = until, now
            if row.version != version:
                row.version, row.document = version, text
                changed.append((board.code, version))
    session.flush()
    return changed


def affected_by_targets(session: Session, targets: Iterable[tuple[str, int]]) -> set[int]:
    """Ids of the boards in the targeted area subtrees, groups and boards."""
    found: set[int] = set()
    for kind, target_id in set(targets):
        if kind == "board":
            found.add(target_id)
        elif kind == "group":
            found |= set(
                session.scalars(
                    select(BoardGroupMember.board_id).where(BoardGroupMember.group_id == target_id)
                )
            )
        else:
            area = session.get(Area, target_id)
            if area is not None:
                found |= set(
                    session.scalars(
                        select(Board.id)
                        .join(Area, Board.area_id == Area.id)
                        .where(Area.path.startswith(area.path, autoescape=True))
                    )
                )
    return found


def affected_by_playlists(session: Session, playlist_ids: Iterable[int]) -> set[int]:
    """Boards whose schedules play any of these playlists, or whose area (or an ancestor)
    falls back on one of them."""
    ids = list(set(playlist_ids))
    if not ids:
        return set()
    targets = [
        (k, i)
        for k, i in session.execute(
            select(Schedule.target_kind, Schedule.target_id).where(
                Schedule.playlist_id.in_(ids), Schedule.expired.is_(False)
            )
        )
    ]
    targets += [
        ("area", a)
        for a in session.scalars(select(Area.id).where(Area.fallback_playlist_id.in_(ids)))
    ]
    return affected_by_targets(session, targets)


def affected_by_items(session: Session, item_ids: Iterable[int]) -> set[int]:
    """Boards whose schedules use playlists containing any of these items."""
    ids = list(set(item_ids))
    if not ids:
        return set()
    playlists = session.scalars(
        select(PlaylistEntry.playlist_id).where(PlaylistEntry.item_id.in_(ids))
    )
    return affected_by_playlists(session, playlists)


@dataclass
class ManifestPublisher:
    """Regenerates affected manifests and emits the changed versions after commit."""

    store: MediaStore
    emit: Emit = emit_manifest

    def boards(self, session: Session, board_ids: Iterable[int], *, now: datetime) -> list:
        """Regenerate these boards' manifests; emit `manifest` for changed ones after commit."""
        changed = regenerate(session, board_ids, now=now, store=self.store)
        if changed:
            emit = self.emit
            run_after_commit(session, lambda: [emit(code, v) for code, v in changed])
        return changed

    def due(self, session: Session, *, now: datetime) -> list:
        """Boards without a manifest or whose manifest's valid_until has passed."""
        stale = select(BoardManifest.board_id).where(BoardManifest.valid_until <= now)
        missing = select(Board.id).where(~Board.id.in_(select(BoardManifest.board_id)))
        ids = set(session.scalars(stale)) | set(session.scalars(missing))
        return self.boards(session, ids, now=now)


def publisher() -> ManifestPublisher:
    """The current app's manifest publisher: media store + the realtime emit seam."""
    from signage.storage import media_store

    return ManifestPublisher(media_store())
