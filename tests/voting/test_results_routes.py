"""The public result pages and downloads, for every rule, with ties and invalid results."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from ballots.methods import RULES
from ballots.record import read_record
from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from voting import signing
from voting.models import Ballot, Election
from voting.tally import certify_election, count_election

REPO = Path(__file__).resolve().parents[2]
# Ranked ballots that no ranked rule needs to draw on (a BLT file numbers the
# candidates, so a drawn tie could fall otherwise in its recount).
UNTIED = [list("ABC")] * 5 + [list("BCA")] * 3 + [list("CAB")] * 2 + [list("ACB"), list("BAC")]
RANKED = [["A", "B", "C"], ["B", "C"], ["C", "B", "A"], ["A", "C"], ["B", "A"], ["C"], ["A"]]
# Every option level on first preferences and everywhere else: every rule must draw.
TIED = [["A", "B", "C"], ["B", "C", "A"], ["C", "A", "B"]]
APPROVAL = [["A", "B"], ["B"], ["C", "A"], ["A"], ["B", "C"]]
BUDGET = [["P01", "P03"], ["P02"], ["P02", "P03"], ["P01"], ["P03"], ["P04"]]
BUDGET_RULES = {name for name, rule in RULES.items() if rule.budget}
SPLIT_RULES = {name for name, rule in RULES.items() if rule.splits}
# Splits of 100 points over the themes A, B, C (stored as the box opens them).
SPLITS = [["A:60", "B:40"], ["B:100"], ["C:100"], ["A:20", "B:30", "C:50"], []]


def _settings(rule: str, tied: bool) -> dict[str, object]:
    if rule in SPLIT_RULES:
        return {"ballot_type": "distribution", "budget": 100, "allow_blank": True}
    if rule in BUDGET_RULES and tied:
        # Equal costs and equal support: every budget rule has to draw.
        return {"kind": "budget", "ballot_type": "budget", "costs": [10_000] * 4, "budget": 40_000}
    if rule in BUDGET_RULES:
        return {"kind": "budget", "ballot_type": "budget", "costs": [20_000, 25_000, 10_000, 8_000]}
    if rule == "approval":
        return {"ballot_type": "approval", "seats": 2}
    if rule in ("plurality",):
        return {"ballot_type": "single"}
    return {"ballot_type": "ranked", "seats": 2 if rule == "stv" else 1}


def _ballots(rule: str, tied: bool) -> list[list[str]]:
    if rule in SPLIT_RULES:
        # tied: three equal thirds of 100, so one theme gets the odd point by lot
        return [["A:100"], ["B:100"], ["C:100"]] if tied else SPLITS
    if rule in BUDGET_RULES:
        return [["P01"], ["P01"], ["P02"], ["P02"], ["P03"], ["P03"]] if tied else BUDGET
    if rule == "approval":
        return [["A"], ["B"], ["C"]] if tied else APPROVAL
    if rule == "plurality":
        return [["A"], ["B"], ["C"]] if tied else [b[:1] for b in RANKED]
    return TIED if tied else RANKED


@pytest.fixture
def publish(
    make_election: Callable[..., Election], db_session: Session, app: Flask, tmp_path: Path
) -> Callable[..., Election]:
    """Create, count and certify an election for ``rule``."""
    key_path = make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)

    def make(
        rule: str,
        *,
        tied: bool = False,
        roll: int = 10,
        ballots: list[list[str]] | None = None,
        **fields: object,
    ) -> Election:
        settings = {
            "rule": rule,
            "phase": "closed",
            "turnout_threshold_percent": 30,
            "binding": True,
            "slug": f"uitslag-{rule}-{'gelijk' if tied else 'gewoon'}-{roll}",
            "title": f"Uitslag {rule}",
            "next_steps": "De raad bespreekt de uitslag op 12 maart.",
            **_settings(rule, tied),
            **fields,
        }
        election = make_election(**settings)
        add_roll(db_session, election, roll)
        add_ballots(db_session, election, ballots or _ballots(rule, tied))
        count_election(db_session, election, "griffie")
        certify_election(db_session, election, "griffie", key_path, municipality="Gemeente Duiven")
        return election

    return make


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("rule", sorted(RULES))
def test_result_page_for_every_rule(
    rule: str, publish: Callable[..., Election], client: FlaskClient
) -> None:
    election = publish(rule)
    response = client.get(f"/uitslag/{election.slug}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _text(html)
    assert "De uitslag is geldig en bindend." in text
    assert "De raad bespreekt de uitslag op 12 maart." in text
    assert html.count('role="img"') >= 2  # turnout and at least one result picture
    assert "<title id=" in html and "aria-labelledby=" in html
    assert "style=" not in html  # the CSP forbids inline styles
    assert "<table" in html
    record = json.loads(election.record_json or "")
    for winner in record["result"]["winners"]:
        name = next(o["name"] for o in record["election"]["options"] if o["id"] == winner)
        assert name in text
    if rule in BUDGET_RULES:
        assert "Het budget" in text and "krijgt geld" in text
    elif rule == "schulze":
        assert "Elk plan tegen elk ander plan" in text and "▲" in html
    elif rule in ("irv", "stv"):
        assert "Stemmen per ronde" in text and ("valt af" in text or "gekozen" in text)
    # Equal shares' steps hold prices, not votes, and the table says so.
    heads = re.findall(r'<details class="round".*?<thead>(.*?)</thead>', html, re.S)
    assert heads
    price = "Deel van de kosten per voorstander"
    if rule.startswith("mes"):
        assert price in heads[0] and "Stemmen" not in heads[0]
    else:
        assert not any(price in head for head in heads)
        units = {"borda": "Punten", "approval": "Goedkeuringen"}
        unit = "Bedrag" if rule in SPLIT_RULES else units.get(rule, "Stemmen")
        assert all(unit in head for head in heads)


@pytest.mark.parametrize("rule", sorted(RULES))
def test_ties_show_the_draw(
    rule: str, publish: Callable[..., Election], client: FlaskClient
) -> None:
    election = publish(rule, tied=True)
    record = json.loads(election.record_json or "")
    assert record["result"]["tie_breaks"], "the fixture must produce a tie"
    text = _text(client.get(f"/uitslag/{election.slug}").get_data(as_text=True))
    assert "Loting bij gelijke stand" in text
    assert "test-seed" in text
    first = record["result"]["tie_breaks"][0]
    for key in first["keys"]:
        assert key in text
    assert "gekozen" in text


@pytest.mark.parametrize("rule", ["irv", "greedy", "approval"])
def test_invalid_result_below_threshold(
    rule: str, publish: Callable[..., Election], client: FlaskClient
) -> None:
    election = publish(rule, roll=100)
    html = client.get(f"/uitslag/{election.slug}").get_data(as_text=True)
    text = _text(html)
    assert "De uitslag is ongeldig: de opkomst (" in text
    assert "lager dan de drempel (30%)" in text
    assert "De drempel is niet gehaald." in text
    # The count is shown, but never as if someone had been chosen.
    assert "Uitkomst van de telling (ongeldig)" in text
    assert '<h2 id="winnaars">Voorstellen die geld krijgen</h2>' not in html
    assert '<h2 id="winnaars">Gekozen' not in html


@pytest.mark.parametrize("rule", ["stv", "mes-add1"])
def test_only_blank_ballots_give_no_result(
    rule: str, publish: Callable[..., Election], client: FlaskClient
) -> None:
    election = publish(rule, ballots=[[], [], [], []], allow_blank=True)
    record = json.loads(election.record_json or "")
    assert record["result"]["winners"] == [] and record["result"]["warnings"] == ["no_votes"]
    text = _text(client.get(f"/uitslag/{election.slug}").get_data(as_text=True))
    assert "Er is geen uitslag: geen enkel stembiljet koos een optie" in text
    assert "Uitkomst van de loting" not in text  # nothing was drawn
    english = client.get(f"/uitslag/{election.slug}?lang=en")
    assert "There is no result: no ballot chose an option" in _text(english.get_data(as_text=True))


def test_advisory_result(publish: Callable[..., Election], client: FlaskClient) -> None:
    election = publish("borda", binding=False)
    text = _text(client.get(f"/uitslag/{election.slug}").get_data(as_text=True))
    assert "De uitslag is geldig en raadgevend" in text


def test_unpublished_results_are_not_public(
    make_election: Callable[..., Election], client: FlaskClient, db_session: Session
) -> None:
    election = make_election(phase="closed", slug="nog-niet")
    add_roll(db_session, election, 5)
    add_ballots(db_session, election, [["A"]])
    count_election(db_session, election, "griffie")
    for path in ("/record.json", "/uitslag.csv", "/proces-verbaal.pdf"):
        assert client.get(f"/uitslag/nog-niet{path}").status_code == 404
    assert client.get("/uitslag/bestaat-niet").status_code == 404
    # The page and the receipt check (the receipt links there) say the result comes
    # later, and nothing of the count that is not certified yet.
    for path in ("", "/bon"):
        page = client.get(f"/uitslag/nog-niet{path}")
        text = _text(page.get_data(as_text=True))
        assert page.status_code == 200 and "De uitslag is er nog niet" in text
        assert "worden nu geteld" in text and "Ronde" not in text and "Gekozen" not in text
    assert client.post("/uitslag/nog-niet/bon", data={"receipt": "X"}).status_code == 200


def test_receipt_link_during_voting_says_when_the_result_comes(
    make_election: Callable[..., Election], client: FlaskClient
) -> None:
    from datetime import UTC, datetime

    make_election(slug="nu-open", closes_at=datetime(2030, 3, 25, 19, 0, tzinfo=UTC))
    text = _text(client.get("/uitslag/nu-open/bon").get_data(as_text=True))
    assert "U kunt stemmen tot 25 maart 2030, 20:00. Daarna worden de stemmen geteld." in text
    english = _text(client.get("/uitslag/nu-open/bon?lang=en").get_data(as_text=True))
    assert "25 March 2030, 20:00" in english
    draft = make_election(slug="concept", phase="draft")
    assert client.get(f"/uitslag/{draft.slug}/bon").status_code == 404


def test_index_lists_published(publish: Callable[..., Election], client: FlaskClient) -> None:
    election = publish("irv")
    html = client.get("/uitslag/").get_data(as_text=True)
    assert f'href="/uitslag/{election.slug}"' in html


def test_record_download_is_the_signed_record(
    publish: Callable[..., Election], client: FlaskClient, tmp_path: Path
) -> None:
    election = publish("irv")
    response = client.get(f"/uitslag/{election.slug}/record.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True) == election.record_json
    path = tmp_path / "r.json"
    path.write_bytes(response.data)
    assert signing.verify_signature(read_record(path))


def _recount(path: Path, *options: str) -> dict[str, object]:
    """``tools/recount.py PATH --json``, run as a third party runs it."""
    done = subprocess.run(
        [sys.executable, "-I", str(REPO / "tools" / "recount.py"), str(path), "--json", *options],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


# Plain equal shares funds none of them here (no group of two can pay 10,000): no lot.
@pytest.mark.parametrize("rule", sorted(BUDGET_RULES - {"mes"}))
def test_a_pb_file_recounts_a_drawn_tie_as_the_certified_count_did(
    rule: str, publish: Callable[..., Election], client: FlaskClient, tmp_path: Path
) -> None:
    # Three proposals alike, money for two: the lot decides. The .pb file named no
    # seed, so its recount drew with '' and could fund another proposal (walk-through).
    election = publish(rule, tied=True, budget=20_000, tie_break_seed="188a0237dd3e3371")
    record = json.loads(election.record_json or "")
    assert record["result"]["tie_breaks"] != []
    path = tmp_path / "stembiljetten.pb"
    path.write_bytes(client.get(f"/uitslag/{election.slug}/stembiljetten.pb").get_data())
    assert "tie_break_seed;188a0237dd3e3371" in path.read_text(encoding="utf-8")
    recounted = _recount(path)
    assert recounted["tie_breaks"] == record["result"]["tie_breaks"]
    assert recounted["winners"] == record["result"]["winners"]


@pytest.mark.parametrize(
    ("rule", "fields"),
    [(rule, {}) for rule in sorted(RULES)]
    # A buurtbudget may also be voted by ticking proposals without a spending limit.
    + [("mes-add1", {"ballot_type": "approval"}), ("greedy", {"ballot_type": "approval"})],
)
def test_ballot_files_recount_to_the_same_rule_and_winners(
    rule: str,
    fields: dict[str, object],
    publish: Callable[..., Election],
    client: FlaskClient,
    db_session: Session,
    tmp_path: Path,
) -> None:
    ranked = RULES[rule].accepts("ranked") or RULES[rule].accepts("single")
    single = RULES[rule].accepts("single")
    untied = [b[:1] for b in UNTIED] if single else UNTIED
    election = publish(rule, ballots=untied if ranked else None, roll=20, **fields)
    record = json.loads(election.record_json or "")
    meta = record["election"]
    ext = {"ranked": "blt", "single": "blt", "distribution": "csv"}.get(meta["ballot_type"], "pb")
    other = "pb" if ext == "blt" else "blt"
    assert client.get(f"/uitslag/{election.slug}/stembiljetten.{other}").status_code == 404
    response = client.get(f"/uitslag/{election.slug}/stembiljetten.{ext}")
    assert response.status_code == 200
    path = tmp_path / f"stembiljetten.{ext}"
    path.write_bytes(response.get_data())
    cast = db_session.query(Ballot).filter_by(election_id=election.id).count()
    winners = record["result"]["winners"]
    if ext == "csv":
        # A split per row; the record itself is what recount.py reads for splits.
        rows = path.read_text(encoding="utf-8").splitlines()
        assert rows[0] == ",".join(o["id"] for o in meta["options"])
        assert len(rows) - 1 == cast
    elif ext == "pb":
        # The file names its rule (the registry's pabulib name): no options needed.
        recounted = _recount(path)
        assert recounted["method"] == rule
        assert recounted["winners"] == winners
        assert recounted["seats"] == record["result"]["seats"]
        assert f"num_votes;{cast}" in path.read_text(encoding="utf-8")
    else:
        # A BLT file names no rule: the recount is told the rule, seats and seed.
        assert record["result"]["tie_breaks"] == []
        seats = str(meta["seats"])
        recounted = _recount(path, "--method", rule, "--seats", seats, "--seed", "test-seed")
        names = {o["id"]: o["name"] for o in meta["options"]}
        assert recounted["winners"] == [names[w] for w in winners]
        assert len(recounted["rounds"]) == len(record["result"]["rounds"])


def test_csv(publish: Callable[..., Election], client: FlaskClient) -> None:
    election = publish("irv")
    response = client.get(f"/uitslag/{election.slug}/uitslag.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    record = json.loads(election.record_json or "")
    assert [r["option_id"] for r in rows] == ["A", "B", "C"]
    winner = record["result"]["winners"][0]
    assert next(r for r in rows if r["option_id"] == winner)["chosen"] == "yes"
    assert rows[0]["round_1"] == record["result"]["rounds"][0]["tallies"]["A"]


def test_receipt_check(publish: Callable[..., Election], client: FlaskClient) -> None:
    election = publish("irv")
    record = json.loads(election.record_json or "")
    receipt = record["receipts"][0]
    assert client.get(f"/uitslag/{election.slug}/bon").status_code == 200
    typed = receipt.lower().replace("-", " ")
    response = client.post(f"/uitslag/{election.slug}/bon", data={"receipt": typed})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _text(html)
    assert "Uw stem is meegeteld." in text and receipt in text
    # Counted, never what it said: no choice, no option name, no ballot hash.
    assert "<ol>" not in html and "Uw keuze" not in text
    assert not any(b["sha256"] in html for b in record["ballots"])
    missing = client.post(f"/uitslag/{election.slug}/bon", data={"receipt": "ZZZZ-ZZZZ"})
    assert missing.status_code == 404
    assert "staat niet in de uitslag" in missing.get_data(as_text=True)
    empty = client.post(f"/uitslag/{election.slug}/bon", data={"receipt": ""})
    assert empty.status_code == 400
    assert "Vul het bonnummer in" in empty.get_data(as_text=True)


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_receipt_check_needs_csrf(publish: Callable[..., Election], client: FlaskClient) -> None:
    election = publish("irv")
    response = client.post(f"/uitslag/{election.slug}/bon", data={"receipt": "X"})
    assert response.status_code == 400


def test_public_key_page(app: Flask, client: FlaskClient) -> None:
    assert "nog geen sleutel" in client.get("/uitslag/sleutel").get_data(as_text=True)
    assert client.get("/uitslag/sleutel.pem").status_code == 404
    make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)
    key = signing.load_private_key(
        Path(app.config["SIGNING_KEY_PATH"]).parent / signing.PRIVATE_KEY_FILE
    )
    html = client.get("/uitslag/sleutel").get_data(as_text=True)
    assert signing.fingerprint(key) in html
    pem = client.get("/uitslag/sleutel.pem")
    assert pem.data == signing.public_key_pem(key)


def test_english_page(publish: Callable[..., Election], client: FlaskClient) -> None:
    election = publish("irv")
    response = client.get(f"/uitslag/{election.slug}?lang=en")
    assert response.status_code == 200


def test_english_page_uses_english_names_and_marks_dutch_ones(
    publish: Callable[..., Election], client: FlaskClient, db_session: Session
) -> None:
    """An English result page shows the clerk's English option names; names it can
    only show in Dutch carry lang="nl" for screen readers. The Dutch page, the record
    and the proces-verbaal keep the official Dutch names."""
    election = publish("irv")
    first, second = election.options[0], election.options[1]
    first.title_en = "The English plan"
    db_session.commit()
    english = client.get(f"/uitslag/{election.slug}?lang=en").get_data(as_text=True)
    assert "The English plan" in english
    assert re.search(r'<th scope="row" lang="nl">' + re.escape(second.title) + "<", english)
    assert not re.search(r'lang="nl">The English plan<', english)
    dutch = client.get(f"/uitslag/{election.slug}").get_data(as_text=True)
    assert "The English plan" not in dutch and 'scope="row" lang="nl"' not in dutch
    record = json.loads(election.record_json or "")
    assert record["election"]["options"][0]["name"] == first.title
