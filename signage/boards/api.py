"""Board endpoints: boards CRUD, CSV import, groups, timeline and manifest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from flask import Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field

from signage import clock
from signage.boards import fleet, importer, services
from signage.boards.models import Board, BoardGroup, BoardStatus
from signage.boards.presence import is_online
from signage.clock import iso_utc
from signage.db import db
from signage.errors import NotFound, ValidationFailed
from signage.http.api import (
    UtcDateTime,
    actor,
    api_blueprint,
    board_client,
    json_body,
    operations,
    query_args,
)
from signage.http.areas import area_field
from signage.http.paging import window
from signage.schedules.manifests import publisher
from signage.schedules.models import BoardManifest
from signage.schedules.services import board_timeline
from signage.schedules.timeline import segment_out

bp = api_blueprint("boards")
operation = operations(bp)

MAX_TIMELINE = timedelta(days=7)
Hours = dict[str, list[str]]


class BoardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=64)
    name: str = Field(max_length=200)
    area: str = Field(max_length=32, description="Area code")
    profile: str = Field(max_length=64, description="Display profile key")
    latitude: float | None = None
    longitude: float | None = None
    address: str = Field("", max_length=300)
    timezone: str = Field("Asia/Ho_Chi_Minh", max_length=64)
    hours: Hours = Field(
        default_factory=dict,
        description='{"0": ["06:00-22:00"], ...}; 0 = Monday; empty = always on',
    )
    is_test: bool = False


class BoardPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, max_length=200)
    area: str | None = Field(None, max_length=32)
    profile: str | None = Field(None, max_length=64)
    latitude: float | None = None
    longitude: float | None = None
    address: str | None = Field(None, max_length=300)
    timezone: str | None = Field(None, max_length=64)
    hours: Hours | None = None
    is_test: bool | None = None


class BoardOut(BaseModel):
    code: str
    name: str
    area: str
    area_name: str
    profile: str
    latitude: float | None
    longitude: float | None
    address: str
    timezone: str
    hours: Hours
    is_test: bool
    groups: list[str]
    created_at: datetime


class BoardListed(BoardOut):
    status: fleet.Status = Field(description="online; offline; never = no player ever reported")
    last_seen: datetime | None = Field(description="Last sign of life of its player (UTC)")
    dark_seconds: int | None = Field(description="Offline boards: seconds since last_seen")
    current_item: int | None
    current_headline: str | None
    player_version: str
    free_disk: int | None = Field(description="Bytes free on the player's disk")


class BoardList(BaseModel):
    boards: list[BoardListed]
    total: int


class BoardQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: str | None = Field(None, max_length=32)
    q: str | None = Field(None, max_length=100)
    status: fleet.Status | None = None
    offline_for: Literal["15m", "1h", "6h", "24h", "7d"] | None = Field(
        None, description="Offline boards dark for more than this"
    )
    profile: str | None = Field(None, max_length=64, description="Display profile key")
    group: str | None = Field(None, max_length=64, description="Group code")
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class ImportOut(BaseModel):
    boards: int
    groups_created: list[str]


class GroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(max_length=64)
    name: str = Field("", max_length=200)
    area: str = Field(max_length=32)


class MembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    add: list[str] = Field(default_factory=list, max_length=5000)
    remove: list[str] = Field(default_factory=list, max_length=5000)


class GroupOut(BaseModel):
    code: str
    name: str
    area: str
    boards: list[str]


class TimelineQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    from_: UtcDateTime | None = Field(None, alias="from")
    to: UtcDateTime | None = None


def player_board(code: str) -> Board | None:
    """The board of the player token that authenticated this request (None for a user).

    A board token opens only its own board's endpoints; another board's code answers like a
    missing one, so a token on a kiosk cannot probe which boards exist.
    """
    board = board_client()
    if board is not None and board.code != code:
        raise NotFound(_l("No board has the code %(code)s.", code=code))
    return board


class StatusOut(BaseModel):
    board: str
    online: bool
    last_seen: str | None
    connected_at: str | None
    manifest_version: str
    player_version: str
    current_item: int | None
    free_disk: int | None
    uptime: int | None
    screenshot_url: str | None
    screenshot_at: str | None
    last_command: dict[str, Any] | None
    paired: bool


def status_out(board: Board, row: BoardStatus | None, *, paired: bool) -> dict[str, Any]:
    """Serialise what the board's player last reported."""
    now = clock.now()
    return StatusOut(
        board=board.code,
        online=is_online(row, now),
        last_seen=iso_utc(row.last_seen) if row else None,
        connected_at=iso_utc(row.connected_at) if row else None,
        manifest_version=row.manifest_version if row else "",
        player_version=row.player_version if row else "",
        current_item=row.current_item if row else None,
        free_disk=row.free_disk if row else None,
        uptime=row.uptime if row else None,
        screenshot_url=(
            url_for("media.file", sha256=row.screenshot_sha, ext="png")
            if row and row.screenshot_sha
            else None
        ),
        screenshot_at=iso_utc(row.screenshot_at) if row else None,
        last_command=row.last_command if row else None,
        paired=paired,
    ).model_dump()


