"""The database handle, the unit of work and after-commit side effects.

Services add and flush; whoever starts the work (a view, a job, a CLI command) wraps it in
``unit_of_work()``, which commits once and only then runs the side effects registered with
``after_commit()``.

SQLite (the embedded default) runs in WAL mode, so readers never wait for the writer, and every
unit of work takes the write lock when it begins (``BEGIN IMMEDIATE``), waiting up to
``SQLITE_BUSY_TIMEOUT_MS`` for it: a transaction that first read and only then tried to write
would fail at once with "database is locked" when another writer committed in between, which no
timeout can wait out. Bookkeeping writes that ride on a read (a token's last use, a need visit)
go through ``best_effort()``: if the database is busy they are skipped, never failing the read.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import scoped_session, sessionmaker
from sqlmodel import Session

log = logging.getLogger(__name__)

_CALLBACKS = "innomatch.after_commit"
_EXTENSION = "innomatch.db"
# Seconds to wait for a new PostgreSQL connection before the request gives up (a 503, see web/error_pages.py).
PG_CONNECT_TIMEOUT_SECONDS = 5
# How long a SQLite writer waits for another writer's lock before the request gives up (a 503 with
# Retry-After, see web/error_pages.py).
SQLITE_BUSY_TIMEOUT_MS = 8000
# True inside a unit of work: its SQLite transaction begins IMMEDIATE (holding the write lock).
_WRITING: ContextVar[bool] = ContextVar("innomatch_writing", default=False)


def utcnow() -> datetime:
    return datetime.now(UTC)


def enum_type(enum_cls: type[StrEnum]) -> sa.Enum:
    """A portable VARCHAR-backed enum column storing the enum's values."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):  # pragma: no cover - driver hook
            # Let SQLAlchemy own BEGIN so that SAVEPOINTs work with pysqlite.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            # Readers keep reading while one writer writes (an in-memory database stays "memory").
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - driver hook
            conn.exec_driver_sql("BEGIN IMMEDIATE" if _WRITING.get() else "BEGIN")

        return engine
    if url.startswith("postgresql"):
        # A database host that does not answer (rather than refusing) must not hold a request for minutes:
        # libpq waits forever by default. A connect_timeout in the URL wins over ours.
        connect_args = dict(kwargs.pop("connect_args", {}))
        if "connect_timeout" not in sa.engine.make_url(url).query:
            connect_args.setdefault("connect_timeout", PG_CONNECT_TIMEOUT_SECONDS)
        kwargs["connect_args"] = connect_args
    # pre-ping: a pooled connection that died (e.g. PostgreSQL restarted) is replaced before use, so the app
    # recovers from an outage by itself.
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


class Database:
    """One engine and one scoped session per app."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.factory = sessionmaker(bind=self.engine, class_=Session, expire_on_commit=False)
        self.session = scoped_session(self.factory)
        # A forked rq work horse must not share the parent's pooled connections.
        os.register_at_fork(after_in_child=self._after_fork)

    def _after_fork(self) -> None:
        self.engine.dispose(close=False)

    def init_app(self, app) -> None:
        app.extensions[_EXTENSION] = self

        @app.teardown_appcontext
        def _remove_session(_exc):
            self.remove_session()

    def remove_session(self) -> None:
        """End this thread's session, even when its connection died under it (e.g. PostgreSQL restarted).

        Closing rolls back, which raises on a dead connection; that failed close would leave the session
        registered for the next request on this thread (a gunicorn worker's only thread) and turn an answer
        already made into a 500. SQLAlchemy has invalidated the connection by then, so a second close works.
        """
        try:
            self.session.remove()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("closing the session failed (%s); discarding it", type(exc).__name__)
            try:
                self.session.remove()
            except sa.exc.SQLAlchemyError:
                self.session.registry.clear()


class _CurrentDatabase:
    """``db.session`` and ``db.engine`` of the app in the current context."""

    @property
    def database(self) -> Database:
        return current_app.extensions[_EXTENSION]

    @property
    def session(self) -> Session:
        return self.database.session()

    @property
    def engine(self) -> sa.Engine:
        return self.database.engine


db = _CurrentDatabase()


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """One commit on success, a rollback on any error; after-commit callbacks run last.

    On SQLite the work runs in a transaction of its own that holds the write lock from its first statement: a
    read-only transaction the request had open (the view's lookups before the work) is ended first. Objects
    loaded by it stay usable (``expire_on_commit=False``).
    """
    session = db.session
    if _is_sqlite(session) and session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.commit()
    writing = _WRITING.set(True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(_CALLBACKS, None)
        raise
    finally:
        _WRITING.reset(writing)
    callbacks = session.info.pop(_CALLBACKS, [])
    for callback in callbacks:
        callback()


def insert_once(row) -> bool:
    """Inserts ``row`` in a savepoint; False, leaving the transaction usable, when a concurrent request already
    inserted the same key (the unique constraint answers, on PostgreSQL after the other commits): the way to
    make a double submit of a create-once row (a vote, a visit, an acceptance) answer like a single one."""
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except sa.exc.IntegrityError:
        return False
    return True


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def database_busy(exc: BaseException) -> bool:
    """True when ``exc`` is SQLite's "database is locked" / "is busy": another writer held the lock past the
    busy timeout. Nothing was written; the same request succeeds once the lock is free."""
    orig = getattr(exc, "orig", exc)
    return (
        type(orig).__name__ == "OperationalError"
        and type(orig).__module__ == "sqlite3"
        and ("locked" in str(orig) or "busy" in str(orig))
    )


def best_effort(work: Callable[[], Any], what: str) -> Any:
    """Runs ``work`` in its own unit of work and returns its result; if the database is busy or unavailable,
    logs it and returns None instead of raising: for bookkeeping (a token's last use, a need visit) that must
    never fail the read it rides on."""
    try:
        with unit_of_work():
            return work()
    except sa.exc.OperationalError as exc:
        log.warning("skipped %s: %s", what, (str(getattr(exc, "orig", exc)).splitlines() or [""])[0])
        return None


def after_commit(callback: Callable[[], Any]) -> None:
    """Run ``callback`` after the current unit of work commits; drop it on rollback."""
    db.session.info.setdefault(_CALLBACKS, []).append(callback)
