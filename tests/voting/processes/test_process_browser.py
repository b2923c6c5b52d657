"""The whole Oud-Woensel process in Debian's chromium with ONE letter code: the
resident votes in the theme poll; the clerk gives the poll's winners to the split (in
the browser); the same code splits the money over them; it sends in an idea, which the
clerk accepts (in the browser); and it votes on the ideas, each theme with the budget
the certified split gave it. Every stage is closed, opened, counted and certified
through the clerk's screens, and ``tools/verify.py`` passes on each record downloaded
from its results page."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import STAFF_PASSWORD, TEST_PEPPER
from tests.voting.vote.test_vote_browser import axe_check, fits_width
from voting.cli.demo_process import SLUG, DemoProcess, add_demo_process
from voting.models import Election, Option, StaffUser, utcnow

pytestmark = pytest.mark.browser
REPO = Path(__file__).resolve().parents[3]


def _checked(page: Any) -> None:
    """The page as it is now passes axe-core (nothing serious) and fits 320 px."""
    axe_check(page)
    fits_width(page)


def _enter_code(page: Any, code: str) -> None:
    page.fill("#code", code)
    page.get_by_role("button", name="Verder", exact=True).click()


def _confirm(page: Any) -> str:
    page.get_by_role("button", name="Verder naar controleren").click()
    page.get_by_role("button", name="Ja, dit is mijn stem").click()
    page.wait_for_url(re.compile(r"/stem/bewijs$"))
    found = re.search(r"[0-9A-Z]{5}-[0-9A-Z]{5}", page.content())
    assert found is not None
    return found.group(0)


def _close_count_certify(
    client: FlaskClient, demo: DemoProcess, election: Election, db_session: Session
) -> None:
    """The clerk's screens: close, open the box with two of three shares, count, certify."""
    closed = client.post(
        f"/beheer/verkiezing/{election.id}/fase",
        data={"confirm": "ja", "confirm_early": "ja", "to": "closed"},
    )
    assert closed.status_code == 302, closed.get_data(as_text=True)[:2000]
    opened = client.post(
        f"/beheer/stembus/{election.id}/openen",
        data={"share": [share.text for share in demo.shares[election.id][1:]]},
    )
    assert opened.status_code == 302
    assert client.post(f"/beheer/telling/{election.id}/tellen").status_code == 302
    certified = client.post(f"/beheer/telling/{election.id}/vaststellen", data={"confirm": "y"})
    assert certified.headers["Location"].endswith(f"/uitslag/{election.slug}")
    db_session.refresh(election)
    assert election.phase == "certified"


def _open_now(
    client: FlaskClient, db_session: Session, election: Election, phases: tuple[str, ...]
) -> None:
    """The clerk moves ``election`` on to voting, its first day today."""
    db_session.refresh(election)
    election.opens_at = utcnow() - timedelta(minutes=1)
    db_session.commit()
    for phase in phases:
        moved = client.post(
            f"/beheer/verkiezing/{election.id}/fase", data={"confirm": "ja", "to": phase}
        )
        assert moved.status_code == 302, moved.get_data(as_text=True)[:2000]


def _verify(page: Any, slug: str, work: Path, key_file: Path) -> str:
    """Download the record from the results page as a resident would, and verify it."""
    page.goto(f"/uitslag/{slug}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ondertekend record met alle stemmen (JSON)").click()
    record = work / f"{slug}-record.json"
    download.value.save_as(record)
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "verify.py"), str(record), "--key", str(key_file)],
        capture_output=True,
        text=True,
        cwd=work,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout
    return record.read_text(encoding="utf-8")


