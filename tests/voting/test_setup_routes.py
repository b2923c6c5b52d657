"""Clerks set up elections and options; organisers submit proposals; clerks review."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.voting.tally_helpers import add_roll
from voting.models import AuditEvent, Election, Option


def election_form(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Centrumplan Duiven",
        "slug": "centrumplan-duiven",
        "question": "Welk plan kiest u?",
        "kind": "referendum",
        "ballot_type": "ranked",
        "rule": "irv",
        "seats": "1",
        "turnout_threshold_percent": "30",
        "binding": "y",
        "min_age": "16",
        "opens_at": "2026-12-01T08:00",
        "closes_at": "2026-12-14T20:00",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def actions(db_session: Session) -> list[str]:
    db_session.expire_all()
    return [e.action for e in db_session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_clerk_creates_a_referendum(client: FlaskClient, login, db_session: Session) -> None:
    login("clerk")
    response = client.post("/beheer/verkiezing/nieuw", data=election_form())
    assert response.status_code == 302
    election = db_session.scalar(select(Election).where(Election.slug == "centrumplan-duiven"))
    assert election is not None
    assert election.phase == "draft"
    assert election.turnout_threshold_percent == 30
    assert election.binding is True
    assert len(election.tie_break_seed) == 16  # drawn now, published before the count
    assert "election.create" in actions(db_session)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"rule": "mes"}, "past niet bij een stembiljet"),
        ({"kind": "budget", "ballot_type": "budget", "rule": "greedy"}, "Vul het budget in"),
        ({"closes_at": "2026-11-30T08:00"}, "Het einde ligt vóór het begin"),
        ({"seats": "2"}, "kiest één winnaar"),
        ({"slug": "Centrum Plan!"}, "Alleen kleine letters"),
        ({"turnout_threshold_percent": "130"}, "Opkomstdrempel"),
        (
            {"ballot_type": "approval", "rule": "approval", "min_choices": "3", "max_choices": "2"},
            "kleiner dan het minimum",
        ),
    ],
)
def test_bad_settings_are_refused_with_a_message(
    client: FlaskClient, login, db_session: Session, overrides: dict[str, str], message: str
) -> None:
    login("clerk")
    response = client.post("/beheer/verkiezing/nieuw", data=election_form(**overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db_session.scalar(select(Election)) is None


def test_duplicate_slug_is_refused(client: FlaskClient, login, make_election) -> None:
    make_election(slug="centrumplan-duiven")
    login("clerk")
    response = client.post("/beheer/verkiezing/nieuw", data=election_form())
    assert response.status_code == 400
    assert "al in gebruik" in response.get_data(as_text=True)


def test_options_added_with_letters_then_voting_opens(
    client: FlaskClient, login, make_election, db_session: Session
) -> None:
    election = make_election(phase="draft", options=["Plan A"])
    login("clerk")
    url = f"/beheer/verkiezing/{election.id}/opties"
    for title in ("Plan B", "Plan C"):
        assert client.post(url, data={"title": title}).status_code == 302
    db_session.expire_all()
    keys = [o.key for o in db_session.get(Election, election.id).options]
    assert keys[1:] == ["B", "C"]
    # Not with an empty roll: once voting starts the roll is fixed, and nobody could vote.
    phase_url = f"/beheer/verkiezing/{election.id}/fase"
    empty = client.post(phase_url, data={"confirm": "ja", "to": "voting"}, follow_redirects=True)
    assert "Er staat nog niemand op de kiezerslijst" in empty.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Election, election.id).phase == "draft"
    add_roll(db_session, election, 3)
    to_voting = client.post(phase_url, data={"confirm": "ja", "to": "voting"})
    assert to_voting.status_code == 302
    db_session.expire_all()
    assert db_session.get(Election, election.id).phase == "voting"


def test_nothing_changes_once_voting_started(
    client: FlaskClient, login, make_election, db_session: Session
) -> None:
    election = make_election(phase="voting")
    option = election.options[0]
    login("clerk")
    add = client.post(f"/beheer/verkiezing/{election.id}/opties", data={"title": "Plan D"})
    assert add.status_code == 409
    assert "liggen vast" in add.get_data(as_text=True)
    client.post(
        f"/beheer/verkiezing/{election.id}/opties/{option.id}/verwijderen", data={"confirm": "ja"}
    )
    settings = client.post(
        f"/beheer/verkiezing/{election.id}/instellingen", data=election_form(rule="borda")
    )
    assert settings.status_code == 302
    db_session.expire_all()
    fresh = db_session.get(Election, election.id)
    assert [o.key for o in fresh.options] == ["A", "B", "C"]
    assert fresh.rule == "irv"


def test_voting_needs_two_options(client: FlaskClient, login, make_election, db_session) -> None:
    election = make_election(phase="draft", options=["Plan A"])
    login("clerk")
    response = client.post(
        f"/beheer/verkiezing/{election.id}/fase",
        data={"confirm": "ja", "to": "voting"},
        follow_redirects=True,
    )
    assert "te weinig opties" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Election, election.id).phase == "draft"


@pytest.mark.parametrize(
    ("fields", "target"),
    [
        ({"kind": "budget", "phase": "draft", "costs": [1000]}, "voting"),  # skips proposals
        ({"phase": "voting"}, "draft"),  # goes back
    ],
)
def test_phase_cannot_skip_or_go_back(
    client: FlaskClient, login, make_election, db_session: Session, fields, target: str
) -> None:
    election = make_election(**fields)
    before = election.phase
    login("clerk")
    page = client.post(
        f"/beheer/verkiezing/{election.id}/fase",
        data={"confirm": "ja", "to": target},
        follow_redirects=True,
    )
    assert "de volgende fase is" in page.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Election, election.id).phase == before


def budget_in_proposals(make_election) -> Election:
    return make_election(kind="budget", phase="proposals", costs=[10_000])


def test_organiser_submits_and_clerk_reviews(
    client: FlaskClient, login, make_election, make_staff, db_session: Session
) -> None:
    election = budget_in_proposals(make_election)
    organiser = login("organiser", "wijkraad")
    page = client.get("/voorstellen/mijn").get_data(as_text=True)
    assert f"/voorstellen/{election.slug}/indienen" in page
    response = client.post(
        f"/voorstellen/{election.slug}/indienen",
        data={"title": "Buurtmoestuin", "summary": "Bakken en gereedschap", "cost": "6000"},
    )
    assert response.status_code == 302
    proposal = db_session.scalar(select(Option).where(Option.title == "Buurtmoestuin"))
    assert proposal is not None
    assert proposal.review_status == "submitted"
    assert proposal.organiser_id == organiser.id
    # The clerk rejects it, which needs a reason the organiser will read.
    client.post("/beheer/uitloggen")
    login("clerk", "griffie")
    url = f"/beheer/verkiezing/{election.id}/opties/{proposal.id}/beoordelen"
    no_reason = client.post(url, data={"verdict": "reject"}, follow_redirects=True)
    assert "Geef de reden" in no_reason.get_data(as_text=True)
    client.post(url, data={"verdict": "reject", "reason": "Grond is van de woningcorporatie."})
    db_session.expire_all()
    assert db_session.get(Option, proposal.id).review_status == "rejected"
    client.post("/beheer/uitloggen")
    client.post(
        "/beheer/inloggen", data={"username": "wijkraad", "password": "correct horse battery"}
    )
    mine = client.get("/voorstellen/mijn").get_data(as_text=True)
    assert "Grond is van de woningcorporatie." in mine
    # Changing a rejected proposal sends it back to the clerk.
    client.post(
        f"/voorstellen/bewerken/{proposal.id}",
        data={"title": "Buurtmoestuin", "summary": "Op het schoolplein", "cost": "5000"},
    )
    db_session.expire_all()
    changed = db_session.get(Option, proposal.id)
    assert (changed.review_status, changed.cost) == ("submitted", 5000)
    assert {"option.add", "proposal.review", "option.update"} <= set(actions(db_session))


@pytest.mark.parametrize(
    ("cost", "message"),
    [("0", "meer dan € 0"), ("", "Vul de kosten in"), ("60000", "meer dan het hele budget")],
)
def test_proposal_cost_is_checked(
    client: FlaskClient, login, make_election, cost: str, message: str
) -> None:
    election = budget_in_proposals(make_election)
    login("organiser")
    response = client.post(
        f"/voorstellen/{election.slug}/indienen",
        data={"title": "Bankjes", "summary": "Tien bankjes", "cost": cost},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_no_proposals_outside_the_proposal_phase(client: FlaskClient, login, make_election):
    election = make_election(kind="budget", phase="voting", costs=[10_000])
    login("organiser")
    response = client.post(
        f"/voorstellen/{election.slug}/indienen",
        data={"title": "Bankjes", "summary": "Tien bankjes", "cost": "500"},
        follow_redirects=True,
    )
    assert "geen voorstellen indienen" in response.get_data(as_text=True)


def test_organiser_cannot_edit_someone_elses_proposal(
    client: FlaskClient, login, make_election, db_session: Session
) -> None:
    election = budget_in_proposals(make_election)
    login("organiser", "wijkraad")
    client.post(
        f"/voorstellen/{election.slug}/indienen",
        data={"title": "Bankjes", "summary": "Tien bankjes", "cost": "500"},
    )
    proposal = db_session.scalar(select(Option).where(Option.title == "Bankjes"))
    client.post("/beheer/uitloggen")
    login("organiser", "andere-groep")
    assert client.get(f"/voorstellen/bewerken/{proposal.id}").status_code == 404


def test_closing_sets_the_end_of_voting(
    client: FlaskClient, login, make_election, db_session: Session
) -> None:
    election = make_election(phase="voting")  # closes in a week
    login("clerk")
    response = client.post(
        f"/beheer/verkiezing/{election.id}/fase",
        data={"confirm": "ja", "confirm_early": "ja", "to": "closed"},
    )
    assert response.status_code == 302
    db_session.expire_all()
    closed = db_session.get(Election, election.id)
    assert closed.phase == "closed"
    assert not closed.is_open()


@pytest.mark.parametrize(("phase", "target"), [("closed", "counted"), ("counted", "certified")])
def test_phase_button_cannot_skip_the_count_or_the_signature(
    client: FlaskClient, login, make_election, db_session: Session, phase: str, target: str
) -> None:
    election = make_election(phase=phase)
    login("clerk")
    page = client.get("/beheer/").get_data(as_text=True)
    assert f'value="{target}"' not in page
    assert "Tellen en vaststellen" in page
    response = client.post(
        f"/beheer/verkiezing/{election.id}/fase",
        data={"confirm": "ja", "to": target},
        follow_redirects=True,
    )
    assert "Tellen en vaststellen gaat via" in response.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Election, election.id).phase == phase


def test_times_typed_by_the_clerk_are_town_hall_time(
    client: FlaskClient, login, db_session: Session
) -> None:
    from datetime import UTC, datetime

    login("clerk")
    client.post(
        "/beheer/verkiezing/nieuw",
        data=election_form(opens_at="2026-12-01T08:00", closes_at="2027-06-30T20:00"),
    )
    election = db_session.scalar(select(Election))
    # 08:00 in Duiven in winter is 07:00 UTC; 20:00 in summer is 18:00 UTC.
    assert election.opens_at.replace(tzinfo=UTC) == datetime(2026, 12, 1, 7, 0, tzinfo=UTC)
    assert election.closes_at.replace(tzinfo=UTC) == datetime(2027, 6, 30, 18, 0, tzinfo=UTC)
    form = client.get(f"/beheer/verkiezing/{election.id}/instellingen").get_data(as_text=True)
    assert 'value="2026-12-01T08:00"' in form
    assert 'value="2027-06-30T20:00"' in form


def test_phase_change_needs_confirmation(
    client: FlaskClient, login, make_election, db_session: Session
) -> None:
    election = make_election(phase="voting")
    login("clerk")
    page = client.post(
        f"/beheer/verkiezing/{election.id}/fase", data={"to": "closed"}, follow_redirects=True
    )
    assert "Vink aan dat u de fase echt wilt wijzigen" in page.get_data(as_text=True)
    db_session.expire_all()
    assert db_session.get(Election, election.id).phase == "voting"


def test_amounts_are_shown_in_euros(client: FlaskClient, login, make_election) -> None:
    election = make_election(kind="budget", costs=[12_500, 3_000])
    listing = client.get(f"/voorstellen/{election.slug}").get_data(as_text=True)
    assert "Budget: €\u00a050.000" in listing and "€\u00a012.500" in listing
    login("clerk")
    options = client.get(f"/beheer/verkiezing/{election.id}/opties").get_data(as_text=True)
    assert "€\u00a012.500" in options and "€\u00a03.000" in options


@pytest.mark.parametrize("written", ["abc, 99999", "6923-6921"])
def test_an_unreadable_postcode_filter_is_refused_at_setup(
    client: FlaskClient, login, db_session: Session, written: str
) -> None:
    # Before, setup saved it and only the roll page said it could not be read.
    login("clerk")
    response = client.post("/beheer/verkiezing/nieuw", data=election_form(postcode_filter=written))
    assert response.status_code == 400
    assert "Postcodefilter" in response.get_data(as_text=True)
    assert db_session.scalar(select(Election)) is None
    good = client.post(
        "/beheer/verkiezing/nieuw", data=election_form(postcode_filter="6921-6923, 5611AB")
    )
    assert good.status_code == 302
