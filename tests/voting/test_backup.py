"""``voting backup`` during voting and ``voting restore`` into another database: the
same sealed ballots, receipts and used codes, and after counting the same ballots in
the record (SQLite, and PostgreSQL when CI names a server)."""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tests.conftest import TEST_PEPPER, app_config, external_database_url
from tests.voting.box_support import close_and_open_box
from tests.voting.tally_helpers import make_key
from voting import casting, codes, create_app, db
from voting.models import Election, Receipt, RollEntry, SealedBallot, VotingCode
from voting.tally import certify_election, count_election

CAST_BEFORE = [["A"], ["B"], ["A"], ["C"]]
CAST_AFTER = [["B"], ["B"]]


def _codes(session: Session, election: Election, number: int) -> list[str]:
    """``number`` residents on the roll with a letter code each; returns the hashes."""
    hashes = []
    for _ in range(number):
        entry = RollEntry(election_id=election.id, voter_key=secrets.token_hex(32))
        session.add(entry)
        session.flush()
        digest = codes.code_hash(TEST_PEPPER, codes.generate())
        session.add(VotingCode(election_id=election.id, roll_entry_id=entry.id, code_hash=digest))
        hashes.append(digest)
    session.commit()
    return hashes


def _state(session: Session) -> tuple[set[str], set[str], set[str]]:
    """Receipts, sealed ciphertexts and used code hashes."""
    session.expire_all()
    return (
        set(session.scalars(select(Receipt.receipt))),
        set(session.scalars(select(SealedBallot.sealed))),
        set(session.scalars(select(VotingCode.code_hash).where(VotingCode.used_at.is_not(None)))),
    )


@pytest.fixture
def second_database(tmp_path: Path) -> Iterator[str]:
    """An empty database to restore into: a new SQLite file, or a new database on the
    PostgreSQL server CI uses."""
    server = external_database_url()
    if server is None:
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    base = make_url(server)
    name = f"buurtstem_restore_{secrets.token_hex(4)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_during_voting_restores_the_same_ballots_and_record(
    app: Flask,
    make_election: Callable[..., Election],
    db_session: Session,
    tmp_path: Path,
    second_database: str,
) -> None:
    if external_database_url() is not None and shutil.which("pg_dump") is None:
        pytest.skip("PostgreSQL's pg_dump is not installed")
    election = make_election(ballot_type="single", rule="plurality")
    hashes = _codes(db_session, election, 10)
    for digest, choices in zip(hashes, CAST_BEFORE, strict=False):
        casting.cast_ballot(db_session, election, digest, choices, "online")
    at_backup = _state(db_session)
    backup_file = tmp_path / "during-voting.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert "Backup of" in result.output and backup_file.stat().st_size > 0
    # A second backup never overwrites the first.
    again = app.test_cli_runner().invoke(args=["backup", str(backup_file)])
    assert again.exit_code != 0 and "exists already" in again.output
    # Voting goes on after the backup.
    for digest, choices in zip(hashes[4:], CAST_AFTER, strict=False):
        casting.cast_ballot(db_session, election, digest, choices, "online")
    assert len(_state(db_session)[0]) == 6

    restored_app = create_app(app_config(second_database, tmp_path / "restored-instance"))
    result = restored_app.test_cli_runner().invoke(args=["restore", str(backup_file), "--yes"])
    assert result.exit_code == 0, result.output
    with restored_app.app_context(), db.new_session() as restored:
        assert _state(restored) == at_backup
        election_b = restored.get(Election, election.id)
        assert election_b is not None and election_b.phase == "voting"
        # The box opens with the same shares and the count gives the ballots of then.
        assert close_and_open_box(restored, election_b) == len(CAST_BEFORE)
        count_election(restored, election_b, "test")
        key = make_key(tmp_path / "restored-key")
        certify_election(restored, election_b, "test", key)
        record = json.loads(election_b.record_json or "")
    assert sorted(b["choices"] for b in record["ballots"]) == sorted(CAST_BEFORE)
    assert sorted(record["receipts"]) == sorted(at_backup[0])
    restored_app.extensions["db_engine"].dispose()


def test_restore_refuses_what_is_not_a_backup(app: Flask, tmp_path: Path) -> None:
    junk = tmp_path / "not-a-backup"
    junk.write_bytes(b"just some bytes, not a database")
    result = app.test_cli_runner().invoke(args=["restore", str(junk), "--yes"])
    assert result.exit_code != 0
    assert "cannot be restored" in result.output or "pg_restore failed" in result.output
