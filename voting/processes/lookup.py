"""Which stage a process letter's code votes in now (read only; casting stays in
:mod:`voting.casting`).

A process code is stored once as HMAC(pepper, code) in ``process_codes``; each voting
stage holds its own row in ``voting_codes`` with :func:`voting.codes.stage_code_hash`
of the same code. The resident types one code; this finds the stage open now where
that code has not voted yet, and hands back that stage's hash, so the ordinary
one-transaction cast (``UPDATE ... WHERE used_at IS NULL``) marks only that stage's
row used. The used mark is per stage, kept to the day, and says nothing of the
ballot, which is sealed in that stage's own box.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voting import codes
from voting.models import (
    Election,
    Process,
    ProcessCode,
    ProcessStage,
    VotingCode,
    aware,
    utcnow,
)

# What a process code can do now, in the order a resident should hear it: vote in an
# open stage, or hear that they voted there already, that the next vote opens later,
# or that every vote is over.
OK, USED, REVOKED, NOT_OPEN_YET, CLOSED, NOT_IN_STAGE = (
    "ok",
    "used",
    "revoked",
    "not_open_yet",
    "closed",
    "not_in_stage",
)


@dataclass(frozen=True)
class StageLookup:
    """The outcome for a process code: ``status`` (one of the names above), the
    stage election it is about, and that stage's code hash when it can vote there."""

    status: str
    process: Process
    election: Election | None = None
    code_hash: str | None = None


def find_process_code(session: Session, pepper: str, entered: str) -> ProcessCode | None:
    """The process code row for a well-formed ``entered`` code, or None."""
    return session.scalar(
        select(ProcessCode).where(ProcessCode.code_hash == codes.code_hash(pepper, entered))
    )


def stage_elections(session: Session, process_id: int) -> list[Election]:
    """The stages' elections of a process, in order."""
    return list(
        session.scalars(
            select(Election)
            .join(ProcessStage, ProcessStage.election_id == Election.id)
            .where(ProcessStage.process_id == process_id)
            .order_by(ProcessStage.position)
        )
    )


def stage_for_code(
    session: Session, pepper: str, entered: str, now: datetime | None = None
) -> StageLookup | None:
    """Where the process code ``entered`` can vote now, or None if it is no process
    code. Reads only; the cast itself marks the stage's code used."""
    row = find_process_code(session, pepper, entered)
    if row is None:
        return None
    process = session.get(Process, row.process_id)
    assert process is not None
    if row.revoked_at is not None:
        return StageLookup(REVOKED, process)
    now = now or utcnow()
    used: Election | None = None
    missing: Election | None = None
    elections = stage_elections(session, process.id)
    for election in elections:
        if not election.is_open(now):
            continue
        digest = codes.stage_code_hash(pepper, election.id, entered)
        code = session.scalar(
            select(VotingCode).where(
                VotingCode.election_id == election.id, VotingCode.code_hash == digest
            )
        )
        if code is None:
            missing = missing or election
        elif code.used_at is not None:
            used = used or election
        elif code.revoked_at is None:
            return StageLookup(OK, process, election, digest)
    if used is not None:
        return StageLookup(USED, process, used)
    if missing is not None:
        return StageLookup(NOT_IN_STAGE, process, missing)
    for election in elections:
        if election.phase in ("draft", "proposals", "review") or (
            election.phase == "voting" and election.opens_at and now < aware(election.opens_at)
        ):
            return StageLookup(NOT_OPEN_YET, process, election)
    return StageLookup(CLOSED, process, elections[-1] if elections else None)


def hash_for_election(session: Session, pepper: str, election: Election, entered: str) -> str:
    """The hash ``election``'s code rows hold for ``entered``: the stage hash for a
    stage of a process (the code on the process letter), else the plain code hash."""
    in_process = session.scalar(
        select(ProcessStage.id).where(ProcessStage.election_id == election.id)
    )
    if in_process is not None:
        return codes.stage_code_hash(pepper, election.id, entered)
    return codes.code_hash(pepper, entered)
