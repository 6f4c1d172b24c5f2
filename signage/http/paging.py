"""Offset pagination of a select: one count+slice core, two front doors (console page
numbers, API limit/offset)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass
class Page:
    """One page of rows and where it sits among all matching rows."""

    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (at least one)."""
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        """True if there is a page before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """True if there is a page after this one."""
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        """1-based position of the first row on this page (0 when empty)."""
        return 0 if not self.items else (self.number - 1) * self.size + 1


@dataclass
class Window:
    """The rows an API list returns for its limit and offset, and how many match in all."""

    items: list[Any]
    total: int
    limit: int
    offset: int

    def counts(self) -> dict[str, int]:
        """total, limit and offset, as API list responses carry them."""
        return {"total": self.total, "limit": self.limit, "offset": self.offset}


def _count_and_slice(
    session: Session, stmt: Select[Any], *, limit: int, offset: int
) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = list(session.scalars(stmt.limit(limit).offset(offset)).unique())
    return items, total


def page_number(raw: str | None) -> int:
    """A page number from the query string; anything invalid means page 1."""
    try:
        return max(1, min(int(raw or 1), 1_000_000))
    except ValueError:
        return 1


def paginate(session: Session, stmt: Select[Any], number: int, size: int) -> Page:
    """Run stmt for one console page, counting all matching rows."""
    items, total = _count_and_slice(session, stmt, limit=size, offset=(number - 1) * size)
    return Page(items=items, number=number, size=size, total=total)


def window(session: Session, stmt: Select[Any], *, limit: int, offset: int) -> Window:
    """Run stmt for an API list's limit and offset, counting all matching rows."""
    items, total = _count_and_slice(session, stmt, limit=limit, offset=offset)
    return Window(items=items, total=total, limit=limit, offset=offset)
