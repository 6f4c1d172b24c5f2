"""Console pages for content: list, new text item, image upload, detail with previews, queue."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from signage import clock
from signage.accounts.auth import current_actor, current_user, login_required
from signage.accounts.token_use import note_use
from signage.accounts.tokens import authenticate_api_token, scopes_of
from signage.content import fit as fits
from signage.content import framing, media_access, renditions, uploads, workflow
from signage.content.items import create_item, get_item, history, revise
from signage.content.models import ContentItem
from signage.content.queue import next_pending
from signage.db import db
from signage.errors import AuthenticationRequired, ValidationFailed
from signage.http.access import require_any
from signage.http.areas import area_field
from signage.http.forms import form_action
from signage.http.labels import CATEGORY_LABELS, profile_label
from signage.permissions import require
from signage.schedules import onair
from signage.storage import InvalidMediaKey, media_store

bp = Blueprint("content", __name__, url_prefix="/content")
media_bp = Blueprint("media", __name__)

PAGE_SIZE = 50
PRIORITY_LABELS: dict[str, Any] = {"normal": _l("Normal"), "priority": _l("Priority")}
STATE_LABELS: dict[str, Any] = {
    "draft": _l("Draft"),
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "superseded": _l("Replaced"),
    "archived": _l("Archived"),
}
FIT_LABELS: dict[str, Any] = {
    "contain": _l("Whole picture (bars at the edges)"),
    "cover": _l("Fill the board (edges cut evenly)"),
    "crop": _l("Fill the board, keep a chosen point"),
}

# What a badge may say: a state, or "on air" for an approved item a schedule plays now.
STATUS_LABELS: dict[str, Any] = {**STATE_LABELS, "on_air": _l("On air")}
# LED previews are magnified so each diode is visible; LCD previews are scaled down.
LED_PREVIEW_WIDTH = 640


class _ItemFields(FlaskForm):
    category = SelectField(
        _l("Category"), choices=[SelectChoice(k, v) for k, v in CATEGORY_LABELS.items()]
    )
    priority = SelectField(
        _l("Priority level"), choices=[SelectChoice(k, v) for k, v in PRIORITY_LABELS.items()]
    )
    headline = StringField(
        _l("Headline"), validators=[DataRequired(message=_l("This field is required."))]
    )


class TextItemForm(_ItemFields):
    """A new text notice, or a new revision of one."""

    area = StringField(
        _l("Area"),
        validators=[Optional(), Length(max=32)],
        description=_l("The commune, ward or village the notice is for: type its name."),
    )
    body = TextAreaField(_l("Body"), validators=[Optional()])
    # Pictures only (the edit page): "" keeps the fits the item has.
    fit = SelectField(
        _l("How the picture fills the boards"),
        choices=[SelectChoice("", _l("Keep as it is"))]
        + [SelectChoice(k, v) for k, v in FIT_LABELS.items() if k != "crop"],
        default="",
        description=_l("For every board; the item page lets you choose per kind of board."),
    )


class ImageItemForm(_ItemFields):
    """A photo to show full screen."""

    area = StringField(_l("Area"), validators=[DataRequired(), Length(max=32)])
    file = FileField(
        _l("Image (JPEG, PNG or WebP)"),
        validators=[FileRequired(message=_l("Choose an image file."))],
    )
    fit = SelectField(
        _l("How the picture fills the boards"),
        choices=[SelectChoice(k, v) for k, v in FIT_LABELS.items() if k != "crop"],
        default="contain",
        description=_l("After the upload, the item page lets you choose per kind of board."),
    )


class FitForm(FlaskForm):
    """How a picture fills one display profile ("*": every board); checked by the service."""

    profile = StringField(_l("Display profile"), validators=[DataRequired()])
    mode = StringField(_l("Fit"), validators=[DataRequired()])
    focus_x = StringField(_l("Point to keep, across, in percent"), default="50")
    focus_y = StringField(_l("Point to keep, down, in percent"), default="50")


class DecisionForm(FlaskForm):
    """An approver's comment (required to reject)."""

    comment = TextAreaField(_l("Comment"), validators=[Optional()])


def item_labels() -> dict[str, Any]:
    """The label maps every content page passes to its template."""
    return {
        "category_labels": CATEGORY_LABELS,
        "priority_labels": PRIORITY_LABELS,
        "state_labels": STATE_LABELS,
        "item_status_labels": STATUS_LABELS,
    }


