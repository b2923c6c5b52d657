"""The Alembic migrations build exactly the schema the models describe, on SQLite and
on PostgreSQL, and can be undone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from voting.migrate import downgrade, upgrade
from voting.models import Base

TABLES = {
    "elections",
    "options",
    "roll_entries",
    "voting_codes",
    "ballots",
    "staff_users",
    "audit_events",
}


def engines(tmp_path: Path) -> list[str]:
    urls = [f"sqlite:///{tmp_path / 'fresh.db'}"]
    server = os.environ.get("DATABASE_URL", "")
    if server and not server.startswith("sqlite"):
        urls.append(server)
    return urls


@pytest.mark.parametrize("backend", ["sqlite", "server"])
def test_upgrade_from_empty_matches_models(tmp_path: Path, backend: str) -> None:
    urls = engines(tmp_path)
    if backend == "server" and len(urls) == 1:
        pytest.skip("DATABASE_URL names no database server")
    url = urls[0] if backend == "sqlite" else urls[1]
    engine = create_engine(url)
    if backend == "server":
        from tests.conftest import reset_server_schema

        reset_server_schema(engine)
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) & TABLES == set()
    upgrade(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()
