"""Public follow-up pages: the overview, per election in every phase, per project,
the statements, and the links that lead there (footer, results, receipt, letter)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from voting.follow_up import tracking
from voting.models import Election, utcnow

ATOM = "{http://www.w3.org/2005/Atom}"


def _decide(db_session: Session, election: Election, outcome: str = "adopted") -> None:
    tracking.record_decision(
        db_session,
        election,
        decided_on=date(2026, 11, 20),
        body="raad",
        outcome=outcome,
        explanation="De raad voert de uitslag uit.",
        source_url="https://gemeente.example.nl/besluit",
        actor="griffie",
    )


def test_overview_lists_every_public_election_with_its_state(
    client: FlaskClient,
    make_election: Callable[..., Election],
    certify: Callable[..., Election],
    db_session: Session,
) -> None:
    decided = certify(slug="besloten")
    certify(kind="budget", slug="nog-niet-besloten")
    _decide(db_session, decided)
    make_election(slug="open-nu", title="Open stemming")
    make_election(slug="concept", title="Geheim concept", phase="draft")
    make_election(slug="dicht", title="Gesloten stemming", phase="closed")
    page = client.get("/volgen/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Wat is er met uw stem gedaan?" in html
    assert "Besluit van de gemeenteraad: overgenomen." in html
    assert "De gemeente heeft nog geen besluit genomen." in html
    assert "0 van 2 projecten klaar." in html
    assert "Stemmen kan tot" in html
    assert "De stemmen worden geteld." in html
    assert "Geheim concept" not in html
    assert client.get("/volgen/concept").status_code == 404
    assert client.get("/volgen/bestaat-niet").status_code == 404


def test_every_page_links_the_statements_and_the_follow_up(client: FlaskClient) -> None:
    for path in ("/", "/volgen/", "/toegankelijkheid", "/privacy", "/uitslag/"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/toegankelijkheid"' in html, path
        assert 'href="/privacy"' in html, path
        assert 'href="/volgen/"' in html, path


@pytest.mark.parametrize(
    ("path", "dutch", "english"),
    [
        ("/toegankelijkheid", "(WCAG) 2.1", "EN 301 549"),
        ("/privacy", "HMAC", "HMAC"),
    ],
)
def test_statements_in_dutch_and_english(
    client: FlaskClient, path: str, dutch: str, english: str
) -> None:
    nl = client.get(path).get_data(as_text=True)
    en = client.get(path + "?lang=en").get_data(as_text=True)
    assert dutch in nl and english in en
    if path == "/toegankelijkheid":
        assert "Toegankelijkheidsverklaring" in nl and "Accessibility statement" in en
        for part in ("Wat is er getest", "Wat weten we nog niet", "EN 301 549"):
            assert part in nl
    else:
        assert "Privacyverklaring" in nl and "Privacy statement" in en
        # Accurate about what is (not) stored, and for how long.
        assert "Geen naam, geen adres" in nl and "180 dagen" in nl
        assert "No name, no address" in en


def test_results_and_receipt_pages_link_the_follow_up(
    client: FlaskClient, certify: Callable[..., Election]
) -> None:
    election = certify()
    target = f'href="/volgen/{election.slug}"'
    assert target in client.get(f"/uitslag/{election.slug}").get_data(as_text=True)
    assert target in client.get(f"/uitslag/{election.slug}/bon").get_data(as_text=True)
    # The letter's address is the front page: after voting it points at the follow-up.
    assert target in client.get("/").get_data(as_text=True)


def test_front_page_points_at_the_follow_up_once_voting_has_ended(
    client: FlaskClient, make_election: Callable[..., Election]
) -> None:
    ended = make_election(
        slug="net-gesloten",
        opens_at=utcnow() - timedelta(days=9),
        closes_at=utcnow() - timedelta(days=2),
    )
    still_open = make_election(slug="nog-open")
    html = client.get("/").get_data(as_text=True)
    assert f'href="/volgen/{ended.slug}"' in html
    assert f'href="/volgen/{still_open.slug}"' not in html
    page = client.get(f"/volgen/{ended.slug}").get_data(as_text=True)
    assert "Het stemmen is voorbij" in page


def test_project_pages_of_a_buurtbudget(
    client: FlaskClient, certify: Callable[..., Election], db_session: Session
) -> None:
    election = certify(kind="budget")
    funded = {p.key for p in tracking.projects(db_session, election)}
    assert funded == {"P01", "P03"}  # greedy: P01 and P03 (2 votes each); P02 no longer fits
    page = client.get(f"/volgen/{election.slug}/project/P01")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "gepland" in html and "€\u00a00 van €\u00a030.000" in html.replace("&nbsp;", "\u00a0")
    assert client.get(f"/volgen/{election.slug}/project/P02").status_code == 404
    assert client.get(f"/volgen/{election.slug}/project/%3Cx%3E").status_code == 404


def test_atom_feeds_parse_and_carry_the_news(
    client: FlaskClient, certify: Callable[..., Election], db_session: Session
) -> None:
    referendum = certify()
    budget = certify(kind="budget")
    _decide(db_session, referendum, "not_adopted")
    tracking.record_updates(
        db_session,
        budget,
        [tracking.UpdateInput("P01", date(2026, 11, 25), "in_progress", 40, 5_000_00, 30_000_00)],
        actor="griffie",
    )
    empty = client.get("/volgen/nog-niets/feed.atom")
    assert empty.status_code == 404

    response = client.get(f"/volgen/{referendum.slug}/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    assert "niet overgenomen" in (entries[0].findtext(f"{ATOM}title") or "")
    for required in ("id", "title", "updated", "link", "summary"):
        assert entries[0].find(f"{ATOM}{required}") is not None, required

    site = ET.fromstring(client.get("/volgen/feed.atom").data)
    ids = [e.findtext(f"{ATOM}id") for e in site.findall(f"{ATOM}entry")]
    assert len(ids) == 2 and len(set(ids)) == 2
    titles = " ".join(e.findtext(f"{ATOM}title") or "" for e in site.findall(f"{ATOM}entry"))
    assert "Voorstel 1: wordt uitgevoerd (40%)" in titles
    links = [e.find(f"{ATOM}link").get("href") for e in site.findall(f"{ATOM}entry")]
    assert f"http://localhost/volgen/{budget.slug}/project/P01" in links


def test_demo_example_has_a_decision_and_progress(
    app: Flask, client: FlaskClient, db_session: Session
) -> None:
    from voting.cli.example_election import SLUG, add_certified_example

    add_certified_example(db_session, app)
    html = client.get(f"/volgen/{SLUG}").get_data(as_text=True)
    assert "Het college neemt het advies van de bewoners over." in html
    assert "100% klaar" in html and "60% klaar" in html
    assert "1 van 2 projecten klaar." in client.get("/volgen/").get_data(as_text=True)


def test_the_subscribe_form_asks_for_an_email_address_as_phones_expect(
    client: FlaskClient,
) -> None:
    page = client.get("/volgen/aanmelden").get_data(as_text=True)
    field = re.search(r'<input[^>]*name="address"[^>]*>', page)
    assert field is not None
    assert 'type="email"' in field.group(0) and 'autocomplete="email"' in field.group(0)
    # The privacy statement is named once, as the link ("... in de privacyverklaring.").
    assert 'Meer leest u in de <a href="/privacy">privacyverklaring</a>.' in page
    assert page.lower().count("privacyverklaring") == 1
