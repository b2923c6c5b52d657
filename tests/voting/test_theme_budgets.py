"""Per-theme budgets and the minimum spend in the web app: the clerk's settings, a
proposal vote that takes its theme budgets from a certified split, the record and the
results page, and ballots that spend too little."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.record import RECORD_CHECKS, read_record
from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from tests.voting.test_setup_routes import election_form
from voting import theme_budgets
from voting.models import Election
from voting.tally import certify_election, count_election

REPO = Path(__file__).resolve().parents[2]
MakeElection = Callable[..., Election]


def budget_form(**overrides: str) -> dict[str, str]:
    return election_form(
        kind="budget", ballot_type="budget", rule="greedy", budget="50000", **overrides
    )


def test_clerk_types_theme_budgets(client: FlaskClient, login, db_session: Session) -> None:
    login("clerk")
    form = budget_form(theme_budgets="Groen: 20.000\nSpelen: 30000", leftover="pooled")
    assert client.post("/beheer/verkiezing/nieuw", data=form).status_code == 302
    election = db_session.scalar(select(Election))
    assert election is not None
    assert json.loads(election.theme_budgets) == [["Groen", 20000], ["Spelen", 30000]]
    assert election.leftover == "pooled"
    page = client.get(f"/beheer/verkiezing/{election.id}/instellingen").get_data(as_text=True)
    assert "Groen: 20000\nSpelen: 30000" in page


@pytest.mark.parametrize(
    ("budgets", "message"),
    [
        ("Groen: 20000\nSpelen: 20000", "tellen op tot €\u00a040.000"),
        ("Groen 20000", "regel 1 klopt niet"),
        ("Groen: 20000\ngroen: 30000", "regel 2 klopt niet"),
    ],
)
def test_theme_budgets_that_do_not_fit_are_refused(
    client: FlaskClient, login, db_session: Session, budgets: str, message: str
) -> None:
    login("clerk")
    response = client.post("/beheer/verkiezing/nieuw", data=budget_form(theme_budgets=budgets))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(Election)) is None


@pytest.fixture
def certify(db_session: Session, app: Flask) -> Callable[[Election, list[list[str]]], dict]:
    key_path = make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)

    def run(election: Election, ballots: list[list[str]]) -> dict:
        add_roll(db_session, election, 20)
        add_ballots(db_session, election, ballots)
        count_election(db_session, election, "griffie")
        certify_election(db_session, election, "griffie", key_path)
        return json.loads(election.record_json or "")

    return run


def test_a_vote_takes_its_theme_budgets_from_the_certified_split(
    make_election: MakeElection,
    certify,
    db_session: Session,
    client: FlaskClient,
    tmp_path: Path,
) -> None:
    split = make_election(
        ballot_type="distribution",
        rule="distribution-median",
        phase="closed",
        budget=100,
        options=["Groen", "Spelen"],
        slug="verdeling-oud-woensel",
    )
    # 1 of 3 residents wants everything for green, 2 for play: 1/3 and 2/3.
    certify(split, [["P01:100"], ["P02:100"], ["P02:100"]])
    vote = make_election(
        kind="budget",
        rule="greedy",
        phase="closed",
        costs=[15_000, 10_000, 25_000, 5_000],
        budget=30_000,
        theme_split_id=split.id,
        leftover="unspent",
        slug="stemming-oud-woensel",
    )
    for option, theme in zip(vote.options, ["groen", "Groen", " spelen ", "Spelen"], strict=True):
        option.theme = theme
    db_session.commit()
    themes, pairs, source = theme_budgets.theme_budgets(db_session, vote)
    assert pairs == [("Groen", 10_000), ("Spelen", 20_000)] and source == "verdeling-oud-woensel"
    assert themes is not None and themes.theme_of == {
        "P01": "Groen",
        "P02": "Groen",
        "P03": "Spelen",
        "P04": "Spelen",
    }
    # Groen 10,000: P01 (15,000) never fits, P02 does. Spelen 20,000: P03 (25,000) does
    # not fit, P04 does. Without themes greedy would fund P03 (most votes) first.
    record = certify(vote, [["P03"], ["P03"], ["P03"], ["P01"], ["P01"], ["P02", "P04"]])
    assert record["result"]["winners"] == ["P02", "P04"]
    meta = record["election"]
    assert meta["theme_budgets"] == [["Groen", 10000], ["Spelen", 20000]]
    assert meta["leftover"] == "unspent" and meta["theme_budgets_from"] == "verdeling-oud-woensel"
    assert [o["theme"] for o in meta["options"]] == ["Groen", "Groen", "Spelen", "Spelen"]
    path = tmp_path / "record.json"
    path.write_text(vote.record_json or "", encoding="utf-8")
    read = read_record(path)
    for what, check in RECORD_CHECKS:
        assert check(read) == [], what
    done = subprocess.run(
        [sys.executable, "-I", str(REPO / "tools" / "recount.py"), str(path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(done.stdout)["winners"] == ["P02", "P04"]
    page = client.get(f"/uitslag/{vote.slug}").get_data(as_text=True)
    assert "Budget per thema" in page
    assert "vastgestelde verdeling verdeling-oud-woensel" in page
    assert "blijft over" in page
    report = client.get(f"/uitslag/{vote.slug}/proces-verbaal.pdf").get_data()
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(report)).pages)
    assert "Thema Groen: budget" in " ".join(text.split())


def test_the_ballot_shows_each_themes_budget_and_each_proposals_theme(
    make_election: MakeElection, db_session: Session, client: FlaskClient
) -> None:
    from tests.voting.vote.support import add_codes, enter_code

    election = make_election(
        kind="budget",
        costs=[5_000, 8_000],
        budget=20_000,
        theme_budgets=json.dumps([["Groen", 12000], ["Spelen", 8000]]),
    )
    election.options[0].theme = "Groen"
    db_session.commit()
    [code] = add_codes(db_session, election, 1)
    assert enter_code(client, code).status_code == 303
    page = client.get("/stem/stembiljet").get_data(as_text=True)
    assert "Elk thema heeft een eigen budget" in page
    assert "Groen: €\u00a012.000" in page and "Spelen: €\u00a08.000" in page
    assert "Thema: Groen" in page
