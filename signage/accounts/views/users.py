"""Console pages for users: list, create, grants, activation and password reset."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signage import clock
from signage.accounts import services
from signage.accounts.auth import (
    current_actor,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from signage.accounts.models import Grant, User
from signage.accounts.views import bp
from signage.accounts.views.forms import GrantForm, PasswordForm, UserCreateForm
from signage.areas.models import Area
from signage.areas.services import get_by_code
from signage.db import db
from signage.errors import DomainError, NotFound, ValidationFailed
from signage.http.access import can_any, require_any
from signage.http.forms import show_domain_error
from signage.http.labels import ROLE_HELP, role_label
from signage.http.paging import page_number, paginate

PAGE_SIZE = 50


@bp.get("/users")
@login_required
def users() -> ResponseReturnValue:
    """Users holding a role inside the admin's areas (everyone, for installation admins)."""
    me = current_user()
    require_any(me, "user.view")
    query = request.args.get("q", "").strip()[:64]
    page = paginate(
        db.session,
        services.visible_users(me, query),
        page_number(request.args.get("page")),
        PAGE_SIZE,
    )
    return render_template(
        "users/list.html",
        title=_("Users"),
        page=page,
        query=query,
        may_create=can_any(me, "user.manage"),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def user_new() -> ResponseReturnValue:
    """Create a user together with their first role (an account never floats outside areas)."""
    require_any(current_user(), "user.manage")
    form = UserCreateForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            code = (form.area.data or "").strip()
            grants = [(form.role.data or "", _grant_area(code))] if code else []
            user = services.create_user(
                db.session,
                current_actor(),
                form.username.data or "",
                form.password.data or "",
                display_name=form.display_name.data or "",
                email=form.email.data or "",
                locale=form.locale.data or "vi",
                now=clock.now(),
                grants=grants,
            )
        except DomainError as exc:
            for detail in exc.details:
                if detail.get("field") == "grants":
                    detail["field"] = "area"
            error, status = show_domain_error(form, exc), exc.status
        else:
            flash(_("User %(name)s was created.", name=user.username), "success")
            return redirect(url_for("accounts.user", user_id=user.id))
    elif request.method == "POST":
        error, status = _("Check the highlighted fields."), 422
    return render_template("users/new.html", title=_("New user"), form=form, error=error), status


def _grant_area(code: str) -> Area:
    """The area of a grant typed as its code; an unknown code is a field error."""
    try:
        return get_by_code(db.session, code)
    except NotFound as exc:
        raise ValidationFailed(details=[{"field": "area", "message": exc.message}]) from None


def _target(user_id: int) -> User:
    """The user a page is about, if the current user may at least see them.

    Users outside the caller's areas answer exactly like missing ones (as in the API).
    """
    me = current_user()
    user = services.get_user(db.session, user_id)
    if services.may_view_user(me, user) or services.may_manage_user(me, user):
        return user
    raise NotFound(_l("No such user."))


def _detail(user: User, **forms: Any) -> dict[str, Any]:
    me = current_user()
    manage = services.may_manage_user(me, user)
    return {
        "title": user.username,
        "user": user,
        "manage": manage,
        "may_grant": can_any(me, "user.manage"),
        "may_set_password": user is me or manage,
        "grant_form": forms.get("grant_form") or GrantForm(formdata=None),
        "password_form": forms.get("password_form") or PasswordForm(formdata=None),
        "error": forms.get("error"),
        "is_me": user is me,
        "now_utc": clock.now(),
        "role_help": ROLE_HELP,
    }


def _fail(user: User, exc: DomainError, form: Any = None, **forms: Any) -> ResponseReturnValue:
    message = show_domain_error(form, exc)
    return render_template("users/detail.html", **_detail(user, error=message, **forms)), exc.status


@bp.get("/users/<int:user_id>")
@login_required
def user(user_id: int) -> ResponseReturnValue:
    """A user's account, roles and the admin's actions on them."""
    return render_template("users/detail.html", **_detail(_target(user_id)))


@bp.post("/users/<int:user_id>/grants")
@login_required
def user_grant_add(user_id: int) -> ResponseReturnValue:
    """Grant a role on an area subtree (the area typed as its code)."""
    user = _target(user_id)
    form = GrantForm()
    if not form.validate_on_submit():
        ctx = _detail(user, grant_form=form, error=_("Check the highlighted fields."))
        return render_template("users/detail.html", **ctx), 422
    try:
        area = _grant_area(form.area.data or "")
        services.add_grant(
            db.session, current_actor(), user, form.role.data or "", area, now=clock.now()
        )
    except DomainError as exc:
        return _fail(user, exc, form, grant_form=form)
    flash(
        _(
            "%(user)s is now %(role)s on %(area)s.",
            user=user.username,
            role=role_label(form.role.data or ""),
            area=area.name,
        ),
        "success",
    )
    return redirect(url_for("accounts.user", user_id=user.id))


@bp.post("/users/<int:user_id>/grants/<int:grant_id>/remove")
@login_required
def user_grant_remove(user_id: int, grant_id: int) -> ResponseReturnValue:
    """Withdraw one of the user's grants."""
    user = _target(user_id)
    grant = db.session.get(Grant, grant_id)
    if grant is None or grant.user_id != user.id:
        raise NotFound(_("No such grant."))
    role, area_name = grant.role, grant.area.name
    try:
        services.remove_grant(db.session, current_actor(), grant, now=clock.now())
    except DomainError as exc:
        return _fail(user, exc)
    message = _("Role %(role)s on %(area)s was withdrawn.", role=role_label(role), area=area_name)
    flash(message, "success")
    return redirect(url_for("accounts.user", user_id=user.id))


@bp.post("/users/<int:user_id>/active")
@login_required
def user_set_active(user_id: int) -> ResponseReturnValue:
    """Activate or deactivate the account (deactivation signs the user out everywhere)."""
    user = _target(user_id)
    active = request.form.get("active") == "1"
    try:
        services.set_active(db.session, current_actor(), user, active, now=clock.now())
    except DomainError as exc:
        return _fail(user, exc)
    if active:
        flash(_("The account %(name)s is active again.", name=user.username), "success")
    else:
        flash(_("The account %(name)s was deactivated.", name=user.username), "warning")
    return redirect(url_for("accounts.user", user_id=user.id))


@bp.post("/users/<int:user_id>/password")
@login_required
def user_password(user_id: int) -> ResponseReturnValue:
    """Set a new password for the user; their existing sessions end."""
    me = current_user()
    user = _target(user_id)
    form = PasswordForm()
    if not form.validate_on_submit():
        ctx = _detail(user, password_form=form, error=_("Check the highlighted fields."))
        return render_template("users/detail.html", **ctx), 422
    try:
        services.set_password(
            db.session,
            current_actor(),
            user,
            form.password.data or "",
            # People changing their own password prove they know the current one.
            current_password=(form.current_password.data or "") if user is me else None,
            now=clock.now(),
        )
    except DomainError as exc:
        return _fail(user, exc, form, password_form=form)
    if user is me:
        login_user(user)  # the new security stamp would otherwise end this very session
    flash(_("The password of %(name)s was changed.", name=user.username), "success")
    return redirect(url_for("accounts.user", user_id=user.id))


@bp.post("/users/<int:user_id>/sessions/end")
@login_required
def user_end_sessions(user_id: int) -> ResponseReturnValue:
    """Sign the user out on every device (a lost phone, a shared computer)."""
    me = current_user()
    user = _target(user_id)
    try:
        services.end_sessions(
            db.session, current_actor(), user, action="user.sessions_ended", now=clock.now()
        )
    except DomainError as exc:
        return _fail(user, exc)
    if user is me:
        logout_user()
        return redirect(url_for("web.login"))
    flash(_("%(name)s was signed out everywhere.", name=user.username), "success")
    return redirect(url_for("accounts.user", user_id=user.id))
