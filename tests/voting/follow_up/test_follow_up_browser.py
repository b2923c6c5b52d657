"""End to end in Debian's chromium at 320 px: a clerk records a decision and a
project's progress; the public pages (no sideways scrolling, no serious axe-core
violations) and the Atom feed show it; a resident subscribes, confirms, receives the
update through a real local SMTP server, unsubscribes and receives nothing more; with
the SMTP server stopped, the update is sent once it is back."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from tests.conftest import STAFF_PASSWORD
from voting.follow_up import outbox
from voting.models import Election, StaffUser, utcnow

pytestmark = pytest.mark.browser
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A phone-sized page; fails the test on console errors."""
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=live_server)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield tab
    context.close()
    assert errors == []


def _send(app: Flask, **options: Any) -> outbox.SendReport:
    session = app.extensions["db_sessionmaker"]()
    try:
        return outbox.send_due(session, app.config, **options)
    finally:
        session.close()


def _link(message: Any, path: str) -> str:
    found = re.search(r"https?://\S+" + re.escape(path) + r"\S+", message.get_content())
    assert found, message.get_content()
    return found.group(0)


def _fits_and_passes_axe(page: Any, path: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    response = page.goto(path)
    assert response is not None and response.status == 200, path
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    violations = [
        f"{v['id']}: {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert violations == [], f"{path}: {violations}"


def _record_progress(page: Any, election: Election, percent: int, spent: str) -> None:
    page.goto(f"/beheer/opvolging/{election.id}/project/P01")
    page.select_option("#status", "in_progress")
    page.fill("#progress_percent", str(percent))
    page.fill("#spent", spent)
    page.click("button:has-text('Stand vastleggen')")
    page.locator(".flash-success").wait_for()


def test_decision_progress_feed_and_mail_end_to_end(
    app: Flask,
    page: Any,
    smtp: Any,
    certify: Callable[..., Election],
    make_staff: Callable[..., StaffUser],
) -> None:
    app.config["SMTP_URL"] = smtp.url
    election = certify(kind="budget")
    clerk = make_staff("clerk")

    # A resident asks for news about this election and confirms by the link.
    page.goto(f"/volgen/{election.slug}")
    page.fill("#address", "bewoner@example.nl")
    page.click("button:has-text('Stuur mij nieuws hierover')")
    page.locator("h1", has_text="Kijk in uw mailbox").wait_for()
    assert _send(app).sent == 1
    page.goto(_link(smtp.messages[-1], "/volgen/bevestigen/"))
    page.click("button:has-text('Ja, stuur mij nieuws')")
    page.locator("h1", has_text="U bent aangemeld").wait_for()

    # The clerk records the council's decision and the project's progress.
    page.goto("/beheer/inloggen")
    page.fill("#username", clerk.username)
    page.fill("#password", STAFF_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"/beheer/opvolging/{election.id}")
    page.fill("#decided_on", "2026-11-20")
    page.check("#body-0")
    page.select_option("#outcome", "adopted")
    page.fill("#explanation", "De raad neemt de uitslag over. De speeltuin komt er in 2027.")
    page.fill("#source_url", "https://gemeente.example.nl/besluitenlijst")
    page.click("button:has-text('Besluit vastleggen')")
    page.locator(".flash-success").wait_for()
    _record_progress(page, election, 60, "18.000")

    # Both reach the resident through the SMTP server.
    assert _send(app).sent == 2
    received = "\n".join(m.get_content() for m in smtp.messages[-2:])
    assert "overgenomen" in received and "60% klaar" in received

    # The public pages and the feed show it, at 320 px, in Dutch and English.
    _fits_and_passes_axe(page, f"/volgen/{election.slug}")
    text = page.inner_text("main")
    assert "De speeltuin komt er in 2027." in text and "60% klaar" in text
    _fits_and_passes_axe(page, f"/volgen/{election.slug}/project/P01")
    assert "€ 18.000" in page.inner_text("main").replace("\u00a0", " ")
    _fits_and_passes_axe(page, "/volgen/?lang=en")
    assert "What happened with your say?" in page.inner_text("main")
    for path in ("/toegankelijkheid", "/privacy"):
        _fits_and_passes_axe(page, path)
    feed = ET.fromstring(page.request.get(f"/volgen/{election.slug}/feed.atom").body())
    titles = [e.findtext(f"{ATOM}title") or "" for e in feed.findall(f"{ATOM}entry")]
    assert any("overgenomen" in t for t in titles)
    assert any("(60%)" in t for t in titles)

    # While the mail server is down the update waits; once it is back it goes.
    smtp.stop()
    _record_progress(page, election, 80, "24.000")
    assert _send(app).retry == 1
    smtp.start()
    later = utcnow() + outbox.pause_after(1) + timedelta(seconds=1)
    assert _send(app, now=later).sent == 1
    assert "80% klaar" in smtp.messages[-1].get_content()

    # The resident unsubscribes and gets nothing more.
    page.goto(_link(smtp.messages[-1], "/volgen/afmelden/"))
    page.click("button:has-text('Afmelden')")
    page.locator("h1", has_text="U bent afgemeld").wait_for()
    count = len(smtp.messages)
    _record_progress(page, election, 100, "30.000")
    assert _send(app).sent == 0
    assert len(smtp.messages) == count
