"""The resident's visit through the test client: code entry, each ballot type, review,
cast and receipt, and every way a visit can go wrong."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tests.voting.box_support import Peeked, peek_ballots
from tests.voting.vote.support import (
    enter_code,
    field_errors,
    receipt_on,
    summary_links,
    tally,
    vote,
)
from voting import codes
from voting.models import Election, VotingCode, utcnow
from voting.vote import routes

MakeElection = Callable[..., Election]
CodesFor = Callable[[Election, int], list[str]]


def ballots(session: Session) -> list[Peeked]:
    return peek_ballots(session)


def code_is_unused(session: Session, code: str) -> bool:
    session.expire_all()
    row = session.scalar(
        select(VotingCode).where(VotingCode.code_hash == codes.code_hash(routes_pepper(), code))
    )
    assert row is not None
    return row.used_at is None


def routes_pepper() -> str:
    return "test-pepper-not-secret"


def mistype(code: str) -> str:
    """The same code with its check character wrong."""
    wrong = next(c for c in codes.ALPHABET if c != code[-1])
    return code[:-1] + wrong


# --- code entry -------------------------------------------------------------------------


def test_code_page_explains_where_the_code_is(client: FlaskClient) -> None:
    page = client.get("/stem")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Vul uw stemcode in" in html
    assert 'label for="code"' in html
    assert "brief" in html


@pytest.mark.parametrize(
    ("entered", "expected"),
    [
        ("", "Vul de stemcode uit uw brief in."),
        ("K7QM-3XD9", "U heeft 8 tekens ingevuld. Een stemcode heeft er 17"),
        ("K7QM-3XD9-PA2F-W8RT-U", "teken dat niet in een stemcode voorkomt"),
    ],
)
def test_malformed_codes_are_explained(client: FlaskClient, entered: str, expected: str) -> None:
    response = enter_code(client, entered)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert any(expected in e for e in field_errors(html))
    assert summary_links(html) == ["code"]
    assert 'aria-invalid="true"' in html and 'aria-describedby="code-hint code-fout"' in html


def test_a_typo_is_told_apart_from_an_unknown_code(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election()
    [code] = codes_for(election, 1)
    typo = enter_code(client, mistype(code))
    assert typo.status_code == 422
    assert "tikfout" in typo.get_data(as_text=True)
    body = codes.generate()  # well-formed, check character right, on no letter
    unknown = enter_code(client, body)
    assert unknown.status_code == 422
    assert "Deze code kennen wij niet" in unknown.get_data(as_text=True)
    assert code_is_unused_in(client, code)


def code_is_unused_in(client: FlaskClient, code: str) -> bool:
    app: Flask = client.application
    session = app.extensions["db_sessionmaker"]()
    try:
        return code_is_unused(session, code)
    finally:
        session.close()


def test_code_as_people_type_it_is_accepted(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election()
    [code] = codes_for(election, 1)
    messy = " " + codes.formatted(code).lower().replace("-", " ").replace("0", "o") + " "
    response = enter_code(client, messy)
    assert response.status_code == 303
    assert response.location.endswith("/stem/stembiljet")


def test_code_entry_starts_a_fresh_session_without_the_code(
    app: Flask, client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election()
    [code] = codes_for(election, 1)
    with client.session_transaction() as sess:
        sess["leftover"] = "from someone before"
        sess["lang"] = "en"
    response = enter_code(client, code)
    assert response.status_code == 303
    assert code not in response.location
    with client.session_transaction() as sess:
        assert "leftover" not in sess
        assert sess["lang"] == "en"
        state = sess["vote"]
        assert state["e"] == election.id
        assert state["h"] == codes.code_hash(routes_pepper(), code)
        assert code not in json.dumps(dict(sess))
    cookie = client.get_cookie("session")
    assert cookie is not None and code not in cookie.value


def test_used_code_says_what_to_do(
    client: FlaskClient, app: Flask, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    assert vote(client, election, code, {"choice": "A"}).status_code == 303
    again = app.test_client().post("/stem", data={"code": code})
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "Met deze stemcode is al gestemd" in html
    assert "Bel dan de gemeente" in html


def test_revoked_code_points_to_the_newest_letter(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election()
    [code] = codes_for(election, 1)
    db_session.execute(update(VotingCode).values(revoked_at=utcnow()))
    db_session.commit()
    response = enter_code(client, code)
    assert response.status_code == 410
    assert "nieuwste brief" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"phase": "draft"}, "Stemmen kan nog niet"),
        ({"opens_at": utcnow() + timedelta(days=2)}, "Stemmen kan nog niet"),
        ({"phase": "closed"}, "De stemming is gesloten"),
        ({"closes_at": utcnow() - timedelta(minutes=1)}, "De stemming is gesloten"),
    ],
)
def test_election_not_open(
    client: FlaskClient,
    make_election: MakeElection,
    codes_for: CodesFor,
    fields: dict[str, object],
    expected: str,
) -> None:
    election = make_election(**fields)
    [code] = codes_for(election, 1)
    response = enter_code(client, code)
    assert response.status_code == 403
    assert expected in response.get_data(as_text=True)


def test_qr_landing_is_the_code_form_with_its_script(client: FlaskClient) -> None:
    page = client.get("/stem/qr")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="code-form"' in html and 'name="csrf_token"' in html
    assert "/static/qr.js" in html
    assert "Typ dan de stemcode uit uw brief" in html
    assert "<script>" not in html  # no inline script: the CSP forbids it


def test_code_in_the_query_string_is_ignored(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election()
    [code] = codes_for(election, 1)
    page = client.get(f"/stem?code={code}")
    assert page.status_code == 200
    assert 'name="code" class="code-input" value=""' in page.get_data(as_text=True)
    assert client.get("/stem/stembiljet").status_code == 303  # no visit began


# --- the four ballot types --------------------------------------------------------------


def test_single_choice_vote(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single", rule="plurality")
    [code] = codes_for(election, 1)
    enter_code(client, code)
    page = client.get("/stem/stembiljet").get_data(as_text=True)
    assert page.count('type="radio"') == 3
    nothing = client.post("/stem/stembiljet", data={"election": election.id})
    assert nothing.status_code == 422
    assert "Kies één optie" in nothing.get_data(as_text=True)
    two = client.post("/stem/stembiljet", data={"election": election.id, "choice": ["A", "B"]})
    assert two.status_code == 422
    ok = client.post("/stem/stembiljet", data={"election": election.id, "choice": "B"})
    assert ok.status_code == 303 and ok.location.endswith("/stem/controle")
    review = client.get("/stem/controle").get_data(as_text=True)
    assert "U stemt op:" in review and "<li>B</li>" in review
    done = client.post("/stem/controle", data={"election": election.id})
    assert done.status_code == 303 and done.location.endswith("/stem/bewijs")
    [stored] = ballots(db_session)
    assert stored.choices == ["B"] and stored.channel == "online"
    receipt = client.get("/stem/bewijs").get_data(as_text=True)
    assert receipt_on(receipt) == stored.receipt


def test_approval_vote_with_a_maximum(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(
        ballot_type="approval", rule="approval", options=["A", "B", "C", "D"], max_choices=2
    )
    [code] = codes_for(election, 1)
    enter_code(client, code)
    too_many = client.post(
        "/stem/stembiljet", data={"election": election.id, "choice": ["A", "C", "D"]}
    )
    assert too_many.status_code == 422
    html = too_many.get_data(as_text=True)
    assert "U heeft 3 opties gekozen. U mag er hoogstens 2 kiezen." in html
    assert summary_links(html) == ["keuzes"]
    # The ticks stay as they were, so the resident only has to remove one.
    assert html.count("checked") == 3
    ok = client.post("/stem/stembiljet", data={"election": election.id, "choice": ["D", "A"]})
    assert ok.status_code == 303
    assert client.post("/stem/controle", data={"election": election.id}).status_code == 303
    [stored] = ballots(db_session)
    assert stored.choices == ["A", "D"]  # sorted, as the count keeps them


def test_ranked_vote_reports_duplicate_ranks_per_field(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(options=["A", "B", "C", "D"])
    [code] = codes_for(election, 1)
    enter_code(client, code)
    form = {"election": election.id, "rank-A": "2", "rank-B": "1", "rank-C": "2", "rank-D": ""}
    response = client.post("/stem/stembiljet", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "U heeft nummer 2 aan meer dan één optie gegeven" in html
    assert summary_links(html) == ["rang-A"]
    assert 'id="rang-A" name="rank-A" aria-invalid="true" aria-describedby="rang-A-fout"' in html
    assert code_is_unused(db_session, code)


def test_ranked_vote_closes_gaps_and_says_so(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(options=["A", "B", "C", "D"])
    [code] = codes_for(election, 1)
    enter_code(client, code)
    form = {"election": election.id, "rank-A": "4", "rank-B": "", "rank-C": "1", "rank-D": "2"}
    assert client.post("/stem/stembiljet", data=form).status_code == 303
    review = client.get("/stem/controle").get_data(as_text=True)
    assert "opnieuw geteld" in review
    assert review.index(">C<") < review.index(">D<") < review.index(">A<")
    # "Change" shows the ballot with the closed-up numbers.
    again = client.get("/stem/stembiljet").get_data(as_text=True)
    assert '<option value="3" selected>' in again
    assert client.post("/stem/controle", data={"election": election.id}).status_code == 303
    [stored] = ballots(db_session)
    assert stored.choices == ["C", "D", "A"]


def test_budget_vote_shows_costs_and_refuses_over_budget(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(kind="budget", costs=[20_000, 25_000, 10_000], budget=40_000)
    [code] = codes_for(election, 1)
    enter_code(client, code)
    page = client.get("/stem/stembiljet").get_data(as_text=True)
    assert "€\u00a020.000" in page and 'data-cost="25000"' in page and 'data-budget="40000"' in page
    assert "Er is €\u00a040.000 te verdelen." in page
    over = client.post("/stem/stembiljet", data={"election": election.id, "choice": ["P01", "P02"]})
    assert over.status_code == 422
    assert (
        "Uw keuze kost €\u00a045.000. Dat is €\u00a05.000 meer dan het budget van €\u00a040.000."
        in over.get_data(as_text=True)
    )
    ok = client.post("/stem/stembiljet", data={"election": election.id, "choice": ["P03", "P01"]})
    assert ok.status_code == 303
    review = client.get("/stem/controle").get_data(as_text=True)
    assert "Samen kost dit €\u00a030.000 van het budget van €\u00a040.000." in review
    assert client.post("/stem/controle", data={"election": election.id}).status_code == 303
    [stored] = ballots(db_session)
    assert stored.choices == ["P01", "P03"]


def test_budget_vote_under_the_minimum_is_refused(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(kind="budget", costs=[1_000, 2_000, 3_000], min_choices=2)
    [code] = codes_for(election, 1)
    enter_code(client, code)
    response = client.post("/stem/stembiljet", data={"election": election.id, "choice": "P01"})
    assert response.status_code == 422
    assert "Kies er minstens 2." in response.get_data(as_text=True)
    assert code_is_unused(db_session, code)


def test_budget_ballot_says_how_many_proposals_to_choose(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(
        kind="budget", costs=[1_000, 2_000, 3_000], min_choices=1, max_choices=2
    )
    [code] = codes_for(election, 1)
    enter_code(client, code)
    page = client.get("/stem/stembiljet").get_data(as_text=True)
    assert "Kies minstens 1 voorstel." in page and "Kies hoogstens 2 voorstellen." in page
    client.get("/taal/en")
    english = client.get("/stem/stembiljet").get_data(as_text=True)
    assert "Choose at least 1 proposal." in english
    assert "Choose at most 2 proposals." in english


def test_budget_proposals_in_a_random_order_per_voter(
    app: Flask, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(kind="budget", costs=[1_000 * (i + 1) for i in range(12)])
    all_codes = codes_for(election, 6)

    def order(client: FlaskClient) -> list[str]:
        html = client.get("/stem/stembiljet").get_data(as_text=True)
        return [part.split('"')[0] for part in html.split('id="keuze-')[1:]]

    orders = []
    for code in all_codes:
        client = app.test_client()
        enter_code(client, code)
        first = order(client)
        assert sorted(first) == [f"P{i:02d}" for i in range(1, 13)]
        assert order(client) == first  # stays put during the visit
        orders.append(tuple(first))
    assert len(set(orders)) > 1


def test_referendum_options_keep_the_council_order(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="approval", rule="approval", options=["C", "A", "B"])
    [code] = codes_for(election, 1)
    enter_code(client, code)
    html = client.get("/stem/stembiljet").get_data(as_text=True)
    assert html.index('id="keuze-C"') < html.index('id="keuze-A"') < html.index('id="keuze-B"')


@pytest.mark.parametrize(
    ("ballot_type", "blank_fields"),
    [("single", {"choice": "-"}), ("approval", {"blank": "1"}), ("ranked", {"blank": "1"})],
)
def test_blank_vote_where_allowed(
    client: FlaskClient,
    db_session: Session,
    make_election: MakeElection,
    codes_for: CodesFor,
    ballot_type: str,
    blank_fields: dict[str, str],
) -> None:
    election = make_election(ballot_type=ballot_type, allow_blank=True)
    [code] = codes_for(election, 1)
    enter_code(client, code)
    assert "Ik stem blanco" in client.get("/stem/stembiljet").get_data(as_text=True)
    assert (
        client.post("/stem/stembiljet", data={"election": election.id, **blank_fields}).status_code
        == 303
    )
    assert "U stemt blanco." in client.get("/stem/controle").get_data(as_text=True)
    assert client.post("/stem/controle", data={"election": election.id}).status_code == 303
    # Not even a blank vote shows on the receipt.
    assert "blanco" not in client.get("/stem/bewijs").get_data(as_text=True)
    [stored] = ballots(db_session)
    assert stored.choices == []


def test_blank_vote_refused_where_not_allowed(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single", allow_blank=False)
    [code] = codes_for(election, 1)
    enter_code(client, code)
    assert "Ik stem blanco" not in client.get("/stem/stembiljet").get_data(as_text=True)
    response = client.post("/stem/stembiljet", data={"election": election.id, "choice": "-"})
    assert response.status_code == 422
    assert "Blanco stemmen kan bij deze stemming niet." in response.get_data(as_text=True)
    assert code_is_unused(db_session, code)


def test_blank_and_choices_together_is_refused(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="approval", allow_blank=True)
    [code] = codes_for(election, 1)
    enter_code(client, code)
    response = client.post(
        "/stem/stembiljet", data={"election": election.id, "choice": "A", "blank": "1"}
    )
    assert response.status_code == 422
    assert summary_links(response.get_data(as_text=True)) == ["blanco"]


@pytest.mark.parametrize(
    ("ballot_type", "fields"),
    [
        ("single", {}),
        ("approval", {}),
        ("ranked", {}),
        ("approval", {"choice": "A", "blank": "1"}),
        ("ranked", {"rank-A": "1", "blank": "1"}),
    ],
)
def test_errors_name_the_blank_box_by_the_words_on_it(
    client: FlaskClient,
    make_election: MakeElection,
    codes_for: CodesFor,
    ballot_type: str,
    fields: dict[str, str],
) -> None:
    """An error that tells the resident to tick or untick the blank-vote box quotes
    the box's own label, so it can be found on the page."""
    election = make_election(ballot_type=ballot_type, allow_blank=True)
    [code] = codes_for(election, 1)
    enter_code(client, code)
    response = client.post("/stem/stembiljet", data={"election": election.id, **fields})
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    labels = re.findall(r"<label[^>]*>([^<]*)</label>", html)
    quoted = [q for error in field_errors(html) for q in re.findall(r"'([^']+)'", error)]
    assert quoted, field_errors(html)
    for words in quoted:
        assert any(words in label for label in labels), (words, labels)


