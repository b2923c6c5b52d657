"""Alembic environment: runs our migrations on the URL ``voting.migrate`` passes in."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from voting import models  # noqa: F401  (fills the metadata)
from voting.db import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    """Emit SQL without a database connection (``alembic upgrade --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Apply migrations over a connection (given by the caller or made from the URL)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table by copying it and dropping the old one. With
        # foreign keys on (the app turns them on), dropping ``elections`` deletes or
        # updates the rows that refer to it, and the append-only audit log refuses:
        # the upgrade fails. Off while migrating (SQLite only honours this outside a
        # transaction, which pysqlite has not begun yet) and checked after.
        # (``voting.migrate`` turns them on again once the transaction is over.)
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    _migrate(connection, sqlite)


def _migrate(connection, sqlite: bool) -> None:  # type: ignore[no-untyped-def]
    # Batch mode lets ALTER-heavy migrations work on SQLite too.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=sqlite,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows that refer to nothing: {broken}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
