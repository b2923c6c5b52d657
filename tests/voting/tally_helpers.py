"""Helpers shared by the count, results and report tests: a roll, ballots and a key."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.orm import Session

from voting import signing
from voting.models import Ballot, Election, RollEntry


def add_roll(session: Session, election: Election, size: int) -> None:
    """Put ``size`` anonymous residents on the election's roll."""
    for number in range(size):
        session.add(RollEntry(election_id=election.id, voter_key=f"{number:064x}"))
    session.commit()


def add_ballots(session: Session, election: Election, ballots: Sequence[Sequence[str]]) -> None:
    """Store ``ballots`` (lists of option keys) with random receipts, as cast."""
    for choices in ballots:
        receipt = "-".join(secrets.token_hex(2).upper() for _ in range(4))
        session.add(
            Ballot(election_id=election.id, receipt=receipt, content=json.dumps(list(choices)))
        )
    session.commit()


def make_key(folder: Path) -> Path:
    """A fresh signing key in ``folder``; returns the private key's path."""
    private_path, _public = signing.write_keypair(folder)
    return private_path
