"""Area endpoints: browse and search the tree, create hand-made areas."""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field

from signage import clock
from signage.areas import services
from signage.areas.models import Area
from signage.db import db
from signage.http import areas as access
from signage.http.api import actor, api_blueprint, json_body, operations, query_args
from signage.http.areas import area_field
from signage.permissions import require

bp = api_blueprint("areas")
operation = operations(bp)

SEARCH_LIMIT = 50


class AreaOut(BaseModel):
    """An area as the API shows it."""

    code: str
    name: str
    kind: str
    parent: str | None
    depth: int
    official: bool
    children: int = 0


class AreaList(BaseModel):
    areas: list[AreaOut]


class AreaQuery(BaseModel):
    """Children of `parent` (or of the root); with `q`, a search inside `parent`'s subtree."""

    model_config = ConfigDict(extra="forbid")
    parent: str | None = Field(
        None, max_length=32, description="Area code; default your top areas."
    )
    q: str | None = Field(
        None,
        max_length=100,
        description="Part of the name (case and accents ignored) or start of the code; "
        f"at most {SEARCH_LIMIT} results.",
    )


class AreaCreate(BaseModel):
    """A village, residential group, old district or custom zone to create."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["village", "residential_group", "custom", "district"]
    parent: str = Field(min_length=1, max_length=32)


def area_out(area: Area, children: int = 0) -> dict:
    """Serialise an area."""
    return AreaOut(
        code=area.code,
        name=area.name,
        kind=area.kind,
        parent=area.parent.code if area.parent else None,
        depth=area.depth,
        official=area.official,
        children=children,
    ).model_dump()


@operation(
    "/areas",
    "GET",
    summary="List the children of an area (or the root), or search areas by name or code",
    tag="areas",
    query=AreaQuery,
    response=AreaList,
    errors=(404,),
    scope="areas:read",
)
def list_areas() -> ResponseReturnValue:
    """Children of an area, or with q a search by name (ignoring case and accents) or code."""
    args = query_args(AreaQuery)
    user = actor().user
    parent = access.visible_area(db.session, user, args.parent) if args.parent else None
    if args.q is not None and args.q.strip():
        rows = access.search_visible(db.session, user, args.q, within=parent, limit=SEARCH_LIMIT)
    else:
        rows = access.visible_children(db.session, user, parent)
    counts = services.child_counts(db.session, [a.id for a in rows])
    return jsonify({"areas": [area_out(a, counts.get(a.id, 0)) for a in rows]})


@operation(
    "/areas/<code>",
    "GET",
    summary="One area with its ancestors",
    tag="areas",
    response=AreaOut,
    scope="areas:read",
)
def get_area(code: str) -> ResponseReturnValue:
    """One area with the codes of its ancestors, root first."""
    area = access.visible_area(db.session, actor().user, code)
    out = area_out(area, services.child_counts(db.session, [area.id]).get(area.id, 0))
    out["ancestors"] = [a.code for a in services.ancestors(db.session, area)]
    return jsonify(out)


@operation(
    "/areas",
    "POST",
    summary="Create a village, residential group, old district or custom zone",
    tag="areas",
    body=AreaCreate,
    response=AreaOut,
    status=201,
    errors=(409,),
    scope="areas:write",
)
def create_area() -> ResponseReturnValue:
    """Create a hand-made area under a parent the caller manages."""
    data = json_body(AreaCreate)
    parent = area_field(data.parent, field="parent")
    require(actor().user, "area.manage", parent)
    area = services.create_area(
        db.session,
        actor(),
        code=data.code,
        name=data.name,
        kind=data.kind,
        parent_code=data.parent,
        now=clock.now(),
    )
    return jsonify(area_out(area)), 201
