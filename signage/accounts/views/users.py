"""Console pages for users: list, create, grants, activation and password reset."""

from __future__ import annotations

from collections.abc import Callable
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
from signage.db import db
from signage.errors import NotFound
from signage.http.access import can_any, require_any
from signage.http.areas import area_field
from signage.http.forms import form_action
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

    def create() -> User:
        code = (form.area.data or "").strip()
        grants = [(form.role.data or "", area_field(code, action=None))] if code else []
        return services.create_user(
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

    def created(user: User) -> ResponseReturnValue:
        flash(_("User %(name)s was created.", name=user.username), "success")
        return redirect(url_for("accounts.user", user_id=user.id))

    return form_action(
        form,
        create,
        done=created,
        page=lambda error: render_template(
            "users/new.html", title=_("New user"), form=form, error=error
        ),
        # The first role's area is the form's area field.
        fields={"grants": "area"},
    )


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


def _act(
    user: User,
    form: Any,
    do: Callable[[], Any],
    done: Callable[[], ResponseReturnValue],
    **forms: Any,
) -> ResponseReturnValue:
    """Run an action from the user's page; a refusal shows that page again with its reason."""
    return form_action(
        form,
        do,
        done=lambda _result: done(),
        page=lambda error: render_template(
            "users/detail.html", **_detail(user, error=error, **forms)
        ),
    )


def _shown(user: User, message: str, category: str = "success") -> ResponseReturnValue:
    flash(message, category)
    return redirect(url_for("accounts.user", user_id=user.id))


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

    def grant() -> Any:
        area = area_field(form.area.data, action=None)
        services.add_grant(
            db.session, current_actor(), user, form.role.data or "", area, now=clock.now()
        )
        return area

    def granted(area: Any) -> ResponseReturnValue:
        role = role_label(form.role.data or "")
        message = _(
            "%(user)s is now %(role)s on %(area)s.", user=user.username, role=role, area=area.name
        )
        return _shown(user, message)

    return form_action(
        form,
        grant,
        done=granted,
        page=lambda error: render_template(
            "users/detail.html", **_detail(user, grant_form=form, error=error)
        ),
    )


@bp.post("/users/<int:user_id>/grants/<int:grant_id>/remove")
@login_required
def user_grant_remove(user_id: int, grant_id: int) -> ResponseReturnValue:
    """Withdraw one of the user's grants."""
    user = _target(user_id)
    grant = db.session.get(Grant, grant_id)
    if grant is None or grant.user_id != user.id:
        raise NotFound(_("No such grant."))
    role, area_name = grant.role, grant.area.name
    message = _("Role %(role)s on %(area)s was withdrawn.", role=role_label(role), area=area_name)
    return _act(
        user,
        None,
        lambda: services.remove_grant(db.session, current_actor(), grant, now=clock.now()),
        lambda: _shown(user, message),
    )


@bp.post("/users/<int:user_id>/active")
@login_required
def user_set_active(user_id: int) -> ResponseReturnValue:
    """Activate or deactivate the account (deactivation signs the user out everywhere)."""
    user = _target(user_id)
    active = request.form.get("active") == "1"
    return _act(
        user,
        None,
        lambda: services.set_active(db.session, current_actor(), user, active, now=clock.now()),
        lambda: (
            _shown(user, _("The account %(name)s is active again.", name=user.username))
            if active
            else _shown(
                user, _("The account %(name)s was deactivated.", name=user.username), "warning"
            )
        ),
    )


@bp.post("/users/<int:user_id>/password")
@login_required
def user_password(user_id: int) -> ResponseReturnValue:
    """Set a new password for the user; their existing sessions end."""
    me = current_user()
    user = _target(user_id)
    form = PasswordForm()

    def changed() -> ResponseReturnValue:
        if user is me:
            login_user(user)  # the new security stamp would otherwise end this very session
        return _shown(user, _("The password of %(name)s was changed.", name=user.username))

    return _act(
        user,
        form,
        lambda: services.set_password(
            db.session,
            current_actor(),
            user,
            form.password.data or "",
            # People changing their own password prove they know the current one.
            current_password=(form.current_password.data or "") if user is me else None,
            now=clock.now(),
        ),
        changed,
        password_form=form,
    )


@bp.post("/users/<int:user_id>/sessions/end")
@login_required
def user_end_sessions(user_id: int) -> ResponseReturnValue:
    """Sign the user out on every device (a lost phone, a shared computer)."""
    me = current_user()
    user = _target(user_id)

    def ended() -> ResponseReturnValue:
        if user is me:
            logout_user()
            return redirect(url_for("web.login"))
        return _shown(user, _("%(name)s was signed out everywhere.", name=user.username))

    return _act(
        user,
        None,
        lambda: services.end_sessions(
            db.session, current_actor(), user, action="user.sessions_ended", now=clock.now()
        ),
        ended,
    )
