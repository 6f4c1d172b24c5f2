"""Console pages: my notifications (mark read), my subscriptions, and per area the offline
threshold, the webhook and the deliveries that failed."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Optional

from signage import clock
from signage.accounts.auth import current_actor, login_required, signed_in_user
from signage.db import db
from signage.errors import PermissionDenied, ValidationFailed
from signage.http.areas import area_field, visible_area
from signage.http.forms import REQUIRED, at_most, form_action, form_int
from signage.http.paging import page_number, paginate
from signage.notifications import services, text
from signage.permissions import can

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
PAGE_SIZE = 30
MAX_READ_IDS = 200


class SubscriptionForm(FlaskForm):
    """A new subscription: an area and the ways to be told."""

    area = StringField(_l("Area"), validators=[DataRequired(message=REQUIRED), at_most(32)])
    console = BooleanField(_l("In the console"), default=True)
    email = BooleanField(_l("By e-mail"))


class AreaNoticeForm(FlaskForm):
    """An area's offline threshold and webhook."""

    threshold = StringField(
        _l("Offline threshold (minutes)"),
        validators=[Optional(), at_most(6)],
        description=_l("Empty: the parent area's value is used."),
    )
    webhook_url = StringField(_l("Webhook address"), validators=[Optional(), at_most(500)])
    webhook_secret = StringField(
        _l("Webhook secret"),
        validators=[Optional(), at_most(200)],
        description=_l("Signs each post (HMAC-SHA256, header X-Signage-Signature); "
                       "left empty, one is made when the webhook is enabled."),
    )  # fmt: skip
    webhook_enabled = BooleanField(_l("Send posts to the webhook"))
    allow_private = BooleanField(_l("Allow private and loopback addresses"))


def view_params(notification: Any) -> dict[str, Any]:
    """What the list shows of one notification, in the reader's language."""
    return {
        "id": notification.id,
        "kind": notification.kind,
        "text": text.headline(notification.kind, notification.params or {}),
        "lines": text.lines(notification.kind, notification.params or {}),
        "created_at": notification.created_at,
        "read": notification.read_at is not None,
    }


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    """My notifications, newest first, unread ones marked."""
    me = signed_in_user()
    unread_only = request.args.get("unread") == "1"
    page = paginate(
        db.session,
        services.my_notifications(me, unread_only=unread_only),
        page_number(request.args.get("page")),
        PAGE_SIZE,
    )
    return render_template(
        "notifications/list.html",
        title=_("Notifications"),
        page=page,
        rows=[view_params(n) for n in page.items],
        unread=services.unread_count(db.session, me),
        unread_only=unread_only,
        failed_emails=services.my_failed_emails(db.session, me),
    )


def _read_ids() -> list[int] | None:
    if request.form.get("all") == "1":
        return None
    raw = request.form.getlist("notification")
    if not raw or len(raw) > MAX_READ_IDS:
        raise ValidationFailed(_l("Choose the notifications to mark as read."))
    return [form_int(value, field="notification", minimum=1) for value in raw]


@bp.post("/read")
@login_required
def read() -> ResponseReturnValue:
    """Mark one, several or all of my notifications read."""
    me = signed_in_user()

    def done(count: int) -> ResponseReturnValue:
        flash(
            ngettext(
                "%(num)d notification marked read.", "%(num)d notifications marked read.", count
            ),
            "success",
        )
        return redirect(url_for("notifications.index"))

    return form_action(
        None,
        lambda: services.mark_read(db.session, me, _read_ids(), now=clock.now()),
        done=done,
        back=url_for("notifications.index"),
    )


def _subscriptions_page(form: SubscriptionForm, error: Any = None) -> str:
    me = signed_in_user()
    subs = services.subscriptions(db.session, me)
    return render_template(
        "notifications/subscriptions.html",
        title=_("My notification subscriptions"),
        subs=subs,
        managed={s.id for s in subs if can(me, "area.manage", s.area)},
        form=form,
        error=error,
        email_ready=bool(current_app.config["SIGNAGE"].smtp_host),
        has_email=bool(me.email),
    )


