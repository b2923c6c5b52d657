"""The database engine and the per-request session (plain SQLAlchemy 2.0)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from voting.config import ConfigError

try:
    import fcntl
except ImportError:  # not on Windows: there SQLite's own busy wait decides
    fcntl = None  # type: ignore[assignment]


class Base(DeclarativeBase):
    """Declarative base of every Buurtstem table."""


def make_engine(url: str, *, pool_timeout: int | None = None) -> Engine:
    """An engine for ``url``; :class:`ConfigError` with a readable message when the URL
    is malformed or names a driver that is not installed. ``pool_timeout``: seconds a
    request waits for a free pooled connection (SQLAlchemy's default is 30)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            f"DATABASE_URL {url!r} is not a database URL. Examples: "
            "sqlite:///instance/buurtstem.db or "
            "postgresql+psycopg://user@127.0.0.1:5432/buurtstem"
        ) from None
    options: dict[str, object] = {"future": True}
    if pool_timeout is not None:
        options["pool_timeout"] = pool_timeout
    if parsed.get_backend_name() == "sqlite":
        # Threads share the file; SQLite serialises writers itself.
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        options["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **options)
    except Exception as error:  # a missing driver raises several different types
        raise ConfigError(f"DATABASE_URL {parsed.render_as_string()!r}: {error}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # Foreign keys are off by default in SQLite; WAL lets readers work during a write.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def init_app(app: Flask) -> None:
    """Bind an engine and a session factory to ``app``."""
    engine = make_engine(
        app.config["DATABASE_URL"], pool_timeout=app.config.get("DATABASE_POOL_TIMEOUT")
    )
    app.extensions["db_engine"] = engine
    app.extensions["db_sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    from voting import election_cache  # here: it imports the models, which import us

    election_cache.init_app(app, engine)
    app.teardown_appcontext(_close_session)


def engine() -> Engine:
    """The current app's engine."""
    return current_app.extensions["db_engine"]


def session() -> Session:
    """The session of the current request or app context (one per context)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["db_sessionmaker"]()
    return g.db_session


@contextmanager
def new_session() -> Iterator[Session]:
    """A session of its own, closed afterwards (for CLI work and background steps)."""
    s: Session = current_app.extensions["db_sessionmaker"]()
    try:
        yield s
    finally:
        s.close()


def _close_session(_exc: BaseException | None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        try:
            s.close()
        except DBAPIError:
            # The database went away mid-request (a restart): closing rolls back on a
            # dead connection. Drop it; the pool connects afresh on the next request.
            with suppress(DBAPIError):
                s.invalidate()


def sqlite_file(session: Session) -> str | None:
    """The path of the SQLite file ``session`` works on; None for a server database
    or SQLite in memory (one writer at a time only matters between connections)."""
    url = session.get_bind().engine.url
    database = url.database or ""
    if url.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    return database


@contextmanager
def writer_turn(session: Session) -> Iterator[None]:
    """On a SQLite file, one cast at a time over every process, each woken the moment
    the one before it ends; elsewhere nothing (PostgreSQL queues row locks itself).

    SQLite's own wait for its write lock (the busy timeout) sleeps in growing steps,
    up to 100 ms, and tries again, so a cast that waits can lose to newer ones time
    after time: under load the cast was the one slow step of a visit (SQLite, 50
    clients: p99 1,670 ms against 211-281 ms for every other page). Casts take an
    exclusive ``flock`` on a file beside the database first, which the kernel hands
    on as soon as it is released. Take it outside a transaction (commit first): a
    writer waiting here must not hold SQLite's lock meanwhile."""
    database = sqlite_file(session)
    if fcntl is None or database is None:
        yield
        return
    descriptor = os.open(f"{database}.cast-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock
