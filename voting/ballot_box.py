"""The sealed ballot box of an election: made before voting, filled by every cast,
opened once after closing by the key holders.

Why (DESIGN.md, "Letter codes and ballot secrecy"): a cast marks the code used and
stores the ballot in one transaction, so on PostgreSQL both rows carry the same
``xmin``, and rows sit on disk in the order they were written. Whoever reads every
table and system column could tie a readable ballot to its code, and so to a voter
key. Here the ballot that the cast stores is sealed to the box key
(:mod:`voting.sealing`): that join finds only ciphertext. The private key exists
only as k-of-n Shamir shares held by people (a griffier, a second official, a
notary), never in the database or the configuration.

Opening (:func:`open_box`) rebuilds the key from k shares in memory, decrypts every
sealed row, and in ONE transaction writes the ballots readable into ``ballots`` in a
fresh random order (``secrets``) with random ids and no time, and deletes the sealed
rows. No mapping from sealed row to opened row is kept: all opened rows share the
opening's ``xmin``, their physical order is the shuffle's, and the sealed rows are
then vacuumed away (``VACUUM`` on SQLite, ``VACUUM FULL sealed_ballots`` on
PostgreSQL) so not even dead tuples remain to be decrypted with the shares later.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.orm import Session

from ballots.errors import CodedError
from voting import audit, sealing, weighted
from voting.models import PHASES, Ballot, Election, SealedBallot, random_id, utcnow

DEFAULT_HOLDERS = ("Griffier", "Tweede ambtenaar", "Notaris")
DEFAULT_THRESHOLD = 2


class BoxError(CodedError):
    """The box cannot be made or opened now, by code (see :attr:`ENGLISH`);
    :func:`voting.error_words.explain` says it in the clerk's language."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "box_exists": "this election has a ballot box with a key already",
        "box_too_late": "voting is over; a new ballot box is no longer possible",
        "box_has_ballots": "there are votes in a ballot box already; no new key",
        "box_holders_needed": "name the key holders, each once",
        "box_threshold": "the number of key holders needed must be between 1 and {count}",
        "no_box": "this election has no ballot box",
        "box_open_already": "the ballot box was opened already",
        "box_not_closed": "the ballot box opens only after voting has closed",
        "box_shares_wrong": "these key shares do not open the ballot box: {error}",
        "box_ballot_damaged": "a sealed ballot is damaged; the box was not opened",
    }


@dataclass(frozen=True)
class HolderShare:
    """One key holder's share, handed out once when the box is made."""

    holder: str
    number: int
    text: str


def has_box(election: Election) -> bool:
    """True once the election's box key was made."""
    return bool(election.box_public_key)


def holders(election: Election) -> list[str]:
    """The key holders' names, in share order."""
    return [str(name) for name in json.loads(election.box_holders or "[]")]


def box_fingerprint(election: Election) -> str:
    """The box key's fingerprint (to tell boxes apart), or "" without a box."""
    return sealing.fingerprint(_public(election)) if has_box(election) else ""


def make_box(
    session: Session,
    election: Election,
    *,
    holder_names: Sequence[str],
    threshold: int,
    actor: str,
) -> list[HolderShare]:
    """Make the box key of ``election``, split between ``holder_names`` (``threshold``
    of them open the box); store the public key and return the shares, which exist
    nowhere else. Audited (names, threshold, fingerprint; never a share). Commits.

    Raises :class:`BoxError` if the election has a box already or voting has begun.
    """
    names = [name.strip() for name in holder_names if name.strip()]
    if has_box(election):
        raise BoxError("box_exists")
    if PHASES.index(election.phase) >= PHASES.index("voting") and election.phase != "voting":
        raise BoxError("box_too_late")
    if election.phase == "voting" and sealed_count(session, election):
        raise BoxError("box_has_ballots")
    if len(names) < 1 or len(set(names)) != len(names):
        raise BoxError("box_holders_needed")
    if not 1 <= threshold <= len(names):
        raise BoxError("box_threshold", count=len(names))
    key = sealing.new_box_key()
    texts = sealing.split_key(key.private, threshold=threshold, holders=len(names))
    election.box_public_key = key.public.hex()
    election.box_threshold = threshold
    election.box_holders = json.dumps(names, ensure_ascii=False)
    audit.record(
        session,
        actor,
        "box.create",
        election_id=election.id,
        holders=names,
        threshold=threshold,
        fingerprint=sealing.fingerprint(key.public),
    )
    session.commit()
    return [
        HolderShare(name, n, text)
        for n, (name, text) in enumerate(zip(names, texts, strict=True), 1)
    ]


