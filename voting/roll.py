"""The voter roll and its codes in the database: add residents, issue codes, import a
register in batches, reissue a lost letter.

The roll holds voter keys and code hashes only; names and addresses pass through
memory on their way to the letters and are never stored (DESIGN.md, "Letter codes
and ballot secrecy").
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from ballots.errors import CodedError
from voting import audit, codes
from voting.elections import options_locked
from voting.models import Election, RollEntry, VotingCode, utcnow
from voting.roll_import import Resident


def add_voter(session: Session, election: Election, voter_key: str) -> RollEntry:
    """Put a resident (by voter key) on the roll of ``election``."""
    entry = RollEntry(election_id=election.id, voter_key=voter_key)
    session.add(entry)
    return entry


def issue_code(session: Session, entry: RollEntry, pepper: str) -> str:
    """Give ``entry`` a fresh code and return it in plain text (the only time it exists
    outside a letter). Any unused code of the resident is revoked first.

    Raises :class:`AlreadyVoted` if the resident already voted: a used code stays used.
    """
    if session.scalar(
        select(VotingCode.id).where(
            VotingCode.roll_entry_id == entry.id, VotingCode.used_at.is_not(None)
        )
    ):
        raise AlreadyVoted("already_voted")
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


# --- Importing a register: residents in, codes out ------------------------------------

IMPORT_BATCH = 2000  # residents per commit: each commit is a disk sync


class RollLocked(CodedError):
    """The roll is fixed because voting has started (``roll_locked``)."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "roll_locked": "the roll is fixed: voting has started; only a lost letter can be replaced"
    }


class NotOnRoll(CodedError, LookupError):
    """The person reference is not on this election's roll (``not_on_roll``)."""

    ENGLISH: ClassVar[dict[str, str]] = {"not_on_roll": "not on the roll of this election"}


class AlreadyVoted(CodedError):
    """The resident's code was used (``already_voted``): a used code stays used and gets
    no successor."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "already_voted": "this resident has already voted; a used code stays used"
    }


@dataclass(frozen=True, slots=True)
class Letter:
    """A resident and their new code in plain text: the only place both meet, in
    memory, on the way to the printer."""

    resident: Resident
    code: str
    # The letter's place in its run (1 for the first letter), printed as "Kenmerk" and
    # as the print house's "volgnummer"; 0 for a single reissued letter.
    number: int = 0


@dataclass
class ImportStats:
    """What an import did, in counts only (this is what the audit log records)."""

    total: int = 0  # residents offered
    added: int = 0  # put on the roll with a first code
    reissued: int = 0  # on the roll already: unused code revoked, new code issued
    skipped_has_code: int = 0  # on the roll with a working code: no new letter
    skipped_voted: int = 0  # on the roll and already voted: no letter

    @property
    def letters(self) -> int:
        """Letters produced: every resident who got a new code."""
        return self.added + self.reissued

    @property
    def done(self) -> int:
        """Residents handled so far (for progress: done of total)."""
        return self.letters + self.skipped_has_code + self.skipped_voted

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict (for the audit log and JSON)."""
        return {
            "total": self.total,
            "added": self.added,
            "reissued": self.reissued,
            "skipped_has_code": self.skipped_has_code,
            "skipped_voted": self.skipped_voted,
        }


def ensure_roll_open(election: Election) -> None:
    """Raise :class:`RollLocked` once voting has started: the roll is fixed then."""
    if options_locked(election):
        raise RollLocked("roll_locked")


