"""What audit entries point at, by name and code: one registry of lookups per object kind.

Entries store internal ids or codes; people read names. A page (or an export) first says which
objects it needs (`Names.want`), then `Names.resolve` runs one query per kind for all of them,
so a page of fifty entries costs a dozen queries at most, never one per entry."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from signage.accounts.models import ApiToken, User
from signage.alerts.models import Alert, AlertTemplate
from signage.areas.models import Area
from signage.boards.models import Board, BoardGroup
from signage.content.models import ContentItem, MediaAsset, ProfileRecord
from signage.schedules.models import Playlist, Schedule

CHUNK = 500


@dataclass(frozen=True)
class Found:
    """An object as people know it: its name and its code ('' when it has none)."""

    name: str
    code: str = ""


Loader = Callable[[Session, list[str]], dict[str, Found]]


@dataclass(frozen=True)
class Kind:
    """One kind of object: what it is called in a sentence, and how to look many up at once."""

    noun: Any
    load: Loader
    code_label: Any = _l("code")


def _ints(keys: Iterable[str]) -> list[int]:
    return [int(k) for k in keys if k.isdigit() and len(k) < 12]


def _columns(key: Any, name: Any, code: Any = None, spare: Any = None) -> Loader:
    """A loader selecting only these columns (no relationship loads): the object's key, its
    name, its code and a spare name used when the name is empty (a user's username)."""
    by_int = key.key == "id"

    def load(session: Session, keys: list[str]) -> dict[str, Found]:
        wanted: list[Any] = _ints(keys) if by_int else list(keys)
        blank = literal("")
        stmt = select(key, name, code if code is not None else blank, spare or blank)
        return {
            str(k): Found(str(n or s or ""), str(c or ""))
            for k, n, c, s in session.execute(stmt.where(key.in_(wanted)))
        }

    return load


def _media(session: Session, keys: list[str]) -> dict[str, Found]:
    cols = select(MediaAsset.sha256, MediaAsset.width, MediaAsset.height)
    rows = session.execute(cols.where(MediaAsset.sha256.in_(keys)))
    return {sha: Found(f"{w}×{h}", sha[:12]) for sha, w, h in rows}


KINDS: dict[str, Kind] = {
    "user": Kind(
        _l("user"),
        _columns(User.id, User.display_name, User.username, User.username),
        _l("username"),
    ),
    "api_token": Kind(_l("API token"), _columns(ApiToken.id, ApiToken.name, None, ApiToken.prefix)),
    "alert": Kind(_l("emergency bulletin"), _columns(Alert.id, Alert.headline)),
    "alert_template": Kind(
        _l("alert template"), _columns(AlertTemplate.id, AlertTemplate.name, AlertTemplate.key)
    ),
    "area": Kind(_l("area"), _columns(Area.code, Area.name, Area.code)),
    "area.id": Kind(_l("area"), _columns(Area.id, Area.name, Area.code)),
    "board": Kind(_l("board"), _columns(Board.code, Board.name, Board.code)),
    "board.id": Kind(_l("board"), _columns(Board.id, Board.name, Board.code)),
    "board_group": Kind(
        _l("board group"), _columns(BoardGroup.code, BoardGroup.name, BoardGroup.code)
    ),
    "board_group.id": Kind(
        _l("board group"), _columns(BoardGroup.id, BoardGroup.name, BoardGroup.code)
    ),
    "content_item": Kind(_l("item"), _columns(ContentItem.id, ContentItem.headline)),
    "display_profile": Kind(
        _l("display profile"), _columns(ProfileRecord.key, ProfileRecord.name, ProfileRecord.key)
    ),
    "media": Kind(_l("image"), _media),
    "playlist": Kind(_l("playlist"), _columns(Playlist.id, Playlist.name)),
    "schedule": Kind(_l("schedule"), _columns(Schedule.id, Schedule.name)),
}

# How alert targets ("area:6") and schedule targets ("group:CODE") name their kinds.
TARGET_BY_ID = {"area": "area.id", "group": "board_group.id", "board": "board.id"}
TARGET_BY_CODE = {"area": "area", "group": "board_group", "board": "board"}


class Names:
    """The objects a set of entries refers to, looked up in one query per kind."""

    def __init__(self) -> None:
        self._wanted: dict[str, set[str]] = defaultdict(set)
        self._found: dict[tuple[str, str], Found] = {}

    def want(self, kind: str, key: Any) -> None:
        """Ask for an object by kind and id/code; unknown kinds and empty keys are ignored."""
        text = str(key if key is not None else "")[:64]
        if kind in KINDS and text:
            self._wanted[kind].add(text)

    def resolve(self, session: Session) -> None:
        """Look up every wanted object (one query per kind and 500 keys)."""
        for kind, keys in self._wanted.items():
            todo = sorted(k for k in keys if (kind, k) not in self._found)
            for start in range(0, len(todo), CHUNK):
                for key, found in KINDS[kind].load(session, todo[start : start + CHUNK]).items():
                    self._found[(kind, key)] = found
        self._wanted.clear()

    def get(self, kind: str, key: Any) -> Found | None:
        """The object, or None if it does not exist (any more)."""
        return self._found.get((kind, str(key if key is not None else "")[:64]))
