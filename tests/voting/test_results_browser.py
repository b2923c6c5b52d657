"""Result pages in Debian's chromium at 320 px: no sideways scrolling, no serious
axe-core violations, no CSP errors, for a ranked, a pairwise and a budget result."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from voting.models import Election
from voting.tally import certify_election, count_election

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A phone-sized page; fails the test on console errors other than 4xx loads."""
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 320, "height": 640})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    yield tab
    context.close()
    assert errors == []


@pytest.fixture
def published(app: Flask, make_election: Callable[..., Election], db_session: Session) -> list[str]:
    """Three certified elections: IRV, Schulze with a tie, and a buurtbudget."""
    key = make_key(Path(app.config["SIGNING_KEY_PATH"]).parent)
    slugs = []
    for rule, fields, ballots in (
        ("irv", {}, [["A", "B"], ["B", "C"], ["C", "B"], ["A"], ["B"]]),
        ("schulze", {}, [["A", "B", "C"], ["B", "C", "A"], ["C", "A", "B"]]),
        (
            "mes-add1",
            {"kind": "budget", "ballot_type": "budget", "costs": [20_000, 15_000, 9_000]},
            [["P01"], ["P02", "P03"], ["P03"], ["P01", "P03"]],
        ),
    ):
        election = make_election(rule=rule, phase="closed", slug=f"b-{rule}", **fields)
        add_roll(db_session, election, 10)
        add_ballots(db_session, election, ballots)
        count_election(db_session, election, "griffie")
        certify_election(db_session, election, "griffie", key)
        slugs.append(election.slug)
    return slugs


# The rendered size of the smallest text in any chart, in CSS pixels (None: no chart).
SMALLEST_CHART_TEXT = """() => {
  const sizes = [...document.querySelectorAll('svg.chart')].flatMap(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return [...svg.querySelectorAll('text')].map(
      t => parseFloat(getComputedStyle(t).fontSize) * scale);
  });
  return sizes.length ? Math.min(...sizes) : null;
}"""
CUT_CAPTIONS = """() => [...document.querySelectorAll('caption, .table-caption')]
  .filter(c => c.getBoundingClientRect().width > 1)
  .filter(c => c.getBoundingClientRect().right > document.documentElement.clientWidth)
  .map(c => c.textContent)"""


def test_result_pages_fit_and_pass_axe(live_server: str, page: Any, published: list[str]) -> None:
    from axe_playwright_python.sync_playwright import Axe

    paths = ["/uitslag/", "/uitslag/sleutel"]
    for slug in published:
        paths += [f"/uitslag/{slug}", f"/uitslag/{slug}/bon"]
    for path in paths:
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, path
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
        # Chart text stays readable on the phone (it used to shrink to about 7 px)...
        smallest = page.evaluate(SMALLEST_CHART_TEXT)
        assert smallest is None or smallest >= 11, f"{path}: chart text of {smallest:.1f}px"
        # ...and no visible table caption is cut off by its scrolling box.
        cut = page.evaluate(CUT_CAPTIONS)
        assert cut == [], f"{path}: captions cut off: {cut}"
        violations = [
            f"{v['id']}: {v['help']}"
            for v in Axe().run(page).response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        assert violations == [], f"{path}: {violations}"
