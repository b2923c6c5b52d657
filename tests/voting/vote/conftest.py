"""Fixtures of the resident voting tests: codes, a consistency check after every test,
and (for the browser tests) a live server and Debian's chromium."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.voting.vote.support import add_codes, assert_consistent
from voting.models import Election


@pytest.fixture(autouse=True)
def consistent_after(app: Flask) -> Iterator[None]:
    """After every vote test: receipts = ballots = used codes."""
    yield
    session: Session = app.extensions["db_sessionmaker"]()
    try:
        assert_consistent(session)
    finally:
        session.close()


@pytest.fixture
def codes_for(db_session: Session) -> Callable[[Election, int], list[str]]:
    """``codes_for(election, n)``: n residents on the roll, their codes."""

    def make(election: Election, count: int = 1) -> list[str]:
        return add_codes(db_session, election, count)

    return make
