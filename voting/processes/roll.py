"""One letter per resident for a whole process: import the register once, issue one
code, and give every voting stage its own roll entry and code row for it.

Per stage nothing changes from a single election: the stage's roll holds the
resident's per-election voter key, and its ``voting_codes`` row holds the stage's own
hash of the process code (:func:`voting.codes.stage_code_hash`), so turnout, paper
ballots, receipts, reissue and the record all work per stage. The process keeps
HMAC(pepper, code) with the resident's process key, to find the stages from the typed
code and to count the ideas sent with it. No name or address is stored.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voting import audit, codes
from voting.elections import options_locked
from voting.models import (
    Election,
    Process,
    ProcessCode,
    RollEntry,
    VotingCode,
    utcnow,
)
from voting.processes.lookup import stage_elections
from voting.roll import (
    IMPORT_BATCH,
    AlreadyVoted,
    ImportStats,
    Letter,
    NotOnRoll,
    RollLocked,
    _bulk_insert,  # the roll's own COPY-or-executemany insert, shared on purpose
    import_in_batches,
)
from voting.roll_import import Resident

CLOSED_PHASES = ("closed", "counted", "certified")
T = TypeVar("T")


def resident_key(pepper: str, process: Process, person_reference: str) -> str:
    """The resident's key in ``process``: HMAC of the person reference under the
    process's own name, so it matches no stage's voter key."""
    return codes.voter_key(pepper, f"process:{process.slug}", person_reference)


def open_stages(session: Session, process: Process) -> list[Election]:
    """The stages whose roll can still take residents (voting has not started)."""
    return [e for e in stage_elections(session, process.id) if not options_locked(e)]


def import_residents(
    session: Session,
    process: Process,
    residents: Sequence[Resident],
    pepper: str,
    *,
    actor: str,
    reissue_unused: bool = False,
    batch_size: int = IMPORT_BATCH,
    stats: ImportStats | None = None,
) -> Iterator[list[Letter]]:
    """Put ``residents`` on the roll of every stage that has not started, give each one
    process code, and yield each batch's letters after it is committed.

    A resident with a working process code gets no new letter unless
    ``reissue_unused``: then the old code is revoked in the process and in every stage
    where it has not voted, and a new letter made. Counts only go to the audit log
    (``process.roll.import.start`` / ``.finish``). Raises :class:`RollLocked` when every
    stage has started voting.
    """
    stages = open_stages(session, process)
    if not stages:
        raise RollLocked("roll_locked")
    stats = stats if stats is not None else ImportStats()
    yield from import_in_batches(
        session,
        residents,
        lambda batch: _import_batch(session, process, stages, batch, pepper, reissue_unused, stats),
        stats,
        batch_size,
        actor=actor,
        action="process.roll.import",
        scope={"process_id": process.id},
        start_detail={"stages": [e.id for e in stages], "reissue_unused": reissue_unused},
    )


def _import_batch(
    session: Session,
    process: Process,
    stages: list[Election],
    batch: Sequence[Resident],
    pepper: str,
    reissue_unused: bool,
    stats: ImportStats,
) -> list[Letter]:
    keys = [resident_key(pepper, process, r.person_reference) for r in batch]
    live: set[str] = set()
    known: set[str] = set()
    for key, revoked_at in session.execute(
        select(ProcessCode.resident_key, ProcessCode.revoked_at).where(
            ProcessCode.process_id == process.id, ProcessCode.resident_key.in_(keys)
        )
    ):
        known.add(key)
        if revoked_at is None:
            live.add(key)
    now = utcnow()
    chosen: list[tuple[Resident, str]] = []
    revoke: list[str] = []
    for resident, key in zip(batch, keys, strict=True):
        if key in live:
            if not reissue_unused:
                stats.skipped_has_code += 1
                continue
            revoke.append(key)
            stats.reissued += 1
        elif key in known:
            stats.reissued += 1
        else:
            stats.added += 1
        live.add(key)
        code = codes.generate()
        chosen.append((resident, code))
    if revoke:
        session.execute(
            update(ProcessCode)
            .where(
                ProcessCode.process_id == process.id,
                ProcessCode.resident_key.in_(revoke),
                ProcessCode.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    if not chosen:
        return []
    # Rows get their ids in the order they are written. Each table gets its own
    # shuffle of the batch, so row N of one stage is not row N of the next, and the
    # order ties no stage's row to another's or to the letter's number.
    _bulk_insert(
        session,
        ProcessCode.__table__,
        _shuffled(
            [
                {
                    "process_id": process.id,
                    "resident_key": resident_key(pepper, process, r.person_reference),
                    "code_hash": codes.code_hash(pepper, code),
                    "issued_at": now,
                    "revoked_at": None,
                    "ideas_used": 0,
                }
                for r, code in chosen
            ]
        ),
    )
    pairs = [(r.person_reference, code) for r, code in chosen]
    for election in stages:
        _stage_codes(session, election, pairs, pepper, now)
    first = stats.added + stats.reissued - len(chosen) + 1
    return [Letter(r, code, first + n) for n, (r, code) in enumerate(chosen)]


def _stage_codes(
    session: Session,
    election: Election,
    chosen: Sequence[tuple[str, str]],
    pepper: str,
    now: datetime,
) -> int:
    """Give ``election`` a roll entry and a fresh code row for each (person reference,
    code) in ``chosen``; their unused code rows there are revoked, and a resident who
    voted in this stage keeps their used code and gets no new one. Returns the rows
    added."""
    keys = [codes.voter_key(pepper, election.slug, reference) for reference, _ in chosen]
    entry_ids = dict(
        session.execute(
            select(RollEntry.voter_key, RollEntry.id).where(
                RollEntry.election_id == election.id, RollEntry.voter_key.in_(keys)
            )
        ).all()
    )
    new = _shuffled([k for k in keys if k not in entry_ids])
    if new:
        _bulk_insert(
            session,
            RollEntry.__table__,
            [{"election_id": election.id, "voter_key": k, "added_at": now} for k in new],
        )
        entry_ids.update(
            session.execute(
                select(RollEntry.voter_key, RollEntry.id).where(
                    RollEntry.election_id == election.id, RollEntry.voter_key.in_(new)
                )
            ).all()
        )
    ids = list(entry_ids.values())
    voted = set(
        session.scalars(
            select(VotingCode.roll_entry_id).where(
                VotingCode.roll_entry_id.in_(ids), VotingCode.used_at.is_not(None)
            )
        )
    )
    session.execute(
        update(VotingCode)
        .where(
            VotingCode.roll_entry_id.in_(ids),
            VotingCode.used_at.is_(None),
            VotingCode.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    rows = [
        {
            "election_id": election.id,
            "roll_entry_id": entry_ids[key],
            "code_hash": codes.stage_code_hash(pepper, election.id, code),
            "issued_at": now,
        }
        for (_reference, code), key in zip(chosen, keys, strict=True)
        if entry_ids[key] not in voted
    ]
    if rows:
        _bulk_insert(session, VotingCode.__table__, _shuffled(rows))
    return len(rows)


def _shuffled(items: list[T]) -> list[T]:
    """``items`` in a fresh random order (the operating system's randomness)."""
    out = list(items)
    secrets.SystemRandom().shuffle(out)
    return out


@dataclass(frozen=True)
class StageStatus:
    """Where a resident stands in one stage (for the clerk)."""

    election: Election
    on_roll: bool
    voted: bool


def lookup(
    session: Session, process: Process, pepper: str, person_reference: str
) -> tuple[bool, list[StageStatus]]:
    """Whether the resident has a working process code, and per stage whether they are
    on its roll and voted there. Changes nothing."""
    key = resident_key(pepper, process, person_reference)
    has_code = (
        session.scalar(
            select(ProcessCode.id).where(
                ProcessCode.process_id == process.id,
                ProcessCode.resident_key == key,
                ProcessCode.revoked_at.is_(None),
            )
        )
        is not None
    )
    out: list[StageStatus] = []
    for election in stage_elections(session, process.id):
        entry_id = _entry_id(session, election, pepper, person_reference)
        voted = entry_id is not None and (
            session.scalar(
                select(VotingCode.id).where(
                    VotingCode.roll_entry_id == entry_id, VotingCode.used_at.is_not(None)
                )
            )
            is not None
        )
        out.append(StageStatus(election, entry_id is not None, voted))
    return has_code, out


def _entry_id(
    session: Session, election: Election, pepper: str, person_reference: str
) -> int | None:
    key = codes.voter_key(pepper, election.slug, person_reference)
    return session.scalar(
        select(RollEntry.id).where(RollEntry.election_id == election.id, RollEntry.voter_key == key)
    )


def reissue(
    session: Session, process: Process, pepper: str, person_reference: str, *, actor: str
) -> str:
    """A lost letter: revoke the resident's process code and its unused stage codes,
    and issue one new code for every stage still to vote in (a stage where they voted
    keeps its used code). Works during voting. Commits, with ``process.roll.reissue``
    in the audit log (no identity), and returns the new code in plain text.

    Raises :class:`NotOnRoll` if the resident has no process code, or
    :class:`AlreadyVoted` if every stage is over or voted in already.
    """
    key = resident_key(pepper, process, person_reference)
    known = session.scalar(
        select(ProcessCode.id).where(
            ProcessCode.process_id == process.id, ProcessCode.resident_key == key
        )
    )
    if known is None:
        raise NotOnRoll("not_on_roll")
    code = codes.generate()
    now = utcnow()
    added = 0
    for election in stage_elections(session, process.id):
        if election.phase in CLOSED_PHASES:
            continue
        if _entry_id(session, election, pepper, person_reference) is None:
            continue  # not on that stage's roll; reissue adds nobody to a fixed roll
        added += _stage_codes(session, election, [(person_reference, code)], pepper, now)
    if not added:
        session.rollback()
        raise AlreadyVoted("already_voted")
    session.execute(
        update(ProcessCode)
        .where(
            ProcessCode.process_id == process.id,
            ProcessCode.resident_key == key,
            ProcessCode.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    session.add(
        ProcessCode(
            process_id=process.id,
            resident_key=key,
            code_hash=codes.code_hash(pepper, code),
            issued_at=now,
        )
    )
    audit.record(session, actor, "process.roll.reissue", process_id=process.id)
    session.commit()
    return code
