"""Casts on a SQLite file that wait for the writer's turn go in together, in one
transaction (voting.group_commit): each is told its own outcome, a code that cannot
vote changes nothing for the others, a failed commit stores none of them, and nobody
gets a receipt whose ballot is not in the box."""

from __future__ import annotations

import contextlib
import ctypes
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.voting.vote.support import PEPPER, add_codes, tally, vote
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

    # Both were told: the leader its own error, the other one that quotes nothing of
    # it (no other voter's statement in its log); no code used, nothing stored.
    assert len(errors) == 2 and errors[0] is not errors[1]
    assert sorted(type(error).__name__ for error in errors) == ["GroupAborted", "RuntimeError"]
    assert [str(error) for error in errors].count("disk full") == 1
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


def test_a_cast_whose_group_failed_gets_the_try_again_page(
    app: Flask, db_session: Session, make_election: MakeElection, monkeypatch: Any
) -> None:
    election = make_election(ballot_type="single")
    [code] = add_codes(db_session, election, 1)

    def aborted(*_args: Any, **_kwargs: Any) -> str:
        raise group_commit.GroupAborted("the transaction of this cast's group was rolled back")

    monkeypatch.setattr(casting, "cast_ballot", aborted)
    response = vote(app.test_client(), election, code, {"choice": "A"})
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "uw stemcode ook niet gebruikt" in page
    assert tally(db_session) == (0, 0, 0)


# --- the hand-over between leaders, without a database ---------------------------------


class _Session:
    def __init__(self) -> None:
        self.commits = 0

    def commit(self) -> None:
        self.commits += 1

    def rollback(self) -> None:
        pass


class _Refused(Exception):
    pass


def _start(grouping: group_commit.GroupCommit, write: Any, out: dict[str, Any], name: str):
    def run() -> None:
        try:
            out[name] = grouping.cast(_Session(), write)  # type: ignore[arg-type]
        except BaseException as error:
            out[name] = error

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.005)


def _free_turn(monkeypatch: Any, turn: Any = None) -> None:
    @contextlib.contextmanager
    def free(_session: Any) -> Iterator[None]:
        yield

    monkeypatch.setattr(db, "writer_turn", turn or free)


def test_a_waiting_cast_whose_thread_is_aborted_passes_the_lead_on(monkeypatch: Any) -> None:
    _free_turn(monkeypatch)
    grouping = group_commit.GroupCommit(lambda error: isinstance(error, _Refused))
    out: dict[str, Any] = {}
    writing = threading.Event()

    def slow(_session: Any) -> str:
        writing.wait(5)
        return "L"

    leader = _start(grouping, slow, out, "L")
    _until(lambda: grouping.queued == 0 and leader.is_alive())
    waiter = _start(grouping, lambda _s: "W", out, "W")
    _until(lambda: grouping.queued == 1)
    time.sleep(0.05)
    # The waiting thread is stopped (as a signal or a timeout stops one) just when the
    # leader appoints it to lead the next group.
    stopped = ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(waiter.ident), ctypes.py_object(KeyboardInterrupt)
    )
    assert stopped == 1
    writing.set()
    leader.join(5)
    waiter.join(5)
    assert out["L"] == "L" and isinstance(out["W"], KeyboardInterrupt)
    # Casting goes on: the next cast is not left waiting for a leader that left.
    later = _start(grouping, lambda _s: "C", out, "C")
    later.join(5)
    assert out["C"] == "C" and grouping.queued == 0


def test_a_leader_that_gets_no_turn_fails_only_its_own_cast(monkeypatch: Any) -> None:
    waiting = threading.Event()
    release = threading.Event()

    @contextlib.contextmanager
    def turn(_session: Any) -> Iterator[None]:
        if threading.current_thread().name == "L":
            waiting.set()
            release.wait(5)
            raise OSError(24, "Too many open files")
        yield

    _free_turn(monkeypatch, turn)
    grouping = group_commit.GroupCommit(lambda error: isinstance(error, _Refused))
    out: dict[str, Any] = {}
    threads = [_start(grouping, lambda _s: "L", out, "L")]
    waiting.wait(5)
    threads += [_start(grouping, lambda _s, n=n: f"W{n}", out, f"W{n}") for n in range(3)]
    _until(lambda: grouping.queued == 4)
    release.set()
    for thread in threads:
        thread.join(5)
    assert isinstance(out["L"], OSError)
    # The others were never tried by that leader: the next of them led, all were cast.
    assert [out[f"W{n}"] for n in range(3)] == ["W0", "W1", "W2"]


def test_an_error_after_the_commit_does_not_fail_the_stored_casts(monkeypatch: Any) -> None:
    release = threading.Event()

    @contextlib.contextmanager
    def turn(_session: Any) -> Iterator[None]:
        if threading.current_thread().name == "L":
            release.wait(5)
        yield
        raise OSError(5, "the lock file would not close")

    _free_turn(monkeypatch, turn)
    grouping = group_commit.GroupCommit(lambda error: isinstance(error, _Refused))
    out: dict[str, Any] = {}
    threads = [_start(grouping, lambda _s: "L", out, "L")]
    _until(lambda: grouping.queued == 1)
    threads += [_start(grouping, lambda _s, n=n: f"W{n}", out, f"W{n}") for n in range(2)]
    _until(lambda: grouping.queued == 3)
    release.set()
    for thread in threads:
        thread.join(5)
    # Their ballots were committed, so they get their receipts; only the leader's own
    # request sees the error (as before group commit).
    assert out["W0"] == "W0" and out["W1"] == "W1"
    assert isinstance(out["L"], OSError) and grouping.groups >= 1