def board_out(board: Board) -> dict[str, Any]:
    """Serialise a board."""
    return BoardOut(
        code=board.code,
        name=board.name,
        area=board.area.code,
        area_name=board.area.name,
        profile=board.profile.key,
        latitude=board.lat,
        longitude=board.lon,
        address=board.address,
        timezone=board.timezone,
        hours=board.hours,
        is_test=board.is_test,
        groups=[g.code for g in board.groups],
        created_at=board.created_at,
    ).model_dump(mode="json")


@operation(
    "/boards",
    "GET",
    summary="Boards in my areas",
    tag="boards",
    query=BoardQuery,
    response=BoardList,
    scope="boards:read",
)
def list_boards() -> ResponseReturnValue:
    args = query_args(BoardQuery)
    user = actor().user
    now = clock.now()
    wanted = fleet.read_filter(
        db.session,
        user,
        status=args.status,
        offline_for=args.offline_for,
        area=area_field(args.area) if args.area else None,
        profile=args.profile,
        group=args.group,
        text=args.q or "",
    )
    found = window(
        db.session, fleet.fleet_boards(user, wanted, now=now), limit=args.limit, offset=args.offset
    )
    states = fleet.board_states(db.session, found.items, now=now)
    return jsonify(
        {
            "boards": [listed_out(b, states[b.id], now) for b in found.items],
            "total": found.total,
        }
    )


def listed_out(board: Board, state: fleet.BoardState, now: datetime) -> dict[str, Any]:
    """Serialise a board with its presence, as the board list shows it."""
    row, since = state.row, state.last_contact
    dark = int((now - since).total_seconds()) if since and state.status == "offline" else None
    return BoardListed(
        **board_out(board),
        status=state.status,
        last_seen=since,
        dark_seconds=dark,
        current_item=row.current_item if row else None,
        current_headline=state.headline,
        player_version=row.player_version if row else "",
        free_disk=row.free_disk if row else None,
    ).model_dump(mode="json")


@operation(
    "/boards",
    "POST",
    summary="Create a board",
    tag="boards",
    body=BoardIn,
    response=BoardOut,
    status=201,
    errors=(409,),
    scope="boards:write",
)
def create_board() -> ResponseReturnValue:
    data = json_body(BoardIn)
    board = services.create_board(
        db.session,
        actor(),
        area=area_field(data.area),
        profile_key=data.profile,
        now=clock.now(),
        is_test=data.is_test,
        code=data.code,
        name=data.name,
        lat=data.latitude,
        lon=data.longitude,
        address=data.address,
        timezone=data.timezone,
        hours=data.hours,
    )
    return jsonify(board_out(board)), 201


@operation(
    "/boards/import",
    "POST",
    summary="Import boards from CSV (text/csv body; all or nothing)",
    tag="boards",
    response=ImportOut,
    status=201,
    errors=(413, 415, 422),
    scope="boards:write",
)
def import_boards() -> ResponseReturnValue:
    if request.mimetype not in ("text/csv", "application/csv", "text/plain"):
        raise ValidationFailed(_l("Send the file as the body with 'Content-Type: text/csv'."))
    report = importer.import_boards(db.session, actor(), request.get_data(), now=clock.now())
    return jsonify({"boards": report.boards, "groups_created": report.groups_created}), 201


@operation(
    "/boards/<code>",
    "GET",
    summary="One board",
    tag="boards",
    response=BoardOut,
    scope="boards:read",
)
def get_board(code: str) -> ResponseReturnValue:
    return jsonify(board_out(services.get_board(db.session, actor().user, code)))


