"""Playlist and schedule endpoints."""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from signage import clock
from signage.areas.models import Area
from signage.db import db
from signage.http.api import MAX_ID, UtcDateTime, actor, api_blueprint, json_body, operations
from signage.http.areas import visible_area
from signage.permissions import require
from signage.schedules import playlists, services
from signage.schedules.manifests import publisher
from signage.schedules.models import Playlist, Schedule

bp = api_blueprint("schedules")
operation = operations(bp)


class EntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # Ids are INTEGER columns: a larger number names nothing (and overflowed the driver: 500).
    item: int = Field(ge=1, le=MAX_ID)
    duration_s: int | None = Field(None, description="Default: text 15 s, image 10 s")


class PlaylistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    area: str = Field(max_length=32)
    items: list[EntryIn] = Field(default_factory=list, max_length=200)


class PlaylistPut(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200)
    items: list[EntryIn] = Field(default_factory=list, max_length=200)


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=200)
    target_kind: Literal["area", "group", "board"]
    target: str = Field(max_length=64, description="Area, group or board code")
    playlist: int = Field(ge=1, le=MAX_ID)
    windows: list[str] = Field(
        max_length=24,
        description='Local "HH:MM-HH:MM"; may cross midnight; "00:00-24:00" is all day',
    )
    weekdays: list[int] = Field([0, 1, 2, 3, 4, 5, 6], max_length=7, description="0 = Monday")
    priority: Literal["normal", "priority"] = "normal"
    valid_from: UtcDateTime | None = None
    valid_to: UtcDateTime | None = None


def playlist_out(p: Playlist) -> dict[str, Any]:
    """Serialise a playlist."""
    return {
        "id": p.id,
        "name": p.name,
        "area": p.area.code,
        "items": [
            {
                "item": e.item_id,
                "headline": e.item.headline,
                "kind": e.item.kind,
                "duration_s": e.duration_s,
            }
            for e in p.entries
        ],
        "updated_at": p.updated_at.isoformat(),
    }


def schedule_out(s: Schedule) -> dict[str, Any]:
    """Serialise a schedule."""
    return {
        "id": s.id,
        "name": s.name,
        "target_kind": s.target_kind,
        "target": services.target_label(db.session, s).split(" ", 1)[0],
        "area": s.area.code,
        "playlist": s.playlist_id,
        "windows": s.windows,
        "weekdays": s.weekdays,
        "priority": s.priority,
        "valid_from": s.valid_from.isoformat() if s.valid_from else None,
        "valid_to": s.valid_to.isoformat() if s.valid_to else None,
        "expired": s.expired,
    }


def _entries(items: list[EntryIn]) -> list[tuple[int, int | None]]:
    return [(e.item, e.duration_s) for e in items]


@operation(
    "/playlists", "GET", summary="Playlists in my areas", tag="schedules", scope="schedules:read"
)
def list_playlists() -> ResponseReturnValue:
    rows = db.session.scalars(playlists.visible_playlists(actor().user).limit(500)).unique()
    return jsonify({"playlists": [playlist_out(p) for p in rows]})


@operation(
    "/playlists",
    "POST",
    summary="Create a playlist of approved items",
    tag="schedules",
    body=PlaylistIn,
    status=201,
    errors=(404, 409),
    scope="schedules:write",
)
def create_playlist() -> ResponseReturnValue:
    data = json_body(PlaylistIn)
    playlist = playlists.create_playlist(
        db.session,
        actor(),
        name=data.name,
        area=visible_area(db.session, actor().user, data.area, "schedule.view"),
        entries=_entries(data.items),
        now=clock.now(),
    )
    return jsonify(playlist_out(playlist)), 201


@operation(
    "/playlists/<int:playlist_id>",
    "GET",
    summary="One playlist",
    tag="schedules",
    scope="schedules:read",
)
def get_playlist(playlist_id: int) -> ResponseReturnValue:
    return jsonify(playlist_out(playlists.get_playlist(db.session, actor().user, playlist_id)))


@operation(
    "/playlists/<int:playlist_id>",
    "PUT",
    summary="Replace name and items (in order)",
    tag="schedules",
    body=PlaylistPut,
    errors=(409,),
    scope="schedules:write",
)
def put_playlist(playlist_id: int) -> ResponseReturnValue:
    playlist = playlists.get_playlist(db.session, actor().user, playlist_id, "schedule.edit")
    data = json_body(PlaylistPut)
    playlists.rename_playlist(db.session, actor(), playlist, data.name)
    playlists.set_entries(
        db.session, actor(), playlist, _entries(data.items), now=clock.now(), publisher=publisher()
    )
    return jsonify(playlist_out(playlist))


