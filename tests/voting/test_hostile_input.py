"""Hostile input gets a clear 4xx page, never a 500, and nothing of it is stored:
NUL and control characters, ids and numbers above what a database column holds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voting.models import Election, Option
from voting.request_guard import INT_COLUMN_MAX, has_control_characters


@pytest.mark.parametrize(
    "path",
    [
        "/uitslag/a%00b",
        "/voorstellen/a%00b",
        "/uitslag/a%01b/record.json",
        "/stem?x=%00",
        "/taal/nl?next=/%0a/evil.example",
        "/taal/nl?next=/%0d%0aSet-Cookie:x=1",
    ],
)
def test_control_characters_in_address_are_a_clear_400(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 400
    assert "stuurtekens" in response.get_data(as_text=True)


def test_nul_in_login_name_is_a_400_not_a_query(client: FlaskClient, make_staff) -> None:
    make_staff("clerk")
    response = client.post("/beheer/inloggen", data={"username": "clerk\x001", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        f"/beheer/verkiezing/{INT_COLUMN_MAX + 1}",
        "/beheer/verkiezing/99999999999999999999999",
        f"/beheer/telling/{INT_COLUMN_MAX + 1}",
        f"/voorstellen/bewerken/{INT_COLUMN_MAX + 1}",
        f"/beheer/verkiezing/1/opties/{INT_COLUMN_MAX + 1}/verwijderen",
    ],
)
def test_ids_beyond_the_column_are_404(
    client: FlaskClient, login: Callable[..., object], path: str
) -> None:
    login("admin")
    method = client.post if path.endswith("verwijderen") else client.get
    assert method(path).status_code == 404


def test_largest_column_id_is_still_a_normal_404(client: FlaskClient, login) -> None:
    login("clerk")
    assert client.get(f"/beheer/verkiezing/{INT_COLUMN_MAX}").status_code == 404


def _election_form(**overrides: str) -> dict[str, str]:
    form = {
        "slug": "groot",
        "title": "Groot budget",
        "question": "Wat kiest u?",
        "kind": "budget",
        "ballot_type": "budget",
        "rule": "greedy",
        "seats": "1",
        "budget": "50000",
        "turnout_threshold_percent": "0",
        "min_age": "16",
    }
    form.update(overrides)
    return form


@pytest.mark.parametrize(
    "field", ["budget", "min_choices", "max_choices", "turnout_threshold_percent", "seats"]
)
@pytest.mark.parametrize("value", [str(INT_COLUMN_MAX + 1), "9" * 30, "-99999999999"])
def test_numbers_beyond_the_column_are_refused_with_the_form(
    client: FlaskClient, login, db_session: Session, field: str, value: str
) -> None:
    login("clerk")
    response = client.post("/beheer/verkiezing/nieuw", data=_election_form(**{field: value}))
    assert response.status_code in (200, 400, 422)
    assert db_session.scalar(select(func.count()).select_from(Election)) == 0


def test_option_cost_beyond_the_column_is_refused(
    client: FlaskClient, login, make_election, db_session: Session
) -> None:
    login("clerk")
    election = make_election(kind="budget", phase="draft", costs=[100])
    response = client.post(
        f"/beheer/verkiezing/{election.id}/opties",
        data={"title": "Te duur", "cost": str(INT_COLUMN_MAX + 1)},
    )
    assert response.status_code in (200, 400, 422)
    count = select(func.count()).select_from(Option).where(Option.title == "Te duur")
    assert db_session.scalar(count) == 0


def test_title_with_nul_is_never_stored(client: FlaskClient, login, db_session: Session) -> None:
    login("clerk")
    response = client.post(
        "/beheer/verkiezing/nieuw", data=_election_form(title="Groot\x00budget", kind="referendum")
    )
    assert response.status_code == 400
    assert db_session.scalar(select(func.count()).select_from(Election)) == 0


def test_text_areas_keep_their_line_breaks(client: FlaskClient, login, db_session) -> None:
    login("clerk")
    response = client.post(
        "/beheer/verkiezing/nieuw",
        data=_election_form(
            kind="referendum",
            ballot_type="ranked",
            rule="irv",
            question="Eerste regel\r\nTweede\tregel",
            budget="",
        ),
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    stored = db_session.scalar(select(Election))
    assert stored is not None and stored.question == "Eerste regel\r\nTweede\tregel"


@pytest.mark.parametrize(
    ("value", "text_area", "bad"),
    [
        ("gewoon", True, False),
        ("regel\r\nregel\tkolom", True, False),
        ("regel\nregel", False, True),
        ("nul\x00", True, True),
        ("del\x7f", True, True),
        ("esc\x1b[2J", True, True),
        ("Ünïcödé € ✓", False, False),
    ],
)
def test_control_character_rule(value: str, text_area: bool, bad: bool) -> None:
    assert has_control_characters(value, text_area=text_area) is bad