@operation(
    "/boards/<code>",
    "PATCH",
    summary="Change a board",
    tag="boards",
    body=BoardPatch,
    response=BoardOut,
    errors=(409,),
    scope="boards:write",
)
def patch_board(code: str) -> ResponseReturnValue:
    board = services.get_board(db.session, actor().user, code, "board.manage")
    data = json_body(BoardPatch)
    fields: dict[str, Any] = {}
    for src, dst in (
        ("name", "name"),
        ("address", "address"),
        ("timezone", "timezone"),
        ("hours", "hours"),
        ("latitude", "lat"),
        ("longitude", "lon"),
    ):
        if src in data.model_fields_set:
            fields[dst] = getattr(data, src)
    services.update_board(
        db.session,
        actor(),
        board,
        now=clock.now(),
        area=area_field(data.area) if data.area else None,
        profile_key=data.profile,
        is_test=data.is_test,
        **fields,
    )
    return jsonify(board_out(board))


@operation(
    "/boards/<code>",
    "DELETE",
    summary="Delete a board",
    tag="boards",
    status=204,
    errors=(409,),
    scope="boards:write",
)
def delete_board(code: str) -> ResponseReturnValue:
    board = services.get_board(db.session, actor().user, code, "board.manage")
    services.delete_board(db.session, actor(), board, now=clock.now())
    return "", 204


@operation(
    "/boards/<code>/timeline",
    "GET",
    summary="What the board shows over [from, to) (default the next 48 h; at most 7 days)",
    tag="boards",
    query=TimelineQuery,
    scope="boards:read",
)
def timeline(code: str) -> ResponseReturnValue:
    board = services.get_board(db.session, actor().user, code)
    args = query_args(TimelineQuery)
    start = args.from_ or clock.now()
    end = args.to or start + timedelta(hours=48)
    if end <= start or end - start > MAX_TIMELINE:
        raise ValidationFailed(
            details=[
                {
                    "field": "to",
                    "message": _l("'to' must be after 'from' and at most 7 days later."),
                }
            ]
        )
    segments = board_timeline(db.session, board, start, end)
    return jsonify(
        {"board": board.code, "tz": board.timezone, "segments": [segment_out(s) for s in segments]}
    )


@operation(
    "/boards/<code>/manifest",
    "GET",
    summary="The board's manifest (ETag = version; If-None-Match answers 304); users or its player",
    tag="boards",
    players=True,
    scope="boards:read",
)
def manifest(code: str) -> ResponseReturnValue:
    board = player_board(code) or services.get_board(db.session, actor().user, code)
    row = db.session.get(BoardManifest, board.id)
    if row is None or row.valid_until <= clock.now():
        publisher().boards(db.session, [board.id], now=clock.now())
        row = db.session.get(BoardManifest, board.id)
        assert row is not None, "regenerate() writes a manifest for every existing board"
    if request.if_none_match.contains(row.version):
        resp = Response(status=304)
    else:
        body = f'{{"version":"{row.version}","manifest":{row.document}}}'
        resp = Response(body, mimetype="application/json")
    resp.set_etag(row.version)
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def group_out(group: BoardGroup) -> dict[str, Any]:
    """Serialise a group with its board codes."""
    return GroupOut(
        code=group.code,
        name=group.name,
        area=group.area.code,
        boards=[b.code for b in group.boards],
    ).model_dump()


@operation(
    "/groups", "GET", summary="Groups of boards in my areas", tag="boards", scope="boards:read"
)
def list_groups() -> ResponseReturnValue:
    rows = db.session.scalars(services.visible_groups(actor().user)).unique()
    return jsonify({"groups": [group_out(g) for g in rows]})


@operation(
    "/groups",
    "POST",
    summary="Create a group",
    tag="boards",
    body=GroupIn,
    response=GroupOut,
    status=201,
    errors=(409,),
    scope="boards:write",
)
def create_group() -> ResponseReturnValue:
    data = json_body(GroupIn)
    group = services.create_group(
        db.session,
        actor(),
        code=data.code,
        name=data.name,
        area=area_field(data.area),
        now=clock.now(),
    )
    return jsonify(group_out(group)), 201


@operation(
    "/groups/<code>",
    "GET",
    summary="One group",
    tag="boards",
    response=GroupOut,
    scope="boards:read",
)
def get_group(code: str) -> ResponseReturnValue:
    return jsonify(group_out(services.get_group(db.session, actor().user, code)))


@operation(
    "/groups/<code>/members",
    "POST",
    summary="Add and remove boards",
    tag="boards",
    body=MembersIn,
    response=GroupOut,
    scope="boards:write",
)
def group_members(code: str) -> ResponseReturnValue:
    group = services.get_group(db.session, actor().user, code, "board.manage")
    data = json_body(MembersIn)
    services.change_members(
        db.session,
        actor(),
        group,
        add=data.add,
        remove=data.remove,
        now=clock.now(),
    )
    return jsonify(group_out(group))
