"""The Alembic migrations build exactly the schema the models describe, on SQLite and
on PostgreSQL, and can be undone."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from tests.conftest import reset_server_schema
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


@pytest.mark.parametrize("backend", ["sqlite", "server"])
def test_upgrade_from_empty_matches_models(
    tmp_path: Path, backend: str, server_database_url: str | None
) -> None:
    if backend == "server" and server_database_url is None:
        pytest.skip("DATABASE_URL names no database server")
    url = f"sqlite:///{tmp_path / 'fresh.db'}" if backend == "sqlite" else server_database_url
    assert url is not None
    engine = create_engine(url)
    if backend == "server":
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


def test_database_accepts_exactly_the_library_rules(tmp_path: Path) -> None:
    """A rule added to ballots.methods needs a migration: the check constraint must
    list every rule the library offers, and nothing else."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    from ballots.methods import RULES

    engine = create_engine(f"sqlite:///{tmp_path / 'rules.db'}")
    upgrade(engine)
    insert = text(
        "INSERT INTO elections (slug, title, question, description, municipality, kind, "
        "ballot_type, rule, seats, allow_blank, turnout_threshold_percent, binding, "
        "tie_break_seed, phase, min_age, postcode_filter, neighbourhood_filter, next_steps, "
        "created_at) VALUES (:slug, 't', '', '', '', 'referendum', 'ranked', :rule, 1, 0, 0, "
        "0, '', 'draft', 16, '', '', '', '2026-01-01')"
    )
    with engine.begin() as conn:
        for rule in RULES:
            conn.execute(insert, {"slug": rule, "rule": rule})
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert, {"slug": "x", "rule": "coin-toss"})
    engine.dispose()


def test_upgrade_keeps_an_existing_databases_audit_log(tmp_path: Path) -> None:
    """A database made by an older version, with elections and audit rows, upgrades to
    the newest schema with the app's own settings (SQLite foreign keys on): the
    migrations that rebuild a table must not touch the append-only audit log."""
    from sqlalchemy import text

    from voting.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0020")
    with engine.begin() as conn:
        # an election as the old schema has it: every required column filled in
        given = {
            "slug": "oud",
            "phase": "draft",
            "kind": "referendum",
            "rule": "irv",
            "ballot_type": "ranked",
            "created_at": "2026-11-01 09:00:00",
        }
        values = {}
        for _cid, name, kind, notnull, default, primary in conn.execute(
            text("PRAGMA table_info(elections)")
        ):
            if primary or (not notnull) or default is not None:
                continue
            numeric = any(word in kind.upper() for word in ("INT", "BOOL", "NUMERIC"))
            values[name] = given.get(name, 1 if numeric else "x")
        values.update({k: v for k, v in given.items() if k in values})
        columns = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        conn.execute(text(f"INSERT INTO elections ({columns}) VALUES ({marks})"), values)
        conn.execute(
            text(
                "INSERT INTO audit_events (at, actor, action, election_id, detail) "
                "VALUES ('2026-11-01 10:00:00', 'griffie', 'election.create', 1, '{}')"
            )
        )
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT actor, election_id FROM audit_events")).all() == [
            ("griffie", 1)
        ]
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()
