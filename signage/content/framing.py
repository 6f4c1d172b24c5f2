"""Choosing how a picture fills a display profile (its fit) on an existing item.

A fit change is an edit: it makes a new revision, and an approved one keeps airing until the new
one is approved. One exception: when the new revision renders to exactly the same pictures on
every profile as the airing one (same bytes), residents would see nothing new, so the new
revision keeps the approval and airs at once (audited as `content.refit`).
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from signage.audit.services import Actor, record
from signage.content import fit as fits
from signage.content import renditions, workflow
from signage.content.items import check_not_archived, revise
from signage.content.models import ContentItem, Revision
from signage.errors import ValidationFailed
from signage.permissions import require
from signage.storage import MediaStore


def _check_target(session: Session, item: ContentItem, profile_key: str) -> None:
    if item.kind != "image":
        raise ValidationFailed(
            details=[{"field": "fit", "message": _l("Only pictures have a fit.")}]
        )
    keys = {p.key for p in renditions.profile_records(session)} | {fits.EVERY_BOARD}
    if profile_key not in keys:
        raise ValidationFailed(
            details=[
                {
                    "field": "profile",
                    "message": _l("No display profile has the key %(key)s.", key=profile_key),
                }
            ]
        )


def change_fit(
    session: Session,
    actor: Actor,
    item: ContentItem,
    *,
    profile_key: str,
    fit: fits.Fit,
    store: MediaStore,
    now: datetime,
) -> Revision:
    """Choose the fit of a picture on one profile ("*": every board without its own)."""
    require(actor.user, "content.edit", item.area)
    check_not_archived(item)
    _check_target(session, item, profile_key)
    latest = item.latest
    wanted = fits.with_fit(latest.fit, profile_key, fit)
    if wanted == (latest.fit or {}):
        return latest
    airing = latest if latest.state == "approved" and item.archived_at is None else None
    revision = revise(session, actor, item, fit=wanted, now=now)
    if airing is not None and _same_pictures(session, store, airing, revision):
        _keep_approval(session, actor, item, airing, revision, now)
    return revision


def _same_pictures(session: Session, store: MediaStore, old: Revision, new: Revision) -> bool:
    """Both revisions render to identical files on every display profile."""
    for profile in renditions.profiles(session):
        before = renditions.rendition(session, store, old, profile)
        after = renditions.rendition(session, store, new, profile)
        if before.sha256 != after.sha256:
            return False
    return True


def _keep_approval(
    session: Session,
    actor: Actor,
    item: ContentItem,
    airing: Revision,
    revision: Revision,
    now: datetime,
) -> None:
    airing.state = "superseded"
    revision.state, revision.decided_at = "approved", now
    revision.decided_by_id, revision.decision_comment = airing.decided_by_id, ""
    item.state, item.updated_at = "approved", now
    record(
        session,
        actor,
        "content.refit",
        "content_item",
        item.id,
        area_id=item.area_id,
        details={"revision": revision.number},
        now=now,
    )
    workflow.notify_airing_changed(session, item, now)
