"""Fifty browsers at once, through the whole app: one code votes once, fifty codes
vote fifty times. Runs on SQLite, and on PostgreSQL when DATABASE_URL points there."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.voting.vote.support import enter_code, tally
from voting.models import Election

THREADS = 50
# Fifty threads share the app's pool of 15 connections, as fifty residents share a
# web process's: each request uses one connection at a time (these tests pass with a
# pool of one), so the others queue. At load 8 the queue outlasted the default 30 s
# wait; the wait here fits the threads, and stays inside pytest-timeout's 300 s.
pytestmark = pytest.mark.app_config(DATABASE_POOL_TIMEOUT=240)


def prepared(app: Flask, election: Election, code: str) -> FlaskClient:
    """A browser that has entered ``code`` and filled in its ballot: one click from
    casting."""
    client = app.test_client()
    assert enter_code(client, code).status_code == 303
    response = client.post("/stem/stembiljet", data={"election": election.id, "choice": "B"})
    assert response.status_code == 303
    return client


def confirm_all_at_once(clients: list[FlaskClient], election: Election) -> list[tuple[int, str]]:
    """Every client presses "confirm" at the same moment."""
    start = threading.Barrier(len(clients))

    def press(client: FlaskClient) -> tuple[int, str]:
        start.wait()
        response = client.post("/stem/controle", data={"election": election.id})
        return response.status_code, response.get_data(as_text=True)

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return list(pool.map(press, clients))


def test_fifty_casts_of_one_code_store_one_ballot(
    app: Flask,
    db_session: Session,
    make_election: Callable[..., Election],
    codes_for: Callable[[Election, int], list[str]],
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    clients = [prepared(app, election, code) for _ in range(THREADS)]
    results = confirm_all_at_once(clients, election)
    statuses = sorted(status for status, _ in results)
    assert statuses == [303] + [409] * (THREADS - 1)
    for status, html in results:
        if status == 409:
            assert "Met deze stemcode is al gestemd" in html
    assert tally(db_session) == (1, 1, 1)


def test_fifty_codes_at_once_store_fifty_ballots(
    app: Flask,
    db_session: Session,
    make_election: Callable[..., Election],
    codes_for: Callable[[Election, int], list[str]],
) -> None:
    election = make_election(ballot_type="single")
    codes = codes_for(election, THREADS)
    clients = [prepared(app, election, code) for code in codes]
    results = confirm_all_at_once(clients, election)
    assert [status for status, _ in results] == [303] * THREADS
    assert tally(db_session) == (THREADS, THREADS, THREADS)
