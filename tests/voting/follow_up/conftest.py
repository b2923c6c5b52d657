"""A certified referendum and a certified buurtbudget to follow up on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from voting.models import Election
from voting.tally import certify_election, count_election


@pytest.fixture
def certify(
    app: Flask, make_election: Callable[..., Election], db_session: Session
) -> Callable[..., Election]:
    """Make, count and certify an election: ``certify(kind="budget")``."""
    key = make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)

    def make(kind: str = "referendum", slug: str | None = None) -> Election:
        if kind == "budget":
            election = make_election(
                kind="budget",
                rule="greedy",
                costs=[30_000, 15_000, 9_000],
                phase="closed",
                slug=slug or "buurtbudget-test",
                title="Buurtbudget Test",
            )
            ballots = [["P01"], ["P01", "P03"], ["P03"], ["P02"]]
        else:
            election = make_election(
                phase="closed", slug=slug or "centrumplan-test", title="Centrumplan Test"
            )
            ballots = [["A", "B"], ["A"], ["B", "A"]]
        add_roll(db_session, election, 10)
        add_ballots(db_session, election, ballots)
        count_election(db_session, election, "griffie")
        certify_election(db_session, election, "griffie", key)
        return election

    return make
