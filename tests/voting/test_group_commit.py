"""Casts on a SQLite file that wait for the writer's turn go in together, in one
transaction (voting.group_commit): each is told its own outcome, a code that cannot
vote changes nothing for the others, a failed commit stores none of them, and nobody
gets a receipt whose ballot is not in the box."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.voting.vote.support import PEPPER, add_codes, tally
from voting import casting, codes, db, group_commit
from voting.models import Election, Receipt, utcnow

MakeElection = Callable[..., Election]


def hash_of(code: str) -> str:
    return codes.code_hash(PEPPER, code)


def _grouping(session: Session) -> group_commit.GroupCommit:
    if not group_commit.applies(session):
        pytest.skip("casts are grouped on a SQLite file only; PostgreSQL locks rows")
    return group_commit.for_engine(session.get_bind().engine, casting._is_cast_error)


def _wait_until_queued(grouping: group_commit.GroupCommit, count: int) -> None:
    deadline = time.monotonic() + 10
    while grouping.queued < count:
        assert time.monotonic() < deadline, f"{grouping.queued} of {count} casts queued"
        time.sleep(0.01)


def test_casts_that_wait_for_the_writer_go_in_one_transaction(
    app: Flask, db_session: Session, make_election: MakeElection
) -> None:
    election = make_election()
    *good, used = add_codes(db_session, election, 7)
    with app.app_context():
        casting.cast_ballot(db_session, election, hash_of(used), ["A"], "online")
    grouping = _grouping(db_session)
    groups_before = grouping.groups
    outcomes: dict[str, Any] = {}

    def cast(code: str) -> None:
        with app.app_context():
            session: Session = app.extensions["db_sessionmaker"]()
            try:
                outcomes[code] = casting.cast_ballot(
                    session, session.get(Election, election.id), hash_of(code), ["B"], "online"
                )
            except casting.CastError as error:
                outcomes[code] = error
            finally:
                session.close()

    unknown = codes.generate()
    everyone = [*good, used, unknown]
    threads = [threading.Thread(target=cast, args=(code,)) for code in everyone]
    # Another writer has the turn (a paper ballot, another worker): the casts queue.
    with db.writer_turn(db_session):
        for thread in threads:
            thread.start()
        _wait_until_queued(grouping, len(everyone))
    for thread in threads:
        thread.join(10)

    assert grouping.groups == groups_before + 1
    receipts = [outcomes[code] for code in good]
    assert all(isinstance(receipt, str) for receipt in receipts)
    assert len(set(receipts)) == len(good)
    assert isinstance(outcomes[used], casting.AlreadyUsed)
    assert isinstance(outcomes[unknown], casting.UnknownCode)
    db_session.expire_all()
    stored = set(db_session.scalars(select(Receipt.receipt)))
    assert set(receipts) <= stored
    # One ballot and one receipt per used code: the used and unknown codes added none.
    assert tally(db_session) == (7, 7, 7)


def test_a_failed_group_stores_none_of_its_casts(
    app: Flask, db_session: Session, make_election: MakeElection
) -> None:
    election = make_election()
    first, second = add_codes(db_session, election, 2)
    grouping = _grouping(db_session)
    errors: list[BaseException] = []

    def write_then_fail(session: Session) -> str:
        casting._write_cast(
            session, election.id, hash_of(second), "c2VhbGVk", "AAAAA-BBBBB", "online", utcnow()
        )
        raise RuntimeError("disk full")

    def cast_first() -> None:
        with app.app_context():
            session: Session = app.extensions["db_sessionmaker"]()
            try:
                casting.cast_ballot(
                    session, session.get(Election, election.id), hash_of(first), ["A"], "online"
                )
            except RuntimeError as error:
                errors.append(error)
            finally:
                session.close()

    def cast_failing() -> None:
        session: Session = app.extensions["db_sessionmaker"]()
        try:
            grouping.cast(session, write_then_fail)
        except RuntimeError as error:
            errors.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=cast_first), threading.Thread(target=cast_failing)]
    with db.writer_turn(db_session):
        for thread in threads:
            thread.start()
        _wait_until_queued(grouping, 2)
    for thread in threads:
        thread.join(10)

    # Both were told, each with an exception of its own; no code used, nothing stored.
    assert len(errors) == 2 and errors[0] is not errors[1]
    assert all("disk full" in str(error) for error in errors)
    db_session.expire_all()
    assert tally(db_session) == (0, 0, 0)
    # The next cast finds the queue free and leads its own group.
    with app.app_context():
        assert casting.cast_ballot(db_session, election, hash_of(first), ["A"], "online")
    assert tally(db_session) == (1, 1, 1)


def test_a_receipt_that_is_taken_gets_a_new_one(
    app: Flask, db_session: Session, make_election: MakeElection
) -> None:
    election = make_election()
    first, second = add_codes(db_session, election, 2)
    with app.app_context():
        taken = casting.cast_ballot(db_session, election, hash_of(first), ["A"], "online")
        again = casting.cast_ballot(
            db_session, election, hash_of(second), ["B"], "online", receipt=taken
        )
    assert again != taken and len(again) == len(taken)
    assert set(db_session.scalars(select(Receipt.receipt))) == {taken, again}
    assert tally(db_session) == (2, 2, 2)