def test_one_letter_code_through_the_whole_process(
    app: Flask,
    client: FlaskClient,
    runner: FlaskCliRunner,
    db_session: Session,
    open_page: Callable[..., Any],
    live_server: str,
    tmp_path: Path,
) -> None:
    assert runner.invoke(args=["keys", "generate"]).exit_code == 0
    demo = add_demo_process(db_session, TEST_PEPPER)
    poll, split, final = demo.elections
    code = demo.codes[0]
    clerk = StaffUser(username="griffie", display_name="Griffie", role="clerk")
    clerk.set_password(STAFF_PASSWORD)
    db_session.add(clerk)
    db_session.commit()
    assert (
        client.post(
            "/beheer/inloggen", data={"username": "griffie", "password": STAFF_PASSWORD}
        ).status_code
        == 302
    )

    office = open_page()
    office.goto("/beheer/inloggen")
    office.fill("#username", "griffie")
    office.fill("#password", STAFF_PASSWORD)
    office.get_by_role("button", name="Inloggen").click()
    key_file = tmp_path / "buurtstem-public-key.pem"
    key_file.write_bytes(client.get("/uitslag/sleutel.pem").data)
    work = tmp_path / "bewoner"
    work.mkdir()
    public = open_page()
    receipts: dict[str, str] = {}

    # Step 1: the resident finds the process and votes in the theme poll.
    resident = open_page()
    resident.goto(f"/traject/{SLUG}")
    assert resident.get_by_text("Stap 1: Welke thema's vindt u belangrijk?").is_visible()
    _checked(resident)
    resident.get_by_role("link", name=re.compile("^Stemmen")).first.click()
    _enter_code(resident, code.lower())
    resident.get_by_label("Groen").check()
    resident.get_by_label("Spelen").check()
    receipts[poll.slug] = _confirm(resident)
    _close_count_certify(client, demo, poll, db_session)

    # The clerk gives the split the poll's winners (the process page, in the browser).
    office.goto(f"/beheer/trajecten/{demo.process.id}")
    office.get_by_role("button", name=re.compile("^Winnaars van 'Welke thema")).click()
    assert office.get_by_text(re.compile("De opties van Verdeel het geld")).is_visible()
    db_session.expire_all()
    themes = [o.title for o in split.options]
    assert len(themes) == 3 and {"Groen", "Spelen"} <= set(themes)
    _open_now(client, db_session, split, ("voting",))

    # Step 2: the same code splits the money over the three themes.
    resident.goto(f"/traject/{SLUG}")
    assert "step-done" in (resident.locator("li.timeline-step").nth(0).get_attribute("class") or "")
    resident.goto("/stem")
    _enter_code(resident, code)
    keys = {o.title: o.key for o in split.options}
    resident.fill(f"#bedrag-{keys['Spelen']}", "30000")
    resident.fill(f"#bedrag-{keys['Groen']}", "20000")
    _checked(resident)
    receipts[split.slug] = _confirm(resident)
    _close_count_certify(client, demo, split, db_session)

    # Step 3: with the same code, an idea (the code is not used up by it).
    resident.goto(f"/traject/{SLUG}")
    resident.get_by_role("link", name="Idee indienen").click()
    _checked(resident)
    _enter_code(resident, code)
    _checked(resident)
    resident.get_by_label("Naam van uw idee").fill("Watertappunt bij het speelveld")
    resident.get_by_label("In één zin: wat gaat er gebeuren?").fill(
        "Een kraan met drinkwater voor kinderen en sporters."
    )
    # The themes to choose from are the split's: the poll's winners.
    offered = resident.locator("#theme option").all_inner_texts()
    assert sorted(offered[1:]) == sorted(themes)
    resident.locator("#theme").select_option("Spelen")
    resident.get_by_label("Waar? Een buurt of een straat").fill("Hemelrijken")
    resident.fill("#kosten-post-1", "Tappunt")
    resident.fill("#kosten-bedrag-1", "3200")
    resident.fill("#kosten-post-2", "Aansluiting op de waterleiding")
    resident.fill("#kosten-bedrag-2", "1800")
    resident.get_by_role("button", name="Idee indienen").click()
    assert resident.get_by_text(
        "Ingediend. De gemeente bekijkt of het kan.", exact=True
    ).is_visible()
    _checked(resident)
    resident.goto(f"/voorstellen/{final.slug}")
    _checked(resident)
    idea = db_session.scalar(select(Option).where(Option.title == "Watertappunt bij het speelveld"))
    assert idea is not None and idea.cost == 5000 and idea.from_resident

    # The clerk checks the idea in the browser: feasible, with a public reason.
    office.goto(f"/beheer/verkiezing/{final.id}/opties")
    office.check(f"#accept-{idea.id}")
    office.fill(f"#reason-{idea.id}", "Kan: de waterleiding ligt er al.")
    office.locator(f"form:has(#accept-{idea.id})").get_by_role(
        "button", name="Besluit opslaan"
    ).click()
    assert office.get_by_text("Het besluit over het voorstel is opgeslagen.").is_visible()
    _open_now(client, db_session, final, ("review", "voting"))

    # Step 4: the same code votes on the ideas, the resident's own among them; each
    # theme has the money the split gave it.
    resident.goto("/stem")
    _enter_code(resident, code)
    assert resident.get_by_text("Elk thema heeft een eigen budget.", exact=False).is_visible()
    budgets = resident.locator("ul.theme-budget-list li").all_inner_texts()
    assert len(budgets) == 3 and any(line.startswith("Spelen: ") for line in budgets)
    resident.get_by_label(re.compile("Watertappunt bij het speelveld")).check()
    resident.get_by_label(re.compile("Speeltuin Hemelrijken opknappen")).check()
    receipts[final.slug] = _confirm(resident)
    assert len(set(receipts.values())) == 3
    # Voted in every open stage: the code says so and stores nothing more.
    again = open_page()
    again.goto("/stem")
    _enter_code(again, code)
    assert again.get_by_role("heading", name="U heeft al gestemd").is_visible()
    _close_count_certify(client, demo, final, db_session)

    # Every stage's record, downloaded from its results page, passes verify.py; each
    # holds its own receipt only, and one ballot out of everyone who got a letter.
    records = {e.slug: _verify(public, e.slug, work, key_file) for e in (poll, split, final)}
    for slug, text in records.items():
        for other, receipt in receipts.items():
            assert (receipt in text) == (other == slug)
        turnout = json.loads(text)["turnout"]
        assert (turnout["ballots"], turnout["roll_size"]) == (1, len(demo.codes))
    assert idea.key in records[final.slug]
    # The vote's theme budgets are the split's outcome, written into its record.
    meta = json.loads(records[final.slug])["election"]
    assert meta["theme_budgets_from"] == split.slug and meta["leftover"] == "pooled"
    assert sorted(t for t, _ in meta["theme_budgets"]) == sorted(themes)
    assert sum(a for _, a in meta["theme_budgets"]) == 50_000
    spent = {o["id"]: o.get("theme") for o in meta["options"]}
    assert spent[idea.key] == "Spelen"
    public.goto(f"/uitslag/{final.slug}")
    assert public.get_by_role("row", name=re.compile("^Spelen")).count() >= 1

    # The timeline: every step done; the idea's page says it is on the ballot, with
    # the reason.
    public.goto(f"/traject/{SLUG}")
    steps = public.locator("li.timeline-step")
    assert steps.count() == 4
    for number in range(4):
        assert "step-done" in (steps.nth(number).get_attribute("class") or "")
    public.goto(f"/voorstel/{final.slug}/{idea.key}")
    assert public.get_by_text("Kan: de waterleiding ligt er al.").is_visible()
