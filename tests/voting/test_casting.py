"""voting.casting and voting.ballot_validation: the code lookup, the one-transaction
cast, and the Dutch explanation of every rule the counting library enforces."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ballots import model
from tests.voting.box_support import close_and_open_box
from tests.voting.vote.support import PEPPER, add_codes, assert_consistent, tally
from voting import casting, codes
from voting.ballot_validation import BallotRefused, check_choices, parse_form
from voting.casting import CodeOutcome
from voting.models import Ballot, Election, Receipt, SealedBallot, VotingCode, utcnow

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


def hash_of(code: str) -> str:
    return codes.code_hash(PEPPER, code)


def test_cast_marks_the_code_and_stores_an_unlinked_ballot(
    app: Flask, db_session: Session, make_election: MakeElection
) -> None:
    election = make_election()
    [code] = add_codes(db_session, election, 1)
    with app.app_context():
        receipt = casting.cast_ballot(db_session, election, hash_of(code), ["B", "A"], "online")
    # Into the box sealed: nothing readable, and no readable ballot yet.
    sealed = db_session.scalar(select(SealedBallot))
    assert (
        sealed is not None
        and b'"B"' not in base64.b64decode(sealed.sealed)
        and db_session.scalar(select(Ballot)) is None
    )
    assert {c.name for c in SealedBallot.__table__.columns} == {"id", "election_id", "sealed"}
    assert db_session.scalar(select(Receipt.receipt)) == receipt
    assert (
        db_session.scalar(select(VotingCode.used_channel).where(VotingCode.used_at.is_not(None)))
        == "online"
    )
    assert tally(db_session) == (1, 1, 1)
    with app.app_context():
        assert close_and_open_box(db_session, election) == 1
    ballot = db_session.scalar(select(Ballot))
    assert ballot is not None and json.loads(ballot.content) == ["B", "A"] and not ballot.invalid
    # The opened ballot knows nothing of the code, the receipt or the channel.
    columns = {c.name for c in Ballot.__table__.columns}
    assert columns == {"id", "election_id", "content", "invalid"}
    assert db_session.scalar(select(SealedBallot)) is None
    assert tally(db_session) == (1, 1, 1)
    # The code remembers only the day it was used, not the moment.
    used = db_session.scalar(select(VotingCode.used_at).where(VotingCode.used_at.is_not(None)))
    assert used is not None
    assert (used.hour, used.minute, used.second, used.microsecond) == (0, 0, 0, 0)


def test_non_ranked_choices_are_stored_sorted(
    app: Flask, db_session: Session, make_election: MakeElection
) -> None:
    election = make_election(ballot_type="approval", rule="approval")
    [code] = add_codes(db_session, election, 1)
    with app.app_context():
        casting.cast_ballot(db_session, election, hash_of(code), ["C", "A"], "online")
        close_and_open_box(db_session, election)
    assert db_session.scalar(select(Ballot.content)) == '["A", "C"]'


def test_second_cast_with_the_same_code_is_already_used(
    app: Flask, db_session: Session, make_election: MakeElection
) -> None:
    election = make_election()
    [code] = add_codes(db_session, election, 1)
    with app.app_context():
        casting.cast_ballot(db_session, election, hash_of(code), ["A"], "online")
        with pytest.raises(casting.AlreadyUsed):
            casting.cast_ballot(db_session, election, hash_of(code), ["B"], "paper")
    assert tally(db_session) == (1, 1, 1)


def test_revoked_unknown_and_wrong_election_are_told_apart(
    app: Flask, db_session: Session, make_election: MakeElection
) -> None:
    election = make_election(slug="one")
    other = make_election(slug="two")
    [code, revoked] = add_codes(db_session, election, 2)
    db_session.execute(
        update(VotingCode)
        .where(VotingCode.code_hash == hash_of(revoked))
        .values(revoked_at=utcnow())
    )
    db_session.commit()
    with app.app_context():
        with pytest.raises(casting.Revoked):
            casting.cast_ballot(db_session, election, hash_of(revoked), ["A"], "online")
        with pytest.raises(casting.UnknownCode):
            casting.cast_ballot(db_session, election, hash_of(codes.generate()), ["A"], "online")
        with pytest.raises(casting.UnknownCode):
            casting.cast_ballot(db_session, other, hash_of(code), ["A"], "online")
    assert tally(db_session) == (0, 0, 0)


@pytest.mark.parametrize(
    "fields",
    [
        {"phase": "closed"},
        {"phase": "draft"},
        {"closes_at": utcnow() - timedelta(seconds=1)},
        {"opens_at": utcnow() + timedelta(hours=1)},
    ],
)
def test_cast_outside_the_voting_window_is_refused(
    app: Flask, db_session: Session, make_election: MakeElection, fields: dict[str, object]
) -> None:
    election = make_election(**fields)
    [code] = add_codes(db_session, election, 1)
    with app.app_context(), pytest.raises(casting.ElectionNotOpen):
        casting.cast_ballot(db_session, election, hash_of(code), ["A"], "online")
    assert tally(db_session) == (0, 0, 0)


@pytest.mark.parametrize(
    ("election_fields", "choices", "message", "valid"),
    [
        ({}, ["A", "Z"], "niet bij deze stemming hoort", ["A"]),
        ({}, ["A", "A"], "meer dan één keer", ["A"]),
        ({"ballot_type": "single"}, ["A", "B"], "Kies één optie.", ["B"]),
        ({"ballot_type": "approval", "max_choices": 1}, ["A", "B"], "hoogstens 1", ["B"]),
        ({"ballot_type": "approval", "min_choices": 3}, ["A", "B"], "minstens 3", ["A", "B", "C"]),
        (
            {"kind": "budget", "costs": [600, 500], "budget": 1000},
            ["P01", "P02"],
            "€\u00a0100 meer",
            ["P02"],
        ),
        ({}, [], "Blanco stemmen kan bij deze stemming niet.", ["C"]),
    ],
)
def test_invalid_choices_are_refused_in_dutch_and_the_code_stays_unused(
    app: Flask,
    db_session: Session,
    make_election: MakeElection,
    election_fields: dict[str, object],
    choices: list[str],
    message: str,
    valid: list[str],
) -> None:
    election = make_election(**election_fields)
    [code] = add_codes(db_session, election, 1)
    with app.app_context(), app.test_request_context(), pytest.raises(BallotRefused) as refused:
        casting.cast_ballot(db_session, election, hash_of(code), choices, "online")
    assert refused.value.status == 422
    assert message in refused.value.problems[0].message
    assert tally(db_session) == (0, 0, 0)
    with app.app_context():
        casting.cast_ballot(db_session, election, hash_of(code), valid, "online")
    assert tally(db_session) == (1, 1, 1)


def test_validation_agrees_with_the_counting_library(
    app: Flask, db_session: Session, make_election: MakeElection
) -> None:
    """The web check is the library's check: every subset of a budget election is
    accepted by one exactly when it is accepted by the other."""
    election = make_election(kind="budget", costs=[300, 500, 700, 900], budget=1500, max_choices=3)
    options = [model.Option(o.key, o.title, o.cost) for o in election.options]
    profile = model.Profile(
        kind=model.BallotKind.BUDGET, options=tuple(options), groups=(), budget=1500, max_choices=3
    )
    keys = [o.key for o in election.options]
    with app.test_request_context():
        for mask in range(1, 1 << len(keys)):
            choices = [k for i, k in enumerate(keys) if mask >> i & 1]
            try:
                profile.check_ballot(choices)
                library_ok = True
            except model.BallotError:
                library_ok = False
            try:
                check_choices(election, choices)
                web_ok = True
            except BallotRefused:
                web_ok = False
            assert web_ok == library_ok, choices


def test_parse_form_reads_each_ballot_type(app: Flask, make_election: MakeElection) -> None:
    ranked = make_election(options=["A", "B", "C"], slug="r")
    single = make_election(ballot_type="single", slug="s", allow_blank=True)
    approval = make_election(ballot_type="approval", slug="a")
    with app.test_request_context():
        form = MultiDict({"rank-A": "3", "rank-B": "", "rank-C": "1"})
        parsed = parse_form(ranked, form)
        assert parsed.choices == ["C", "A"] and parsed.renumbered
        assert parse_form(single, MultiDict({"choice": "-"})).blank
        assert parse_form(approval, MultiDict([("choice", "C"), ("choice", "B")])).choices == [
            "B",
            "C",
        ]


def test_look_up_code_outcomes(
    app: Flask, db_session: Session, make_election: MakeElection
) -> None:
    election = make_election()
    closed = make_election(slug="closed", phase="closed")
    [code, used] = add_codes(db_session, election, 2)
    [closed_code] = add_codes(db_session, closed, 1)
    with app.app_context():
        casting.cast_ballot(db_session, election, hash_of(used), ["A"], "online")
    wrong_check = code[:-1] + next(c for c in codes.ALPHABET if c != code[-1])
    cases = {
        "": CodeOutcome.EMPTY,
        "ABC": CodeOutcome.MALFORMED,
        wrong_check: CodeOutcome.MISTYPED,
        codes.generate(): CodeOutcome.UNKNOWN,
        used: CodeOutcome.USED,
        closed_code: CodeOutcome.CLOSED,
        codes.formatted(code).lower(): CodeOutcome.OK,
    }
    for entered, outcome in cases.items():
        check = casting.look_up_code(db_session, PEPPER, entered)
        assert check.outcome is outcome, entered
    ok = casting.look_up_code(db_session, PEPPER, code)
    assert ok.election is not None and ok.election.id == election.id
    assert ok.code_hash == hash_of(code)
    # Typos the check character catches never reach the database: not guesses.
    assert {o for o in CodeOutcome if o.is_failed_attempt} == {CodeOutcome.UNKNOWN}


def test_receipts_are_random_and_well_formed() -> None:
    receipts = {casting.new_receipt() for _ in range(2000)}
    assert len(receipts) == 2000
    for receipt in receipts:
        assert len(receipt) == 11 and receipt[5] == "-"
        assert set(receipt.replace("-", "")) <= set(codes.ALPHABET)
