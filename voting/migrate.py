"""Apply Alembic migrations from Python (``voting db upgrade`` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # '%' would be read as interpolation by configparser.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` up to ``revision``."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        with connection.begin():
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
        _foreign_keys_on(connection)


def downgrade(engine: Engine, revision: str) -> None:
    """Take the database behind ``engine`` down to ``revision`` (``base`` = empty)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as connection:
        with connection.begin():
            cfg.attributes["connection"] = connection
            command.downgrade(cfg, revision)
        _foreign_keys_on(connection)


def _foreign_keys_on(connection: Connection) -> None:
    # The migrations turn SQLite's foreign keys off (see migrations/env.py); the pooled
    # connection goes back to the app, which relies on them. Only outside a
    # transaction does SQLite take the setting, hence after the commit.
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