# --- crafted POSTs: refused with a 4xx, and the code stays usable ------------------------


@pytest.mark.parametrize(
    ("ballot_type", "fields", "status", "message"),
    [
        ("single", {"choice": "Z"}, 422, "niet bij deze stemming hoort"),
        ("approval", {"choice": ["A", "Z"]}, 422, "niet bij deze stemming hoort"),
        ("approval", {"choice": ["A", "A"]}, 422, "meer dan één keer gekozen"),
        ("ranked", {"rank-A": "1", "rank-Z": "2"}, 422, "niet bij deze stemming hoort"),
        ("ranked", {"rank-A": "1", "rank-B": "1"}, 422, "nummer 1 aan meer dan één optie"),
        ("ranked", {"rank-A": "9"}, 422, "een nummer van 1 tot en met 3"),
        ("ranked", {"rank-A": "een"}, 422, "een nummer van 1 tot en met 3"),
        ("ranked", {"rank-A": ["1", "2"]}, 422, "niet bij deze stemming hoort"),
    ],
)
def test_crafted_ballots_are_refused_and_the_code_stays_usable(
    client: FlaskClient,
    db_session: Session,
    make_election: MakeElection,
    codes_for: CodesFor,
    ballot_type: str,
    fields: dict[str, object],
    status: int,
    message: str,
) -> None:
    election = make_election(ballot_type=ballot_type)
    [code] = codes_for(election, 1)
    enter_code(client, code)
    response = client.post("/stem/stembiljet", data={"election": election.id, **fields})
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert client.get("/stem/controle").status_code == 303  # nothing to review
    assert code_is_unused(db_session, code)
    good = {"single": {"choice": "A"}, "approval": {"choice": "A"}, "ranked": {"rank-A": "1"}}
    assert (
        client.post(
            "/stem/stembiljet", data={"election": election.id, **good[ballot_type]}
        ).status_code
        == 303
    )
    assert client.post("/stem/controle", data={"election": election.id}).status_code == 303
    assert tally(db_session) == (1, 1, 1)


