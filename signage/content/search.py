"""Searching the content list: words in the headline or body (case and accents ignored), state,
category, area subtree and author, all within the user's view scope."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from signage.accounts.models import User
from signage.areas.models import Area
from signage.content.items import visible_items
from signage.content.models import ContentItem, Revision
from signage.db import fold, fold_text

TEXT_MAX = 100


@dataclass(frozen=True)
class ContentQuery:
    """What the content list is filtered by (empty strings and None: no filter)."""

    text: str = ""
    state: str | None = None
    category: str | None = None
    area: Area | None = None
    author: User | None = None


def search_items(user: User | None, query: ContentQuery) -> Select[ContentItem]:
    """Items the user may view that match every filter of the query, newest change first."""
    stmt = visible_items(user, state=query.state, area=query.area, category=query.category)
    needle = fold_text(" ".join(query.text.split())[:TEXT_MAX]) or ""
    if needle:
        newer = aliased(Revision)
        latest = (
            select(func.max(newer.number))
            .where(newer.item_id == ContentItem.id)
            .correlate(ContentItem)
            .scalar_subquery()
        )
        body_matches = (
            exists()
            .where(
                Revision.item_id == ContentItem.id,
                Revision.number == latest,
                fold(Revision.body).contains(needle, autoescape=True),
            )
            .correlate(ContentItem)
        )
        stmt = stmt.where(
            or_(fold(ContentItem.headline).contains(needle, autoescape=True), body_matches)
        )
    if query.author is not None:
        stmt = stmt.where(ContentItem.created_by_id == query.author.id)
    return stmt


def authors(session: Session, user: User | None) -> list[User]:
    """Users who created an item the user may view, by name, for the author filter."""
    mine = visible_items(user).order_by(None).with_only_columns(ContentItem.created_by_id)
    stmt = select(User).where(User.id.in_(mine.scalar_subquery())).order_by(User.username)
    return list(session.scalars(stmt))