@operation(
    "/playlists/<int:playlist_id>",
    "DELETE",
    summary="Delete a playlist no schedule uses",
    tag="schedules",
    status=204,
    errors=(409,),
    scope="schedules:write",
)
def delete_playlist(playlist_id: int) -> ResponseReturnValue:
    playlist = playlists.get_playlist(db.session, actor().user, playlist_id, "schedule.edit")
    playlists.delete_playlist(db.session, actor(), playlist, now=clock.now(), publisher=publisher())
    return "", 204


def _input(data: ScheduleIn) -> services.ScheduleInput:
    return services.ScheduleInput(
        target_kind=data.target_kind,
        target=data.target,
        playlist_id=data.playlist,
        windows=data.windows,
        weekdays=data.weekdays,
        priority=data.priority,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        name=data.name,
    )


@operation(
    "/schedules", "GET", summary="Schedules in my areas", tag="schedules", scope="schedules:read"
)
def list_schedules() -> ResponseReturnValue:
    rows = db.session.scalars(services.visible_schedules(actor().user).limit(1000)).unique()
    return jsonify({"schedules": [schedule_out(s) for s in rows]})


@operation(
    "/schedules",
    "POST",
    summary="Schedule a playlist on an area, group or board",
    tag="schedules",
    body=ScheduleIn,
    status=201,
    errors=(404, 409),
    scope="schedules:write",
)
def create_schedule() -> ResponseReturnValue:
    schedule = services.save_schedule(
        db.session, actor(), _input(json_body(ScheduleIn)), now=clock.now(), publisher=publisher()
    )
    return jsonify(schedule_out(schedule)), 201


@operation(
    "/schedules/<int:schedule_id>",
    "GET",
    summary="One schedule",
    tag="schedules",
    scope="schedules:read",
)
def get_schedule(schedule_id: int) -> ResponseReturnValue:
    return jsonify(schedule_out(services.get_schedule(db.session, actor().user, schedule_id)))


@operation(
    "/schedules/<int:schedule_id>",
    "PUT",
    summary="Replace a schedule",
    tag="schedules",
    body=ScheduleIn,
    errors=(409,),
    scope="schedules:write",
)
def put_schedule(schedule_id: int) -> ResponseReturnValue:
    schedule = services.get_schedule(db.session, actor().user, schedule_id)
    services.save_schedule(
        db.session,
        actor(),
        _input(json_body(ScheduleIn)),
        now=clock.now(),
        publisher=publisher(),
        schedule=schedule,
    )
    return jsonify(schedule_out(schedule))


@operation(
    "/schedules/<int:schedule_id>",
    "DELETE",
    summary="Delete a schedule",
    tag="schedules",
    status=204,
    scope="schedules:write",
)
def delete_schedule(schedule_id: int) -> ResponseReturnValue:
    schedule = services.get_schedule(db.session, actor().user, schedule_id)
    services.delete_schedule(db.session, actor(), schedule, now=clock.now(), publisher=publisher())
    return "", 204


# --- an area's fallback playlist ---------------------------------------------------------


class FallbackIn(BaseModel):
    """The playlist an area's boards fall back on; null to inherit from the area above."""

    model_config = ConfigDict(extra="forbid")
    playlist: StrictInt | None = Field(
        ge=1,
        le=2**31 - 1,
        description="A playlist of this area or an ancestor whose items all air; null clears.",
    )


class FallbackOut(BaseModel):
    area: str
    playlist: int | None = Field(description="This area's own choice (null: inherited)")
    effective: int | None = Field(description="What its boards play: own or nearest ancestor's")
    effective_area: str | None = Field(description="The area that chose `effective`")


def fallback_out(area: Area) -> dict[str, Any]:
    """An area's own and effective fallback playlist."""
    found = playlists.effective_fallback(db.session, area)
    return FallbackOut(
        area=area.code,
        playlist=area.fallback_playlist_id,
        effective=found[0].id if found else None,
        effective_area=found[1].code if found else None,
    ).model_dump()


@operation(
    "/areas/<code>/fallback-playlist",
    "GET",
    summary="The playlist an area's boards play when nothing is scheduled or past the horizon",
    tag="schedules",
    response=FallbackOut,
    scope="schedules:read",
)
def get_fallback(code: str) -> ResponseReturnValue:
    area = visible_area(db.session, actor().user, code, "schedule.view")
    return jsonify(fallback_out(area))


@operation(
    "/areas/<code>/fallback-playlist",
    "PUT",
    summary="Choose (or clear) an area's fallback playlist; its boards get a new manifest",
    tag="schedules",
    body=FallbackIn,
    response=FallbackOut,
    errors=(404,),
    scope="schedules:write",
)
def put_fallback(code: str) -> ResponseReturnValue:
    area = visible_area(db.session, actor().user, code, "schedule.view")
    require(actor().user, "schedule.edit", area)  # the role before the body: 403, not 422
    data = json_body(FallbackIn)
    playlists.set_area_fallback(
        db.session, actor(), area, data.playlist, now=clock.now(), publisher=publisher()
    )
    return jsonify(fallback_out(area))
