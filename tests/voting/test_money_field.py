"""Amounts as people type them in every money field: the organiser's cost, the
resident's idea total and cost lines, the clerk's budget and option costs."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.models import Election, Option
from voting.money_field import parse_euros


@pytest.mark.parametrize(
    ("typed", "euros"),
    [
        ("1500", 1500),
        ("1.500", 1500),
        ("€ 1.500", 1500),
        ("€1.500", 1500),
        ("1 500", 1500),
        ("1\u00a0500", 1500),
        ("1.500,-", 1500),
        ("1500,00", 1500),
        ("1.500.000", 1_500_000),
        ("0", 0),
        ("1,50", None),  # cents: not whole euros
        ("1.50", None),  # a decimal point, or a mistyped thousands group
        ("12.34.567", None),
        ("-5", None),
        ("vijftig", None),
        ("", None),
        ("9" * 13, None),
    ],
)
def test_amounts_read_as_typed(typed: str, euros: int | None) -> None:
    assert parse_euros(typed) == euros


def _proposal(cost: str) -> dict[str, str]:
    return {
        "title": "Moestuin",
        "summary": "Een moestuin voor de buurt.",
        "description": "",
        "cost": cost,
        "theme": "",
        "location": "Gildebuurt",
    }


def _errors(page: str) -> list[str]:
    found = re.findall(r'<p class="field-error" id="cost-error">([^<]+)</p>', page)
    return [html.unescape(text) for text in found]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "Het bedrag moet meer dan € 0 zijn."),
        ("1,50", "Vul een bedrag in hele euro's in, zoals 1500 of 1.500."),
        ("vijftienhonderd", "Vul een bedrag in hele euro's in, zoals 1500 of 1.500."),
        ("3000000000", "Het bedrag is hoogstens €\u00a02.147.483.647."),
        ("", "Vul de kosten in, in hele euro's."),
    ],
)
def test_a_wrong_cost_gets_one_plain_message(
    client: FlaskClient,
    login: Callable[..., object],
    make_election: Callable[..., Election],
    db_session: Session,
    typed: str,
    message: str,
) -> None:
    # Before: "1.500" was refused, and "0" got two messages at once, one of them
    # "Vul een getal in tussen 1 en 2147483647."
    election = make_election(kind="budget", phase="proposals", costs=[100])
    login("organiser")
    response = client.post(f"/voorstellen/{election.slug}/indienen", data=_proposal(typed))
    assert response.status_code == 400
    assert _errors(response.get_data(as_text=True)) == [message]
    assert db_session.scalar(select(Option).where(Option.title == "Moestuin")) is None


def test_a_dutch_thousands_dot_is_accepted_and_kept_as_typed_on_an_error(
    client: FlaskClient,
    login: Callable[..., object],
    make_election: Callable[..., Election],
    db_session: Session,
) -> None:
    election = make_election(kind="budget", phase="proposals", costs=[100])
    login("organiser")
    missing = client.post(
        f"/voorstellen/{election.slug}/indienen", data={**_proposal("1.500"), "title": ""}
    )
    assert missing.status_code == 400
    page = missing.get_data(as_text=True)
    assert 'value="1.500"' in page and 'inputmode="numeric"' in page
    done = client.post(f"/voorstellen/{election.slug}/indienen", data=_proposal("€ 1.500"))
    assert done.status_code in (302, 303)
    stored = db_session.scalar(select(Option).where(Option.title == "Moestuin"))
    assert stored is not None and stored.cost == 1500


@pytest.mark.parametrize("typed", ["", "0"])
def test_a_buurtbudget_proposal_without_a_cost_is_refused(
    client: FlaskClient,
    login: Callable[..., object],
    make_election: Callable[..., Election],
    db_session: Session,
    typed: str,
) -> None:
    # Before, an empty cost was stored as EUR 0: a proposal every count then funds.
    election = make_election(kind="budget", phase="draft", costs=[100])
    login("clerk")
    response = client.post(
        f"/beheer/verkiezing/{election.id}/opties", data={"title": "Bloembakken", "cost": typed}
    )
    assert response.status_code == 409
    assert "Vul de kosten van het voorstel in" in html.unescape(response.get_data(as_text=True))
    assert db_session.scalar(select(Option).where(Option.title == "Bloembakken")) is None
    done = client.post(
        f"/beheer/verkiezing/{election.id}/opties", data={"title": "Bloembakken", "cost": "1.250"}
    )
    assert done.status_code == 302
    stored = db_session.scalar(select(Option).where(Option.title == "Bloembakken"))
    assert stored is not None and stored.cost == 1250
