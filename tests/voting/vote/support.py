"""Helpers for the voting tests: codes for an election, a visit up to the review step,
and the invariant every vote test ends with (receipts = ballots = used codes)."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voting import roll
from voting.models import Ballot, Election, Receipt, SealedBallot, VotingCode

PEPPER = "test-pepper-not-secret"  # tests/conftest.py TEST_PEPPER


def add_codes(session: Session, election: Election, count: int) -> list[str]:
    """Put ``count`` residents on the roll of ``election`` and return their codes."""
    codes = []
    for number in range(count):
        entry = roll.add_voter(session, election, f"voter-{election.id}-{number}")
        session.flush()
        codes.append(roll.issue_code(session, entry, PEPPER))
    session.commit()
    return codes


def tally(session: Session) -> tuple[int, int, int]:
    """(ballots sealed or opened, receipts, used codes) over the whole database."""
    session.expire_all()
    ballots = (session.scalar(select(func.count()).select_from(Ballot)) or 0) + (
        session.scalar(select(func.count()).select_from(SealedBallot)) or 0
    )
    receipts = session.scalar(select(func.count()).select_from(Receipt)) or 0
    used = (
        session.scalar(
            select(func.count()).select_from(VotingCode).where(VotingCode.used_at.is_not(None))
        )
        or 0
    )
    session.commit()
    return ballots, receipts, used


def assert_consistent(session: Session) -> None:
    """Every used code has exactly one ballot with its own receipt, and no more."""
    ballots, receipts, used = tally(session)
    assert ballots == receipts == used, f"ballots={ballots} receipts={receipts} used={used}"


def enter_code(client: FlaskClient, code: str) -> Any:
    """POST a code to the code-entry page."""
    return client.post("/stem", data={"code": code})


def vote(client: FlaskClient, election: Election, code: str, fields: dict[str, Any]) -> Any:
    """A whole visit: code, ballot, confirm. Returns the confirm response."""
    response = enter_code(client, code)
    assert response.status_code == 303, response.get_data(as_text=True)
    response = client.post("/stem/stembiljet", data={"election": election.id, **fields})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client.post("/stem/controle", data={"election": election.id})


def field_errors(html: str) -> list[str]:
    """The texts of the field errors on a page."""
    return [re.sub(r"\s+", " ", m) for m in re.findall(r'class="field-error"[^>]*>([^<]*)', html)]


def summary_links(html: str) -> list[str]:
    """The targets of the links in the error summary."""
    block = (
        html.split('id="foutmeldingen"', 1)[1].split("</div>", 1)[0]
        if "foutmeldingen" in html
        else ""
    )
    return re.findall(r'href="#([^"]+)"', block)


def receipt_on(html: str) -> str:
    """The receipt code on the receipt page."""
    match = re.search(r'class="receipt-code"[^>]*>([^<]+)<', html)
    assert match, html
    return match.group(1).strip()
