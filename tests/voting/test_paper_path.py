"""Paper as an equal path: the printable ballot, spoiled ballots entered as invalid,
and double entry by two clerks."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import STAFF_PASSWORD
from tests.voting.box_support import close_and_open_box, peek_ballots
from tests.voting.pdf_text import text_sizes
from tests.voting.vote.support import add_codes, assert_consistent
from voting import tally
from voting.models import AuditEvent, Election, PaperEntry, StaffUser, VotingCode

MakeElection = Callable[..., Election]


@pytest.fixture(autouse=True)
def consistent_after(app: Flask) -> Iterator[None]:
    """After every test: receipts = ballots = used codes."""
    yield
    session: Session = app.extensions["db_sessionmaker"]()
    try:
        assert_consistent(session)
    finally:
        session.close()


def carries_choices(detail: object) -> bool:
    """Whether an audit detail holds a ballot's content: a choice list or an option key
    as a value (other values, such as a random hex id, may contain the letter B)."""
    if isinstance(detail, dict):
        return any(
            key in ("choices", "keuzes") or carries_choices(value) for key, value in detail.items()
        )
    if isinstance(detail, list):
        return any(item in ("B", "C") or carries_choices(item) for item in detail)
    return detail in ("B", "C")


def clerk(app: Flask, make_staff: Callable[..., StaffUser], name: str) -> FlaskClient:
    """A browser logged in as clerk ``name``."""
    user = make_staff("clerk", name)
    browser = app.test_client()
    response = browser.post(
        "/beheer/inloggen", data={"username": user.username, "password": STAFF_PASSWORD}
    )
    assert response.status_code == 302
    return browser


def used(session: Session) -> list[str | None]:
    session.expire_all()
    return list(
        session.scalars(select(VotingCode.used_channel).where(VotingCode.used_at.is_not(None)))
    )


def test_a_spoiled_paper_ballot_counts_as_invalid_not_for_an_option(
    app: Flask,
    db_session: Session,
    make_election: MakeElection,
    make_staff: Callable[..., StaffUser],
) -> None:
    election = make_election(ballot_type="approval", rule="approval", max_choices=1)
    paper_codes = add_codes(db_session, election, 3)
    griffie = clerk(app, make_staff, "griffie")
    url = f"/beheer/papier/{election.id}"
    # Two crosses where one is allowed: not "choose fewer" (that is for a screen) but
    # a hint to the clerk that this ballot is invalid.
    refused = griffie.post(url, data={"code": paper_codes[0], "choice": ["A", "B"]})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Vink dan &#39;Ongeldig stembiljet&#39; aan" in page or "Ongeldig stembiljet" in page
    assert used(db_session) == []
    invalid = griffie.post(url, data={"code": paper_codes[0], "ongeldig": "1", "choice": "A"})
    assert invalid.status_code == 303
    assert "ongeldige stem" in griffie.get(invalid.location).get_data(as_text=True)
    assert griffie.post(url, data={"code": paper_codes[1], "choice": "B"}).status_code == 303
    assert used(db_session) == ["paper", "paper"]
    assert sorted((b.choices, b.invalid) for b in peek_ballots(db_session)) == [
        ([], True),
        (["B"], False),
    ]
    # The code is used: the resident voted, invalidly.
    again = griffie.post(url, data={"code": paper_codes[0], "choice": "B"})
    assert again.status_code == 409
    with app.test_request_context():
        close_and_open_box(db_session, election)
        result = tally.count_election(db_session, election, "griffie")
        record = tally.preview_record(db_session, election)
    assert result.winners == ("B",)
    assert record["counts"] == {
        "cast": 2,
        "online": 0,
        "paper": 2,
        "votes": 1,
        "blank": 0,
        "invalid": 1,
        "desk": 0,
    }
    assert record["turnout"]["ballots"] == 2 and len(record["receipts"]) == 2
    assert [b["choices"] for b in record["ballots"]] == [["B"]]


def test_double_entry_counts_a_ballot_only_when_two_clerks_agree(
    app: Flask,
    db_session: Session,
    make_election: MakeElection,
    make_staff: Callable[..., StaffUser],
) -> None:
    election = make_election(options=["A", "B", "C"])
    [code] = add_codes(db_session, election, 1)
    first, second = clerk(app, make_staff, "griffie"), clerk(app, make_staff, "tweede")
    url = f"/beheer/papier/{election.id}"
    assert first.post(f"{url}/dubbele-invoer", data={"aan": "1"}).status_code == 303
    ballot = {"code": code, "rank-B": "1", "rank-C": "2"}
    pending = first.post(url, data=ballot)
    assert pending.status_code == 303
    entry = db_session.scalar(select(PaperEntry))
    assert entry is not None and entry.status == "pending" and entry.clerk == "griffie"
    assert f"nummer {entry.number}" in first.get(pending.location).get_data(as_text=True)
    assert used(db_session) == []  # not counted yet
    # The first clerk cannot confirm their own entry.
    assert first.post(url, data=ballot).status_code == 409
    # A second clerk who reads it differently: a mismatch, shown to both.
    differs = second.post(url, data={"code": code, "rank-C": "1", "rank-B": "2"})
    assert differs.status_code == 303
    db_session.expire_all()
    assert db_session.scalar(select(PaperEntry.status)) == "mismatch"
    for browser in (first, second):
        page = browser.get(url).get_data(as_text=True)
        assert f"Nummer {entry.number} verschilt: ingevoerd door griffie en door tweede" in page
    assert used(db_session) == []
    # Settled together: they start again, and this time agree.
    restart = second.post(f"{url}/invoer/{entry.id}/opnieuw")
    assert restart.status_code == 303
    assert first.post(url, data=ballot).status_code == 303
    assert second.post(url, data=ballot).status_code == 303
    assert used(db_session) == ["paper"]
    assert db_session.scalar(select(PaperEntry)) is None
    assert [b.choices for b in peek_ballots(db_session)] == [["B", "C"]]
    actions = list(db_session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions.count("paper.first_entry") == 2 and "paper.mismatch" in actions
    assert "paper.entry_discarded" in actions and actions[-1] == "paper.ballot"
    # The digest kept for the first entry never held the choices themselves.
    assert not any(carries_choices(e.detail) for e in db_session.scalars(select(AuditEvent)))


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", ["Stembiljet: Centrumplan", "Schrijf een 1", "Ik stem blanco", "Uw stemcode"]),
        ("en", ["Ballot: Centrumplan", "Write a 1", "I vote blank", "Your voting code"]),
    ],
)
def test_printable_paper_ballot(
    app: Flask,
    make_election: MakeElection,
    make_staff: Callable[..., StaffUser],
    lang: str,
    expected: list[str],
) -> None:
    election = make_election(
        title="Centrumplan", options=["Plan A: Winkelhart", "Plan B: Groen plein"], allow_blank=True
    )
    griffie = clerk(app, make_staff, "griffie")
    response = griffie.get(f"/beheer/papier/{election.id}/stembiljet.pdf?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    text = " ".join(text.split())
    for part in [*expected, "Plan A: Winkelhart", "Plan B: Groen plein"]:
        assert part in text, text
    # Residents fill it in by hand: the instructions and options in at least 11 pt,
    # everything but the page's header and footer.
    sizes = text_sizes(PdfReader(io.BytesIO(response.data)).pages[0], top=18, bottom=280)
    assert any("Plan A: Winkelhart" in line for line in sizes)
    assert {line: size for line, size in sizes.items() if size < 11} == {}