def import_residents(
    session: Session,
    election: Election,
    residents: Sequence[Resident],
    pepper: str,
    *,
    actor: str,
    reissue_unused: bool = False,
    batch_size: int = IMPORT_BATCH,
    stats: ImportStats | None = None,
) -> Iterator[list[Letter]]:
    """Put ``residents`` on the roll of ``election`` and issue their codes, one batch
    at a time; yield each batch's letters *after* that batch is committed, so no
    letter ever carries a code the database does not know.

    A resident already on the roll keeps a working code and gets no letter, unless
    ``reissue_unused``: then the unused code is revoked and a new letter made. A
    resident whose code was used gets nothing. So after a broken run (the download
    stopped halfway), running the same register again with ``reissue_unused`` gives
    every resident a fresh letter and makes every lost letter worthless; without it,
    only residents not yet on the roll get a letter (a register with newcomers).

    The audit log gets ``roll.import.start`` before the first batch and
    ``roll.import.finish`` after the last, both with counts only. Raises
    :class:`RollLocked` once voting has started.
    """
    ensure_roll_open(election)
    stats = stats if stats is not None else ImportStats()
    known = _known_entries(session, election.id)
    yield from import_in_batches(
        session,
        residents,
        lambda batch: _import_batch(session, election, batch, pepper, reissue_unused, stats, known),
        stats,
        batch_size,
        actor=actor,
        action="roll.import",
        scope={"election_id": election.id},
        start_detail={"reissue_unused": reissue_unused},
    )


def import_in_batches(
    session: Session,
    residents: Sequence[Resident],
    import_batch: Callable[[Sequence[Resident]], list[Letter]],
    stats: ImportStats,
    batch_size: int,
    *,
    actor: str,
    action: str,
    scope: dict[str, Any],
    start_detail: dict[str, Any],
) -> Iterator[list[Letter]]:
    """The import loop of an election's roll and of a process's letters: audit
    ``<action>.start`` (with the total and ``start_detail``), then ``import_batch`` a
    batch at a time, yielding its letters only after its commit, then audit
    ``<action>.finish`` with the counts. ``scope`` names what the audit events are
    about (``election_id=`` or ``process_id=``)."""
    stats.total = len(residents)
    audit.record(session, actor, f"{action}.start", **scope, total=stats.total, **start_detail)
    session.commit()
    for start in range(0, len(residents), batch_size):
        letters = import_batch(residents[start : start + batch_size])
        session.commit()
        yield letters
    audit.record(session, actor, f"{action}.finish", **scope, **stats.as_dict())
    session.commit()


@dataclass
class _Known:
    """The roll as it was when the import started (keys, and who holds a working or a
    used code), read in two queries: one lookup per batch would make the import
    quadratic where the planner has no statistics for a freshly filled table yet."""

    entry_ids: dict[str, int]
    live: set[int]
    voted: set[int]


def _known_entries(session: Session, election_id: int) -> _Known:
    entry_ids: dict[str, int] = {
        key: entry_id
        for key, entry_id in session.execute(
            select(RollEntry.voter_key, RollEntry.id).where(RollEntry.election_id == election_id)
        )
    }
    live: set[int] = set()
    voted: set[int] = set()
    for entry_id, used_at in session.execute(
        select(VotingCode.roll_entry_id, VotingCode.used_at).where(
            VotingCode.election_id == election_id, VotingCode.revoked_at.is_(None)
        )
    ):
        (voted if used_at is not None else live).add(entry_id)
    return _Known(entry_ids, live, voted)


