"""A key holder who pastes a wrong share is told in the page's language what is wrong
with it (missing, mistyped, of another box, too few, twice), never the library's
English."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from voting import ballot_box
from voting.models import Election

MakeElection = Callable[..., Election]


def two_of_three(db_session: Session, make_election: MakeElection) -> tuple[Election, list[str]]:
    election = make_election(box=False)
    shares = ballot_box.make_box(
        db_session,
        election,
        holder_names=["Griffier", "Ambtenaar", "Notaris"],
        threshold=2,
        actor="test",
    )
    election.phase = "closed"
    db_session.commit()
    return election, [share.text for share in shares]


def typo(share: str) -> str:
    """The share with one hex digit of its value changed, as a slip of the hand."""
    head, value, check = share.rsplit("-", 2)
    changed = "1" if value[5] != "1" else "2"
    return f"{head}-{value[:5]}{changed}{value[6:]}-{check}"


@pytest.mark.parametrize(
    ("pick", "dutch", "english"),
    [
        (
            lambda s, other: ["onzin", s[0]],
            "In vak 1 staat geen sleuteldeel",
            "There is no key share in field 1",
        ),
        (
            lambda s, other: [s[0], typo(s[1])],
            "Sleuteldeel 2 heeft een typefout",
            "Key share 2 has a typing error",
        ),
        (
            lambda s, other: [s[0], other],
            "Sleuteldeel 2 hoort bij een andere stembus",
            "Key share 2 belongs to another",
        ),
        (
            lambda s, other: [s[0]],
            "Er zijn 2 sleuteldelen nodig; ingevuld: 1",
            "2 key shares are needed",
        ),
        (
            lambda s, other: [s[0], s[0]],
            "Hetzelfde sleuteldeel is twee keer ingevuld",
            "The same key share was filled in twice",
        ),
    ],
)
def test_a_wrong_share_is_explained_in_the_clerks_language(
    client: FlaskClient,
    login: Any,
    db_session: Session,
    make_election: MakeElection,
    pick: Callable[[list[str], str], list[str]],
    dutch: str,
    english: str,
) -> None:
    election, shares = two_of_three(db_session, make_election)
    _other, other_shares = two_of_three(db_session, make_election)
    login("clerk")
    given = pick(shares, other_shares[1])
    page = client.post(
        f"/beheer/stembus/{election.id}/openen", data={"share": given}, follow_redirects=True
    ).get_data(as_text=True)
    assert dutch in page
    for library_words in ("share line", "was given twice", "typing error", "shares are needed"):
        assert library_words not in page
    client.get("/taal/en?next=/")
    english_page = client.post(
        f"/beheer/stembus/{election.id}/openen",
        data={"share": given},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert english in english_page
    db_session.refresh(election)
    assert not ballot_box.is_open(election)
