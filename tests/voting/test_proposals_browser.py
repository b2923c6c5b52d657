"""The organiser's proposals page in Debian's chromium at 320 px: long Dutch compounds
in titles wrap instead of pushing the page sideways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from voting import elections
from voting.models import Election

pytestmark = pytest.mark.browser


def test_my_proposals_fit_a_phone(
    live_server: str,
    browser: Any,
    client: FlaskClient,
    login: Callable[..., Any],
    make_election: Callable[..., Election],
    db_session: Session,
) -> None:
    organiser = login("organiser")
    election = make_election(
        kind="budget", costs=[1], phase="proposals", title="Buurtbudget Oud-Woensel 2026"
    )
    for title in ("Kinderspeelplaatsvernieuwingsplan", "Speeltuin aan de Bothastraat"):
        elections.add_option(
            db_session,
            election,
            title=title,
            cost=12_000,
            actor="test",
            organiser_id=organiser.id,
            review_status="submitted",
        )
    db_session.commit()
    # The test client's login session, handed to the browser.
    host = urlparse(live_server).hostname
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.add_cookies(
        [
            {"name": c.key, "value": c.value, "domain": host, "path": "/"}
            for c in client._cookies.values()
        ]
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server}/voorstellen/mijn")
        assert page.get_by_role("heading", name="Kinderspeelplaatsvernieuwingsplan").is_visible()
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"/voorstellen/mijn scrolls sideways by {overflow}px"
    finally:
        context.close()
