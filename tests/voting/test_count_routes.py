"""The clerk's count screens: count, review (not yet public), certify with a check."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ballots.record import record_sha256
from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from tests.voting.test_deferred_records import statements
from voting.models import AuditEvent, Election, StaffUser
from voting.tally import preview_record


@pytest.fixture
def closed(make_election: Callable[..., Election], db_session: Session) -> Election:
    """A closed referendum with a roll of 10 and 4 ballots."""
    election = make_election(phase="closed", turnout_threshold_percent=30, binding=False)
    add_roll(db_session, election, 10)
    add_ballots(db_session, election, [["A", "B"], ["B"], ["A"], ["C", "A"]])
    return election


def test_staff_only(client: FlaskClient, closed: Election, login: Callable[..., StaffUser]) -> None:
    assert client.post(f"/beheer/telling/{closed.id}/tellen").status_code == 302  # to login
    assert client.get(f"/beheer/telling/{closed.id}").status_code == 302
    login("organiser")
    assert client.post(f"/beheer/telling/{closed.id}/tellen").status_code == 403
    assert client.post(f"/beheer/telling/{closed.id}/vaststellen").status_code == 403


def test_count_review_certify(
    app: Flask,
    client: FlaskClient,
    closed: Election,
    login: Callable[..., StaffUser],
    db_session: Session,
) -> None:
    make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)
    login("clerk")
    panel = client.get(f"/beheer/verkiezing/{closed.id}").get_data(as_text=True)
    assert "Stemmen tellen" in panel and "4 stemmen van 10 kiezers (40%)" in panel

    response = client.post(f"/beheer/telling/{closed.id}/tellen")
    assert response.headers["Location"].endswith(f"/beheer/telling/{closed.id}")
    review = client.get(f"/beheer/telling/{closed.id}").get_data(as_text=True)
    assert "Nog niet vastgesteld" in review
    assert "De uitslag is geldig en raadgevend" in review
    assert client.get(f"/beheer/telling/{closed.id}/concept.pdf").data.startswith(b"%PDF")
    assert "Uitslag controleren en vaststellen" in client.get(
        f"/beheer/verkiezing/{closed.id}"
    ).get_data(as_text=True)

    unchecked = client.post(f"/beheer/telling/{closed.id}/vaststellen", follow_redirects=True)
    assert "Vink aan dat u de uitslag hebt gecontroleerd." in unchecked.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Election, closed.id).phase == "counted"  # type: ignore[union-attr]

    done = client.post(f"/beheer/telling/{closed.id}/vaststellen", data={"confirm": "y"})
    assert done.headers["Location"].endswith(f"/uitslag/{closed.slug}")
    db_session.expire_all()
    election = db_session.get(Election, closed.id)
    assert election is not None and election.phase == "certified" and election.record_json
    actions = db_session.scalars(
        select(AuditEvent.action).where(AuditEvent.election_id == closed.id)
    ).all()
    assert {"election.count", "election.certify"} <= set(actions)
    # The review now leads to the public page.
    assert client.get(f"/beheer/telling/{closed.id}").status_code == 302
    assert "Vastgesteld en gepubliceerd" in client.get(f"/beheer/verkiezing/{closed.id}").get_data(
        as_text=True
    )


def test_count_twice_and_certify_without_key_say_why(
    client: FlaskClient, closed: Election, login: Callable[..., StaffUser]
) -> None:
    login("clerk")
    client.post(f"/beheer/telling/{closed.id}/tellen")
    again = client.post(f"/beheer/telling/{closed.id}/tellen", follow_redirects=True)
    assert "al geteld" in again.get_data(as_text=True)
    review = client.get(f"/beheer/telling/{closed.id}").get_data(as_text=True)
    assert "voting keys generate" in review
    nokey = client.post(
        f"/beheer/telling/{closed.id}/vaststellen", data={"confirm": "y"}, follow_redirects=True
    )
    assert "Er is geen ondertekeningssleutel" in nokey.get_data(as_text=True)


def test_cannot_count_while_voting(
    client: FlaskClient, make_election: Callable[..., Election], login: Callable[..., StaffUser]
) -> None:
    election = make_election()
    login("clerk")
    response = client.post(f"/beheer/telling/{election.id}/tellen", follow_redirects=True)
    assert "gesloten" in response.get_data(as_text=True)
    assert client.get(f"/beheer/telling/{election.id}", follow_redirects=True).status_code == 200
    assert client.post("/beheer/telling/9999/tellen").status_code == 404


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_count_needs_csrf(
    client: FlaskClient, closed: Election, login: Callable[..., StaffUser]
) -> None:
    response = client.post(f"/beheer/telling/{closed.id}/tellen")
    assert response.status_code == 400
    assert closed.result_json is None


def test_review_reads_what_the_count_stored(
    app: Flask,
    client: FlaskClient,
    closed: Election,
    login: Callable[..., StaffUser],
    db_session: Session,
) -> None:
    """The review page and the draft proces-verbaal read the summary the count stored;
    they no longer read every ballot and receipt to build the record on each view."""
    login("clerk")
    client.post(f"/beheer/telling/{closed.id}/tellen")
    db_session.expire_all()
    election = db_session.get(Election, closed.id)
    assert election is not None and election.review_json
    stored = json.loads(election.review_json)
    # the record to be, and the hash the signed record will have
    unsigned = preview_record(db_session, election, municipality=app.config["MUNICIPALITY"])
    assert stored["published"]["sha256"] == record_sha256(unsigned)
    assert stored["counts"] == unsigned["counts"] and stored["published"]["receipts"] == 4
    for path in (f"/beheer/telling/{closed.id}", f"/beheer/telling/{closed.id}/concept.pdf"):
        with statements(app) as seen:
            page = client.get(path)
        assert page.status_code == 200
        assert seen and not [s for s in seen if " ballots" in s or " receipts" in s], path
    assert "De uitslag is geldig en raadgevend" in client.get(
        f"/beheer/telling/{closed.id}"
    ).get_data(as_text=True)


def test_review_of_an_election_counted_before_summaries_makes_one(
    app: Flask,
    client: FlaskClient,
    closed: Election,
    login: Callable[..., StaffUser],
    db_session: Session,
) -> None:
    login("clerk")
    client.post(f"/beheer/telling/{closed.id}/tellen")
    db_session.execute(update(Election).where(Election.id == closed.id).values(review_json=None))
    db_session.commit()
    review = client.get(f"/beheer/telling/{closed.id}").get_data(as_text=True)
    assert "De uitslag is geldig en raadgevend" in review
    db_session.expire_all()
    assert db_session.scalar(select(Election.review_json).where(Election.id == closed.id))
