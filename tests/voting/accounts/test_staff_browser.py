"""One staff flow in Debian's chromium, under the built-in look and under an NL Design
System theme: an admin invites a clerk, the clerk chooses a password, enrols
two-factor login (required by the admin), sets up a buurtbudget from scratch to
voting and reads its audit log. axe-core checks the account pages on the way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask

from tests.conftest import REPO, STAFF_PASSWORD
from tests.voting.vote.test_vote_browser import axe_check
from tools.fake_register import register_csv
from voting.models import StaffUser

pytestmark = pytest.mark.browser

THEME_FILE = REPO / "node_modules/@nl-design-system-unstable/voorbeeld-design-tokens/dist/theme.css"
NEW_PASSWORD = "drie rode tulpen in de vaas"


def log_in(page: Any, username: str, password: str) -> None:
    page.goto("/beheer/inloggen")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")


@pytest.mark.parametrize(
    "theme",
    [
        pytest.param("default", marks=pytest.mark.app_config(THEME="default")),
        pytest.param("voorbeeld", marks=pytest.mark.app_config(THEME="voorbeeld")),
    ],
)
def test_admin_invites_a_clerk_who_sets_up_a_buurtbudget(
    theme: str,
    app: Flask,
    live_server: str,
    browser: Any,
    make_staff: Callable[..., StaffUser],
    tmp_path: Path,
) -> None:
    if theme != "default" and not THEME_FILE.exists():
        pytest.skip("the NL Design System packages are not installed (npm ci)")
    make_staff("admin", "beheer")
    admin = browser.new_context(base_url=live_server)
    page = admin.new_page()
    log_in(page, "beheer", STAFF_PASSWORD)
    page.goto("/beheer/medewerkers")
    if theme == "voorbeeld":
        assert page.evaluate("document.documentElement.classList.contains('utrecht-html')")
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert "Noto Sans" in font
    page.check("#require_two_factor")
    page.click("form[action$='instellingen'] button")
    page.get_by_text("De instelling is opgeslagen.").wait_for()
    axe_check(page)
    page.fill("#username", "nieuwe-griffier")
    page.fill("#display_name", "Nieuwe Griffier")
    page.select_option("#role", "clerk")
    page.click("form[action$='uitnodigen'] button")
    link = page.input_value("#link")
    axe_check(page)
    admin.close()

    clerk = browser.new_context(base_url=live_server)
    page = clerk.new_page()
    page.goto(link.removeprefix("http://localhost"))
    page.fill("#password", NEW_PASSWORD)
    page.fill("#repeat", NEW_PASSWORD)
    page.click("main button[type=submit]")
    page.get_by_text("Uw wachtwoord is opgeslagen.").wait_for()
    log_in(page, "nieuwe-griffier", NEW_PASSWORD)
    page.wait_for_url("**/beheer/tweestaps")
    axe_check(page)
    secret = page.inner_text("code.secret")
    page.fill("#code", pyotp.TOTP(secret).now())
    page.click("main button[type=submit]")
    page.get_by_role("heading", name="Uw herstelcodes").wait_for()
    assert page.locator(".recovery-codes li").count() == 10
    page.click("text=Ik heb de codes bewaard")
    page.wait_for_url("**/beheer/")

    # A buurtbudget from scratch.
    page.click("text=Nieuwe verkiezing")
    page.fill("#title", "Buurtbudget Hemelrijken")
    page.fill("#slug", "buurtbudget-hemelrijken")
    page.check("input[name=kind][value=budget]")
    page.select_option("#ballot_type", "budget")
    page.select_option("#rule", "greedy")
    page.fill("#budget", "30000")
    page.fill("#turnout_threshold_percent", "10")
    page.click("main form button[type=submit]")
    page.wait_for_url("**/opties")
    for title, cost in (("Speeltuin", "12000"), ("Bankjes", "3000")):
        page.fill("#title", title)
        page.fill("#cost", cost)
        page.click("main form.form button[type=submit]")
        page.get_by_text("De optie is toegevoegd.").wait_for()
    page.click("text=← Buurtbudget Hemelrijken")
    election_url = page.url
    # Voting cannot open without the sealed box's key: the clerk makes it first.
    page.click("button:has-text('Sleutel van de stembus maken')")
    page.wait_for_load_state()
    page.goto(election_url)

    def next_phase() -> None:
        page.check("#confirm-phase")
        page.click("main form[action$='/fase'] button")
        page.get_by_text("De fase is gewijzigd.").wait_for()

    next_phase()  # draft -> proposals
    next_phase()  # -> review: the proposals are fixed, so the letters can name them
    # Voting cannot open with an empty roll: the clerk imports the register first.
    register = tmp_path / "register.csv"
    register.write_text(register_csv(5, seed=3), encoding="utf-8")
    page.goto(election_url + "/kiezers/")
    page.set_input_files("#import-form input[type=file]", str(register))
    page.check("#import-form input[name=output][value=csv]")
    with page.expect_download():
        page.click("#import-form button[type=submit]")
    page.goto(election_url)
    next_phase()  # -> voting
    assert page.locator("main form[action$='/fase']").count() == 1  # on to closing

    page.click("nav >> text=Logboek")
    page.wait_for_url("**/beheer/logboek")
    table = page.inner_text("main table")
    for action in (
        "staff.invite_accepted",
        "staff.two_factor_on",
        "election.create",
        "election.phase",
    ):
        assert action in table
    axe_check(page)
    page.select_option("#soort", "election.phase")
    page.click("text=Filteren")
    assert page.locator("main tbody tr").count() == 3
    clerk.close()
