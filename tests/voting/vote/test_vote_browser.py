"""The resident's visit in a real browser: Debian's chromium through Playwright, at a
phone-sized viewport, with and without JavaScript, plus an axe-core scan of every
resident page (no serious or critical violations allowed).

Zoom: a browser zoomed to 200% lays pages out in half as many CSS pixels with twice
the device pixel ratio. ``ZOOMED`` is exactly that for a 1280 x 800 laptop screen
(640 x 400 CSS pixels at device scale factor 2), which is how the 200% runs emulate
zoom; ``PHONE`` is a 320 px wide phone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from tests.conftest import PHONE
from tests.voting.box_support import Peeked, peek_ballots
from tests.voting.browser_support import click_and_load
from voting.models import Election

pytestmark = pytest.mark.browser

ZOOMED = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}
SERIOUS = ("serious", "critical")

MakeElection = Callable[..., Election]
CodesFor = Callable[[Election, int], list[str]]


def axe_check(page: Any) -> None:
    """No serious or critical axe-core violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]
    assert bad == [], f"{page.url}: {bad}"


def fits_width(page: Any) -> None:
    """Nothing sticks out sideways: no horizontal scrolling at this width."""
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def enter(page: Any, code: str) -> None:
    page.goto("/stem")
    page.fill("#code", code)
    page.get_by_role("button", name="Verder", exact=True).click()
    page.wait_for_url(re.compile(r"/stem/stembiljet$"))


def to_review(page: Any) -> None:
    page.get_by_role("button", name="Verder naar controleren").click()
    page.wait_for_url(re.compile(r"/stem/controle$"))


def confirm(page: Any) -> str:
    page.get_by_role("button", name="Ja, dit is mijn stem").click()
    page.wait_for_url(re.compile(r"/stem/bewijs$"))
    return page.locator(".receipt-code").inner_text().strip()


def stored(db_session: Session) -> list[Peeked]:
    """The ballots cast so far, read through the sealed box with the test share."""
    return peek_ballots(db_session)


def fill_ballot(page: Any, kind: str, js: bool) -> list[str]:
    """Fill in a ballot of ``kind`` the way a resident would; return the choices the
    database should hold."""
    if kind == "single":
        page.check("#keuze-B")
        return ["B"]
    if kind == "approval":
        page.check("#keuze-A")
        page.check("#keuze-C")
        return ["A", "C"]
    if kind == "budget":
        page.check("#keuze-P03")
        page.check("#keuze-P01")
        if js:
            total = page.locator("#budget-totaal")
            assert "U heeft €\u00a030.000 gekozen van €\u00a040.000" in total.inner_text()
        return ["P01", "P03"]
    # ranked: C first, then A.
    if js:
        page.get_by_role("button", name="Kiezen: A").click()
        page.get_by_role("button", name="Kiezen: C").click()
        page.get_by_role("button", name="Hoger: C").click()
        assert page.locator("#rang-C").input_value() == "1"
        assert page.locator("#rang-A").input_value() == "2"
    else:
        page.select_option("#rang-C", "1")
        page.select_option("#rang-A", "2")
    return ["C", "A"]