def sealed_ballot(election: Election, choices: Sequence[str], *, invalid: bool) -> SealedBallot:
    """A new sealed row for ``election`` holding ``choices`` (or an invalid ballot).

    Raises :class:`BoxError` if the election has no box key (voting cannot begin
    without one, see :func:`voting.elections.advance`)."""
    if not has_box(election):
        raise BoxError("no_box")
    sealed = sealing.seal(
        _public(election),
        choices,
        invalid=invalid,
        length=sealing.padded_length(_pad_keys(election)),
        context=_context(election),
    )
    return SealedBallot(election_id=election.id, sealed=sealed)


def _pad_keys(election: Election) -> list[str]:
    """What every ballot is padded to: all option keys (split and points ballots:
    each with the largest amount), so a sealed ballot's length tells nothing."""
    keys = [o.key for o in election.accepted_options()]
    return weighted.pad_keys(election, keys) if weighted.is_weighted(election) else keys


def sealed_count(session: Session, election: Election) -> int:
    """How many ballots are in the (still closed) box."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(SealedBallot)
            .where(SealedBallot.election_id == election.id)
        )
        or 0
    )


def is_open(election: Election) -> bool:
    """True once the box was opened (its ballots are readable in ``ballots``)."""
    return election.box_opened_at is not None


def open_box(
    session: Session, election: Election, share_texts: Sequence[str], *, actor: str
) -> int:
    """Open the box of a closed election with the key holders' shares; returns how
    many ballots came out. Commits, then vacuums the sealed rows away.

    Raises :class:`BoxError` (nothing changed) if voting is not closed, the box was
    opened already, or the shares do not rebuild the key or do not open a ballot.
    """
    if not has_box(election):
        raise BoxError("no_box")
    if is_open(election):
        raise BoxError("box_open_already")
    if election.phase != "closed":
        raise BoxError("box_not_closed")
    texts = [text for text in share_texts if text.strip()]
    try:
        private = sealing.combine_shares(texts, _public(election))
    except sealing.SealError as error:
        raise BoxError("box_shares_wrong", error=str(error)) from None
    rows = session.execute(
        select(SealedBallot.id, SealedBallot.sealed).where(SealedBallot.election_id == election.id)
    ).all()
    opened: list[dict[str, object]] = []
    for _id, sealed in rows:
        try:
            choices, invalid = sealing.unseal(private, sealed, context=_context(election))
        except sealing.SealError:
            session.rollback()
            raise BoxError("box_ballot_damaged") from None
        opened.append(
            {
                "id": random_id(),
                "election_id": election.id,
                "content": json.dumps(choices),
                "invalid": invalid,
            }
        )
    del private
    # A fresh order from the operating system's randomness, and nothing that maps a
    # sealed row to its opened row survives this function.
    secrets.SystemRandom().shuffle(opened)
    if opened:
        session.execute(insert(Ballot), opened)
    session.execute(delete(SealedBallot).where(SealedBallot.election_id == election.id))
    election.box_opened_at = utcnow()
    audit.record(session, actor, "box.open", election_id=election.id, ballots=len(opened))
    count = len(opened)
    opened.clear()
    session.commit()
    vacuum_sealed(session.get_bind())  # type: ignore[arg-type]
    return count


def vacuum_sealed(engine: Engine) -> None:
    """Physically remove deleted sealed rows: ``VACUUM`` (and an emptied write-ahead
    log) on SQLite, ``VACUUM FULL`` of the sealed table on PostgreSQL."""
    engine = getattr(engine, "engine", engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("VACUUM")
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        elif engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"VACUUM FULL {SealedBallot.__tablename__}")


def _public(election: Election) -> bytes:
    return bytes.fromhex(election.box_public_key or "")


def _context(election: Election) -> str:
    return f"buurtstem-ballot:{election.id}"
