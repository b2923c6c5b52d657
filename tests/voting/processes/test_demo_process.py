"""``voting demo`` includes the Oud-Woensel process: its codes file lists process codes
that vote in the open theme poll, and its public timeline shows four steps."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy.orm import Session

from voting import casting
from voting.casting import CodeOutcome
from voting.cli.demo_process import SLUG


def test_demo_process_codes_vote_in_step_one(
    app: Flask, runner: FlaskCliRunner, db_session: Session
) -> None:
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert f"/traject/{SLUG}" in result.output
    lines = (Path(app.instance_path) / "demo-codes.txt").read_text(encoding="utf-8").splitlines()
    start = next(n for n, line in enumerate(lines) if "one code per resident" in line)
    printed = [line for line in lines[start + 1 :] if line.strip()][:20]
    assert len(printed) == 20
    for code in printed[:3]:
        check = casting.look_up_code(db_session, app.config["CODE_PEPPER"], code)
        assert check.outcome is CodeOutcome.OK
        assert check.election is not None and check.election.slug == "oud-woensel-themas"
    page = app.test_client().get(f"/traject/{SLUG}").get_data(as_text=True)
    assert page.count('class="timeline-step') == 4
    assert "Nu open: stem met uw code" in page and "Nu open: dien uw idee in" in page
