"""The count and the certification: database -> profile -> Result -> signed record."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.record import compare_results, read_record, recount_record, write_record
from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from voting import elections, signing
from voting.models import AuditEvent, Election
from voting.tally import (
    CertifiedElectionIsFinal,
    TallyError,
    certify_election,
    count_election,
    preview_record,
    private_key_path,
    published_record,
    stored_result,
)


@pytest.fixture
def closed(make_election: Callable[..., Election], db_session: Session) -> Election:
    """A closed IRV referendum, roll of 10, 6 ballots, threshold 30%, binding."""
    election = make_election(phase="closed", turnout_threshold_percent=30, binding=True)
    add_roll(db_session, election, 10)
    add_ballots(
        db_session,
        election,
        [["A", "B"], ["A"], ["B", "A"], ["C", "B"], ["B"], ["C", "A"]],
    )
    return election


def test_count_stores_result_and_moves_to_counted(closed: Election, db_session: Session) -> None:
    result = count_election(db_session, closed, "griffie")
    assert result.method == "irv"
    assert result.seed == "test-seed"
    db_session.expire_all()
    election = db_session.get(Election, closed.id)
    assert election is not None
    assert election.phase == "counted"
    assert election.counted_at is not None
    assert stored_result(election) == result
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.election_id == closed.id)
    ).all()
    assert "election.count" in actions and "election.phase" in actions


def test_count_refuses_twice_and_before_closing(
    closed: Election, db_session: Session, make_election: Callable[..., Election]
) -> None:
    count_election(db_session, closed, "griffie")
    before = closed.result_json
    with pytest.raises(TallyError) as caught:
        count_election(db_session, closed, "griffie")
    assert caught.value.code == "already_counted"
    assert closed.result_json == before
    still_voting = make_election()
    with pytest.raises(TallyError) as caught:
        count_election(db_session, still_voting, "griffie")
    assert caught.value.code == "not_closed"


def test_count_completes_a_phase_moved_by_hand(closed: Election, db_session: Session) -> None:
    closed.phase = "counted"
    db_session.commit()
    count_election(db_session, closed, "griffie")
    assert closed.phase == "counted" and closed.result_json


def test_count_needs_a_roll(make_election: Callable[..., Election], db_session: Session) -> None:
    election = make_election(phase="closed")
    with pytest.raises(TallyError) as caught:
        count_election(db_session, election, "griffie")
    assert caught.value.code == "empty_roll"


def test_certify_signs_a_record_a_stranger_can_recount(
    closed: Election, db_session: Session, tmp_path: Path
) -> None:
    key_path = make_key(tmp_path / "keys")
    count_election(db_session, closed, "griffie")
    unsigned = preview_record(db_session, closed, municipality="Duiven")
    summary = certify_election(db_session, closed, "griffie", key_path, municipality="Duiven")
    assert closed.phase == "certified" and closed.certified_at is not None
    # What is stored is what is published, and it reads back as a valid record.
    path = tmp_path / "record.json"
    path.write_text(closed.record_json or "", encoding="utf-8")
    record = read_record(path)
    key = signing.load_private_key(key_path)
    assert signing.verify_signature(record, key.public_key())
    assert record == published_record(closed)
    # Streamed to the database, the record is byte for byte the one built in memory
    # (Ed25519 signs deterministically: the same bytes give the same signature).
    assert closed.record_json == write_record(signing.sign_record(unsigned, key))
    # certify_election answers with what the public pages show: all but the ballots.
    assert {k: v for k, v in summary.items() if k != "published"} == {
        k: v for k, v in record.items() if k not in ("ballots", "receipts")
    }
    assert summary["published"]["receipts"] == 6
    assert compare_results(record["result"], recount_record(record)) == []
    assert record["turnout"] == {
        "ballots": 6,
        "roll_size": 10,
        "percent": "60",
        "threshold_percent": "30",
        "threshold_met": True,
        "valid": True,
        "binding": True,
    }
    assert [o["id"] for o in record["election"]["options"]] == ["A", "B", "C"]
    assert record["election"]["municipality"] == "Duiven"
    assert "postcode_filter" not in record["election"]


def test_certify_refuses_twice_and_never_rewrites(
    closed: Election, db_session: Session, tmp_path: Path
) -> None:
    key_path = make_key(tmp_path / "keys")
    count_election(db_session, closed, "griffie")
    certify_election(db_session, closed, "griffie", key_path)
    record_text, result_text = closed.record_json, closed.result_json
    with pytest.raises(TallyError) as caught:
        certify_election(db_session, closed, "griffie", key_path)
    assert caught.value.code == "already_certified"
    with pytest.raises(TallyError) as caught:
        count_election(db_session, closed, "griffie")
    assert caught.value.code == "already_counted"
    # Even a direct write is refused once certified.
    closed.result_json = "{}"
    with pytest.raises(CertifiedElectionIsFinal):
        db_session.commit()
    db_session.rollback()
    db_session.expire_all()
    again = db_session.get(Election, closed.id)
    assert again is not None
    assert (again.record_json, again.result_json) == (record_text, result_text)


def test_certify_before_count_or_without_key(
    closed: Election, db_session: Session, tmp_path: Path
) -> None:
    with pytest.raises(TallyError) as caught:
        certify_election(db_session, closed, "griffie", tmp_path / "none.pem")
    assert caught.value.code == "certify_after_count"
    count_election(db_session, closed, "griffie")
    with pytest.raises(TallyError) as caught:
        certify_election(db_session, closed, "griffie", tmp_path / "none.pem")
    assert caught.value.code == "no_signing_key"
    assert closed.phase == "counted" and closed.record_json is None


def test_certify_stops_when_the_ballots_changed_after_the_count(
    closed: Election, db_session: Session, tmp_path: Path
) -> None:
    key_path = make_key(tmp_path / "keys")
    count_election(db_session, closed, "griffie")
    add_ballots(db_session, closed, [["C", "B"], ["C"], ["C"], ["C"]])
    with pytest.raises(TallyError) as caught:
        certify_election(db_session, closed, "griffie", key_path)
    assert caught.value.code == "recount_differs"
    assert closed.record_json is None


def test_invalid_result_below_threshold(
    make_election: Callable[..., Election], db_session: Session, tmp_path: Path
) -> None:
    election = make_election(phase="closed", turnout_threshold_percent=30, binding=True)
    add_roll(db_session, election, 100)
    add_ballots(
        db_session,
        election,
        [["A"], ["B", "A"], []] if election.allow_blank else [["A"], ["B", "A"]],
    )
    count_election(db_session, election, "griffie")
    record = certify_election(db_session, election, "griffie", make_key(tmp_path))
    assert record["turnout"]["threshold_met"] is False
    assert record["turnout"]["valid"] is False and record["turnout"]["binding"] is False


def test_budget_count_and_blank_ballots_count_for_turnout(
    make_election: Callable[..., Election], db_session: Session, tmp_path: Path
) -> None:
    election = make_election(
        kind="budget", costs=[30_000, 20_000, 10_000], phase="closed", allow_blank=True
    )
    add_roll(db_session, election, 8)
    add_ballots(db_session, election, [["P01", "P02"], ["P02", "P03"], ["P03"], []])
    count_election(db_session, election, "griffie")
    record = certify_election(db_session, election, "griffie", make_key(tmp_path))
    assert record["turnout"]["ballots"] == 4 and record["turnout"]["percent"] == "50"
    assert record["result"]["winners"] == ["P02", "P03"]
    assert record["election"]["budget"] == 50_000


def test_private_key_path_falls_back_to_generated_file(tmp_path: Path) -> None:
    configured = tmp_path / "signing" / "private.pem"
    assert private_key_path(configured) == tmp_path / "signing" / signing.PRIVATE_KEY_FILE
    configured.parent.mkdir()
    configured.write_text("x")
    assert private_key_path(configured) == configured


def test_certified_only_with_a_record(closed: Election, db_session: Session) -> None:
    count_election(db_session, closed, "griffie")
    # The generic phase button would skip the signing; the database write is refused.
    elections.advance(db_session, closed, "certified", actor="griffie")
    with pytest.raises(CertifiedElectionIsFinal, match="signed record"):
        db_session.commit()
    db_session.rollback()
    assert db_session.get(Election, closed.id).phase == "counted"  # type: ignore[union-attr]
