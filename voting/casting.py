"""Checking a letter code and casting a ballot: the one-code-one-vote rule.

Casting is one transaction (DESIGN.md, "Letter codes and ballot secrecy"): mark the
code used only where it is still unused, unrevoked and its election open -- a single
``UPDATE ... WHERE used_at IS NULL`` that changes one row or none -- and put the
ballot, sealed to the election's box key (:mod:`voting.ballot_box`), into the box,
with a random receipt kept apart. Rows written together share PostgreSQL's ``xmin``,
so the sealed row can be tied to the code, but it is unreadable until the box is
opened after closing into a fresh, shuffled table that nothing ties back. Because the
database decides which of two concurrent casts changes the row, a code votes once
whether it comes in online, on paper, twice from one browser or from fifty at once.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from sqlalchemy import bindparam, exists, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from voting import ballot_box, codes, db, group_commit
from voting.ballot_validation import check_choices
from voting.models import (
    Election,
    Receipt,
    SealedBallot,
    VotingCode,
    aware,
    random_id,
    utcnow,
)
from voting.processes import lookup

RECEIPT_LENGTH = 10  # 50 random bits: unguessable, short enough to type back


class CastError(Exception):
    """The ballot was not cast; the code is as it was before."""


class UnknownCode(CastError):
    """No such code for this election."""


class AlreadyUsed(CastError):
    """The code has voted already (online or on paper)."""


class Revoked(CastError):
    """The code was replaced by a newer letter."""


class ElectionNotOpen(CastError):
    """The election is not (or no longer) taking votes."""


class CodeOutcome(Enum):
    """What a code typed by a resident turned out to be."""

    OK = "ok"
    EMPTY = "empty"
    MALFORMED = "malformed"  # wrong length or characters that are not on letters
    MISTYPED = "mistyped"  # the check character does not match: a typo
    UNKNOWN = "unknown"  # well-formed, but no letter carries it
    USED = "used"
    REVOKED = "revoked"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"
    # A process letter's code that is not on the roll of the stage open now (the
    # resident came on the register after that stage's roll was fixed).
    NOT_IN_STAGE = "not_in_stage"

    @property
    def is_failed_attempt(self) -> bool:
        """True for outcomes a guesser produces; only these count towards the rate
        limit, so a resident who returns to a used code is not locked out. A typo the
        check character catches (or a code of the wrong length) is no guess: it never
        reaches the database and tells nothing, so only well-formed unknown codes
        count."""
        return self is CodeOutcome.UNKNOWN


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of a code lookup, with the election and code hash when known."""

    outcome: CodeOutcome
    election: Election | None = None
    code_hash: str | None = None


def look_up_code(
    session: Session, pepper: str, entered: str, now: datetime | None = None
) -> CodeCheck:
    """Check a code as a resident typed it: its form first (so a typo is told apart
    from an unknown code), then one indexed lookup by its keyed hash.

    The code itself is never stored or returned, only its hash.
    """
    problem = codes.problem(entered)
    if problem is codes.CodeProblem.EMPTY:
        return CodeCheck(CodeOutcome.EMPTY)
    if problem is codes.CodeProblem.CHECK_FAILED:
        return CodeCheck(CodeOutcome.MISTYPED)
    if problem is not None:
        return CodeCheck(CodeOutcome.MALFORMED)
    digest = codes.code_hash(pepper, entered)
    row = session.execute(
        select(VotingCode, Election)
        .join(Election, Election.id == VotingCode.election_id)
        .where(VotingCode.code_hash == digest)
    ).first()
    if row is None:
        return _process_code(session, pepper, entered, now)
    code, election = row
    if code.used_at is not None:
        return CodeCheck(CodeOutcome.USED, election, digest)
    if code.revoked_at is not None:
        return CodeCheck(CodeOutcome.REVOKED, election, digest)
    return CodeCheck(window_outcome(election, now), election, digest)


_PROCESS_OUTCOMES = {
    lookup.OK: CodeOutcome.OK,
    lookup.USED: CodeOutcome.USED,
    lookup.REVOKED: CodeOutcome.REVOKED,
    lookup.NOT_OPEN_YET: CodeOutcome.NOT_OPEN_YET,
    lookup.CLOSED: CodeOutcome.CLOSED,
    lookup.NOT_IN_STAGE: CodeOutcome.NOT_IN_STAGE,
}


