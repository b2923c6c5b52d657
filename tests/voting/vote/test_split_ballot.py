"""Split (distribution) and points ballots through the test client: number fields
without JavaScript, the review step with amounts and shares, clear errors when the
amounts do not add up, and what the box and the count make of the stored ballot."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.voting.box_support import peek_ballots
from tests.voting.vote.support import enter_code, field_errors, summary_links, vote
from voting import tally, weighted
from voting.models import Election

MakeElection = Callable[..., Election]
CodesFor = Callable[[Election, int], list[str]]
THEMES = ["Groen", "Spelen", "Verkeer"]  # keys P01, P02, P03


def split_election(make_election: MakeElection, **fields: object) -> Election:
    settings: dict[str, object] = {
        "ballot_type": "distribution",
        "rule": "distribution-median",
        "budget": 100,
        "options": THEMES,
        "allow_blank": True,
    }
    settings.update(fields)
    return make_election(**settings)


def start(client: FlaskClient, code: str) -> None:
    assert enter_code(client, code).status_code == 303


def test_the_ballot_is_number_fields_that_work_without_javascript(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = split_election(make_election)
    [code] = codes_for(election, 1)
    start(client, code)
    html = client.get("/stem/stembiljet").get_data(as_text=True)
    for key in ("P01", "P02", "P03"):
        assert f'name="amount-{key}"' in html and f'id="bedrag-{key}"' in html
        assert f'<label for="bedrag-{key}"' in html
    assert "Er is 100 punten te verdelen" in html
    assert "Samen moet het precies 100 punten zijn" in html
    assert 'id="verdeling-totaal" aria-live="polite" hidden' in html  # shown by vote.js


def test_a_split_is_reviewed_with_its_shares_and_sealed_as_amounts(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor, db_session: Session
) -> None:
    election = split_election(make_election)
    [code] = codes_for(election, 1)
    start(client, code)
    response = client.post(
        "/stem/stembiljet",
        data={"election": election.id, "amount-P01": "60", "amount-P02": "", "amount-P03": "40"},
    )
    assert response.status_code == 303
    review = client.get("/stem/controle").get_data(as_text=True)
    assert "Uw verdeling:" in review
    assert "60 punten" in review and "40 punten" in review and "60%" in review
    assert "Spelen" not in review  # given nothing: not listed
    assert client.post("/stem/controle", data={"election": election.id}).status_code == 303
    [ballot] = peek_ballots(db_session)
    assert ballot.choices == ["P01:60", "P03:40"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"amount-P01": "60", "amount-P02": "30"},
            "Uw verdeling telt op tot 90 punten. Dat moet precies 100 punten zijn: "
            "verdeel nog 10 punten.",
        ),
        (
            {"amount-P01": "80", "amount-P02": "30"},
            "Uw verdeling telt op tot 110 punten. Dat is 10 punten te veel: het moet "
            "precies 100 punten zijn.",
        ),
    ],
)
def test_a_split_that_does_not_add_up_says_by_how_much(
    client: FlaskClient,
    make_election: MakeElection,
    codes_for: CodesFor,
    fields: dict[str, str],
    message: str,
) -> None:
    election = split_election(make_election)
    [code] = codes_for(election, 1)
    start(client, code)
    response = client.post("/stem/stembiljet", data={"election": election.id, **fields})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in field_errors(html)
    assert summary_links(html) == ["keuzes"]
    # what was typed stays in the fields, to fix rather than retype
    assert 'value="60"' in html or 'value="80"' in html


def test_a_field_that_is_not_a_whole_number_is_named(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = split_election(make_election)
    [code] = codes_for(election, 1)
    start(client, code)
    response = client.post(
        "/stem/stembiljet",
        data={"election": election.id, "amount-P01": "99,5", "amount-P02": "veel"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Vul bij &#39;Groen&#39; een heel getal in (0 of meer), zonder komma." in field_errors(
        html
    )
    assert summary_links(html) == ["bedrag-P01", "bedrag-P02"]


def test_an_empty_split_asks_for_amounts_or_a_blank_vote(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor, db_session: Session
) -> None:
    election = split_election(make_election)
    [code, other] = codes_for(election, 2)
    start(client, code)
    response = client.post("/stem/stembiljet", data={"election": election.id})
    assert response.status_code == 422
    assert "U heeft nog niets verdeeld" in response.get_data(as_text=True)
    assert vote(client, election, other, {"blank": "1"}).status_code == 303


def test_euros_are_split_with_the_thousands_as_residents_type_them(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor, db_session: Session
) -> None:
    election = split_election(make_election, budget=50_000, split_unit="euro")
    [code, other] = codes_for(election, 2)
    start(client, code)
    short = client.post("/stem/stembiljet", data={"election": election.id, "amount-P01": "40.000"})
    assert "verdeel nog €\u00a010.000" in short.get_data(as_text=True)
    done = vote(client, election, other, {"amount-P01": "40.000", "amount-P02": "10 000"})
    assert done.status_code == 303
    [ballot] = peek_ballots(db_session)
    assert ballot.choices == ["P01:40000", "P02:10000"]


def test_points_ballots_may_use_fewer_points_but_not_more(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor, db_session: Session
) -> None:
    election = make_election(
        kind="budget",
        ballot_type="points",
        rule="mes",
        costs=[20_000, 10_000, 5_000],
        max_points=10,
    )
    [code, other] = codes_for(election, 2)
    start(client, code)
    page = client.get("/stem/stembiljet").get_data(as_text=True)
    assert "U heeft 10 punten" in page and "U hoeft niet alle punten te gebruiken" in page
    over = client.post(
        "/stem/stembiljet", data={"election": election.id, "amount-P01": "8", "amount-P02": "3"}
    )
    assert over.status_code == 422
    assert (
        "U heeft 11 punten gegeven. U mag hoogstens 10 punten verdelen: haal er 1 punt af."
        in field_errors(over.get_data(as_text=True))
    )
    assert vote(client, election, other, {"amount-P01": "4", "amount-P03": "3"}).status_code == 303
    [ballot] = peek_ballots(db_session)
    assert ballot.choices == ["P01:4", "P03:3"]
    review_page = client.get("/stem/controle")  # the visit is over: back to the receipt
    assert review_page.status_code in (302, 303)


def test_the_box_pads_split_ballots_to_one_length(make_election: MakeElection) -> None:
    from voting import ballot_box, sealing

    election = split_election(make_election, budget=50_000, split_unit="euro")
    keys = ballot_box._pad_keys(election)
    assert keys == ["P01:50000", "P02:50000", "P03:50000"]
    longest = sealing.padded_length(keys)
    assert longest >= len(sealing._plain(["P01:50000", "P02:50000", "P03:50000"], invalid=True))


def test_stored_splits_count_and_go_into_the_record_with_their_amounts(
    make_election: MakeElection,
) -> None:
    election = split_election(make_election)
    stored = [["P01:60", "P03:40"], ["P02:100"], ["P02:100"], []]
    profile = tally.build_profile(election, stored)
    assert profile.kind == "distribution" and profile.budget == 100
    assert list(tally.record_ballots(election, stored)) == [
        {"P01": 60, "P03": 40},
        {"P02": 100},
        {"P02": 100},
        {},
    ]
    assert weighted.encode({"P03": 40, "P01": 60, "P02": 0}) == ["P01:60", "P03:40"]


def test_a_budget_ballot_must_spend_the_minimum(
    make_election: MakeElection, codes_for: CodesFor, client: FlaskClient
) -> None:
    election = make_election(
        kind="budget", costs=[10_000, 30_000], budget=50_000, min_spend_percent=50, allow_blank=True
    )
    [code] = codes_for(election, 1)
    assert enter_code(client, code).status_code == 303
    page = client.get("/stem/stembiljet").get_data(as_text=True)
    assert "Kies voor minstens 50% van het budget aan voorstellen." in page
    response = client.post("/stem/stembiljet", data={"election": election.id, "choice": "P01"})
    assert response.status_code == 422
    # (field_errors reads the no-break space after € as a space)
    assert (
        "Uw keuze kost € 10.000. Bij deze stemming moet u voor minstens € 25.000 aan "
        "voorstellen kiezen (50% van het budget): kies er nog voor € 15.000 bij, of stem "
        "blanco." in field_errors(response.get_data(as_text=True))
    )
    ok = client.post("/stem/stembiljet", data={"election": election.id, "choice": ["P01", "P02"]})
    assert ok.status_code == 303


def test_a_clerk_enters_a_paper_split_with_the_same_fields_and_errors(
    client: FlaskClient, db_session: Session, login, make_election: MakeElection
) -> None:
    from tests.voting.vote.support import add_codes

    election = split_election(make_election)
    [code] = add_codes(db_session, election, 1)
    login("clerk")
    url = f"/beheer/papier/{election.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="amount-P01"' in page
    short = client.post(url, data={"code": code, "amount-P01": "70"})
    assert short.status_code == 422
    assert "verdeel nog 30 punten" in short.get_data(as_text=True)
    done = client.post(url, data={"code": code, "amount-P01": "70", "amount-P03": "30"})
    assert done.status_code == 303
    [ballot] = peek_ballots(db_session)
    assert ballot.channel == "paper" and ballot.choices == ["P01:70", "P03:30"]
