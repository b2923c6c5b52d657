"""Split and points elections from the clerk's form to the certified record: the form
offers both ballot types with their settings, refuses them without a total or points,
and what residents cast is counted, recorded with its amounts and recounted by
``tools/recount.py`` to the same result."""

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
from voting.models import Election
from voting.tally import certify_election, count_election

REPO = Path(__file__).resolve().parents[2]


def test_clerk_sets_up_a_split_in_euros(client: FlaskClient, login, db_session: Session) -> None:
    login("clerk")
    form = election_form(
        ballot_type="distribution",
        rule="distribution-median",
        seats="1",
        budget="50000",
        split_unit="euro",
    )
    assert client.post("/beheer/verkiezing/nieuw", data=form).status_code == 302
    election = db_session.scalar(select(Election))
    assert election is not None
    assert (election.ballot_type, election.budget, election.split_unit) == (
        "distribution",
        50_000,
        "euro",
    )


def test_clerk_sets_up_a_points_budget(client: FlaskClient, login, db_session: Session) -> None:
    login("clerk")
    form = election_form(
        kind="budget", ballot_type="points", rule="mes", budget="50000", max_points="10"
    )
    assert client.post("/beheer/verkiezing/nieuw", data=form).status_code == 302
    election = db_session.scalar(select(Election))
    assert election is not None and election.max_points == 10


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"ballot_type": "distribution", "rule": "distribution-mean"},
            "wat de inwoners verdelen",
        ),
        (
            {"kind": "budget", "ballot_type": "points", "rule": "greedy", "budget": "9000"},
            "Punten per inwoner",
        ),
        ({"ballot_type": "distribution", "rule": "irv", "budget": "100"}, "past niet bij"),
        (
            {"kind": "budget", "ballot_type": "points", "rule": "mes-add1", "budget": "9000"},
            "past niet bij",
        ),
    ],
)
def test_split_and_points_settings_are_checked(
    client: FlaskClient, login, db_session: Session, overrides: dict[str, str], message: str
) -> None:
    login("clerk")
    response = client.post("/beheer/verkiezing/nieuw", data=election_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.fixture
def certify(
    db_session: Session, app: Flask
) -> Callable[[Election, list[list[str]]], dict[str, object]]:
    key_path = make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)

    def run(election: Election, ballots: list[list[str]]) -> dict[str, object]:
        add_roll(db_session, election, 20)
        add_ballots(db_session, election, ballots)
        count_election(db_session, election, "griffie")
        certify_election(db_session, election, "griffie", key_path)
        return json.loads(election.record_json or "")

    return run


def recount(path: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-I", str(REPO / "tools" / "recount.py"), str(path), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_a_points_budget_is_counted_with_points_and_recounts(
    make_election: Callable[..., Election], certify, tmp_path: Path
) -> None:
    election = make_election(
        kind="budget",
        ballot_type="points",
        rule="mes",
        phase="closed",
        costs=[30_000, 20_000, 20_000],
        budget=50_000,
        max_points=10,
    )
    # Two residents want P01 badly; three spread their points thinly.
    stored = [["P01:10"], ["P01:9", "P02:1"]] + [["P01:1", "P02:5", "P03:4"]] * 3
    record = certify(election, stored)
    meta = record["election"]
    assert meta["ballot_type"] == "points" and meta["max_points"] == 10
    assert {"choices": ["P01"], "points": [10]} in [
        {k: b[k] for k in ("choices", "points")} for b in record["ballots"]
    ]
    assert record["result"]["details"]["utilities"] == "points"
    path = tmp_path / "record.json"
    path.write_text(election.record_json or "", encoding="utf-8")
    read = read_record(path)
    for what, check in RECORD_CHECKS:
        assert check(read) == [], what
    assert recount(path)["winners"] == record["result"]["winners"]


def test_the_results_page_of_a_points_vote_shows_the_points(
    make_election: Callable[..., Election], certify, client: FlaskClient
) -> None:
    election = make_election(
        kind="budget",
        ballot_type="points",
        rule="greedy",
        phase="closed",
        costs=[30_000, 20_000],
        budget=40_000,
        max_points=10,
    )
    certify(election, [["P01:10"], ["P01:6", "P02:4"], ["P02:3"]])
    page = client.get(f"/uitslag/{election.slug}").get_data(as_text=True)
    assert "Punten per voorstel" in page
    assert "<td>16</td>" in page and "<td>7</td>" in page  # P01 16 points, P02 7


def test_a_split_is_certified_and_recounts(
    make_election: Callable[..., Election], certify, tmp_path: Path, client: FlaskClient
) -> None:
    election = make_election(
        ballot_type="distribution",
        rule="distribution-median",
        phase="closed",
        budget=100,
        options=["Groen", "Spelen", "Verkeer"],
        allow_blank=True,
    )
    record = certify(election, [["P01:60", "P02:40"], ["P02:100"], ["P02:100"], []])
    details = record["result"]["details"]
    assert sum(details["amounts"].values()) == 100
    assert details["blank"] == 1
    path = tmp_path / "record.json"
    path.write_text(election.record_json or "", encoding="utf-8")
    assert recount(path)["winners"] == record["result"]["winners"]
    page = client.get(f"/uitslag/{election.slug}").get_data(as_text=True)
    assert "De verdeling van 100 punten" in page
    assert "fantoomstemmen" in page
    csv = client.get(f"/uitslag/{election.slug}/stembiljetten.csv")
    assert csv.status_code == 200
    assert csv.get_data(as_text=True).splitlines()[0] == "P01,P02,P03"
    assert client.get(f"/uitslag/{election.slug}/uitslag.csv").status_code == 200
    report = client.get(f"/uitslag/{election.slug}/proces-verbaal.pdf")
    assert report.status_code == 200 and report.get_data()[:4] == b"%PDF"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(report.get_data())).pages)
    assert "De verdeling" in text and "Spelen" in text and "fantoomstemmen" in text


def test_equal_shares_says_what_blank_ballots_did(
    make_election: Callable[..., Election], certify, client: FlaskClient
) -> None:
    # 4 ballots, one blank: each gets 40,000 / 4 = 10,000; the blank one's share is
    # spent on nothing, and the record says that blank ballots' shares count.
    election = make_election(
        kind="budget",
        rule="mes",
        phase="closed",
        costs=[20_000, 20_000],
        budget=40_000,
        allow_blank=True,
    )
    record = certify(election, [["P01"], ["P01"], ["P02"], []])
    assert record["election"]["blank_share"] == "counted"
    assert record["result"]["details"]["voter_share"] == "10000"
    assert record["result"]["winners"] == ["P01"]  # P02's one supporter has 10,000 only
    page = client.get(f"/uitslag/{election.slug}").get_data(as_text=True)
    assert "Het deel van het ene blanco stembiljet (€\u00a010.000) gaat naar geen enkel" in page


def test_paper_ballots_explain_splits_points_and_the_minimum(
    app: Flask, make_election: Callable[..., Election]
) -> None:
    from voting.documents.paper_ballot import instructions

    split = make_election(ballot_type="distribution", rule="distribution-mean", budget=100)
    points = make_election(
        kind="budget", ballot_type="points", rule="greedy", costs=[10], max_points=10
    )
    minimum = make_election(kind="budget", costs=[10], budget=100, min_spend_percent=60)
    with app.test_request_context():
        assert "Samen precies 100 punten" in instructions(split)[0]
        assert "Samen hoogstens 10 punten" in instructions(points)[0]
        assert any("minstens 60% van het budget" in line for line in instructions(minimum))
        assert not any("kruisje" in line for line in instructions(split))