def election_for(kind: str, make_election: MakeElection) -> Election:
    if kind == "budget":
        return make_election(kind="budget", costs=[20_000, 25_000, 10_000], budget=40_000)
    rules = {"single": "plurality", "approval": "approval", "ranked": "irv"}
    return make_election(ballot_type=kind, rule=rules[kind])


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("kind", ["single", "approval", "ranked", "budget"])
def test_vote_on_a_phone(
    open_page: Callable[..., Any],
    db_session: Session,
    make_election: MakeElection,
    codes_for: CodesFor,
    kind: str,
    js: bool,
) -> None:
    election = election_for(kind, make_election)
    [code] = codes_for(election, 1)
    page = open_page(js=js)
    enter(page, code)
    fits_width(page)
    expected = fill_ballot(page, kind, js)
    to_review(page)
    fits_width(page)
    assert "U stemt op:" in page.content()
    receipt = confirm(page)
    fits_width(page)
    # Room between the page header and the first heading, and above the footer.
    gap = page.evaluate(
        "() => document.querySelector('main h1').getBoundingClientRect().top"
        " - document.querySelector('.site-header').getBoundingClientRect().bottom"
    )
    assert gap >= 16, gap
    # The receipt number is one line on a 320 px phone: broken after its dash it
    # reads as two numbers to copy.
    number = page.locator(".receipt-code")
    line = float(number.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 0"))
    size = float(number.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
    assert number.bounding_box()["height"] < 1.9 * max(line, size), number.bounding_box()
    [ballot] = stored(db_session)
    assert ballot.receipt == receipt and ballot.choices == expected
    assert code not in page.url


def test_ranked_duplicates_are_reported_and_fixable_without_javascript(
    open_page: Callable[..., Any],
    db_session: Session,
    make_election: MakeElection,
    codes_for: CodesFor,
) -> None:
    election = make_election()
    [code] = codes_for(election, 1)
    page = open_page(js=False)
    enter(page, code)
    page.select_option("#rang-A", "1")
    page.select_option("#rang-B", "1")
    page.get_by_role("button", name="Verder naar controleren").click()
    summary = page.locator("#foutmeldingen")
    assert "nummer 1 aan meer dan één optie" in summary.inner_text()
    summary.get_by_role("link").first.click()
    assert page.evaluate("() => document.activeElement.id") == "rang-A"
    page.select_option("#rang-B", "2")
    to_review(page)
    confirm(page)
    assert stored(db_session)[0].choices == ["A", "B"]


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_an_empty_ranked_ballot_says_what_to_press(
    open_page: Callable[..., Any], make_election: MakeElection, codes_for: CodesFor, js: bool
) -> None:
    """'Geef minstens één optie nummer 1' suits the number menus; with JavaScript the
    resident has 'Kiezen' buttons instead, and the error says so."""
    election = make_election(options=["A", "B", "C"])
    [code] = codes_for(election, 1)
    page = open_page(js=js)
    enter(page, code)
    page.get_by_role("button", name="Verder naar controleren").click()
    group = page.locator("#keuzes")
    assert "Geef minstens één optie nummer 1" in group.inner_text()
    pressing = page.get_by_text("Druk op 'Kiezen' bij de optie die u het liefst wilt")
    from playwright.sync_api import expect

    # expect() waits for vote.js to have set up the page; is_visible() does not.
    if js:
        expect(pressing).to_be_visible()
    else:
        expect(pressing).to_be_hidden()


def test_ranked_reordering_by_keyboard_is_announced(
    open_page: Callable[..., Any], make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(options=["A", "B", "C"])
    [code] = codes_for(election, 1)
    page = open_page()
    enter(page, code)
    add_b = page.get_by_role("button", name="Kiezen: B")
    add_b.focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Kiezen: A").focus()
    page.keyboard.press("Space")
    live = page.locator("[aria-live=assertive]")
    assert live.inner_text() == "A staat nu op nummer 2."
    page.get_by_role("button", name="Hoger: A").focus()
    page.keyboard.press("Enter")
    assert live.inner_text() == "A staat nu op nummer 1."
    # Focus stays on "Hoger" at the top: one press too many says so and drops nothing.
    focused = "() => document.activeElement.getAttribute('aria-label')"
    assert page.evaluate(focused) == "Hoger: A"
    page.keyboard.press("Enter")
    assert live.inner_text() == "A staat al bovenaan."
    page.keyboard.press("Enter")
    assert page.evaluate(focused) == "Hoger: A"
    assert page.locator("#rang-A").input_value() == "1"
    assert page.locator("#rang-B").input_value() == "2"
    assert page.locator("#rang-C").input_value() == ""
    # An option not chosen has no "Hoger"/"Lager" to press, only "Kiezen".
    assert not page.get_by_role("button", name="Hoger: C").is_visible()
    assert page.get_by_role("button", name="Kiezen: C").is_visible()
    # With the buttons there are no "geen voorkeur" selects to point at.
    assert page.get_by_text("U hoeft niet alle opties te kiezen.").is_visible()
    assert not page.get_by_text("Kies dan 'geen voorkeur'").is_visible()
    buttons = page.locator(".button-rank:visible")
    for index in range(buttons.count()):
        box = buttons.nth(index).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # touch targets


def test_budget_over_budget_is_said_in_words(
    open_page: Callable[..., Any], make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(kind="budget", costs=[30_000, 25_000], budget=50_000)
    [code] = codes_for(election, 1)
    page = open_page()
    enter(page, code)
    page.check("#keuze-P01")
    page.check("#keuze-P02")
    total = page.locator("#budget-totaal")
    assert "Dat is €\u00a05.000 te veel" in total.inner_text()
    assert total.get_attribute("aria-live") == "polite"
    click_and_load(page, page.get_by_role("button", name="Verder naar controleren"))
    assert "meer dan het budget" in page.locator("#foutmeldingen").inner_text()


def test_qr_code_link_votes_without_the_code_in_address_or_history(
    open_page: Callable[..., Any],
    db_session: Session,
    make_election: MakeElection,
    codes_for: CodesFor,
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    page = open_page()
    page.goto(f"/stem/qr#{code}")
    page.wait_for_url(re.compile(r"/stem/stembiljet$"))
    assert code not in page.url
    page.go_back()
    page.wait_for_load_state()
    assert code not in page.url and "#" not in page.url
    page.goto("/stem/stembiljet")
    page.check("#keuze-A")
    to_review(page)
    confirm(page)
    assert len(stored(db_session)) == 1


def test_qr_code_link_without_javascript_shows_the_form(
    open_page: Callable[..., Any], make_election: MakeElection, codes_for: CodesFor
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    page = open_page(js=False)
    page.goto(f"/stem/qr#{code}")
    assert "Typ dan de stemcode uit uw brief" in page.content()
    page.fill("#code", code)
    page.get_by_role("button", name="Verder", exact=True).click()
    page.wait_for_url(re.compile(r"/stem/stembiljet$"))


def test_confirm_clicked_twice_stores_one_ballot(
    open_page: Callable[..., Any],
    db_session: Session,
    make_election: MakeElection,
    codes_for: CodesFor,
) -> None:
    election = make_election(ballot_type="single")
    [code] = codes_for(election, 1)
    page = open_page()
    enter(page, code)
    page.check("#keuze-C")
    to_review(page)
    page.get_by_role("button", name="Ja, dit is mijn stem").dblclick()
    page.wait_for_url(re.compile(r"/stem/bewijs$"))
    page.go_back()
    page.wait_for_url(re.compile(r"/stem/bewijs$"))
    assert len(stored(db_session)) == 1


@pytest.mark.parametrize("size", [PHONE, ZOOMED], ids=["phone-320", "zoom-200"])
def test_every_resident_page_passes_axe_and_fits(
    open_page: Callable[..., Any],
    app: Flask,
    db_session: Session,
    make_election: MakeElection,
    codes_for: CodesFor,
    size: dict[str, Any],
) -> None:
    ranked = make_election(slug="ranked", allow_blank=True)
    budget = make_election(
        slug="budget", kind="budget", costs=[20_000, 25_000, 10_000], budget=40_000
    )
    approval = make_election(slug="approval", ballot_type="approval", max_choices=2)
    single = make_election(slug="single", ballot_type="single", allow_blank=True)
    closed = make_election(slug="closed", ballot_type="single", phase="closed")
    [r_code] = codes_for(ranked, 1)
    [b_code] = codes_for(budget, 1)
    [a_code] = codes_for(approval, 1)
    [s_code, s_used] = codes_for(single, 2)
    [c_code] = codes_for(closed, 1)
    page = open_page(size=size)

    def check() -> None:
        axe_check(page)
        fits_width(page)

    page.goto("/")
    check()
    page.goto("/stem")
    check()
    page.fill("#code", "K7QM-3XD9")
    page.get_by_role("button", name="Verder", exact=True).click()
    check()  # with an error summary
    page.goto("/stem/qr")
    check()
    for code in (b_code, a_code, r_code):
        enter(page, code)
        check()
        page.get_by_role("button", name="Verder naar controleren").click()
        check()  # nothing chosen: error summary
    enter(page, s_code)
    check()
    page.check("#keuze-B")
    to_review(page)
    check()
    confirm(page)
    check()
    page.goto("/stem")
    page.fill("#code", s_code)
    click_and_load(page, page.get_by_role("button", name="Verder", exact=True))
    assert "al gestemd" in page.content()
    check()
    page.goto("/stem")
    page.fill("#code", c_code)
    click_and_load(page, page.get_by_role("button", name="Verder", exact=True))
    assert "gesloten" in page.content()
    check()
    assert s_used  # a second single code stays unused: checked by the invariant


def test_pages_without_their_script_pass_axe(
    open_page: Callable[..., Any],
    make_election: MakeElection,
    codes_for: CodesFor,
) -> None:
    """The ranked selects and the plain budget list, as a browser without JavaScript
    shows them. axe itself needs JavaScript, so the page's own script is blocked
    instead of all scripts."""
    ranked = make_election(slug="ranked")
    budget = make_election(slug="budget", kind="budget", costs=[1_000, 2_000])
    codes = codes_for(ranked, 1) + codes_for(budget, 1)
    page = open_page()
    page.route("**/static/vote.js", lambda route: route.abort())
    for code in codes:
        enter(page, code)
        assert page.locator("select:visible").count() in (0, 3)
        assert not page.locator(".rank-badge").count()
        axe_check(page)
        fits_width(page)


@pytest.mark.app_config(
    WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True, CODE_LIMIT_PER_CLIENT="3 per minute"
)
def test_error_pages_pass_axe(
    open_page: Callable[..., Any],
    db_session: Session,
    make_election: MakeElection,
    codes_for: CodesFor,
) -> None:
    """Not open yet, replaced code, another election's form, an expired form and
    too many attempts: each a page of its own, each accessible."""
    from sqlalchemy import update

    from tests.voting.vote.support import PEPPER
    from voting import codes
    from voting.models import VotingCode, utcnow

    soon = make_election(slug="soon", ballot_type="single", phase="draft")
    single = make_election(slug="single", ballot_type="single", allow_blank=True)
    [soon_code] = codes_for(soon, 1)
    [code, revoked] = codes_for(single, 2)
    db_session.execute(
        update(VotingCode)
        .where(VotingCode.code_hash == codes.code_hash(PEPPER, revoked))
        .values(revoked_at=utcnow())
    )
    db_session.commit()
    page = open_page()

    def submit_code(value: str) -> None:
        page.goto("/stem")
        page.fill("#code", value)
        click_and_load(page, page.get_by_role("button", name="Verder", exact=True))

    submit_code(soon_code)
    assert "Stemmen kan nog niet" in page.content()
    axe_check(page)
    submit_code(revoked)
    assert "Deze code werkt niet meer" in page.content()
    axe_check(page)
    enter(page, code)
    page.check("#keuze-blanco")
    page.evaluate("() => { document.querySelector('input[name=election]').value = '999'; }")
    click_and_load(page, page.get_by_role("button", name="Verder naar controleren"))
    assert "hoort bij een andere stemming" in page.content()
    axe_check(page)
    page.goto("/stem/stembiljet")
    page.evaluate("() => { document.querySelector('input[name=csrf_token]').value = 'x'; }")
    click_and_load(page, page.get_by_role("button", name="Verder naar controleren"))
    assert "De pagina was verlopen" in page.content()
    axe_check(page)
    # A code of the right form that is on no letter: a failed attempt (a code of the
    # wrong length is told to be typed again and does not count against the limit).
    unknown = codes.formatted(codes.generate())
    for _ in range(3):
        submit_code(unknown)
    submit_code(unknown)
    assert "Te veel pogingen" in page.content()
    axe_check(page)
    fits_width(page)


def test_the_whole_code_shows_in_the_box_on_a_small_phone(open_page: Callable[..., Any]) -> None:
    # A resident checks what they typed against the letter: at 320 px the box used to
    # show "AAAA-BBBB-CCCC-D" and hide the rest. W and M are the widest letters.
    page = open_page(js=False)
    page.goto("/stem")
    page.fill("#code", "WWWW-MMMM-WWWW-MMMM-W")
    scroll, visible = page.evaluate(
        "[document.querySelector('#code').scrollWidth, document.querySelector('#code').clientWidth]"
    )
    assert scroll <= visible
