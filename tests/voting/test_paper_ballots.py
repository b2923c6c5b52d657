"""Paper ballots entered by a clerk: the same check and the same cast as online, so a
code votes once either way; audited without the code or the choices."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.voting.box_support import peek_ballots
from tests.voting.vote.support import add_codes, assert_consistent, tally, vote
from voting.models import AuditEvent, Election, StaffUser

MakeElection = Callable[..., Election]
Login = Callable[..., StaffUser]


@pytest.fixture(autouse=True)
def consistent_after(app: Flask) -> Iterator[None]:
    """After every test: receipts = ballots = used codes."""
    yield
    session: Session = app.extensions["db_sessionmaker"]()
    try:
        assert_consistent(session)
    finally:
        session.close()


def paper_url(election: Election) -> str:
    return f"/beheer/papier/{election.id}"


def test_clerk_enters_a_paper_ballot(
    client: FlaskClient, db_session: Session, login: Login, make_election: MakeElection
) -> None:
    election = make_election(options=["A", "B", "C"])
    [code] = add_codes(db_session, election, 1)
    login("clerk")
    page = client.get(paper_url(election))
    assert page.status_code == 200
    assert 'name="rank-A"' in page.get_data(as_text=True)
    response = client.post(paper_url(election), data={"code": code, "rank-C": "1", "rank-A": "2"})
    assert response.status_code == 303
    assert "verwerkt" in client.get(response.location).get_data(as_text=True)
    [ballot] = peek_ballots(db_session)
    assert ballot.channel == "paper" and ballot.choices == ["C", "A"] and not ballot.invalid
    events = db_session.scalars(select(AuditEvent).where(AuditEvent.action == "paper.ballot")).all()
    assert len(events) == 1
    assert events[0].actor == "clerk1" and events[0].election_id == election.id
    assert ballot.receipt is not None
    assert code not in events[0].detail and ballot.receipt not in events[0].detail
    assert "C" not in events[0].details.values()
    # The day, not the moment: the entry cannot be lined up with other rows by time.
    at = events[0].at
    assert (at.hour, at.minute, at.second, at.microsecond) == (0, 0, 0, 0)


def test_a_code_votes_once_online_or_on_paper(
    app: Flask, client: FlaskClient, db_session: Session, login: Login, make_election: MakeElection
) -> None:
    election = make_election(ballot_type="single")
    online_first, paper_first = add_codes(db_session, election, 2)
    assert vote(app.test_client(), election, online_first, {"choice": "A"}).status_code == 303
    login("clerk")
    refused = client.post(paper_url(election), data={"code": online_first, "choice": "B"})
    assert refused.status_code == 409
    assert "al gestemd" in refused.get_data(as_text=True)
    assert (
        client.post(paper_url(election), data={"code": paper_first, "choice": "B"}).status_code
        == 303
    )
    online = app.test_client().post("/stem", data={"code": paper_first})
    assert online.status_code == 409
    assert tally(db_session) == (2, 2, 2)
    refusal = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "paper.refused")
    ).one()
    assert refusal.details == {"reason": "used"}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "", "choice": "A"}, "Vul de stemcode"),
        ({"code": "ABCD", "choice": "A"}, "17 tekens"),
        ({"choice": "Z"}, "niet bij deze stemming hoort"),
        ({"choice": ["A", "B"]}, "Kies één optie."),
        ({}, "nog geen keuze"),
    ],
)
def test_invalid_paper_ballots_are_refused_and_the_code_stays_usable(
    client: FlaskClient,
    db_session: Session,
    login: Login,
    make_election: MakeElection,
    fields: dict[str, object],
    message: str,
) -> None:
    election = make_election(ballot_type="single")
    [code] = add_codes(db_session, election, 1)
    login("clerk")
    response = client.post(paper_url(election), data={"code": code, **fields})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert tally(db_session) == (0, 0, 0)
    assert client.post(paper_url(election), data={"code": code, "choice": "A"}).status_code == 303


def test_typo_in_the_code_is_reported(
    client: FlaskClient, db_session: Session, login: Login, make_election: MakeElection
) -> None:
    election = make_election(ballot_type="single")
    [code] = add_codes(db_session, election, 1)
    login("clerk")
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post(paper_url(election), data={"code": typo, "choice": "A"})
    assert response.status_code == 422
    assert "tikfout" in response.get_data(as_text=True)


def test_code_of_another_election_is_unknown_here(
    client: FlaskClient, db_session: Session, login: Login, make_election: MakeElection
) -> None:
    election = make_election(ballot_type="single", slug="here")
    other = make_election(ballot_type="single", slug="there")
    [code] = add_codes(db_session, other, 1)
    login("clerk")
    response = client.post(paper_url(election), data={"code": code, "choice": "A"})
    assert response.status_code == 422
    assert "hoort niet bij deze stemming" in response.get_data(as_text=True)


def test_closed_election_takes_no_paper_ballots(
    client: FlaskClient, db_session: Session, login: Login, make_election: MakeElection
) -> None:
    election = make_election(ballot_type="single", phase="closed")
    [code] = add_codes(db_session, election, 1)
    login("clerk")
    response = client.post(paper_url(election), data={"code": code, "choice": "A"})
    assert response.status_code == 403
    assert tally(db_session) == (0, 0, 0)


@pytest.mark.parametrize("role", ["organiser", None])
def test_only_clerks_enter_paper_ballots(
    client: FlaskClient, login: Login, make_election: MakeElection, role: str | None
) -> None:
    election = make_election(ballot_type="single")
    if role:
        login(role)
    response = client.get(paper_url(election))
    assert response.status_code in (302, 403)
    if role:
        assert response.status_code == 403
    else:
        assert "/beheer/inloggen" in response.location


def test_unknown_election_is_404(client: FlaskClient, login: Login) -> None:
    login("clerk")
    assert client.get("/beheer/papier/999").status_code == 404


def test_panel_on_the_election_page(
    client: FlaskClient, db_session: Session, login: Login, make_election: MakeElection
) -> None:
    election = make_election(ballot_type="single")
    [code] = add_codes(db_session, election, 1)
    login("clerk")
    client.post(paper_url(election), data={"code": code, "choice": "A"})
    html = client.get(f"/beheer/verkiezing/{election.id}").get_data(as_text=True)
    assert "Ingevoerde papieren stembiljetten: 1" in html
    assert f'href="{paper_url(election)}"' in html


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_paper_post_needs_csrf(
    client: FlaskClient,
    db_session: Session,
    make_staff: Callable[..., StaffUser],
    make_election: MakeElection,
) -> None:
    election = make_election(ballot_type="single")
    [code] = add_codes(db_session, election, 1)
    make_staff("clerk")
    login_page = client.get("/beheer/inloggen").get_data(as_text=True)
    token = login_page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/beheer/inloggen",
        data={"username": "clerk1", "password": "correct horse battery", "csrf_token": token},
    )
    response = client.post(paper_url(election), data={"code": code, "choice": "A"})
    assert response.status_code == 400
    assert "Het formulier was verlopen. Er is niets verwerkt." in response.get_data(as_text=True)
    assert tally(db_session) == (0, 0, 0)
