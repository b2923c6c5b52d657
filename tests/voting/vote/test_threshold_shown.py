"""Residents read the turnout threshold on the front page and on the ballot (the
letter says it too: tests/voting/test_setup_fixes.py)."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient

from voting.models import Election


def test_turnout_threshold_on_front_page_and_ballot(
    client: FlaskClient, make_election: Callable[..., Election], codes_for
) -> None:
    election = make_election(turnout_threshold_percent=30, title="Centrumplan Duiven")
    front = client.get("/").get_data(as_text=True)
    assert "De uitslag telt alleen als minstens 30% van de kiezers stemt." in front
    code = codes_for(election, 1)[0]
    client.post("/stem", data={"code": code})
    ballot = client.get("/stem/stembiljet").get_data(as_text=True)
    assert "minstens 30% van de kiezers" in ballot