def test_crafted_budget_over_budget_confirm_is_impossible(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(kind="budget", costs=[30_000, 30_000])
    [code] = codes_for(election, 1)
    enter_code(client, code)
    refused = client.post(
        "/stem/stembiljet", data={"election": election.id, "choice": ["P01", "P02"]}
    )
    assert refused.status_code == 422
    # Confirming without an accepted draft goes back to the ballot, nothing is cast.
    confirm = client.post("/stem/controle", data={"election": election.id})
    assert confirm.status_code == 303 and confirm.location.endswith("/stem/stembiljet")
    assert code_is_unused(db_session, code)


def test_ballot_for_another_election_is_refused(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    mine = make_election(ballot_type="single", slug="mine")
    other = make_election(ballot_type="single", slug="other")
    [code] = codes_for(mine, 1)
    enter_code(client, code)
    response = client.post("/stem/stembiljet", data={"election": other.id, "choice": "A"})
    assert response.status_code == 400
    assert "hoort bij een andere stemming" in response.get_data(as_text=True)
    assert (
        client.post("/stem/stembiljet", data={"election": mine.id, "choice": "A"}).status_code
        == 303
    )
    wrong_confirm = client.post("/stem/controle", data={"election": other.id})
    assert wrong_confirm.status_code == 400
    assert code_is_unused(db_session, code)
    assert client.post("/stem/controle", data={"election": mine.id}).status_code == 303


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_posts_without_csrf_token_are_refused(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    response = client.post("/stem", data={"code": code})
    assert response.status_code == 400
    assert "De pagina was verlopen" in response.get_data(as_text=True)
    # With the token from the page it works, and a later POST without one fails again.
    page = client.get("/stem").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    assert client.post("/stem", data={"code": code, "csrf_token": token}).status_code == 303
    ballot_page = client.get("/stem/stembiljet").get_data(as_text=True)
    token = ballot_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    bare = client.post("/stem/stembiljet", data={"election": election.id, "choice": "A"})
    assert bare.status_code == 400
    ok = client.post(
        "/stem/stembiljet", data={"election": election.id, "choice": "A", "csrf_token": token}
    )
    assert ok.status_code == 303
    assert client.post("/stem/controle", data={"election": election.id}).status_code == 400
    assert code_is_unused(db_session, code)
    assert (
        client.post(
            "/stem/controle", data={"election": election.id, "csrf_token": token}
        ).status_code
        == 303
    )


def test_closed_election_refuses_the_cast_and_keeps_the_code(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    enter_code(client, code)
    assert (
        client.post("/stem/stembiljet", data={"election": election.id, "choice": "A"}).status_code
        == 303
    )
    db_session.execute(update(Election).values(phase="closed", closes_at=utcnow()))
    db_session.commit()
    response = client.post("/stem/controle", data={"election": election.id})
    assert response.status_code == 403
    assert "De stemming is gesloten" in response.get_data(as_text=True)
    assert code_is_unused(db_session, code)


# --- double submit, back button, second tab ----------------------------------------------


def test_double_submit_stores_one_ballot_and_shows_the_receipt(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    enter_code(client, code)
    client.post("/stem/stembiljet", data={"election": election.id, "choice": "C"})
    before = client.get_cookie("session")
    assert before is not None
    first = client.post("/stem/controle", data={"election": election.id})
    after = client.get_cookie("session")
    # The second click left the browser before the first answer came back: it carries
    # the old cookie.
    client.set_cookie("session", before.value)
    second = client.post("/stem/controle", data={"election": election.id})
    assert first.status_code == second.status_code == 303
    assert second.location.endswith("/stem/bewijs")
    [stored] = ballots(db_session)
    assert receipt_on(client.get("/stem/bewijs").get_data(as_text=True)) == stored.receipt
    assert after is not None


def test_back_button_after_voting_leads_to_the_receipt(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    assert vote(client, election, code, {"choice": "A"}).status_code == 303
    for path in ("/stem/controle", "/stem/stembiljet"):
        back = client.get(path)
        assert back.status_code == 303 and back.location.endswith("/stem/bewijs")
    again = client.post("/stem/controle", data={"election": election.id})
    assert again.status_code == 303 and again.location.endswith("/stem/bewijs")
    assert len(ballots(db_session)) == 1


def test_the_same_code_in_a_second_browser_gets_already_used(
    app: Flask, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    one, two = app.test_client(), app.test_client()
    for c in (one, two):
        enter_code(c, code)
        c.post("/stem/stembiljet", data={"election": election.id, "choice": "B"})
    assert one.post("/stem/controle", data={"election": election.id}).status_code == 303
    late = two.post("/stem/controle", data={"election": election.id})
    assert late.status_code == 409
    assert "Met deze stemcode is al gestemd" in late.get_data(as_text=True)
    assert len(ballots(db_session)) == 1


def test_pages_are_not_cached_and_scripts_come_from_files(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election()
    [code] = codes_for(election, 1)
    enter_code(client, code)
    page = client.get("/stem/stembiljet")
    assert page.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "onclick" not in html and "style=" not in html


# --- session timeout, stopping -----------------------------------------------------------


def test_idle_session_expires_and_the_code_stays_usable(
    client: FlaskClient,
    db_session: Session,
    make_election: MakeElection,
    codes_for: CodesFor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    enter_code(client, code)
    assert client.get("/stem/stembiljet").status_code == 200
    real = routes.time.time
    monkeypatch.setattr(routes.time, "time", lambda: real() + 16 * 60)
    expired = client.get("/stem/stembiljet")
    assert expired.status_code == 303 and expired.location.endswith("/stem")
    assert "opnieuw invullen" in client.get("/stem").get_data(as_text=True)
    assert code_is_unused(db_session, code)
    assert enter_code(client, code).status_code == 303


def test_stopping_clears_the_visit(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    enter_code(client, code)
    stop = client.post("/stem/klaar")
    assert stop.status_code == 303
    with client.session_transaction() as sess:
        assert "vote" not in sess
    assert client.get("/stem/stembiljet").status_code == 303
    assert code_is_unused(db_session, code)


def test_finishing_after_the_receipt_forgets_it(
    client: FlaskClient, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    vote(client, election, code, {"choice": "A"})
    assert client.get("/stem/bewijs").status_code == 200
    client.post("/stem/klaar")
    assert client.get("/stem/bewijs").status_code == 303


# --- the receipt --------------------------------------------------------------------------


def test_receipt_page_and_pdf(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(slug="centrumplan")
    [code] = codes_for(election, 1)
    assert vote(client, election, code, {"rank-B": "1", "rank-A": "2"}).status_code == 303
    page = client.get("/stem/bewijs")
    html = page.get_data(as_text=True)
    [stored] = ballots(db_session)
    receipt = receipt_on(html)
    assert receipt == stored.receipt
    assert len(receipt) == 11 and receipt[5] == "-"
    assert all(c in codes.ALPHABET for c in receipt.replace("-", ""))
    # The receipt proves the ballot went in, never what it said.
    assert ">B<" not in html and ">A<" not in html and "gestemd op" not in html
    assert "/uitslag/centrumplan/bon" in html
    pdf = client.get("/stem/bewijs.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    # Not even in the file name a shared computer's download list keeps.
    assert receipt not in pdf.headers["Content-Disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert receipt in text and "Testverkiezing" in text
    assert "gestemd op" not in text and "Plan" not in text
    # On paper too the resident is sent to this election's receipt check, not to the
    # list of all results to find it there.
    assert "/uitslag/centrumplan/bon" in text.replace("\n", "")


def test_receipt_without_a_vote_goes_to_code_entry(client: FlaskClient) -> None:
    assert client.get("/stem/bewijs").status_code == 303
    assert client.get("/stem/bewijs.pdf").status_code == 303


def test_front_page_links_to_voting(client: FlaskClient, make_election: MakeElection) -> None:
    make_election(title="Centrumplan Duiven")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/stem"' in html and "Centrumplan Duiven" in html


def test_english_code_page(client: FlaskClient) -> None:
    """Passes once the English catalogue holds the vote texts."""
    html = client.get("/stem?lang=en").get_data(as_text=True)
    assert "Enter your voting code" in html


def test_receipt_pdf_falls_back_to_core_fonts(app: Flask, make_election: MakeElection) -> None:
    from voting.documents import receipt as receipt_pdf

    election = make_election(title="Łódź en Café – € 50.000")
    with app.test_request_context():
        data = receipt_pdf.receipt_pdf(
            municipality="Gemeente Duiven",
            election=election,
            receipt="ABCDE-FGHJK",
            results_url="http://localhost/uitslag/x/bon",
            font_dir=None,
        )
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "ABCDE-FGHJK" in text and "Café" in text and "€ 50.000" in text
    assert "Lódz en Café" in text and b"DejaVu" not in data  # ó is in Windows-1252, Ł is not


def test_a_refused_change_drops_the_earlier_draft(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="approval", rule="approval", max_choices=1)
    [code] = codes_for(election, 1)
    enter_code(client, code)
    assert (
        client.post("/stem/stembiljet", data={"election": election.id, "choice": "A"}).status_code
        == 303
    )
    refused = client.post("/stem/stembiljet", data={"election": election.id, "choice": ["B", "C"]})
    assert refused.status_code == 422
    confirm = client.post("/stem/controle", data={"election": election.id})
    assert confirm.status_code == 303 and confirm.location.endswith("/stem/stembiljet")
    assert code_is_unused(db_session, code)


def test_a_form_from_a_tab_of_an_earlier_code_is_not_cast_with_the_later_code(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    """Two letters in one household, two tabs in one browser: the first tab's form
    must not vote with the code typed in the second tab."""
    election = make_election(ballot_type="single")
    first, second = codes_for(election, 2)
    enter_code(client, first)
    old_page = client.get("/stem/stembiljet").get_data(as_text=True)
    old_visit = old_page.split('name="visit" value="', 1)[1].split('"', 1)[0]
    enter_code(client, second)
    stale = client.post(
        "/stem/stembiljet", data={"election": election.id, "visit": old_visit, "choice": "A"}
    )
    assert stale.status_code == 409
    assert "hoort bij een andere stemcode" in stale.get_data(as_text=True)
    page = client.get("/stem/stembiljet").get_data(as_text=True)
    visit = page.split('name="visit" value="', 1)[1].split('"', 1)[0]
    assert visit != old_visit
    ok = client.post(
        "/stem/stembiljet", data={"election": election.id, "visit": visit, "choice": "B"}
    )
    assert ok.status_code == 303
    stale_confirm = client.post(
        "/stem/controle", data={"election": election.id, "visit": old_visit}
    )
    assert stale_confirm.status_code == 409
    assert code_is_unused(db_session, first) and code_is_unused(db_session, second)
    done = client.post("/stem/controle", data={"election": election.id, "visit": visit})
    assert done.status_code == 303
    assert code_is_unused(db_session, first) and not code_is_unused(db_session, second)
