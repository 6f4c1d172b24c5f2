"""Content endpoints: media upload, items and revisions, workflow actions, renditions, profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from flask import Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from sqlalchemy import func, select

from signage import clock
from signage.boards import access as board_access
from signage.content import media_store, services, workflow
from signage.content.errors import MediaUnsupported, translate_rejection
from signage.content.ingest import MediaRejected
from signage.content.models import CATEGORIES, PRIORITIES, ContentItem, MediaAsset, Revision
from signage.content.profiles import DisplayProfile
from signage.db import db
from signage.errors import NotFound, PermissionDenied, ValidationFailed
from signage.http.api import actor, api_blueprint, board_client, json_body, operations, query_args
from signage.http.areas import named_area
from signage.permissions import scope_paths

bp = api_blueprint("content")
operation = operations(bp)

# The API's enums are the model's tuples, so the two can never disagree.
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]
State = Literal["draft", "pending", "approved", "rejected", "archived"]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]
AreaCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Channel = Annotated[int, Field(ge=0, le=255)]
Colour = Annotated[list[Channel], Field(min_length=3, max_length=3, description="[r, g, b]")]
# Multipart framing around an upload; bodies larger than the limit plus this are refused unread.
_MULTIPART_SLACK = 64 * 1024


class ColourPair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fg: Colour | None = None
    bg: Colour | None = None


Colours = Annotated[
    dict[Annotated[str, StringConstraints(max_length=64)], ColourPair],
    Field(max_length=50, description="Colours by profile key, or '*' for every profile."),
]


class ContentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["text", "image"] = "text"
    area: AreaCode
    category: Category
    priority: Priority = "normal"
    headline: str
    body: str = ""
    media: Sha256 | None = Field(None, description="Image (image items) or background (text).")
    colours: Colours = Field(default_factory=dict)


class ContentPatch(BaseModel):
    """Fields to change in a new revision; leave a field out to keep it."""

    model_config = ConfigDict(extra="forbid")
    category: Category | None = None
    priority: Priority | None = None
    headline: str | None = None
    body: str | None = None
    media: Sha256 | None = Field(None, description="null removes a text item's background.")
    colours: Colours | None = None

    @field_validator("category", "priority", "headline", "body", "colours", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(_l("Leave the field out instead of sending null."))
        return value


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field("", description="Required when rejecting.")


class ContentQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: State | None = None
    area: str | None = Field(None, max_length=32, description="Area code; includes its subtree.")
    category: Category | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class MediaOut(BaseModel):
    sha256: str
    ext: str
    mime: str
    width: int
    height: int
    size: int
    url: str


class RevisionOut(BaseModel):
    number: int
    state: str
    category: str
    priority: str
    headline: str
    body: str
    media: MediaOut | None
    colours: dict[str, Any]
    content_hash: str
    author: str | None
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    decided_by: str | None
    decision_comment: str
    renditions: dict[str, str]


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    details: dict[str, Any]


class ItemSummary(BaseModel):
    id: int
    kind: str
    area: str
    area_name: str
    state: str
    category: str
    priority: str
    headline: str
    latest_revision: int
    airing_revision: int | None
    updated_at: datetime


class ItemOut(ItemSummary):
    created_at: datetime
    archived_at: datetime | None
    revisions: list[RevisionOut]
    history: list[HistoryOut]


class ItemList(BaseModel):
    items: list[ItemSummary]
    total: int
    limit: int
    offset: int


class ProfileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
    name: str = Field(min_length=1, max_length=200)
    width: int = Field(ge=8, le=8192)
    height: int = Field(ge=8, le=8192)
    colour_mode: Literal["mono", "palette", "full"]
    palette: list[Colour] = Field(default_factory=list, max_length=256)
    kind: Literal["led", "lcd"]
    banner_fraction: float = Field(default=0.25, ge=0.05, le=0.5)


class ProfileOut(BaseModel):
    key: str
    name: str
    width: int
    height: int
    colour_mode: str
    palette: list[list[int]]
    kind: str
    banner_fraction: float


class ProfileList(BaseModel):
    profiles: list[ProfileOut]


def media_out(asset: MediaAsset) -> MediaOut:
    """Serialise a media asset with its public URL."""
    return MediaOut(
        sha256=asset.sha256,
        ext=asset.ext,
        mime=asset.mime,
        width=asset.width,
        height=asset.height,
        size=asset.size,
        url=url_for("media.file", sha256=asset.sha256, ext=asset.ext),
    )


def _rendition_urls(item: ContentItem, revision: Revision) -> dict[str, str]:
    return {
        p.key: url_for(
            "api.content.content_rendition", item_id=item.id, rev=revision.number, profile_key=p.key
        )
        for p in services.profile_records(db.session)
    }


def revision_out(item: ContentItem, revision: Revision) -> RevisionOut:
    """Serialise one revision."""
    return RevisionOut(
        number=revision.number,
        state=revision.state,
        category=revision.category,
        priority=revision.priority,
        headline=revision.headline,
        body=revision.body,
        media=media_out(revision.media) if revision.media else None,
        colours=revision.colours,
        content_hash=revision.content_hash,
        author=revision.author.username if revision.author else None,
        created_at=revision.created_at,
        submitted_at=revision.submitted_at,
        decided_at=revision.decided_at,
        decided_by=revision.decided_by.username if revision.decided_by else None,
        decision_comment=revision.decision_comment,
        renditions=_rendition_urls(item, revision),
    )


def _summary(item: ContentItem) -> dict[str, Any]:
    airing = workflow.airing_revision(item)
    return {
        "id": item.id,
        "kind": item.kind,
        "area": item.area.code,
        "area_name": item.area.name,
        "state": item.state,
        "category": item.category,
        "priority": item.priority,
        "headline": item.headline,
        "latest_revision": item.latest.number,
        "airing_revision": airing.number if airing else None,
        "updated_at": item.updated_at,
    }


def item_out(item: ContentItem) -> dict[str, Any]:
    """Serialise an item with every revision and its history."""
    return ItemOut(
        **_summary(item),
        created_at=item.created_at,
        archived_at=item.archived_at,
        revisions=[revision_out(item, r) for r in item.revisions],
        history=[
            HistoryOut(at=e.at, actor=e.actor, action=e.action, details=e.details)
            for e in services.history(db.session, item)
        ],
    ).model_dump(mode="json")


def _area(code: str) -> Any:
    return named_area(db.session, actor().user, code)


@operation(
    "/media",
    "POST",
    summary="Upload an image (multipart field 'file', or the raw body with an image type)",
    tag="content",
    response=MediaOut,
    status=201,
    errors=(400, 413, 415),
    scope="content:write",
)
def upload_media() -> ResponseReturnValue:
    settings = current_app.config["SIGNAGE"]
    limit = settings.max_upload_bytes
    if not scope_paths(actor().user, "content.edit"):
        raise PermissionDenied(_l("Uploading media needs the content.edit permission."))
    if request.content_length is not None and request.content_length > limit + _MULTIPART_SLACK:
        rejection = MediaRejected("too_large", "too large", max_bytes=limit)
        raise translate_rejection(rejection)  # refused before reading the body
    elif request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise ValidationFailed(
                details=[{"field": "file", "message": _l("Send the image in the field 'file'.")}]
            )
        data = upload.stream.read(limit + 1)
    elif request.mimetype.startswith("image/") or request.mimetype == "application/octet-stream":
        data = request.get_data(cache=False)
    else:
        raise MediaUnsupported(
            _l("Send the image as multipart field 'file' or as the body with an image type.")
        )
    asset, created = services.upload_media(
        db.session,
        media_store(),
        actor(),
        data,
        max_bytes=limit,
        max_pixels=settings.max_image_pixels,
        now=clock.now(),
    )
    return jsonify(media_out(asset).model_dump()), 201 if created else 200


@operation(
    "/content",
    "POST",
    summary="Create a text or image item (first revision is a draft)",
    tag="content",
    body=ContentCreate,
    response=ItemOut,
    status=201,
    scope="content:write",
)
def create_content() -> ResponseReturnValue:
    data = json_body(ContentCreate)
    area = _area(data.area)
    media = services.get_media(db.session, data.media) if data.media else None
    item = services.create_item(
        db.session,
        actor(),
        kind=data.kind,
        area=area,
        category=data.category,
        priority=data.priority,
        headline=data.headline,
        body=data.body,
        media=media,
        colours={k: v.model_dump(exclude_none=True) for k, v in data.colours.items()},
        now=clock.now(),
    )
    return jsonify(item_out(item)), 201


@operation(
    "/content",
    "GET",
    summary="Items in my areas, filtered",
    tag="content",
    query=ContentQuery,
    response=ItemList,
    scope="content:read",
)
def list_content() -> ResponseReturnValue:
    args = query_args(ContentQuery)
    area = _area(args.area) if args.area else None
    stmt = services.visible_items(actor().user, state=args.state, area=area, category=args.category)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(args.limit).offset(args.offset)).unique()
    return jsonify(
        ItemList(
            items=[ItemSummary(**_summary(i)) for i in rows],
            total=total or 0,
            limit=args.limit,
            offset=args.offset,
        ).model_dump(mode="json")
    )


@operation(
    "/content/<int:item_id>",
    "GET",
    summary="One item with revisions and history",
    tag="content",
    response=ItemOut,
    scope="content:read",
)
def get_content(item_id: int) -> ResponseReturnValue:
    return jsonify(item_out(services.get_item(db.session, actor().user, item_id)))


@operation(
    "/content/<int:item_id>",
    "PATCH",
    summary="Edit: makes a new draft revision (the approved one keeps airing)",
    tag="content",
    body=ContentPatch,
    response=ItemOut,
    errors=(409,),
    scope="content:write",
)
def patch_content(item_id: int) -> ResponseReturnValue:
    item = services.get_item(db.session, actor().user, item_id)
    data = json_body(ContentPatch)
    changes: dict[str, Any] = {}
    if "media" in data.model_fields_set:
        changes["media"] = services.get_media(db.session, data.media) if data.media else None
    if data.colours is not None:
        changes["colours"] = {k: v.model_dump(exclude_none=True) for k, v in data.colours.items()}
    services.revise(
        db.session,
        actor(),
        item,
        category=data.category,
        priority=data.priority,
        headline=data.headline,
        body=data.body,
        now=clock.now(),
        **changes,
    )
    return jsonify(item_out(item))


def _transition(item_id: int, name: str) -> ResponseReturnValue:
    item = services.get_item(db.session, actor().user, item_id)
    me, now = actor(), clock.now()
    if name in ("approve", "reject"):
        comment = json_body(Decision).comment if request.content_length else ""
        if name == "approve":
            workflow.approve(db.session, me, item, store=media_store(), comment=comment, now=now)
        else:
            workflow.reject(db.session, me, item, comment=comment, now=now)
    else:
        getattr(workflow, name)(db.session, me, item, now=now)
    return jsonify(item_out(item))


def _action(name: str, summary: str, body: type[BaseModel] | None = None) -> None:
    def view(item_id: int) -> ResponseReturnValue:
        return _transition(item_id, name)

    view.__name__ = f"content_{name}"
    operation(
        f"/content/<int:item_id>/{name}",
        "POST",
        summary=summary,
        tag="content",
        body=body,
        response=ItemOut,
        errors=(409, 422),
        scope="content:approve" if name in ("approve", "reject") else "content:write",
    )(view)


_action("submit", "Send the latest revision for approval")
_action("withdraw", "Take a pending revision back to draft")
_action("approve", "Approve the pending revision (not your own)", Decision)
_action("reject", "Reject the pending revision; a comment is required", Decision)
_action("archive", "Archive the item: it stops airing")


@operation(
    "/content/<int:item_id>/revisions/<int:rev>/renditions/<profile_key>.png",
    "GET",
    summary="PNG of a revision for one display profile (drafts too, for those who may view; "
    "players with a board token: only what their manifest plays, in their profile)",
    tag="content",
    players=True,
    scope="content:read",
)
def content_rendition(item_id: int, rev: int, profile_key: str) -> ResponseReturnValue:
    board = board_client()
    if board is not None:
        # Only what the board's manifest plays, with one answer for everything else, so a
        # token on a kiosk cannot enumerate other areas' drafts or archived items.
        item = db.session.get(ContentItem, item_id)
        revision = next((r for r in item.revisions if r.number == rev), None) if item else None
        if revision is None or not board_access.may_read_rendition(
            db.session, board, revision, profile_key
        ):
            raise NotFound(_l("No such revision."))
    else:
        item = services.get_item(db.session, actor().user, item_id)
        revision = services.get_revision(item, rev)
    profile = services.get_profile(db.session, profile_key)
    row = services.rendition(db.session, media_store(), revision, profile)
    with media_store().open(row.sha256, "png") as fh:
        data = fh.read()
    resp = Response(data, mimetype="image/png")
    resp.set_etag(row.sha256)
    # A revision's content never changes, but drafts are not public.
    resp.headers["Cache-Control"] = "private, max-age=86400"
    resp.headers["X-Rendition-Scrolls"] = "1" if row.scrolls else "0"
    return resp.make_conditional(request)


def profile_out(profile: DisplayProfile) -> ProfileOut:
    """Serialise a display profile."""
    return ProfileOut(
        key=profile.key,
        name=profile.name,
        width=profile.width,
        height=profile.height,
        colour_mode=profile.colour_mode,
        palette=[list(c) for c in profile.palette],
        kind=profile.kind,
        banner_fraction=profile.banner_fraction,
    )


@operation(
    "/profiles",
    "GET",
    summary="Display profiles",
    tag="content",
    response=ProfileList,
    scope="content:read",
)
def list_profiles() -> ResponseReturnValue:
    profiles = services.profiles(db.session)
    return jsonify({"profiles": [profile_out(p).model_dump() for p in profiles]})


@operation(
    "/profiles",
    "POST",
    summary="Add a display profile (installation admins, template.manage)",
    tag="content",
    body=ProfileIn,
    response=ProfileOut,
    status=201,
    errors=(409,),
    scope="content:write",
)
def create_profile() -> ResponseReturnValue:
    data = json_body(ProfileIn)
    try:
        profile = DisplayProfile(
            key=data.key,
            name=data.name,
            width=data.width,
            height=data.height,
            colour_mode=data.colour_mode,
            palette=tuple((c[0], c[1], c[2]) for c in data.palette),
            kind=data.kind,
            banner_fraction=data.banner_fraction,
        )
    except ValueError as exc:
        raise ValidationFailed(details=[{"field": "palette", "message": str(exc)}]) from None
    services.create_profile(db.session, actor(), profile, now=clock.now())
    return jsonify(profile_out(profile).model_dump()), 201