@bp.get("/subscriptions")
@login_required
def subscriptions() -> ResponseReturnValue:
    """My subscriptions and a form for a new one."""
    return _subscriptions_page(SubscriptionForm(formdata=None))


@bp.post("/subscriptions")
@login_required
def subscribe() -> ResponseReturnValue:
    """Subscribe to boards going dark in an area I can see."""
    form = SubscriptionForm()

    def create() -> Any:
        area = area_field(form.area.data, action="board.view")
        return services.subscribe(
            db.session, current_actor(), signed_in_user(), area,
            console=bool(form.console.data), email=bool(form.email.data), now=clock.now(),
        )  # fmt: skip

    def done(sub: Any) -> ResponseReturnValue:
        flash(_("You will be told when boards in %(area)s go dark.", area=sub.area.name), "success")
        return redirect(url_for("notifications.subscriptions"))

    return form_action(form, create, done=done, page=lambda e: _subscriptions_page(form, e))


@bp.post("/subscriptions/<int:subscription_id>/delete")
@login_required
def unsubscribe(subscription_id: int) -> ResponseReturnValue:
    """End one of my subscriptions."""
    sub = services.own_subscription(db.session, signed_in_user(), subscription_id)
    name = sub.area.name

    def done(_none: None) -> ResponseReturnValue:
        flash(_("Subscription to %(area)s ended.", area=name), "success")
        return redirect(url_for("notifications.subscriptions"))

    return form_action(
        None,
        lambda: services.unsubscribe(db.session, current_actor(), sub, now=clock.now()),
        done=done,
        back=url_for("notifications.subscriptions"),
    )


def _area_page(area: Any, form: AreaNoticeForm, error: Any = None) -> str:
    settings = current_app.config["SIGNAGE"]
    notice = services.area_notice(db.session, area)
    return render_template(
        "notifications/area.html",
        title=_("Offline notifications: %(area)s", area=area.name),
        area=area,
        notice=notice,
        form=form,
        error=error,
        inherited=services.inherited_threshold(db.session, area, settings.notify_offline_minutes),
        root_admin=can(signed_in_user(), "area.manage", None),
        private_by_setting=settings.webhook_allow_private,
        failed=services.failed_deliveries(db.session, area),
    )


@bp.route("/areas/<area_code>", methods=["GET", "POST"])
@login_required
def area(area_code: str) -> ResponseReturnValue:
    """An area's offline threshold and webhook (area.manage), and its failed deliveries."""
    me = signed_in_user()
    place = visible_area(db.session, me, area_code, "area.view")
    if not can(me, "area.manage", place):
        raise PermissionDenied()
    notice = services.area_notice(db.session, place)
    if request.method == "POST":
        form = AreaNoticeForm()
    else:
        form = AreaNoticeForm(
            formdata=None,
            threshold=str(notice.threshold_minutes or ""),
            webhook_url=notice.webhook_url,
            webhook_secret=notice.webhook_secret,
            webhook_enabled=notice.webhook_enabled,
            allow_private=notice.allow_private,
        )

    def save() -> Any:
        raw = (form.threshold.data or "").strip()
        minutes = form_int(raw, field="threshold", minimum=1, maximum=7 * 24 * 60) if raw else None
        return services.save_area_notice(
            db.session,
            current_actor(),
            place,
            threshold_minutes=minutes,
            webhook_url=form.webhook_url.data or "",
            webhook_secret=form.webhook_secret.data or "",
            webhook_enabled=bool(form.webhook_enabled.data),
            allow_private=bool(form.allow_private.data) if can(me, "area.manage", None) else None,
            settings=current_app.config["SIGNAGE"],
            now=clock.now(),
        )

    def done(_notice: Any) -> ResponseReturnValue:
        flash(_("Offline notification settings saved."), "success")
        return redirect(url_for("notifications.area", area_code=place.code))

    return form_action(form, save, done=done, page=lambda e: _area_page(place, form, e))
