"""Notification endpoints: my notifications (list, mark read) and my subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from flask import jsonify
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field

from signage import clock
from signage.accounts.models import User
from signage.db import db
from signage.errors import AuthenticationRequired, ValidationFailed
from signage.http.api import MAX_ID, actor, api_blueprint, json_body, operations, query_args
from signage.http.areas import area_field
from signage.http.paging import window
from signage.notifications import services, text
from signage.notifications.models import KINDS, Notification, Subscription

bp = api_blueprint("notifications")
operation = operations(bp)


class BoardRef(BaseModel):
    code: str
    name: str
    area: str
    since: datetime
    recovered_at: datetime | None = None


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description=" | ".join(KINDS))
    text: str = Field(description="The notification in the caller's language")
    boards: list[BoardRef]
    created_at: datetime
    read_at: datetime | None


class NotificationList(BaseModel):
    notifications: list[NotificationOut]
    total: int
    unread: int


class NotificationQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    unread: bool = False
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000_000)


class ReadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        None, max_length=500, description="Notifications to mark read; omit with all=true"
    )
    all: bool = False


class ReadOut(BaseModel):
    marked: int
    unread: int


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: str = Field(max_length=32, description="Area code (board.view there)")
    console: bool = True
    email: bool = False


class SubscriptionOut(BaseModel):
    id: int
    area: str
    area_name: str
    console: bool
    email: bool
    created_at: datetime


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionOut]


def _me() -> User:
    user = actor().user
    if user is None:
        raise AuthenticationRequired()
    return user


def notification_out(n: Notification) -> dict[str, Any]:
    """A notification as the API returns it."""
    params = n.params or {}
    return NotificationOut(
        id=n.id,
        kind=n.kind,
        text=" ".join([text.headline(n.kind, params), *text.lines(n.kind, params)]),
        boards=[BoardRef.model_validate(b) for b in params.get("boards", [])],
        created_at=n.created_at,
        read_at=n.read_at,
    ).model_dump(mode="json")


def subscription_out(s: Subscription) -> dict[str, Any]:
    """A subscription as the API returns it."""
    return SubscriptionOut(
        id=s.id,
        area=s.area.code,
        area_name=s.area.name,
        console=s.console,
        email=s.email,
        created_at=s.created_at,
    ).model_dump(mode="json")


@operation(
    "/notifications",
    "GET",
    summary="My notifications, newest first",
    tag="notifications",
    query=NotificationQuery,
    response=NotificationList,
    scope="boards:read",
)
def list_notifications() -> ResponseReturnValue:
    args = query_args(NotificationQuery)
    me = _me()
    found = window(
        db.session,
        services.my_notifications(me, unread_only=args.unread),
        limit=args.limit,
        offset=args.offset,
    )
    return jsonify(
        {
            "notifications": [notification_out(n) for n in found.items],
            "total": found.total,
            "unread": services.unread_count(db.session, me),
        }
    )


@operation(
    "/notifications/read",
    "POST",
    summary="Mark my notifications read (some ids, or all)",
    tag="notifications",
    body=ReadIn,
    response=ReadOut,
    scope="notifications:write",
)
def mark_read() -> ResponseReturnValue:
    data = json_body(ReadIn)
    if data.all == (data.ids is not None):
        raise ValidationFailed(
            details=[{"field": "ids", "message": _l("Give either ids or all=true.")}]
        )
    me = _me()
    marked = services.mark_read(db.session, me, None if data.all else data.ids, now=clock.now())
    return jsonify({"marked": marked, "unread": services.unread_count(db.session, me)})


@operation(
    "/subscriptions",
    "GET",
    summary="My notification subscriptions",
    tag="notifications",
    response=SubscriptionList,
    scope="boards:read",
)
def list_subscriptions() -> ResponseReturnValue:
    subs = services.subscriptions(db.session, _me())
    return jsonify({"subscriptions": [subscription_out(s) for s in subs]})


@operation(
    "/subscriptions",
    "POST",
    summary="Subscribe to boards going dark in an area",
    tag="notifications",
    body=SubscriptionIn,
    response=SubscriptionOut,
    status=201,
    errors=(409,),
    scope="notifications:write",
)
def create_subscription() -> ResponseReturnValue:
    data = json_body(SubscriptionIn)
    area = area_field(data.area, action="board.view")
    sub = services.subscribe(
        db.session, actor(), _me(), area, console=data.console, email=data.email, now=clock.now()
    )
    return jsonify(subscription_out(sub)), 201


@operation(
    "/subscriptions/<int:subscription_id>",
    "DELETE",
    summary="End one of my subscriptions",
    tag="notifications",
    status=204,
    scope="notifications:write",
)
def delete_subscription(subscription_id: int) -> ResponseReturnValue:
    sub = services.own_subscription(db.session, _me(), subscription_id)
    services.unsubscribe(db.session, actor(), sub, now=clock.now())
    return "", 204
