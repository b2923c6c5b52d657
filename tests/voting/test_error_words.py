"""Errors are raised as codes with numbers and put into words only at the edge: every
code has words, in Dutch and in English, and English pages and the command line say
them in English."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from ballots.errors import BallotError, CodedError
from voting import ballot_box, elections, roll, roll_import, tally
from voting.error_words import TEXTS, explain
from voting.ideas.service import IdeaError
from voting.models import Election
from voting.processes.service import ProcessError

CODED = [
    BallotError,
    elections.PhaseError,
    elections.SetupError,
    roll.RollLocked,
    roll.NotOnRoll,
    roll.AlreadyVoted,
    roll_import.RegisterError,
    tally.TallyError,
    ballot_box.BoxError,
    ProcessError,
    IdeaError,
]


def test_every_code_has_words_and_an_english_sentence() -> None:
    codes = {code for kind in CODED for code in kind.ENGLISH}
    assert codes == set(TEXTS)
    assert all(issubclass(kind, CodedError) and issubclass(kind, ValueError) for kind in CODED)


@pytest.mark.parametrize(
    ("error", "dutch", "english"),
    [
        (
            BallotError("too_many_choices", given=4, limit=3, receipt="K7QM"),
            "Stem K7QM: 4 keuzes, hoogstens 3.",
            "Ballot K7QM: 4 choices, at most 3.",
        ),
        (
            tally.TallyError("count_failed", error=BallotError("one_winner_only", rule="irv")),
            "De telling kon niet worden uitgevoerd: Instant runoff",
            "The count could not be done: Instant runoff",
        ),
        (
            elections.PhaseError("phase_skip", phase="draft", to="closed", expected="voting"),
            "Fase 'in voorbereiding' kan niet naar 'gesloten'; de volgende fase is 'stemmen'.",
            "Phase 'in preparation' cannot move to 'closed'; the next phase is 'voting'.",
        ),
    ],
)
def test_words_in_the_reader_language(
    app: Flask, error: CodedError, dutch: str, english: str
) -> None:
    with app.test_request_context():
        assert explain(error).startswith(dutch)
        assert explain(error, locale="en").startswith(english)
    # The standalone tools read the library's English from the code.
    assert "4 choices, at most 3" in str(BallotError("too_many_choices", given=4, limit=3))


def test_english_setup_page_explains_in_english(client: FlaskClient, login) -> None:
    login("clerk")
    form = {
        "title": "Centrumplan Duiven",
        "slug": "centrumplan-duiven",
        "kind": "referendum",
        "ballot_type": "ranked",
        "rule": "mes",
        "seats": "1",
        "turnout_threshold_percent": "30",
        "min_age": "16",
    }
    dutch = client.post("/beheer/verkiezing/nieuw", data=form).get_data(as_text=True)
    assert "past niet bij een stembiljet" in dutch
    english = client.post("/beheer/verkiezing/nieuw?lang=en", data=form)
    assert english.status_code == 400
    text = english.get_data(as_text=True)
    assert "does not fit a ballot" in text and "past niet bij" not in text


def test_command_line_explains_in_english(
    runner: FlaskCliRunner, make_election, tmp_path: Path
) -> None:
    election: Election = make_election(postcode_filter="6923-6921")
    register = tmp_path / "register.csv"
    register.write_text("persoonsreferentie;naam;adres;postcode;woonplaats;geboortedatum\n")
    result = runner.invoke(args=["roll", "import", election.slug, str(register), "--check"])
    assert result.exit_code != 0
    assert "Postcode filter '6923-6921': the start lies after the end." in result.output
    assert "Postcodefilter" not in result.output


def test_command_line_names_the_encoding_in_english(
    runner: FlaskCliRunner, make_election, tmp_path: Path
) -> None:
    election: Election = make_election()
    register = tmp_path / "register.csv"
    body = (
        "persoonsreferentie;naam;adres;postcode;woonplaats;geboortedatum\n"
        "1001;Chloé Brouwer;Kerkstraat 1;6921 AB;Duiven;01-02-1980\n"
    )
    register.write_bytes(b"\xef\xbb\xbf" + body.encode())
    result = runner.invoke(args=["roll", "import", election.slug, str(register), "--check"])
    assert "1 rows (UTF-8 with BOM, delimiter ';')" in result.output, result.output
    assert "met BOM" not in result.output
