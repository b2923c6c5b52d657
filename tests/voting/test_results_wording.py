"""Honest results wording on the rendered pages and the CSV: a count that is not valid
never reads as chosen or funded, a result a draw helped decide says so, plurals are
right, "what happens next" follows the verdict, and the ballots are counted per channel
and kind (online, paper, blank, invalid)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from voting.follow_up import tracking
from voting.models import Election
from voting.tally import certify_election, count_election

# Phrases that say something was chosen or gets money, in both languages.
CHOSEN_NL = ["✓ gekozen", "✓ krijgt geld", "Gekozen:", "Krijgt geld:", "Geld gaat naar"]
CHOSEN_EN = ["✓ chosen", "✓ funded", "Chosen:", "Funded:", "Money goes to"]
CHOSEN_COLUMNS = ['<th scope="col">Gekozen</th>', '<th scope="col">Krijgt geld</th>']


@pytest.fixture
def publish(
    make_election: Callable[..., Election], db_session: Session, app: Flask
) -> Callable[..., Election]:
    """Create, count and certify an election; ``paper``/``invalid`` add paper ballots."""
    key_path = make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)
    made = 0

    def make(
        rule: str,
        ballots: list[list[str]],
        *,
        roll: int = 10,
        paper: list[list[str]] | None = None,
        invalid: int = 0,
        **fields: object,
    ) -> Election:
        nonlocal made
        made += 1
        settings: dict[str, object] = {
            "rule": rule,
            "phase": "closed",
            "turnout_threshold_percent": 30,
            "binding": True,
            "slug": f"woorden-{made}",
            "title": f"Woorden {made}",
            "next_steps": "De raad voert het plan uit in 2027.",
            **fields,
        }
        election = make_election(**settings)
        add_roll(db_session, election, roll)
        add_ballots(db_session, election, ballots)
        if paper or invalid:
            add_ballots(db_session, election, paper or [], channel="paper", invalid=invalid)
        count_election(db_session, election, "griffie")
        certify_election(db_session, election, "griffie", key_path, municipality="Gemeente Duiven")
        return election

    return make


BUDGET = {"kind": "budget", "ballot_type": "budget", "costs": [20_000, 25_000, 10_000, 8_000]}


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _verdict(html: str) -> str:
    """The summary under "Wat is er besloten?"."""
    found = re.search(r'id="uitkomst".*?<p class="lead">(.*?)</p>', html, re.S)
    assert found is not None
    return _text(found.group(1))


def _page(client: FlaskClient, election: Election, lang: str = "nl") -> tuple[str, str]:
    response = client.get(f"/uitslag/{election.slug}?lang={lang}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, _text(html)


@pytest.mark.parametrize(
    ("rule", "fields"),
    [("greedy", BUDGET), ("mes-add1", BUDGET), ("irv", {}), ("stv", {"seats": 2})],
)
def test_invalid_count_never_reads_as_chosen_or_funded(
    rule: str, fields: dict[str, object], publish: Callable[..., Election], client: FlaskClient
) -> None:
    ballots = (
        [["P01", "P03"], ["P02"], ["P03"]] if "costs" in fields else [["A", "B"], ["B"], ["A"]]
    )
    election = publish(rule, ballots, roll=100, **fields)  # 3% turnout, threshold 30%
    html, text = _page(client, election)
    for phrase in CHOSEN_NL:
        assert phrase not in text, phrase
    for column in CHOSEN_COLUMNS:
        assert column not in html, column
    assert "aangewezen (ongeldig)" in text or "Aangewezen" in text
    assert "De telling wees" in text or "De meeste steun kreeg" in text
    _html, english = _page(client, election, "en")
    for phrase in CHOSEN_EN:
        assert phrase not in english, phrase
    assert "not valid" in english
    # Not even the counting library's English notes on each round ("funded P01 ...").
    assert not re.search(r"\b(funded|elected)\b", english)
    # The CSV says the same: no column claims a choice.
    rows = list(csv.reader(io.StringIO(client.get(f"/uitslag/{election.slug}/uitslag.csv").text)))
    assert "chosen" not in rows[0] and "indicated_not_valid" in rows[0]


def test_valid_count_still_says_chosen_and_funded(
    publish: Callable[..., Election], client: FlaskClient
) -> None:
    budget = publish("greedy", [["P01", "P03"], ["P02"], ["P03"], ["P01"]], roll=4, **BUDGET)
    _html, text = _page(client, budget)
    assert "✓ krijgt geld" in text and "Geld gaat naar 3 voorstellen" in text
    rows = list(csv.reader(io.StringIO(client.get(f"/uitslag/{budget.slug}/uitslag.csv").text)))
    assert rows[0][3:5] == ["chosen", "order"]


def test_plurals(publish: Callable[..., Election], client: FlaskClient) -> None:
    # One proposal funded, one resident voted of three: singular forms.
    one = publish("greedy", [["P01"]], roll=3, **{**BUDGET, "budget": 20_000})
    _html, text = _page(client, one)
    assert "Geld gaat naar 1 voorstel, samen" in text
    assert "1 van de 3 kiezers stemde:" in text
    assert "Er is 1 stembiljet uitgebracht" in text
    _html, english = _page(client, one, "en")
    assert "Money goes to 1 proposal, together" in english
    assert "1 of the 3 voters voted" in english
    assert "1 ballot was cast" in english
    [receipt] = json.loads(one.record_json or "")["receipts"]
    checked = _text(client.post(f"/uitslag/{one.slug}/bon", data={"receipt": receipt}).text)
    assert "in de lijst van 1 bonnummer in het verslag" in checked
    two = publish("greedy", [["P03"], ["P03", "P04"]], roll=3, **{**BUDGET, "budget": 30_000})
    _html, text = _page(client, two)
    assert "Geld gaat naar 2 voorstellen, samen" in text
    assert "2 van de 3 kiezers stemden:" in text
    assert "Er zijn 2 stembiljetten uitgebracht" in text
    _html, english = _page(client, two, "en")
    assert "Money goes to 2 proposals" in english and "2 ballots were cast" in english
    receipt = json.loads(two.record_json or "")["receipts"][0]
    checked = _text(client.post(f"/uitslag/{two.slug}/bon", data={"receipt": receipt}).text)
    assert "in de lijst van 2 bonnummers in het verslag" in checked


def test_binding_result_decided_by_lot_says_so(
    publish: Callable[..., Election], client: FlaskClient
) -> None:
    election = publish("plurality", [["A"], ["B"], ["C"]], roll=5, ballot_type="single")
    html, text = _page(client, election)
    verdict = _verdict(html)
    assert "Deze bindende uitslag is mede door loting bepaald" in verdict
    assert "bij 1 gelijke stand besliste het lot" in verdict
    assert "ronde 1, over wie gekozen wordt: tussen A, B en C viel het lot op" in verdict
    _html, english = _page(client, election, "en")
    assert "This binding result was decided partly by lot" in english
    advisory = publish("plurality", [["A"], ["B"]], roll=3, ballot_type="single", binding=False)
    _html, text = _page(client, advisory)
    assert "De uitkomst is mede door loting bepaald" in text
    assert "bindende uitslag is mede door loting" not in text
    untied = publish("plurality", [["A"], ["A"], ["B"]], roll=3, ballot_type="single")
    _html, text = _page(client, untied)
    assert "door loting bepaald" not in text


def test_what_happens_next_follows_the_verdict(
    publish: Callable[..., Election], client: FlaskClient
) -> None:
    valid = publish("irv", [["A", "B"], ["A"], ["B"]], roll=5)
    html, text = _page(client, valid)
    assert "De uitslag is bindend: de gemeente voert hem uit." in text
    announced = re.search(r'<p class="announced">(.*?)</p>', html, re.S)
    assert announced is not None
    assert _text(announced.group(1)).strip() == "De raad voert het plan uit in 2027."
    advisory = publish("irv", [["A"], ["A"], ["B"]], roll=5, binding=False)
    _html, text = _page(client, advisory)
    assert "De uitslag is een advies: de gemeenteraad weegt hem mee" in text
    assert "de gemeente voert hem uit" not in text
    invalid = publish("irv", [["A"]], roll=50)
    html, text = _page(client, invalid)
    assert "Deze uitslag telt niet: de gemeenteraad is er niet aan gebonden" in text
    assert "de gemeente voert hem uit" not in text
    # The clerk's plan, written before the vote, is marked as meant for a valid result.
    announced = re.search(r'<p class="announced">(.*?)</p>', html, re.S)
    assert announced is not None
    assert _text(announced.group(1)).strip().startswith("Vooraf aangekondigd, voor het geval")
    _html, english = _page(client, invalid, "en")
    assert "This result does not count" in english
    assert "Announced before the vote, in case of a valid result:" in english


def test_ballots_per_channel_and_kind(
    publish: Callable[..., Election], client: FlaskClient
) -> None:
    election = publish(
        "irv",
        [["A", "B"], ["B"], [], ["A"]],
        roll=12,
        paper=[["B", "A"], []],
        invalid=1,
        allow_blank=True,
    )
    html, text = _page(client, election)
    rows = dict(
        (_text(what).strip(), _text(number).strip())
        for what, number in re.findall(
            r'<tr><th scope="row">(.*?)</th><td class="num">(.*?)</td>',
            # each kind's meaning sits under its name, in a span of its own
            re.sub(
                r'<span class="meaning">.*?</span>',
                "",
                html.split('id="stembiljetten"')[1].split("</table>")[0],
            ),
        )
    )
    assert rows == {
        "Online uitgebracht": "4",
        "waarvan aan de balie van het gemeentehuis": "0",
        "Op papier uitgebracht": "3",
        "Samen uitgebracht": "7",
        "Met een keuze": "4",
        "Blanco": "2",
        "Ongeldig": "1",
    }
    assert "Er zijn 7 stembiljetten uitgebracht: 4 online en 3 op papier." in text
    assert "2 stembiljetten waren blanco, 1 was ongeldig." in text
    assert "7 van de 12 kiezers stemden" in text
    _html, english = _page(client, election, "en")
    assert "7 ballots were cast: 4 online and 3 on paper." in english
    assert "2 ballots were blank, 1 was invalid." in english


def test_follow_up_of_an_invalid_result_promises_nothing(
    publish: Callable[..., Election], client: FlaskClient, app: Flask, db_session: Session
) -> None:
    invalid = publish("greedy", [["P01", "P03"], ["P02"], ["P03"]], roll=100, **BUDGET)
    text = _text(client.get(f"/volgen/{invalid.slug}").get_data(as_text=True))
    assert "De uitslag is ongeldig. Op grond van deze stemming wordt niets uitgevoerd" in text
    assert "Uitvoering" not in text and "gepland" not in text
    assert client.get(f"/volgen/{invalid.slug}/project/P03").status_code == 404
    # The council may still decide to carry it out: then the projects are followed.
    with app.test_request_context():
        tracking.record_decision(
            db_session,
            invalid,
            decided_on=date(2027, 1, 12),
            body="raad",
            outcome="adopted",
            explanation="De raad neemt de voorstellen toch over.",
            source_url="",
            actor="griffie",
        )
    text = _text(client.get(f"/volgen/{invalid.slug}").get_data(as_text=True))
    assert "Uitvoering" in text and "Voorstel 3" in text
    assert client.get(f"/volgen/{invalid.slug}/project/P03").status_code == 200
    valid = publish("greedy", [["P01"], ["P03"]], roll=4, **BUDGET)
    text = _text(client.get(f"/volgen/{valid.slug}").get_data(as_text=True))
    assert "Uitvoering" in text and "De gemeente heeft nog geen besluit genomen" in text


def test_report_keeps_the_signatures_on_one_page_and_names_only_deciding_draws(
    publish: Callable[..., Election], client: FlaskClient
) -> None:
    # Equal shares draws in a trial run ("raise") too; only draws in the outcome count.
    election = publish(
        "mes-add1",
        [["P01", "P03"], ["P02"], ["P03"], ["P04", "P01"]],
        roll=8,
        paper=[["P02"]],
        invalid=1,
        **BUDGET,
    )
    record = json.loads(election.record_json or "")
    purposes = [t["purpose"] for t in record["result"]["tie_breaks"]]
    assert "raise" in purposes and any(p != "raise" for p in purposes)
    deciding = sum(1 for p in purposes if p != "raise")
    verdict = _verdict(client.get(f"/uitslag/{election.slug}").text)
    assert f"bij {deciding} gelijke stand" in verdict and "proeftelling" not in verdict
    data = client.get(f"/uitslag/{election.slug}/proces-verbaal.pdf").data
    pages = [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]
    signing = [n for n, text in enumerate(pages) if "Ondertekening" in text]
    chair = [n for n, text in enumerate(pages) if "De voorzitter van de gemeenteraad" in text]
    assert signing == chair and len(signing) == 1
    assert pages[signing[0]].count("Handtekening:") == 3
