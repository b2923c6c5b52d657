"""The council's decision: clerks record it (a change is a new dated entry), the
public page shows it, bad input and other roles are refused, the database refuses
edits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text, update
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from voting.formatting import town_hall_today
from voting.models import AuditEvent, CouncilDecision, Election, FollowUpIsAppendOnly

DECISION = {
    "decided_on": "2026-11-20",
    "body": "raad",
    "outcome": "adopted",
    "explanation": "De raad neemt plan A over. De bouw begint in 2027.",
    "source_url": "https://gemeente.example.nl/besluitenlijst-2026-11-20.pdf",
}


def test_clerk_records_a_decision_and_a_later_change_keeps_the_first(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    election = certify()
    login("clerk")
    page = client.get(f"/beheer/opvolging/{election.id}")
    assert page.status_code == 200
    response = client.post(f"/beheer/opvolging/{election.id}/besluit", data=DECISION)
    assert response.status_code == 303
    later = DECISION | {
        "decided_on": "2026-11-27",
        "body": "college",
        "outcome": "adopted_in_part",
        "explanation": "Het college voert plan A uit, maar zonder de parkeergarage.",
    }
    assert client.post(f"/beheer/opvolging/{election.id}/besluit", data=later).status_code == 303

    stored = db_session.scalars(select(CouncilDecision).order_by(CouncilDecision.id)).all()
    assert [d.outcome for d in stored] == ["adopted", "adopted_in_part"]
    actions = db_session.scalars(select(AuditEvent.action)).all()
    assert actions.count("follow_up.decision") == 2

    public = client.get(f"/volgen/{election.slug}").get_data(as_text=True)
    # The newest decision is in force; the first stays visible as history.
    assert public.index("Deels overgenomen") < public.index("Eerdere besluiten")
    assert "zonder de parkeergarage" in public
    assert "De raad neemt plan A over" in public
    assert DECISION["source_url"] in public
    english = client.get(f"/volgen/{election.slug}?lang=en").get_data(as_text=True)
    assert "Adopted in part" in english


BAD_DECISIONS = [
    ({"source_url": "javascript:alert(1)"}, "begint met https://"),
    ({"source_url": "ftp://gemeente.nl/besluit"}, "begint met https://"),
    ({"source_url": "https://"}, "begint met https://"),
    ({"decided_on": "20-11-2026x"}, "Datum van het besluit"),
    ({"decided_on": (town_hall_today() + timedelta(days=3)).isoformat()}, "in de toekomst"),
    ({"explanation": ""}, "Leg in een paar zinnen uit"),
    ({"body": "burgemeester"}, "Wie besloot"),
    ({"outcome": "vetoed"}, "Besluit"),
]


def test_bad_decisions_get_a_message_and_store_nothing(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    election = certify()
    login("clerk")
    for change, message in BAD_DECISIONS:
        response = client.post(f"/beheer/opvolging/{election.id}/besluit", data=DECISION | change)
        assert response.status_code == 400, change
        assert message in response.get_data(as_text=True), change
    assert db_session.scalars(select(CouncilDecision)).all() == []


def test_no_decision_before_the_result_is_certified(
    client: FlaskClient, login: Callable[..., object], make_election: Callable[..., Election]
) -> None:
    election = make_election(phase="closed")
    login("clerk")
    response = client.post(f"/beheer/opvolging/{election.id}/besluit", data=DECISION)
    assert response.status_code == 409


@pytest.mark.parametrize("role", [None, "organiser"])
def test_only_clerks_record_decisions(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
    role: str | None,
) -> None:
    election = certify()
    if role:
        login(role)
    for path in (f"/beheer/opvolging/{election.id}", "/beheer/bewaartermijn"):
        assert client.get(path).status_code in (302, 403)
    response = client.post(f"/beheer/opvolging/{election.id}/besluit", data=DECISION)
    assert response.status_code in (302, 403)
    assert db_session.scalars(select(CouncilDecision)).all() == []


def test_decisions_cannot_be_edited_or_deleted(
    client: FlaskClient,
    login: Callable[..., object],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    election = certify()
    login("clerk")
    client.post(f"/beheer/opvolging/{election.id}/besluit", data=DECISION)
    decision = db_session.scalars(select(CouncilDecision)).one()
    decision.outcome = "not_adopted"
    with pytest.raises(FollowUpIsAppendOnly):
        db_session.commit()
    db_session.rollback()
    # Not even hand-typed SQL gets past the triggers.
    for statement in (
        update(CouncilDecision).values(outcome="not_adopted"),
        text("DELETE FROM council_decisions"),
    ):
        with pytest.raises(DatabaseError):
            db_session.execute(statement)
        db_session.rollback()
    assert db_session.scalars(select(CouncilDecision.outcome)).all() == ["adopted"]
