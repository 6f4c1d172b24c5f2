"""The content API's request and response bodies (pydantic), apart from the handlers in api.py."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from signage.content.models import CATEGORIES, PRIORITIES

# The API's enums are the model's tuples, so the two can never disagree.
Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]
State = Literal["draft", "pending", "approved", "rejected", "archived"]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]
AreaCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Channel = Annotated[int, Field(ge=0, le=255)]
Colour = Annotated[list[Channel], Field(min_length=3, max_length=3, description="[r, g, b]")]


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
    # Pictures: how they fill each profile ("*": every board), e.g. {"*": {"mode": "cover"}}.
    fit: dict[str, Any] = {}
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
