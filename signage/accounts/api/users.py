"""User endpoints: who am I, list, create and change users, grant and withdraw roles."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, field_validator

from signage import clock
from signage.accounts import services
from signage.accounts.api import operation
from signage.accounts.auth import login_user, signed_in_user
from signage.accounts.models import Grant, User
from signage.accounts.scopes import ANY_TOKEN
from signage.areas.models import Area
from signage.db import db
from signage.errors import NotFound, PermissionDenied, ValidationFailed
from signage.http.api import actor, json_body, query_args
from signage.http.areas import area_field
from signage.http.paging import window
from signage.permissions import ROLES, scope_paths

Role = Literal["admin", "editor", "approver", "operator", "viewer"]
assert set(Role.__args__) == set(ROLES)  # type: ignore[attr-defined]
AreaCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


class GrantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    area: AreaCode


class GrantOut(BaseModel):
    id: int
    role: str
    area: str
    area_name: str


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    email: str
    locale: str
    is_active: bool
    grants: list[GrantOut]


class UserList(BaseModel):
    users: list[UserOut]
    total: int
    limit: int
    offset: int


class UserQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    q: str | None = Field(None, max_length=100, description="Part of username, name or email.")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    display_name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)
    locale: Literal["vi", "en"] = "vi"
    grants: list[GrantIn] = Field(default_factory=list, max_length=50)


class UserPatch(BaseModel):
    """Fields to change; leave a field out to keep it."""

    model_config = ConfigDict(extra="forbid")
    display_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    locale: Literal["vi", "en"] | None = None
    is_active: StrictBool | None = None
    password: str | None = Field(None, min_length=1, max_length=256)
    current_password: str | None = Field(
        None, max_length=256, description="Required when changing your own password."
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError(_l("Leave the field out instead of sending null."))
        return value


def user_out(user: User) -> dict:
    """Serialise a user with grants (never the password hash)."""
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        locale=user.locale,
        is_active=user.is_active,
        grants=[
            GrantOut(id=g.id, role=g.role, area=g.area.code, area_name=g.area.name)
            for g in user.grants
        ],
    ).model_dump()


def _visible_user(user_id: int) -> User:
    """The user, if the caller may see them; NotFound otherwise (existence is not revealed)."""
    user = db.session.get(User, user_id)
    if user is None or not services.may_view_user(actor().user, user):
        raise NotFound(_l("No such user."))
    return user


def _grant_areas(grants: list[GrantIn], prefix: str) -> list[Area]:
    """The areas named by grants; an unknown code is a field error, not a missing page (and
    an area outside the caller's view reads the same)."""
    areas: list[Area] = []
    problems: list[dict[str, Any]] = []
    for i, grant in enumerate(grants):
        try:
            areas.append(area_field(grant.area, field=f"{prefix}{i}.area" if prefix else "area"))
        except ValidationFailed as exc:
            problems.extend(exc.details)
    if problems:
        raise ValidationFailed(details=problems)
    return areas


@operation("/me", "GET", summary="The calling user", tag="users", response=UserOut, scope=ANY_TOKEN)
def me() -> ResponseReturnValue:
    """The calling user with their grants."""
    return jsonify(user_out(signed_in_user()))


@operation(
    "/users",
    "GET",
    summary="Users holding a role inside my areas (needs user.view)",
    tag="users",
    query=UserQuery,
    response=UserList,
    scope="users:read",
)
def list_users() -> ResponseReturnValue:
    """Users visible to the caller, by username, optionally searched, one page at a time."""
    me_user = actor().user
    if not scope_paths(me_user, "user.view"):
        raise PermissionDenied(_l("Listing users needs the user.view permission."))
    args = query_args(UserQuery)
    stmt = services.visible_users(me_user, args.q or "")
    found = window(db.session, stmt, limit=args.limit, offset=args.offset)
    return jsonify({"users": [user_out(u) for u in found.items], **found.counts()})


@operation(
    "/users/<int:user_id>",
    "GET",
    summary="One user",
    tag="users",
    response=UserOut,
    scope="users:read",
)
def get_user(user_id: int) -> ResponseReturnValue:
    """One user the caller may see."""
    return jsonify(user_out(_visible_user(user_id)))


@operation(
    "/users",
    "POST",
    summary="Create a user with role grants",
    tag="users",
    body=UserCreate,
    response=UserOut,
    status=201,
    errors=(409,),
    scope="users:admin",
)
def create_user() -> ResponseReturnValue:
    """Create a user and grant roles on areas the caller manages, all or nothing."""
    me = actor()
    if not scope_paths(me.user, "user.manage"):
        raise PermissionDenied(_l("Creating users needs the user.manage permission."))
    data = json_body(UserCreate)
    areas = _grant_areas(data.grants, "grants.")
    user = services.create_user(
        db.session,
        me,
        data.username,
        data.password,
        display_name=data.display_name,
        email=data.email,
        locale=data.locale,
        grants=[(g.role, a) for g, a in zip(data.grants, areas, strict=True)],
        now=clock.now(),
    )
    return jsonify(user_out(user)), 201


@operation(
    "/users/<int:user_id>",
    "PATCH",
    summary="Change a user's profile, password or active state",
    tag="users",
    body=UserPatch,
    response=UserOut,
    scope="users:admin",
)
def update_user(user_id: int) -> ResponseReturnValue:
    """Change fields of a user; your own password needs current_password."""
    me = actor()
    user = _visible_user(user_id)
    data = json_body(UserPatch)
    is_self = me.user is user
    if not is_self and not services.may_manage_user(me.user, user):
        raise PermissionDenied(_l("You may change only users whose every role is in your areas."))
    services.update_profile(
        db.session,
        me,
        user,
        display_name=data.display_name,
        email=data.email,
        locale=data.locale,
        now=clock.now(),
    )
    if data.password is not None:
        if is_self and data.current_password is None:
            raise ValidationFailed(
                details=[
                    {
                        "field": "current_password",
                        "message": _l("Give your current password to set a new one."),
                    }
                ]
            )
        services.set_password(
            db.session,
            me,
            user,
            data.password,
            current_password=data.current_password if is_self else None,
            now=clock.now(),
        )
        if is_self and "Authorization" not in request.headers:
            login_user(user)  # the new security stamp would otherwise end this very session
    if data.is_active is not None and data.is_active != user.is_active:
        services.set_active(db.session, me, user, data.is_active, now=clock.now())
    return jsonify(user_out(user))


@operation(
    "/users/<int:user_id>/grants",
    "POST",
    summary="Grant a role on an area subtree",
    tag="users",
    body=GrantIn,
    response=UserOut,
    status=201,
    errors=(409,),
    scope="users:admin",
)
def add_grant(user_id: int) -> ResponseReturnValue:
    """Grant a role on an area subtree the caller manages."""
    user = _visible_user(user_id)
    data = json_body(GrantIn)
    (area,) = _grant_areas([data], "")
    services.add_grant(db.session, actor(), user, data.role, area, now=clock.now())
    return jsonify(user_out(user)), 201


@operation(
    "/users/<int:user_id>/grants/<int:grant_id>",
    "DELETE",
    summary="Withdraw a grant",
    tag="users",
    response=UserOut,
    scope="users:admin",
)
def remove_grant(user_id: int, grant_id: int) -> ResponseReturnValue:
    """Withdraw a grant on an area the caller manages."""
    user = _visible_user(user_id)
    grant = db.session.get(Grant, grant_id)
    if grant is None or grant.user_id != user.id:
        raise NotFound(_l("No such grant."))
    services.remove_grant(db.session, actor(), grant, now=clock.now())
    return jsonify(user_out(user))
