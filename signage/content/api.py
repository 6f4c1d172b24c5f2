"""Content endpoints: media upload, items and revisions, workflow actions, renditions, profiles."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel

from signage import clock
from signage.content import items, media_access, renditions, uploads, workflow
from signage.content.errors import MediaUnsupported, translate_rejection
from signage.content.ingest import MediaRejected
from signage.content.models import ContentItem, MediaAsset, Revision
from signage.content.profiles import DisplayProfile
from signage.content.schemas import (
    ContentCreate,
    ContentPatch,
    ContentQuery,
    Decision,
    HistoryOut,
    ItemList,
    ItemOut,
    ItemSummary,
    MediaOut,
    ProfileIn,
    ProfileList,
    ProfileOut,
    RevisionOut,
)
from signage.db import db
from signage.errors import NotFound, PermissionDenied, ValidationFailed
from signage.http.api import actor, api_blueprint, board_client, json_body, operations, query_args
from signage.http.areas import area_field
from signage.http.paging import window
from signage.permissions import scope_paths
from signage.storage import media_store

bp = api_blueprint("content")
operation = operations(bp)

# Multipart framing around an upload; bodies larger than the limit plus this are refused unread.
_MULTIPART_SLACK = 64 * 1024


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
        for p in renditions.profile_records(db.session)
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
        fit=revision.fit or {},
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
            for e in items.history(db.session, item)
        ],
    ).model_dump(mode="json")


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
    asset, created = uploads.upload_media(
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
    area = area_field(data.area)
    media = uploads.get_media(db.session, data.media) if data.media else None
    item = items.create_item(
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
    area = area_field(args.area) if args.area else None
    stmt = items.visible_items(actor().user, state=args.state, area=area, category=args.category)
    found = window(db.session, stmt, limit=args.limit, offset=args.offset)
    return jsonify(
        ItemList(
            items=[ItemSummary(**_summary(i)) for i in found.items], **found.counts()
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
    return jsonify(item_out(items.get_item(db.session, actor().user, item_id)))


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
    item = items.get_item(db.session, actor().user, item_id)
    data = json_body(ContentPatch)
    changes: dict[str, Any] = {}
    if "media" in data.model_fields_set:
        changes["media"] = uploads.get_media(db.session, data.media) if data.media else None
    if data.colours is not None:
        changes["colours"] = {k: v.model_dump(exclude_none=True) for k, v in data.colours.items()}
    items.revise(
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
    item = items.get_item(db.session, actor().user, item_id)
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
        if revision is None or not media_access.board_may_read_rendition(
            db.session, board, revision, profile_key
        ):
            raise NotFound(_l("No such revision."))
    else:
        item = items.get_item(db.session, actor().user, item_id)
        revision = items.get_revision(item, rev)
    profile = renditions.get_profile(db.session, profile_key)
    row = renditions.rendition(db.session, media_store(), revision, profile)
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
    profiles = renditions.profiles(db.session)
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
    renditions.create_profile(db.session, actor(), profile, now=clock.now())
    return jsonify(profile_out(profile).model_dump()), 201
