"""The voter roll and its codes in the database: add residents, issue codes."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voting import codes
from voting.models import Election, RollEntry, VotingCode, utcnow


def add_voter(session: Session, election: Election, voter_key: str) -> RollEntry:
    """Put a resident (by voter key) on the roll of ``election``."""
    entry = RollEntry(election_id=election.id, voter_key=voter_key)
    session.add(entry)
    return entry


def issue_code(session: Session, entry: RollEntry, pepper: str) -> str:
    """Give ``entry`` a fresh code and return it in plain text (the only time it exists
    outside a letter). Any unused code of the resident is revoked first.

    Raises ``ValueError`` if the resident already voted: a used code stays used.
    """
    if session.scalar(
        select(VotingCode.id).where(
            VotingCode.roll_entry_id == entry.id, VotingCode.used_at.is_not(None)
        )
    ):
        raise ValueError("this resident has already voted")
    session.execute(
        update(VotingCode)
        .where(
            VotingCode.roll_entry_id == entry.id,
            VotingCode.used_at.is_(None),
            VotingCode.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    code = codes.generate()
    session.add(
        VotingCode(
            election_id=entry.election_id,
            roll_entry_id=entry.id,
            code_hash=codes.code_hash(pepper, code),
        )
    )
    return code
