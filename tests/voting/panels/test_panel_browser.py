"""The whole panel in Debian's chromium: a clerk sets it up and sends the invitations,
residents sign up on a 320 px phone without JavaScript (and a clerk types in paper
forms), the clerk checks the quotas, computes, draws, and turns the advice into a
referendum; the public page shows the draw. axe-core checks the residents' pages."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import STAFF_PASSWORD
from tests.voting.browser_support import click_and_load
from tests.voting.panels.support import CATEGORIES, DATES, codes_from_zip, register_bytes
from tests.voting.tally_helpers import make_key
from tests.voting.vote.test_vote_browser import axe_check, fits_width
from voting.models import StaffUser

pytestmark = [pytest.mark.browser, pytest.mark.app_config(PANEL_JOBS_INLINE=True)]


def tick_and_press(page: Any, checkbox: str, button: str) -> None:
    page.check(checkbox)
    click_and_load(page, f"button:has-text('{button}')")


def test_panel_from_invitations_to_preferendum(
    app: Flask, live_server: str, browser: Any, make_staff: Any, tmp_path: Path
) -> None:
    make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)
    clerk: StaffUser = make_staff("clerk")
    staff = browser.new_context(base_url=live_server, accept_downloads=True)
    page = staff.new_page()
    page.goto("/beheer/inloggen")
    page.fill("#username", clerk.username)
    page.fill("#password", STAFF_PASSWORD)
    page.click("button[type=submit]")

    # Set-up and invitations.
    page.goto("/beheer/burgerberaad/nieuw")
    page.fill("#title", "Burgerberaad Afval Heemstede")
    page.fill("#slug", "afval-heemstede")
    page.fill("#seats", "6")
    page.fill("#invitations", "50")
    page.fill("#meeting_dates", "\n".join(DATES))
    page.fill("#categories", CATEGORIES)
    page.fill("#draw_seed", "17 42 8 3")  # a notary's numbers, public from the draft on
    page.click("button:has-text('Opslaan')")
    tick_and_press(page, "#confirm-phase", "Naar fase")
    register = tmp_path / "brp.csv"
    register.write_bytes(register_bytes(150))
    page.set_input_files("input[type=file]", str(register))
    with page.expect_download() as download:
        page.click("button:has-text('Steekproef trekken')")
    saved = tmp_path / "uitnodigingen.zip"
    download.value.save_as(saved)
    rows = codes_from_zip(saved.read_bytes())
    assert len(rows) == 50
    page.goto(page.url)
    tick_and_press(page, "#confirm-phase", "Naar fase")

    # Residents sign up on a phone, without JavaScript.
    phone = browser.new_context(
        base_url=live_server, java_script_enabled=False, viewport={"width": 320, "height": 640}
    )
    resident = phone.new_page()
    rng = random.Random(11)
    for number, row in enumerate(rows[:14]):
        resident.goto("/burgerberaad/afval-heemstede/aanmelden")
        if number == 0:
            fits_width(resident)
        resident.fill("#code", row["aanmeldcode"])
        resident.check(f"input[name=q0][value={rng.choice(['jong', 'midden', 'oud'])}]")
        area = rng.choice(["Centrum", "Horst", "Droesem", "Eltingerhof"])
        resident.check(f"input[name=q1][value={area}]")
        for day in DATES:
            resident.check(f"input[name=available][value='{day}']")
        resident.check("#consent")
        click_and_load(resident, "button:has-text('Aanmelden')")
        assert resident.locator("h1").inner_text() == "U bent aangemeld"
    # The public page on the phone: nothing sideways, and the facts' values keep a
    # readable width next to long terms (they once shrank to a letter per line).
    resident.goto("/burgerberaad/afval-heemstede")
    fits_width(resident)
    widths = resident.eval_on_selector_all(
        ".facts dd", "els => els.map(e => e.getBoundingClientRect().width)"
    )
    assert widths and min(widths) >= 80, widths
    # A wrong code gets a clear message, in the page, with a 400.
    resident.goto("/burgerberaad/afval-heemstede/aanmelden")
    resident.fill("#code", "AAAA-BBBB-CCCC-DDDD-E")
    resident.check("#consent")
    response = resident.request.get("/burgerberaad/afval-heemstede/aanmelden")
    assert response.ok
    click_and_load(resident, "button:has-text('Aanmelden')")
    assert "Er is iets niet goed ingevuld" in resident.content()
    with_js = browser.new_context(base_url=live_server).new_page()
    with_js.goto("/burgerberaad/afval-heemstede/aanmelden")
    axe_check(with_js)

    # Paper forms typed in by the clerk.
    panel_url = page.url
    for row in rows[14:18]:
        page.goto(panel_url.rstrip("/") + "/papier")
        page.fill("#code", row["aanmeldcode"])
        page.check("input[name=q0][value=jong]")
        page.check("input[name=q1][value=Horst]")
        for day in DATES:
            page.check(f"input[name=available][value='{day}']")
        page.check("#consent")
        click_and_load(page, "button:has-text('Aanmelding opslaan')")
        assert "De aanmelding is opgeslagen" in page.content()

    # Feasibility, compute, draw.
    page.goto(panel_url)
    tick_and_press(page, "#confirm-phase", "Naar fase")
    assert "Alle quota zijn haalbaar met de 18 aanmeldingen" in page.content()
    tick_and_press(page, "#confirm-compute", "Kansen berekenen")
    assert "Klaar" in page.content()
    click_and_load(page, "text=Naar de loting")
    page.fill("#seed", "17 42 8 3")
    tick_and_press(page, "#confirm-draw", "Panel loten")
    assert "Het panel is geloot" in page.content()

    # The public page shows the quotas, the picture, the draw.
    public = phone.new_page()
    public.goto("/burgerberaad/afval-heemstede")
    text = public.content()
    assert "Zo werkt de loting" in text and "<svg" in text and "17 42 8 3" in text
    fits_width(public)

    # Seated, the advice, and a preferendum made from it.
    tick_and_press(page, "#confirm-phase", "Naar fase")
    page.fill("#recommendations", "Vaker GFT ophalen\nOndergrondse containers\nStatiegeld op blik")
    click_and_load(page, "button:has-text('Advies opslaan')")
    tick_and_press(page, "#confirm-referendum", "Referendum maken")
    options = page.content()
    assert "Ondergrondse containers" in options and "Statiegeld op blik" in options
    public.goto("/burgerberaad/afval-heemstede")
    assert "Iedereen mag stemmen over dit advies" in public.content()
    for context in (staff, phone):
        context.close()