def _import_batch(
    session: Session,
    election: Election,
    batch: Sequence[Resident],
    pepper: str,
    reissue_unused: bool,
    stats: ImportStats,
    known: _Known,
) -> list[Letter]:
    keys = [codes.voter_key(pepper, election.slug, r.person_reference) for r in batch]
    entry_ids, live, voted = known.entry_ids, known.live, known.voted
    on_roll_before = {entry_ids[k] for k in keys if k in entry_ids}
    now = utcnow()
    new = [{"election_id": election.id, "voter_key": k, "added_at": now} for k in keys]
    new = [row for row in new if row["voter_key"] not in entry_ids]
    if new:
        # Every id handed out from now on is above today's highest, so the new rows
        # are found by a primary-key range (RETURNING would rule out COPY).
        after = session.scalar(select(func.coalesce(func.max(RollEntry.id), 0)))
        _bulk_insert(session, RollEntry.__table__, new)
        for key, entry_id in session.execute(
            select(RollEntry.voter_key, RollEntry.id).where(
                RollEntry.id > after, RollEntry.election_id == election.id
            )
        ):
            entry_ids[key] = entry_id
    revoke: list[int] = []
    letters: list[Letter] = []
    code_rows: list[dict[str, object]] = []
    for resident, key in zip(batch, keys, strict=True):
        entry_id = entry_ids[key]
        if entry_id in voted:
            stats.skipped_voted += 1
            continue
        if entry_id in live:
            if not reissue_unused:
                stats.skipped_has_code += 1
                continue
            revoke.append(entry_id)
            stats.reissued += 1
        elif entry_id in on_roll_before:
            stats.reissued += 1  # on the roll, every code revoked: needs a letter anyway
        else:
            stats.added += 1
        code = codes.generate()
        live.add(entry_id)
        letters.append(Letter(resident, code, stats.added + stats.reissued))
        code_rows.append(
            {
                "election_id": election.id,
                "roll_entry_id": entry_id,
                "code_hash": codes.code_hash(pepper, code),
                "issued_at": now,
            }
        )
    if revoke:
        session.execute(
            update(VotingCode)
            .where(
                VotingCode.roll_entry_id.in_(revoke),
                VotingCode.used_at.is_(None),
                VotingCode.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
    if code_rows:
        _bulk_insert(session, VotingCode.__table__, code_rows)
    return letters


def _bulk_insert(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in the session's transaction: COPY on PostgreSQL with psycopg
    (several times faster than INSERT for 100,000 codes), one executemany elsewhere."""
    connection = session.connection()
    if connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg":
        columns = list(rows[0])
        raw = connection.connection.driver_connection
        statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
    else:
        session.execute(insert(table), rows)


@dataclass(frozen=True)
class RollStatus:
    """Where a resident stands, looked up by person reference (for the clerk)."""

    on_roll: bool
    voted: bool = False
    live_codes: int = 0
    revoked_codes: int = 0


def lookup(session: Session, election: Election, pepper: str, person_reference: str) -> RollStatus:
    """Whether the resident with ``person_reference`` is on the roll, has a working
    code, or has voted. Changes nothing."""
    entry = _entry(session, election, pepper, person_reference)
    if entry is None:
        return RollStatus(on_roll=False)
    rows = session.execute(
        select(VotingCode.used_at, VotingCode.revoked_at).where(
            VotingCode.roll_entry_id == entry.id
        )
    ).all()
    return RollStatus(
        on_roll=True,
        voted=any(used is not None for used, _ in rows),
        live_codes=sum(1 for used, revoked in rows if used is None and revoked is None),
        revoked_codes=sum(1 for _, revoked in rows if revoked is not None),
    )


def reissue(
    session: Session, election: Election, pepper: str, person_reference: str, *, actor: str
) -> str:
    """Revoke the resident's unused code and issue a new one (a lost letter); works
    during voting too. Commits, with ``roll.reissue`` in the audit log (the roll
    entry's id, no identity), and returns the new code in plain text.

    Raises :class:`NotOnRoll` or :class:`AlreadyVoted`.
    """
    entry = _entry(session, election, pepper, person_reference)
    if entry is None:
        raise NotOnRoll("not_on_roll")
    try:
        code = issue_code(session, entry, pepper)
    except AlreadyVoted:
        session.rollback()
        raise
    audit.record(session, actor, "roll.reissue", election_id=election.id, roll_entry_id=entry.id)
    session.commit()
    return code


def _entry(
    session: Session, election: Election, pepper: str, person_reference: str
) -> RollEntry | None:
    key = codes.voter_key(pepper, election.slug, person_reference)
    return session.scalar(
        select(RollEntry).where(RollEntry.election_id == election.id, RollEntry.voter_key == key)
    )


def roll_counts(session: Session, election_id: int) -> dict[str, int]:
    """Roll size and codes issued, used, revoked and working, for the clerk's panel."""
    roll = session.scalar(
        select(func.count()).select_from(RollEntry).where(RollEntry.election_id == election_id)
    )
    issued, used, revoked = session.execute(
        select(
            func.count(),
            func.count(VotingCode.used_at),
            func.count(VotingCode.revoked_at),
        ).where(VotingCode.election_id == election_id)
    ).one()
    return {
        "roll": roll or 0,
        "issued": issued,
        "used": used,
        "revoked": revoked,
        "live": issued - used - revoked,
    }