def status_of(item: ContentItem, on_air: set[int]) -> str:
    """The badge key of an item: "on_air" when a schedule plays it now, else its state."""
    return "on_air" if item.id in on_air else item.state


def on_air_now(items: list[ContentItem]) -> set[int]:
    """Ids of the approved items among these that a schedule plays now."""
    approved = [it.id for it in items if it.state == "approved"]
    return onair.items_on_air(db.session, approved, now=clock.now())


_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _hex(rgb: Any) -> str:
    return "#{:02x}{:02x}{:02x}".format(*[int(c) for c in rgb[:3]])


def colour_rows(colours: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per display profile (and "*" = every board) for the colour fieldset."""
    rows = [("*", _("Every board"))] + [
        (p.key, profile_label(p)) for p in renditions.profile_records(db.session)
    ]
    out = []
    for key, label in rows:
        chosen = colours.get(key) or {}
        out.append(
            {
                "key": key,
                "label": label,
                "on": bool(chosen),
                "fg": _hex(chosen["fg"]) if chosen.get("fg") else "#ffffff",
                "bg": _hex(chosen["bg"]) if chosen.get("bg") else "#000000",
            }
        )
    return out


def _posted_colours() -> dict[str, Any]:
    """What was ticked in a refused form, to show it again (bad values fall back)."""
    try:
        return colours_from_form(request.form)
    except ValidationFailed:
        return {}


def colours_from_form(form: Any) -> dict[str, Any]:
    """{profile key or "*": {"fg": [r, g, b], "bg": [r, g, b]}} for the ticked rows."""
    out: dict[str, Any] = {}
    keys = ["*"] + [p.key for p in renditions.profile_records(db.session)]
    for key in keys:
        if not form.get(f"colour-{key}"):
            continue
        pair = {}
        for part in ("fg", "bg"):
            value = (form.get(f"{part}-{key}") or "").strip()
            if not _HEX.match(value):
                raise ValidationFailed(
                    details=[{"field": "colours", "message": _l("Pick colours as #rrggbb.")}]
                )
            pair[part] = [int(value[i : i + 2], 16) for i in (1, 3, 5)]
        out[key] = pair
    return out


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new_text() -> ResponseReturnValue:
    """Write a text notice; it starts as a draft."""
    require_any(current_user(), "content.edit")
    form = TextItemForm()
    return form_action(
        form,
        lambda: _and_submit(
            create_item(
                db.session,
                current_actor(),
                kind="text",
                area=area_field(form.area.data),
                category=form.category.data or "",
                priority=form.priority.data or "",
                headline=form.headline.data or "",
                body=form.body.data or "",
                colours=colours_from_form(request.form),
                now=clock.now(),
            )
        ),
        done=lambda item: _draft_saved(
            item, _("The draft was saved. Check the previews, then submit it.")
        ),
        page=lambda error: render_template(
            "content/form.html",
            title=_("New text notice"),
            form=form,
            error=error,
            item=None,
            colour_rows=colour_rows(_posted_colours()),
            **item_labels(),
        ),
    )


def _saved(item: ContentItem, message: str) -> ResponseReturnValue:
    flash(message, "success")
    return redirect(url_for("content.item", item_id=item.id))


def _and_submit(item: ContentItem) -> ContentItem:
    """ "Save and submit": the new draft goes for approval in the same transaction (one post
    instead of two); a failure of either leaves nothing written."""
    if request.form.get("then") == "submit":
        workflow.submit(db.session, current_actor(), item, now=clock.now())
    return item


def _draft_saved(item: ContentItem, draft_message: str) -> ResponseReturnValue:
    if item.latest.state == "pending":
        return _saved(item, _("Saved and submitted for approval."))
    return _saved(item, draft_message)


@bp.route("/upload", methods=["GET", "POST"])
@login_required
def upload() -> ResponseReturnValue:
    """Upload a photo as an image item."""
    require_any(current_user(), "content.edit")
    form = ImageItemForm()

    def save() -> ContentItem:
        settings = current_app.config["SIGNAGE"]
        area = area_field(form.area.data)
        data = form.file.data.stream.read(settings.max_upload_bytes + 1)
        asset, _created = uploads.upload_media(
            db.session,
            media_store(),
            current_actor(),
            data,
            max_bytes=settings.max_upload_bytes,
            max_pixels=settings.max_image_pixels,
            now=clock.now(),
        )
        return _and_submit(
            create_item(
                db.session,
                current_actor(),
                kind="image",
                area=area,
                category=form.category.data or "",
                priority=form.priority.data or "",
                headline=form.headline.data or "",
                media=asset,
                fit=fits.with_fit({}, fits.EVERY_BOARD, fits.parse(form.fit.data)),
                now=clock.now(),
            )
        )

    return form_action(
        form,
        save,
        done=lambda item: _draft_saved(
            item, _("The image was saved as a draft. Check the previews, then submit it.")
        ),
        page=lambda error: render_template(
            "content/upload.html",
            title=_("Upload an image"),
            form=form,
            error=error,
            **item_labels(),
        ),
    )


def _previews(revision: Any) -> list[dict[str, Any]]:
    """Per display profile: the profile, its rendition row (ticker, legibility) and fit."""
    out = []
    for profile in renditions.profiles(db.session):
        row = renditions.rendition(db.session, media_store(), revision, profile)
        out.append(
            {
                "profile": profile,
                "row": row,
                "fit": fits.for_profile(revision.fit, profile.key),
                "own_fit": profile.key in (revision.fit or {}),
            }
        )
    return out


def _detail(item: ContentItem, **extra: Any) -> dict[str, Any]:
    me = current_actor()
    shown = request.args.get("rev", type=int)
    revision = next((r for r in item.revisions if r.number == shown), item.latest)
    previews = _previews(revision)
    return {
        "title": item.headline,
        "item": item,
        "revision": revision,
        "airing": workflow.airing_revision(item),
        "profiles": [p["profile"] for p in previews],
        "previews": previews,
        "every_board_fit": fits.for_profile(revision.fit, fits.EVERY_BOARD),
        "fit_labels": FIT_LABELS,
        "fit_form": extra.pop("fit_form", None) or FitForm(formdata=None),
        "on_air": item.id in on_air_now([item]),
        "led_width": LED_PREVIEW_WIDTH,
        "history": history(db.session, item),
        "decision_form": extra.pop("decision_form", None) or DecisionForm(formdata=None),
        "may_edit": _can(me, "content.edit", item),
        "may_decide": _can(me, "content.approve", item)
        and item.latest.author_id != (me.user.id if me.user else None),
        "may_archive": workflow.may_archive(me, item),
        **item_labels(),
        **extra,
    }


def _can(me: Any, action: str, item: ContentItem) -> bool:
    from signage.permissions import can

    return can(me.user, action, item.area)


@bp.get("/<int:item_id>")
@login_required
def item(item_id: int) -> ResponseReturnValue:
    """An item: previews for every display profile, revisions, history and actions."""
    item = get_item(db.session, current_user(), item_id)
    return render_template("content/detail.html", **_detail(item))


def _edited_fit(item: ContentItem, chosen: str | None) -> dict[str, Any] | None:
    """The fits of a picture after the edit form (None: unchanged)."""
    if item.kind != "image" or not chosen:
        return None
    return fits.with_fit(item.latest.fit, fits.EVERY_BOARD, fits.parse(chosen))


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(item_id: int) -> ResponseReturnValue:
    """Make a new revision; an approved revision keeps airing until this one is approved."""
    item = get_item(db.session, current_user(), item_id)
    require(current_user(), "content.edit", item.area)
    latest = item.latest
    form = TextItemForm(
        data={
            "category": latest.category,
            "priority": latest.priority,
            "headline": latest.headline,
            "body": latest.body,
        }
        if request.method == "GET"
        else None
    )
    return form_action(
        form,
        lambda: revise(
            db.session,
            current_actor(),
            item,
            category=form.category.data,
            priority=form.priority.data,
            headline=form.headline.data or "",
            body=(form.body.data or "") if item.kind == "text" else None,
            colours=colours_from_form(request.form) if item.kind == "text" else None,
            fit=_edited_fit(item, form.fit.data),
            now=clock.now(),
        ),
        done=lambda _revision: _saved(item, _("A new revision was saved as a draft.")),
        page=lambda error: render_template(
            "content/form.html",
            title=_("Edit"),
            form=form,
            error=error,
            item=item,
            colour_rows=colour_rows(
                _posted_colours() if request.method == "POST" else dict(latest.colours)
            ),
            **item_labels(),
        ),
    )


@bp.post("/<int:item_id>/fit")
@login_required
def fit(item_id: int) -> ResponseReturnValue:
    """Choose how a picture fills one display profile (or every board)."""
    item = get_item(db.session, current_user(), item_id)
    require(current_user(), "content.edit", item.area)
    form = FitForm()

    def change() -> Any:
        chosen = fits.parse(form.mode.data, form.focus_x.data, form.focus_y.data)
        return framing.change_fit(
            db.session,
            current_actor(),
            item,
            profile_key=form.profile.data or "",
            fit=chosen,
            store=media_store(),
            now=clock.now(),
        )

    def done(revision: Any) -> ResponseReturnValue:
        if revision.state == "approved":
            message = _(
                "The fit was changed; the boards show the same picture, so it stays approved."
            )
        else:
            message = _(
                "The fit was saved in a new draft revision. Check the previews, then submit it."
            )
        return _saved(item, message)

    return form_action(
        form,
        change,
        done=done,
        page=lambda error: render_template(
            "content/detail.html", **_detail(item, fit_form=form, error=error)
        ),
    )


_DONE = {
    "submit": _l("Sent for approval."),
    "withdraw": _l("Taken back to draft."),
    "approve": _l("Approved. Renditions were made for every display profile."),
    "reject": _l("Rejected; the author will see your comment."),
    "archive": _l("Archived."),
}


@bp.post("/<int:item_id>/<any(submit, withdraw, approve, reject, archive):action>")
@login_required
def act(item_id: int, action: str) -> ResponseReturnValue:
    """Run one workflow transition from the item page."""
    item = get_item(db.session, current_user(), item_id)
    form = DecisionForm()
    me, now = current_actor(), clock.now()

    def transition() -> None:
        if action == "approve":
            workflow.approve(
                db.session, me, item, store=media_store(), comment=form.comment.data or "", now=now
            )
        elif action == "reject":
            workflow.reject(db.session, me, item, comment=form.comment.data or "", now=now)
        else:
            getattr(workflow, action)(db.session, me, item, now=now)

    return form_action(
        form,
        transition,
        done=lambda _none: (
            _next_in_queue(str(_DONE[action]))
            if action in ("approve", "reject")
            else _saved(item, str(_DONE[action]))
        ),
        page=lambda error: render_template(
            "content/detail.html", **_detail(item, decision_form=form, error=error)
        ),
    )


def _next_in_queue(message: str) -> ResponseReturnValue:
    """After a decision: the next item of the approver's queue, or the empty queue."""
    flash(message, "success")
    following = next_pending(db.session, current_user())
    if following is None:
        flash(_("No more items wait for approval."), "info")
        return redirect(url_for("content.queue"))
    return redirect(url_for("content.item", item_id=following.id))


def _may_read_private(sha256: str) -> bool:
    """A console session, user API token or board token that may read this file."""
    header = request.headers.get("Authorization", "")
    user = current_user()
    if header:
        scheme, _sep, secret = header.partition(" ")
        secret = secret.strip()
        if scheme.lower() != "bearer" or not secret:
            raise AuthenticationRequired(_l("Use the header 'Authorization: Bearer <token>'."))
        boards = media_access.board_reader()
        if boards is not None and secret.startswith(boards.token_prefix):
            board = boards.authenticate(db.session, secret)
            return media_access.board_may_read(db.session, board, sha256)
        token = authenticate_api_token(db.session, secret, now=clock.now(), used=note_use)
        held = scopes_of(token)
        if held is not None and "content:read" not in held:
            return False  # a narrowed token reads media only with content:read
        user = token.user
    return user is not None and media_access.user_may_read(db.session, user, sha256)


@media_bp.get("/media/<sha256>.<ext>")
def file(sha256: str, ext: str) -> ResponseReturnValue:
    """A stored media file; its name is its hash, so it never changes.

    Only what boards play is public; anything else answers 404 (as if missing) unless a user
    or board that may see it asks, and is never kept by shared caches."""
    try:
        media_store().relpath(sha256, ext)
    except InvalidMediaKey:
        abort(404)
    cache = current_app.extensions["signage_public_media"]
    public = media_access.is_public(db.session, sha256, cache)
    if not public and not _may_read_private(sha256):
        abort(404)
    try:
        with media_store().open(sha256, ext) as fh:
            data = fh.read()
    except FileNotFoundError:
        abort(404)
    resp = Response(data, mimetype=_MIME[ext])
    resp.set_etag(sha256)
    if public:
        resp.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        resp.headers["Cache-Control"] = "private, max-age=3600"
        resp.vary.update(("Authorization", "Cookie"))
    return resp.make_conditional(request)


_MIME = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
