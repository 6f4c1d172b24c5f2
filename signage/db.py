"""Engine, sessions and the declarative base; one session per request or event."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from flask import Flask, g
from sqlalchemy import DateTime, MetaData, String, Table, create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model, with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING)
    if TYPE_CHECKING:  # every model maps a plain table (SQLAlchemy types it as FromClause)
        __table__: ClassVar[Table]


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _fold_table() -> dict[int, str]:
    # Every precomposed Latin letter with marks (all Vietnamese vowels) -> its bare lower letter.
    table = {ord("đ"): "d", ord("Đ"): "d"}
    for cp in range(0xC0, 0x2000):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if chr(cp).isalpha() and base != chr(cp) and base.isascii() and base.isalpha():
            table[cp] = base.lower()
    return table


_FOLD = _fold_table()
_FOLD_FROM = "".join(chr(cp) for cp in _FOLD)
_FOLD_TO = "".join(_FOLD.values())


def fold_text(value: str | None) -> str | None:
    """Text folded for search: NFC, Vietnamese diacritics removed (đ -> d), lower case."""
    if value is None:
        return None
    return unicodedata.normalize("NFC", value).translate(_FOLD).lower()


class fold(FunctionElement):
    """SQL twin of fold_text(): the same folding on SQLite (Python function) and PostgreSQL."""

    type = String()
    name = "fold"
    inherit_cache = True


@compiles(fold, "sqlite")
def _fold_sqlite(element: fold, compiler: SQLCompiler, **kw: Any) -> str:
    return f"signage_fold({compiler.process(element.clauses, **kw)})"


@compiles(fold)
def _fold_default(element: fold, compiler: SQLCompiler, **kw: Any) -> str:
    # translate() first so the result does not depend on the server's ctype for lower().
    arg = compiler.process(element.clauses, **kw)
    return f"lower(translate({arg}, '{_FOLD_FROM}', '{_FOLD_TO}'))"


class bytewise(FunctionElement):
    """A column compared byte by byte, so ORDER BY is the same on every backend and locale."""

    name = "bytewise"
    inherit_cache = True


@compiles(bytewise)
def _bytewise_default(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(bytewise, "postgresql")
def _bytewise_pg(element: bytewise, compiler: SQLCompiler, **kw: Any) -> str:
    return f'({compiler.process(element.clauses, **kw)}) COLLATE "C"'


def create_private_sqlite_file(url: str) -> None:
    """Create a missing SQLite database file readable by its owner only (0600).

    SQLite would create it with the umask (often 0644: every local user could read board
    tokens' hashes, pairing requests and the audit log); its -wal and -shm files copy the mode.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and a private file."""
    if url.startswith("sqlite"):
        create_private_sqlite_file(url)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
            dbapi_conn.create_function("signage_fold", 1, fold_text, deterministic=True)
            # The driver would BEGIN only before DML, so the first SAVEPOINT opened the transaction
            # and its RELEASE committed everything; SQLAlchemy emits BEGIN itself instead.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def run_after_commit(session: Session, callback: Callable[[], object]) -> None:
    """Run callback once the session's current transaction commits (e.g. a realtime emit)."""
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a SAVEPOINT was released (begin_nested); wait for the real commit
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    # Only the outermost rollback discards the callbacks: a handled SAVEPOINT rollback
    # (begin_nested around an expected IntegrityError) must not drop the transaction's pushes.
    if previous_transaction.parent is None:
        session.info.pop("after_commit", None)


class Database:
    """The database extension: an engine and a session factory per app."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.sessionmaker: sessionmaker[Session] | None = None

    def init_app(self, app: Flask) -> None:
        """Bind the engine lazily; nothing connects until the first query."""
        settings = app.config["SIGNAGE"]
        pool: dict[str, Any] = {}
        if not settings.database_url.startswith("sqlite"):
            pool = {
                "pool_size": settings.db_pool_size,
                "max_overflow": settings.db_max_overflow,
                "pool_timeout": settings.db_pool_timeout_seconds,
            }
        self.engine = make_engine(settings.database_url, **pool)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        app.extensions["signage_db"] = self
        app.after_request(self._commit)
        app.teardown_appcontext(self._teardown)

    @property
    def session(self) -> Session:
        """The session of the current request or app context, created on first use."""
        if "db_session" not in g:
            assert self.sessionmaker is not None, "Database.init_app was not called"
            g.db_session = self.sessionmaker()
        return g.db_session

    @contextmanager
    def scope(self) -> Iterator[Session]:
        """A session for code outside requests (CLI, Socket.IO handlers, jobs); commits on exit."""
        assert self.sessionmaker is not None
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def _commit(self, response: Any) -> Any:
        """Commit the request's work unless an error handler marked it for rollback."""
        session = g.get("db_session")
        if session is not None:
            if g.get("db_rollback") or response.status_code >= 500:
                session.rollback()
            else:
                session.commit()
        return response

    def _teardown(self, exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


db = Database()