def _process_code(session: Session, pepper: str, entered: str, now: datetime | None) -> CodeCheck:
    """A code on no single election's letter may be a process letter's code: it votes
    in the stage open now, through that stage's own code row and hash
    (:mod:`voting.processes.lookup`)."""
    found = lookup.stage_for_code(session, pepper, entered, now)
    if found is None:
        return CodeCheck(CodeOutcome.UNKNOWN)
    outcome = _PROCESS_OUTCOMES[found.status]
    if found.election is None and outcome is not CodeOutcome.REVOKED:
        return CodeCheck(CodeOutcome.UNKNOWN)  # a process without stages
    return CodeCheck(outcome, found.election, found.code_hash)


def window_outcome(election: Election, now: datetime | None = None) -> CodeOutcome:
    """OK while ``election`` takes votes, else NOT_OPEN_YET or CLOSED."""
    now = now or utcnow()
    if election.is_open(now):
        return CodeOutcome.OK
    if election.phase in ("draft", "proposals", "review"):
        return CodeOutcome.NOT_OPEN_YET
    opens_at = election.opens_at
    if election.phase == "voting" and opens_at is not None and now < aware(opens_at):
        return CodeOutcome.NOT_OPEN_YET
    return CodeOutcome.CLOSED


def new_receipt() -> str:
    """A random receipt code, printed like the letter codes: ``K7QM3-XD9PA``."""
    raw = "".join(secrets.choice(codes.ALPHABET) for _ in range(RECEIPT_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def cast_ballot(
    session: Session,
    election: Election,
    code_hash: str,
    choices: Sequence[str],
    channel: str,
    *,
    receipt: str | None = None,
    now: datetime | None = None,
    also: Callable[[Session], object] | None = None,
    invalid: bool = False,
) -> str:
    """Cast a ballot with the code whose hash is ``code_hash`` and return its receipt.

    ``choices`` are option keys (in order for ranked ballots, otherwise sorted; empty
    for a blank vote). They are checked first: an invalid ballot raises
    :class:`voting.ballot_validation.BallotRefused` and leaves the code unused.
    ``receipt`` lets the web flow fix the receipt before the cast, so a browser that
    submits twice can find the ballot its first click stored. ``also`` adds rows
    that belong to the same transaction (the clerk's audit event for a paper ballot).
    ``invalid`` casts a spoiled paper ballot: the code is used, the ballot counts for
    turnout as invalid and not in the tally (``choices`` are then ignored).

    Then, in one transaction: the code is marked used if it is still unused,
    unrevoked and its election open, and the ballot is inserted. On a SQLite file
    that transaction also holds the casts that waited for the writer's turn meanwhile
    (:mod:`voting.group_commit`); each is answered after its commit. Raises
    :class:`AlreadyUsed`, :class:`Revoked`, :class:`UnknownCode` or
    :class:`ElectionNotOpen` (the transaction rolled back) when the code cannot vote.
    The session is committed on success.
    """
    if invalid:
        choices = []
    else:
        check_choices(election, choices)
    if election.ballot_type != "ranked":
        choices = sorted(choices)
    if not ballot_box.has_box(election):
        # Voting cannot begin without a box (voting.elections.advance); an election
        # that somehow has none takes no votes rather than storing one readable.
        raise ElectionNotOpen()
    # Sealed before the transaction starts: the encryption needs no lock.
    sealed = ballot_box.sealed_ballot(election, choices, invalid=invalid)
    now = now or utcnow()
    receipt = receipt or new_receipt()
    # Whatever the session read before is finished; the cast is a transaction of its
    # own that starts with the write, so SQLite takes its write lock (waiting out
    # its busy timeout) before anything else is read.
    session.commit()

    # Read here, not in ``write``: a group's leader runs it in its own thread, where
    # this request's objects must not be touched (an expired one would load).
    election_id = election.id

    def write(into: Session) -> str:
        return _write_cast(into, election_id, code_hash, sealed.sealed, receipt, channel, now)

    if also is None and group_commit.applies(session):
        return group_commit.for_engine(session.get_bind().engine, _is_cast_error).cast(
            session, write
        )
    with db.writer_turn(session):
        try:
            stored = write(session)
            if also is not None:
                also(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise
    return stored


class NoFreeReceipt(RuntimeError):
    """Three random receipts in a row were taken already (about 1 in 2**150)."""


def _is_cast_error(error: BaseException) -> bool:
    return isinstance(error, CastError)


def _write_cast(
    session: Session,
    election_id: int,
    code_hash: str,
    sealed: str,
    receipt: str,
    channel: str,
    now: datetime,
) -> str:
    """The cast's statements in the caller's transaction: mark the code used if it is
    still unused, unrevoked and its election open, put the sealed ballot in the box and
    store a receipt; returns the receipt. Raises a :class:`CastError` having changed
    nothing when the code cannot vote (:mod:`voting.group_commit` goes on with the
    other casts of its transaction), and :class:`NoFreeReceipt` after it has changed
    something (the transaction must be rolled back)."""
    connection = session.connection()
    params = {
        "hash": code_hash,
        "election": election_id,
        "now": now,
        "day": day_of(now),
        "channel": channel,
    }
    if connection.execute(_MARK_USED, params).rowcount != 1:
        raise _why_not(session, election_id, code_hash)
    connection.execute(
        _PUT_SEALED, {"id": random_id(), "election_id": election_id, "sealed": sealed}
    )
    store_receipt = _STORE_RECEIPT.get(connection.dialect.name, _STORE_RECEIPT[""])
    for _attempt in range(3):
        stored = connection.execute(store_receipt, {"receipt": receipt, "election_id": election_id})
        if stored.rowcount == 1:
            return receipt
        receipt = new_receipt()
    raise NoFreeReceipt("no free receipt after three tries")


# The cast's statements, built once (Core, on the session's connection): each cast
# gives only the values, and SQLAlchemy neither rebuilds them nor works out their
# cache key again.
_codes = VotingCode.__table__
_elections = Election.__table__
_MARK_USED = (
    update(_codes)
    .where(
        _codes.c.code_hash == bindparam("hash"),
        _codes.c.election_id == bindparam("election"),
        _codes.c.used_at.is_(None),
        _codes.c.revoked_at.is_(None),
        exists().where(
            _elections.c.id == bindparam("election"),
            _elections.c.phase == "voting",
            or_(_elections.c.opens_at.is_(None), _elections.c.opens_at <= bindparam("now")),
            or_(_elections.c.closes_at.is_(None), _elections.c.closes_at > bindparam("now")),
        ),
    )
    .values(used_at=bindparam("day"), used_channel=bindparam("channel"))
)
_PUT_SEALED = insert(SealedBallot.__table__)
# A receipt that is taken (1 in 2**50) is skipped by the database rather than raised:
# an error would end the transaction, and with it the other casts of a group commit.
_STORE_RECEIPT = {
    dialect: statement.execution_options(preserve_rowcount=True)
    for dialect, statement in (
        ("sqlite", sqlite_insert(Receipt.__table__).on_conflict_do_nothing()),
        ("postgresql", postgresql_insert(Receipt.__table__).on_conflict_do_nothing()),
        ("", insert(Receipt.__table__)),
    )
}


def _why_not(session: Session, election_id: int, code_hash: str) -> CastError:
    """Why the code could not vote (read in the cast's transaction; nothing changed)."""
    row = session.execute(
        select(VotingCode.used_at, VotingCode.revoked_at).where(
            VotingCode.code_hash == code_hash, VotingCode.election_id == election_id
        )
    ).first()
    if row is None:
        return UnknownCode()
    if row.used_at is not None:
        return AlreadyUsed()
    if row.revoked_at is not None:
        return Revoked()
    return ElectionNotOpen()


def receipt_exists(session: Session, election: Election | int, receipt: str) -> bool:
    """True if a ballot with ``receipt`` went into the box of ``election``."""
    election_id = election if isinstance(election, int) else election.id
    return (
        session.scalar(
            select(Receipt.receipt).where(
                Receipt.election_id == election_id, Receipt.receipt == receipt
            )
        )
        is not None
    )


def day_of(moment: datetime) -> datetime:
    """Midnight (UTC) of ``moment``'s day: when a code was used is kept to the day, so
    the time a code was used cannot be lined up with the order ballots arrived in."""
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)
