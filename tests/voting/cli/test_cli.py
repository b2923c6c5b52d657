"""The ``voting`` command: demo, users, database, and its errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voting import codes
from voting.cli.demo_data import DUIVEN_SLUG, ROLL_SIZE, WOENSEL_SLUG
from voting.models import Ballot, Election, Option, RollEntry, StaffUser, VotingCode

REPO = Path(__file__).resolve().parents[3]


def run_voting(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the installed console script's code in a clean process."""
    return subprocess.run(
        [sys.executable, "-c", "from voting.cli import main; main()", *args],
        env={**os.environ, "PYTHONPATH": str(REPO), **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_builds_a_complete_demo(
    app: Flask, runner: FlaskCliRunner, db_session: Session
) -> None:
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Demo ready." in result.output
    elections = {e.slug: e for e in db_session.scalars(select(Election))}
    duiven, woensel = elections[DUIVEN_SLUG], elections[WOENSEL_SLUG]
    assert duiven.turnout_threshold_percent == 30
    assert len(duiven.options) == 3
    assert woensel.budget == 50_000
    assert len(woensel.accepted_options()) == 12
    assert all(o.cost > 0 for o in woensel.options)
    for election in (duiven, woensel):
        assert election.is_open()
        roll = db_session.scalar(select(func.count()).where(RollEntry.election_id == election.id))
        assert roll == ROLL_SIZE
    # The certified example: one used code per counted ballot, like a real vote.
    example = elections["speelplek-hemelrijken-2025"]
    assert example.phase == "certified"
    used = db_session.scalar(
        select(func.count()).where(
            VotingCode.election_id == example.id, VotingCode.used_at.is_not(None)
        )
    )
    ballots = db_session.scalar(select(func.count()).where(Ballot.election_id == example.id))
    assert used == ballots > 0
    roles = {u.role for u in db_session.scalars(select(StaffUser))}
    assert roles == {"clerk", "organiser", "admin"}
    # Every printed code is one the database knows, for the right election.
    codes_file = Path(app.instance_path) / "demo-codes.txt"
    printed = [
        line.split()[1] for line in codes_file.read_text().splitlines() if line.startswith("DEMO-")
    ]
    assert len(printed) == 2 * ROLL_SIZE
    stored = {c.code_hash: c.election_id for c in db_session.scalars(select(VotingCode))}
    pepper = app.config["CODE_PEPPER"]
    assert codes.problem(printed[0]) is None
    assert stored[codes.code_hash(pepper, printed[0])] == duiven.id
    assert stored[codes.code_hash(pepper, printed[-1])] == woensel.id
    assert all(codes.code_hash(pepper, code) in stored for code in printed)
    # The demo logins work.
    clerk_line = next(line for line in codes_file.read_text().splitlines() if "clerk:" in line)
    username, password = clerk_line.split(": ")[1].split(" / ")
    user = db_session.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None and user.check_password(password)
    admin_line = next(line for line in codes_file.read_text().splitlines() if "admin:" in line)
    username, password = admin_line.split(": ")[1].split(" / ")
    admin = db_session.scalar(select(StaffUser).where(StaffUser.username == username))
    assert admin is not None and admin.role == "admin" and admin.check_password(password)
    assert "Admin login:" in result.output


def test_demo_twice_keeps_data_and_reset_rebuilds(
    runner: FlaskCliRunner, db_session: Session
) -> None:
    assert runner.invoke(args=["demo", "--no-serve"]).exit_code == 0
    again = runner.invoke(args=["demo", "--no-serve"])
    assert "already exists" in again.output
    # Duiven, Oud-Woensel, the certified example, and the process's three stages
    assert db_session.scalar(select(func.count()).select_from(Election)) == 6
    db_session.rollback()  # a reset drops tables: no open transaction may hold them
    reset = runner.invoke(args=["demo", "--no-serve", "--reset"])
    assert reset.exit_code == 0, reset.output
    assert db_session.scalar(select(func.count()).select_from(Election)) == 6
    # 3 plans, 12 proposals and the 5 playgrounds of the certified example; the
    # process: 5 themes in the poll and in the split, 3 ideas of the wijkraad
    assert db_session.scalar(select(func.count()).select_from(Option)) == 33


def test_create_user(runner: FlaskCliRunner, db_session: Session) -> None:
    result = runner.invoke(
        args=["create-user", "griffier", "--role", "clerk", "--password", "lang genoeg 123"]
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(StaffUser).where(StaffUser.username == "griffier"))
    assert user is not None and user.role == "clerk"
    assert user.check_password("lang genoeg 123")
    duplicate = runner.invoke(
        args=["create-user", "griffier", "--role", "clerk", "--password", "lang genoeg 123"]
    )
    assert duplicate.exit_code != 0
    assert "already exists" in duplicate.output


def test_create_user_refuses_short_password(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["create-user", "x", "--role", "clerk", "--password", "kort"])
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not a database URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot reach the database"),
        ("mysql+nosuchdriver://x@localhost/db", "DATABASE_URL"),
    ],
)
def test_bad_database_url_gives_a_clear_error(tmp_path: Path, url: str, message: str) -> None:
    result = run_voting("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_db_upgrade_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = run_voting("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Database is at revision head" in result.stdout
    assert (tmp_path / "new.db").exists()
