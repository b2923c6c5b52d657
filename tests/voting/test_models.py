"""Database constraints refuse bad rows, whatever code tries to write them."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from voting import audit, codes
from voting.models import (
    AuditEvent,
    AuditLogIsAppendOnly,
    Election,
    Option,
    Receipt,
    VotingCode,
)
from voting.roll import add_voter, issue_code


def test_negative_cost_is_refused(db_session: Session, make_election) -> None:
    election = make_election(kind="budget", costs=[1000])
    db_session.add(Option(election_id=election.id, key="X", title="Negatief", cost=-5))
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_unknown_phase_is_refused(db_session: Session, make_election) -> None:
    election = make_election()
    with pytest.raises(IntegrityError):
        db_session.execute(
            text("UPDATE elections SET phase = 'bijna-klaar' WHERE id = :id"), {"id": election.id}
        )
        db_session.commit()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "poll"),
        ("ballot_type", "star"),
        ("rule", "coin-toss"),
        ("turnout_threshold_percent", 101),
        ("turnout_threshold_percent", -1),
        ("budget", -100),
        ("seats", 0),
    ],
)
def test_bad_election_fields_are_refused(db_session: Session, field: str, value: object) -> None:
    fields = {
        "slug": "x",
        "title": "X",
        "kind": "referendum",
        "ballot_type": "ranked",
        "rule": "irv",
    }
    fields[field] = value
    db_session.add(Election(**fields))
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_budget_election_needs_a_budget(db_session: Session) -> None:
    db_session.add(
        Election(slug="b", title="B", kind="budget", ballot_type="budget", rule="greedy")
    )
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_duplicate_code_hash_is_refused(db_session: Session, make_election) -> None:
    election = make_election()
    first = add_voter(db_session, election, "a" * 64)
    second = add_voter(db_session, election, "b" * 64)
    db_session.flush()
    same = codes.code_hash("pepper", codes.generate())
    db_session.add_all(
        [
            VotingCode(election_id=election.id, roll_entry_id=first.id, code_hash=same),
            VotingCode(election_id=election.id, roll_entry_id=second.id, code_hash=same),
        ]
    )
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_same_resident_twice_on_a_roll_is_refused(db_session: Session, make_election) -> None:
    election = make_election()
    add_voter(db_session, election, "a" * 64)
    add_voter(db_session, election, "a" * 64)
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_duplicate_receipt_is_refused(db_session: Session, make_election) -> None:
    election = make_election()
    db_session.add_all(
        [
            Receipt(election_id=election.id, receipt="R1"),
            Receipt(election_id=election.id, receipt="R1"),
        ]
    )
    with pytest.raises(IntegrityError):
        db_session.commit()


def test_ballot_table_cannot_link_a_vote_to_a_voter(db_session: Session) -> None:
    columns = {c["name"] for c in inspect(db_session.get_bind()).get_columns("ballots")}
    assert columns == {"id", "election_id", "content", "invalid"}
    sealed = {c["name"] for c in inspect(db_session.get_bind()).get_columns("sealed_ballots")}
    assert sealed == {"id", "election_id", "sealed"}


def test_audit_log_is_append_only_in_the_orm(db_session: Session) -> None:
    event = audit.record(db_session, "griffie", "election.phase", new="voting")
    db_session.commit()
    event.action = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        db_session.commit()
    db_session.rollback()
    db_session.delete(db_session.get(AuditEvent, event.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db_session.commit()


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"]
)
def test_audit_log_is_append_only_in_the_database(db_session: Session, statement: str) -> None:
    audit.record(db_session, "griffie", "staff.login")
    db_session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(text(statement))
        db_session.commit()
    db_session.rollback()
    assert db_session.query(AuditEvent).count() == 1


def test_reissue_revokes_the_unused_code(db_session: Session, make_election) -> None:
    election = make_election()
    entry = add_voter(db_session, election, "c" * 64)
    db_session.flush()
    old = issue_code(db_session, entry, "pepper")
    new = issue_code(db_session, entry, "pepper")
    db_session.commit()
    rows = {c.code_hash: c for c in db_session.query(VotingCode).all()}
    assert rows[codes.code_hash("pepper", old)].revoked_at is not None
    assert rows[codes.code_hash("pepper", new)].revoked_at is None
