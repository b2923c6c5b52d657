"""Fixtures of the resident voting tests: codes, a consistency check after every test,
and (for the browser tests) a live server and Debian's chromium."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from tests.voting.vote.support import add_codes, assert_consistent
from voting.models import Election

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a free local port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a browser download)."""
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium (apt install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
