"""Switching language on the ballot keeps what the resident chose so far."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.voting.box_support import peek_ballots
from tests.voting.vote.support import enter_code
from voting.models import Election

MakeElection = Callable[..., Election]
CodesFor = Callable[[Election, int], list[str]]


def test_language_switch_on_the_ballot_keeps_the_ticks(
    client: FlaskClient, db_session: Session, make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(
        ballot_type="approval", rule="approval", options=["A", "B", "C", "D"], max_choices=3
    )
    [code] = codes_for(election, 1)
    enter_code(client, code)
    ballot = client.get("/stem/stembiljet").get_data(as_text=True)
    assert 'form="ballot-form" name="taal" value="en"' in ballot
    switched = client.post(
        "/stem/stembiljet", data={"election": election.id, "choice": ["B", "D"], "taal": "en"}
    )
    assert switched.status_code == 200
    html = switched.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert html.count("checked") == 2
    # Nothing was stored by switching; the ballot is cast as usual afterwards.
    assert peek_ballots(db_session) == []
    ok = client.post("/stem/stembiljet", data={"election": election.id, "choice": ["B", "D"]})
    assert ok.status_code == 303
    assert client.post("/stem/controle", data={"election": election.id}).status_code == 303
    assert [b.choices for b in peek_ballots(db_session)] == [["B", "D"]]
