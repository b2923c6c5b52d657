"""Entering a paper ballot: at once, or by double entry (two clerks, the same choices).

A paper ballot goes through the same one-transaction cast as an online vote (channel
``paper``). A spoiled paper ballot (unreadable, more crosses than allowed, no code
readable as a choice...) is entered as *invalid*: the code is used, the ballot counts
for turnout as invalid and never in the tally -- the resident did vote, and telling
them to "choose fewer options" is advice for a screen, not for paper.

With double entry (``Election.double_entry``) the first clerk's entry is kept as a
:class:`~voting.models.PaperEntry`: the code's hash and only a keyed digest of the
choices, never the choices, and a short number written on the paper. The ballot is
cast when a *second* clerk enters the same code with the same choices; a different
entry marks it as a mismatch that the clerks settle together (they look at the paper
and start that ballot again). The code stays unused until the ballot is cast.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ballots.errors import CodedError
from voting import audit, casting
from voting.models import Election, PaperEntry, VotingCode, utcnow


class EntryError(CodedError):
    """A double-entry step that cannot happen (see :attr:`ENGLISH`)."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "same_clerk": "the second entry must be made by another clerk",
        "in_dispute": "entry {number} differs between two clerks; settle it first",
    }


class Outcome(Enum):
    """What entering a paper ballot did."""

    CAST = "cast"  # the ballot is in the box
    PENDING = "pending"  # first entry kept; a second clerk must enter it too
    MISMATCH = "mismatch"  # the second entry differs from the first


@dataclass(frozen=True)
class Entered:
    """The outcome and, under double entry, the number written on the paper."""

    outcome: Outcome
    number: str = ""
    first_clerk: str = ""


def entry_digest(pepper: str, code_hash: str, choices: Sequence[str], *, invalid: bool) -> str:
    """A keyed digest of what was entered (the choices in the order they count, or the
    invalid mark): equal entries give equal digests; the database learns nothing."""
    what = "INVALID" if invalid else json.dumps(list(choices))
    return hmac.new(pepper.encode(), f"{code_hash}|{what}".encode(), hashlib.sha256).hexdigest()


def enter_paper(
    session: Session,
    election: Election,
    code_hash: str,
    choices: Sequence[str],
    *,
    invalid: bool,
    actor: str,
    pepper: str,
) -> Entered:
    """Enter one paper ballot; commits. Raises the :mod:`voting.casting` errors when
    the code cannot vote, :class:`EntryError` for a second entry by the same clerk or
    for a ballot whose entries differ and are not settled yet."""
    if election.ballot_type != "ranked":
        choices = sorted(choices)
    if not election.double_entry:
        _cast(session, election, code_hash, choices, invalid=invalid, actor=actor)
        return Entered(Outcome.CAST)
    digest = entry_digest(pepper, code_hash, choices, invalid=invalid)
    first = session.scalar(
        select(PaperEntry).where(
            PaperEntry.election_id == election.id, PaperEntry.code_hash == code_hash
        )
    )
    if first is None:
        _check_code_can_vote(session, election, code_hash)
        number = _free_number(session, election)
        session.add(
            PaperEntry(
                election_id=election.id,
                code_hash=code_hash,
                digest=digest,
                number=number,
                clerk=actor,
            )
        )
        audit.record(
            session,
            actor,
            "paper.first_entry",
            election_id=election.id,
            number=number,
            at=casting.day_of(utcnow()),
        )
        session.commit()
        return Entered(Outcome.PENDING, number)
    if first.status == "mismatch":
        raise EntryError("in_dispute", number=first.number)
    if first.clerk == actor:
        raise EntryError("same_clerk")
    if not hmac.compare_digest(first.digest, digest):
        first.status = "mismatch"
        first.second_clerk = actor
        audit.record(
            session,
            actor,
            "paper.mismatch",
            election_id=election.id,
            number=first.number,
            first_clerk=first.clerk,
            at=casting.day_of(utcnow()),
        )
        session.commit()
        return Entered(Outcome.MISMATCH, first.number, first.clerk)
    number, first_clerk, entry_id = first.number, first.clerk, first.id
    _cast(
        session,
        election,
        code_hash,
        choices,
        invalid=invalid,
        actor=actor,
        extra=lambda s: s.execute(delete(PaperEntry).where(PaperEntry.id == entry_id)),
        detail={"checked_by": first_clerk},
    )
    return Entered(Outcome.CAST, number, first_clerk)


def discard_entry(session: Session, election: Election, entry_id: str, *, actor: str) -> bool:
    """Throw away a pending or disputed first entry, so the paper ballot is entered
    afresh by two clerks; audited, commits. False if there was no such entry."""
    entry = session.get(PaperEntry, entry_id)
    if entry is None or entry.election_id != election.id:
        return False
    number = entry.number
    session.delete(entry)
    audit.record(session, actor, "paper.entry_discarded", election_id=election.id, number=number)
    session.commit()
    return True


def open_entries(session: Session, election: Election) -> list[PaperEntry]:
    """First entries that wait for a second clerk, or whose entries differ."""
    return list(
        session.scalars(
            select(PaperEntry)
            .where(PaperEntry.election_id == election.id)
            .order_by(PaperEntry.status, PaperEntry.number)
        )
    )


def _cast(
    session: Session,
    election: Election,
    code_hash: str,
    choices: Sequence[str],
    *,
    invalid: bool,
    actor: str,
    extra: object = None,
    detail: dict[str, str] | None = None,
) -> None:
    def also(s: Session) -> None:
        # Who entered a paper ballot, and on which day -- not the moment, which could
        # be lined up with other rows; never the code, the choices or the receipt.
        audit.record(
            s,
            actor,
            "paper.ballot",
            election_id=election.id,
            at=casting.day_of(utcnow()),
            **(detail or {}),
        )
        if callable(extra):
            extra(s)  # nosec B610 - a callback of ours named "extra", not Django's QuerySet.extra

    casting.cast_ballot(
        session, election, code_hash, list(choices), "paper", also=also, invalid=invalid
    )


def _check_code_can_vote(session: Session, election: Election, code_hash: str) -> None:
    row = session.execute(
        select(VotingCode.used_at, VotingCode.revoked_at).where(
            VotingCode.code_hash == code_hash, VotingCode.election_id == election.id
        )
    ).first()
    if row is None:
        raise casting.UnknownCode()
    if row.used_at is not None:
        raise casting.AlreadyUsed()
    if row.revoked_at is not None:
        raise casting.Revoked()
    if not election.is_open():
        raise casting.ElectionNotOpen()


def _free_number(session: Session, election: Election) -> str:
    taken = set(
        session.scalars(select(PaperEntry.number).where(PaperEntry.election_id == election.id))
    )
    while True:
        number = f"{secrets.randbelow(9000) + 1000}"
        if number not in taken:
            return number
