"""Paper ballots in Debian's chromium, as two clerks enter them: double entry switched on
from the election page, a first entry that waits for a second clerk, a second clerk who
reads the ballot differently (a mismatch both see), starting again and agreeing, and a
spoiled ballot entered as invalid. Afterwards the database holds exactly two paper
ballots: one with the agreed choice and one invalid, each with its code used."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import STAFF_PASSWORD
from tests.voting.box_support import peek_ballots
from tests.voting.vote.support import add_codes, assert_consistent
from voting.models import Election, PaperEntry, StaffUser, VotingCode

pytestmark = pytest.mark.browser


@pytest.fixture
def clerk_page(
    live_server: str, browser: Any, make_staff: Callable[..., StaffUser]
) -> Iterator[Callable[[str], Any]]:
    """``clerk_page(name)``: a page in its own browser context, logged in as clerk
    ``name`` (two clerks need two sessions, as on two desks)."""
    contexts = []

    def open_as(name: str) -> Any:
        user = make_staff("clerk", name)
        context = browser.new_context(base_url=live_server)
        contexts.append(context)
        page = context.new_page()
        page.goto("/beheer/inloggen")
        page.fill("#username", user.username)
        page.fill("#password", STAFF_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/beheer/**")
        return page

    try:
        yield open_as
    finally:
        for context in contexts:
            context.close()


def _enter(page: Any, code: str, choice: str | None = None, *, invalid: bool = False) -> None:
    """Type a paper ballot into the form as a clerk does and submit it."""
    page.fill("#code", code)
    if choice is not None:
        page.get_by_label(choice, exact=True).check()
    if invalid:
        page.check("#ongeldig")
    page.get_by_role("button", name="Stembiljet verwerken").click()
    page.wait_for_load_state()


def _used(session: Session) -> list[str | None]:
    session.expire_all()
    return list(
        session.scalars(select(VotingCode.used_channel).where(VotingCode.used_at.is_not(None)))
    )


def test_two_clerks_enter_paper_ballots_with_double_entry(
    clerk_page: Callable[[str], Any],
    make_election: Callable[..., Election],
    db_session: Session,
) -> None:
    election = make_election(
        ballot_type="single", rule="plurality", options=["Plein", "Park", "Parkeren"]
    )
    first_code, spoiled_code = add_codes(db_session, election, 2)
    # The resident wrote the code in lower case with spaces; the clerk types what is there.
    typed = first_code.lower().replace("-", " ")
    griffie = clerk_page("griffie")
    griffie.goto(f"/beheer/verkiezing/{election.id}")
    griffie.get_by_role("button", name="Dubbele invoer aanzetten").click()
    assert griffie.get_by_text("Dubbele invoer staat aan").is_visible()
    griffie.get_by_role("link", name="Papieren stembiljet invoeren").click()

    # First entry: kept, numbered, not counted.
    _enter(griffie, typed, "Park")
    flash = griffie.locator(".flash").first.inner_text()
    assert "Eerste invoer bewaard als nummer" in flash
    entry = db_session.scalar(select(PaperEntry))
    assert entry is not None and entry.status == "pending"
    assert griffie.get_by_text(f"Nummer {entry.number}: eerste invoer door griffie").is_visible()
    assert _used(db_session) == []

    # The same clerk cannot confirm their own entry.
    _enter(griffie, typed, "Park")
    assert griffie.get_by_text("De tweede invoer moet door een andere medewerker gebeuren.").count()

    # A second clerk reads the cross differently: a mismatch, the ballot does not count.
    tweede = clerk_page("tweede")
    tweede.goto(f"/beheer/papier/{election.id}")
    _enter(tweede, first_code, "Plein")
    assert tweede.get_by_text("Uw invoer verschilt van de eerste invoer").count()
    mismatch = f"Nummer {entry.number} verschilt: ingevoerd door griffie en door tweede."
    assert tweede.get_by_text(mismatch).is_visible()
    griffie.reload()
    assert griffie.get_by_text(mismatch).is_visible()
    assert _used(db_session) == []

    # They look at the ballot together, start again and this time agree.
    tweede.get_by_role("button", name=f"Opnieuw beginnen met nummer {entry.number}").click()
    assert tweede.get_by_text("De invoer is weggegooid.").count()
    griffie.reload()
    _enter(griffie, typed, "Park")
    _enter(tweede, first_code, "Park")
    assert tweede.get_by_text("Het papieren stembiljet is verwerkt.").count()
    assert _used(db_session) == ["paper"]

    # A spoiled ballot (two crosses): both clerks enter it as invalid.
    _enter(griffie, spoiled_code, invalid=True)
    assert griffie.get_by_text("Eerste invoer bewaard als nummer").count()
    _enter(tweede, spoiled_code, invalid=True)
    assert tweede.get_by_text("Het stembiljet is verwerkt als ongeldige stem.").count()

    # Two paper ballots, codes used, nothing waiting; the counter says 2.
    assert _used(db_session) == ["paper", "paper"]
    assert db_session.scalar(select(PaperEntry)) is None
    assert sorted((b.choices, b.invalid) for b in peek_ballots(db_session)) == [
        ([], True),
        (["P02"], False),  # "Park"
    ]
    assert_consistent(db_session)
    tweede.goto(f"/beheer/verkiezing/{election.id}")
    assert tweede.get_by_text("Ingevoerde papieren stembiljetten: 2").is_visible()
    # A code that voted on paper cannot vote again, on paper or online.
    tweede.goto(f"/beheer/papier/{election.id}")
    _enter(tweede, first_code, "Plein")
    assert tweede.get_by_text("Met deze code is al gestemd").count()
