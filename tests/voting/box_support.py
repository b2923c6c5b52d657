"""Opening the sealed ballot box of a test election (its share is in BOX_SHARES)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tests.box_shares import BOX_SHARES
from voting import ballot_box, sealing
from voting.models import Ballot, Election, Receipt, SealedBallot, VotingCode


def close_and_open_box(session: Session, election: Election) -> int:
    """Close ``election`` (if still voting) and open its box with the test share;
    returns how many ballots came out."""
    session.refresh(election)
    if election.phase == "voting":
        election.phase = "closed"
        session.commit()
    return ballot_box.open_box(session, election, BOX_SHARES[election.id], actor="test").count


@dataclass(frozen=True)
class Peeked:
    """A ballot as a test sees it by opening sealed rows with the test share."""

    choices: list[str]
    invalid: bool
    receipt: str | None  # known only when the database holds one ballot
    channel: str | None  # likewise


def peek_ballots(session: Session) -> list[Peeked]:
    """Every ballot in the database (sealed rows opened with the test shares, opened
    rows as they are), without changing anything. With exactly one ballot, its receipt
    and channel are the only ones there are, and are filled in."""
    session.expire_all()
    found: list[tuple[list[str], bool]] = []
    for row in session.scalars(select(SealedBallot)).all():
        election = session.get(Election, row.election_id)
        assert election is not None and election.box_public_key
        private = sealing.combine_shares(
            BOX_SHARES[election.id], bytes.fromhex(election.box_public_key)
        )
        found.append(sealing.unseal(private, row.sealed, context=f"buurtstem-ballot:{election.id}"))
    for ballot in session.scalars(select(Ballot)).all():
        found.append((ballot.choices, ballot.invalid))
    receipts = list(session.scalars(select(Receipt.receipt)).all())
    channels = list(
        session.scalars(select(VotingCode.used_channel).where(VotingCode.used_at.is_not(None)))
    )
    session.commit()
    one = len(found) == 1
    return [
        Peeked(
            choices,
            invalid,
            receipts[0] if one and len(receipts) == 1 else None,
            channels[0] if one and len(channels) == 1 else None,
        )
        for choices, invalid in found
    ]


def sealed_table_pages(session: Session) -> bytes | None:
    """Every page of the sealed table (and its TOAST table) as PostgreSQL has it,
    dead rows included, read through the buffer cache with pageinspect (the file on
    disk lags behind until a checkpoint). None where the role may not use
    pageinspect (it needs a superuser)."""
    try:
        session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        session.commit()
    except DBAPIError:
        session.rollback()
        return None
    relations = session.execute(
        text(
            "SELECT c.oid::regclass::text FROM pg_class c WHERE c.oid = 'sealed_ballots'::regclass "
            "UNION ALL SELECT c.reltoastrelid::regclass::text FROM pg_class c "
            "WHERE c.oid = 'sealed_ballots'::regclass AND c.reltoastrelid <> 0"
        )
    ).scalars()
    data = b""
    for relation in list(relations):
        pages = session.execute(
            text("SELECT pg_relation_size(:r) / current_setting('block_size')::int"),
            {"r": relation},
        ).scalar_one()
        for number in range(int(pages)):
            page = session.execute(
                text("SELECT get_raw_page(:r, :n)"), {"r": relation, "n": number}
            ).scalar_one()
            data += bytes(page)
    session.commit()
    return data
