"""The split ballot in a real browser: sliders and a running total with JavaScript,
plain number fields without; both cast the same stored ballot, and the page passes
axe-core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.voting.box_support import peek_ballots
from tests.voting.vote.test_vote_browser import axe_check, confirm, enter, fits_width, to_review
from voting.models import Election

pytestmark = pytest.mark.browser

MakeElection = Callable[..., Election]
CodesFor = Callable[[Election, int], list[str]]


def split_election(make_election: MakeElection) -> Election:
    return make_election(
        ballot_type="distribution",
        rule="distribution-median",
        budget=50_000,
        split_unit="euro",
        options=["Groen", "Spelen", "Verkeer"],
        allow_blank=True,
    )


def test_sliders_fill_the_fields_and_the_total_runs_along(
    open_page: Callable[..., Any],
    make_election: MakeElection,
    codes_for: CodesFor,
    db_session: Session,
) -> None:
    election = split_election(make_election)
    [code] = codes_for(election, 1)
    page = open_page()
    enter(page, code)
    total = page.locator("#verdeling-totaal")
    assert total.is_visible()
    assert "Verdeel nog €\u00a050.000" in total.inner_text()
    sliders = page.locator("input.split-slider")
    assert sliders.count() == 3
    assert sliders.nth(0).get_attribute("aria-label") == "Schuifje voor Groen"
    page.fill("#bedrag-P01", "30.000")
    assert "U heeft €\u00a030.000 verdeeld van €\u00a050.000" in total.inner_text()
    assert sliders.nth(0).input_value() == "30000"
    # The slider writes into the number field, which is what is sent.
    sliders.nth(1).fill("25000")
    assert page.locator("#bedrag-P02").input_value() == "25000"
    assert "Dat is €\u00a05.000 te veel" in total.inner_text()
    sliders.nth(1).fill("20000")
    assert "U heeft precies €\u00a050.000 verdeeld." in total.inner_text()
    axe_check(page)
    fits_width(page)
    to_review(page)
    assert "60%" in page.content() and "40%" in page.content()
    axe_check(page)
    confirm(page)
    [ballot] = peek_ballots(db_session)
    assert ballot.choices == ["P01:30000", "P02:20000"]


def test_without_javascript_the_fields_alone_vote_and_errors_say_how_much(
    open_page: Callable[..., Any],
    make_election: MakeElection,
    codes_for: CodesFor,
    db_session: Session,
) -> None:
    election = split_election(make_election)
    [code] = codes_for(election, 1)
    page = open_page(js=False)
    enter(page, code)
    assert page.locator("input.split-slider").count() == 0
    page.fill("#bedrag-P03", "45000")
    page.get_by_role("button", name="Verder naar controleren").click()
    summary = page.locator("#foutmeldingen").inner_text()
    assert "verdeel nog €\u00a05.000" in summary
    # (axe-core needs JavaScript to run, so this page is checked by the test above)
    page.fill("#bedrag-P01", "5000")
    to_review(page)
    confirm(page)
    [ballot] = peek_ballots(db_session)
    assert ballot.choices == ["P01:5000", "P03:45000"]


def test_the_budget_total_says_how_far_a_ballot_is_from_the_minimum(
    open_page: Callable[..., Any], make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(
        kind="budget", costs=[10_000, 30_000], budget=50_000, min_spend_percent=50
    )
    [code] = codes_for(election, 1)
    page = open_page()
    enter(page, code)
    page.check("#keuze-P01")
    total = page.locator("#budget-totaal")
    assert (
        "Kies nog voor €\u00a015.000 om aan het minimum van €\u00a025.000 te komen."
        in total.inner_text()
    )
    page.check("#keuze-P02")
    assert "U heeft €\u00a040.000 gekozen van €\u00a050.000" in total.inner_text()


@pytest.mark.parametrize("js", [True, False])
def test_each_amount_field_is_a_short_box_with_its_unit_beside_it(
    open_page: Callable[..., Any], make_election: MakeElection, codes_for: CodesFor, js: bool
) -> None:
    """A box for a few digits, not one stretched over the whole card: on a 320 px phone
    the word 'punten' stays on the field's line, and the card has no empty gutter where
    other ballots keep their tick box."""
    election = make_election(
        ballot_type="points", kind="budget", rule="greedy", max_points=10, costs=[5_000, 9_000]
    )
    [code] = codes_for(election, 1)
    page = open_page(js=js)
    enter(page, code)
    field = page.locator("#bedrag-P01").bounding_box()
    unit = page.locator(".split-item .split-unit").first.bounding_box()
    card = page.locator(".split-item").first.bounding_box()
    assert field["width"] < 200, field
    assert abs(unit["y"] + unit["height"] / 2 - (field["y"] + field["height"] / 2)) < 10, (
        field,
        unit,
    )
    assert field["x"] - card["x"] < 30, (field, card)
    fits_width(page)
