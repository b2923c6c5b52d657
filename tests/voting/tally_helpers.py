"""Helpers shared by the count, results and report tests: a roll, ballots and a key."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from voting import signing
from voting.casting import day_of
from voting.models import Ballot, Election, Receipt, RollEntry, VotingCode, utcnow


def add_roll(session: Session, election: Election, size: int) -> None:
    """Put ``size`` anonymous residents on the election's roll."""
    for number in range(size):
        session.add(RollEntry(election_id=election.id, voter_key=f"{number:064x}"))
    session.commit()


def add_ballots(
    session: Session,
    election: Election,
    ballots: Sequence[Sequence[str]],
    *,
    channel: str = "online",
    invalid: int = 0,
) -> None:
    """Store ``ballots`` (lists of option keys) as they are after the box was opened:
    opened ballots, a receipt each, and a used code each (on residents of the roll
    who have no code yet, as far as there are any). ``invalid`` adds that many
    spoiled paper ballots."""
    free = list(
        session.scalars(
            select(RollEntry.id)
            .where(RollEntry.election_id == election.id)
            .where(~RollEntry.id.in_(select(VotingCode.roll_entry_id)))
            .order_by(RollEntry.id)
        )
    )
    cast = [(list(choices), False, channel) for choices in ballots]
    cast += [([], True, "paper") for _ in range(invalid)]
    for number, (choices, is_invalid, used_channel) in enumerate(cast):
        session.add(
            Ballot(election_id=election.id, content=json.dumps(choices), invalid=is_invalid)
        )
        receipt = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        session.add(Receipt(receipt=receipt, election_id=election.id))
        if number < len(free):
            session.add(
                VotingCode(
                    election_id=election.id,
                    roll_entry_id=free[number],
                    code_hash=secrets.token_hex(32),
                    used_at=day_of(utcnow()),
                    used_channel=used_channel,
                )
            )
    session.commit()


def make_key(folder: Path) -> Path:
    """A fresh signing key in ``folder``; returns the private key's path."""
    private_path, _public = signing.write_keypair(folder)
    return private_path
