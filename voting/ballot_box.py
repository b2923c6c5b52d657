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
opening's ``xmin`` and their physical order is the shuffle's.

Then the deleted sealed rows must leave the database files too, or someone with the
files and the shares could still open them later and pair them with codes by their
position (:func:`purge_sealed`). A deleted row stays on disk while any transaction
in the same database holds a snapshot older than the deletion: ``VACUUM FULL`` (and
plain ``VACUUM``) copy such "recently dead" rows, and on SQLite an open reader keeps
the old pages from being checkpointed out of the write-ahead log. So the purge does
not rely on the horizon: on PostgreSQL it copies the other elections' sealed rows
aside, empties the table with ``TRUNCATE`` (a new, empty file whatever snapshots
exist: not MVCC-safe by design) and puts them back, in one transaction; on SQLite
it runs ``VACUUM`` and checks that the checkpoint emptied the write-ahead log. What
can still stop it is a transaction that is *using* the sealed table (it holds a
lock): then the election stays "not purged" (``box_purged_at`` empty), the clerk's
page says so and why, and ``voting worker`` (or the clerk's button) tries again.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from sqlalchemy import Connection, Engine, delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from ballots.errors import CodedError
from voting import audit, sealing, weighted
from voting.models import PHASES, Ballot, Election, SealedBallot, random_id, utcnow

log = logging.getLogger(__name__)

DEFAULT_HOLDERS = ("Griffier", "Tweede ambtenaar", "Notaris")
DEFAULT_THRESHOLD = 2
# How long the opening request waits for a transaction that uses the sealed table to
# end before it tells the clerk; the worker then keeps trying.
PURGE_WAIT_SECONDS = 5.0
# Between tries for the table lock: NOWAIT tries, so casts in other elections never
# queue behind a purge that waits.
PURGE_RETRY_SECONDS = 0.1


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
        "box_share_missing": "field {number} holds no key share (a line starting BBX1-)",
        "box_share_typo": "key share {number} has a typing error: its check digits do not match",
        "box_share_other_box": "key share {number} belongs to another ballot box ({box})",
        "box_shares_too_few": "{needed} key shares are needed, {given} were given",
        "box_share_twice": "the same key share was given twice",
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
    session: Session,
    election: Election,
    share_texts: Sequence[str],
    *,
    actor: str,
    purge_wait: float | None = None,
) -> OpenedBox:
    """Open the box of a closed election with the key holders' shares; returns how
    many ballots came out and whether the sealed rows are gone from the database
    files (waiting up to ``purge_wait`` seconds, see :func:`purge_sealed`). Commits.

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
        # The reason as its own code, so the page says it in the clerk's language.
        raise BoxError(f"box_{error.reason}", error=str(error), **error.params) from None
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
    wait = PURGE_WAIT_SECONDS if purge_wait is None else purge_wait
    purge = purge_sealed(_engine(session), wait_seconds=wait)
    session.refresh(election)
    return OpenedBox(count=count, purge=purge)


@dataclass(frozen=True)
class OpenedBox:
    """What :func:`open_box` did: how many ballots came out, and whether the sealed
    rows are gone from the database files yet (:class:`Purge`)."""

    count: int
    purge: Purge


@dataclass(frozen=True)
class Purge:
    """The outcome of :func:`purge_sealed`: ``done`` when the deleted sealed rows of
    every opened box are physically gone; otherwise ``blockers`` names the
    connections that use the sealed table (PostgreSQL: ``pid``, state, application,
    since when), so the clerk or the administrator can end them."""

    done: bool
    blockers: list[str] = field(default_factory=list)
    # A database error that stopped the purge (the role may not TRUNCATE, say).
    error: str = ""

    def blocker_text(self) -> str:
        """The blockers on one line ("" when there are none, or none was named)."""
        return "; ".join(self.blockers)


def is_purged(election: Election) -> bool:
    """True once the opened box's sealed rows were removed from the database files."""
    return election.box_purged_at is not None


def purge_pending(session: Session) -> bool:
    """True while an opened box's sealed rows may still be on disk."""
    return bool(
        session.scalar(
            select(func.count())
            .select_from(Election)
            .where(Election.box_opened_at.is_not(None), Election.box_purged_at.is_(None))
        )
    )


def purge_sealed(engine: Engine, *, wait_seconds: float | None = None) -> Purge:
    """Remove the deleted sealed rows of every opened box from the database files and
    mark those boxes purged (``box_purged_at``); waits up to ``wait_seconds``
    (default :data:`PURGE_WAIT_SECONDS`) for a transaction that uses the sealed
    table. Never claims more than it did: on any doubt the boxes stay unpurged and
    :class:`Purge` says why."""
    engine = getattr(engine, "engine", engine)
    wait = PURGE_WAIT_SECONDS if wait_seconds is None else wait_seconds
    if engine.dialect.name == "postgresql":
        return _purge_postgresql(engine, wait)
    if engine.dialect.name == "sqlite":
        return _purge_sqlite(engine, wait)
    raise NotImplementedError(f"no purge of sealed ballots on {engine.dialect.name}")


def _purge_postgresql(engine: Engine, wait_seconds: float) -> Purge:
    deadline = time.monotonic() + wait_seconds
    with engine.connect() as conn:
        while True:
            try:
                with conn.begin():
                    # NOWAIT: a purge waiting in the lock queue would make every cast
                    # of another election wait behind it. The rows put back check
                    # their election's row (foreign key): a short limit there too.
                    conn.exec_driver_sql(
                        "LOCK TABLE sealed_ballots IN ACCESS EXCLUSIVE MODE NOWAIT"
                    )
                    conn.exec_driver_sql("SET LOCAL lock_timeout = '1s'")
                    _rewrite_sealed_postgresql(conn)
                return Purge(done=True)
            except OperationalError as error:
                if getattr(error.orig, "sqlstate", None) != "55P03":  # lock_not_available
                    return _failed(conn, error)
            except DBAPIError as error:  # e.g. no TEMP or TRUNCATE right for this role
                return _failed(conn, error)
            if time.monotonic() >= deadline:
                blockers = _postgresql_blockers(conn)
                conn.rollback()
                log.warning("sealed ballots not purged yet; the table is in use by %s", blockers)
                return Purge(done=False, blockers=blockers)
            time.sleep(PURGE_RETRY_SECONDS)


def _failed(conn: Connection, error: DBAPIError) -> Purge:
    # The box is open and committed by now: a database error here must not turn the
    # clerk's page into an error page, nor pass silently. Nothing was marked purged.
    conn.rollback()
    log.error("sealed ballots not purged: %s", error)
    first = str(getattr(error, "orig", error)).strip().splitlines()[0][:200]
    return Purge(done=False, error=first)


def _rewrite_sealed_postgresql(conn: Connection) -> None:
    """Under the table lock: keep the still-sealed rows (boxes not opened yet) aside,
    TRUNCATE (a new empty file; no snapshot keeps the old one's rows) and put them
    back; mark the opened boxes purged; check the file really is new."""
    pending = _pending_ids(conn)
    if not pending:
        return
    before = conn.execute(text("SELECT pg_relation_filenode('sealed_ballots')")).scalar_one()
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE sealed_keep ON COMMIT DROP AS "
        # in their order on disk: the rewrite adds nothing to what it tells
        "SELECT id, election_id, sealed FROM sealed_ballots ORDER BY ctid"
    )
    conn.exec_driver_sql("TRUNCATE sealed_ballots")
    conn.exec_driver_sql(
        "INSERT INTO sealed_ballots (id, election_id, sealed) "
        "SELECT id, election_id, sealed FROM sealed_keep"
    )
    after = conn.execute(text("SELECT pg_relation_filenode('sealed_ballots')")).scalar_one()
    if after == before:
        raise RuntimeError("TRUNCATE kept the sealed table's file; nothing marked purged")
    _mark_purged(conn, pending)


def _postgresql_blockers(conn: Connection) -> list[str]:
    """Who holds (or waits for) a lock on the sealed table, oldest transaction first."""
    conn.rollback()
    found = conn.execute(
        text(
            "SELECT l.pid, a.state, a.application_name, a.xact_start "
            "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'relation' AND l.relation = CAST(:table AS regclass) "
            "AND l.pid IS DISTINCT FROM pg_backend_pid() "
            "ORDER BY a.xact_start NULLS FIRST"
        ),
        {"table": SealedBallot.__tablename__},
    ).all()
    blockers = []
    for pid, state, application, since in found:
        if pid is None:
            blockers.append("prepared transaction (pg_prepared_xacts)")
            continue
        when = f", {since:%Y-%m-%d %H:%M:%S %Z}" if since else ""
        blockers.append(f"pid {pid} ({state or '?'}, '{application or ''}'{when})")
    return list(dict.fromkeys(blockers))


def _purge_sqlite(engine: Engine, wait_seconds: float) -> Purge:
    # VACUUM rebuilds the file without free pages; the old pages (with the deleted
    # rows) live on in the write-ahead log and the main file until a checkpoint,
    # which an open read transaction elsewhere silently stops. So the checkpoint's
    # "busy" answer decides, not VACUUM's success.
    deadline = time.monotonic() + wait_seconds
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        pending = _pending_ids(conn)
        # The connection's usual 30 s for a writer's lock would overrun the wait.
        conn.exec_driver_sql(f"PRAGMA busy_timeout={max(100, int(wait_seconds * 1000))}")
        try:
            return _vacuum_sqlite(conn, pending, deadline)
        finally:
            conn.exec_driver_sql("PRAGMA busy_timeout=30000")


def _vacuum_sqlite(conn: Connection, pending: list[int], deadline: float) -> Purge:
    while True:
        try:
            conn.exec_driver_sql("VACUUM")
            busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        except OperationalError:  # a writer held the database past busy_timeout
            busy = 1
        if not busy:
            break
        if time.monotonic() >= deadline:
            log.warning("sealed ballots not purged yet: another connection reads SQLite")
            return Purge(done=False)
        time.sleep(PURGE_RETRY_SECONDS * 5)
    if pending:
        _mark_purged(conn, pending)  # autocommit
        # The mark itself went to the write-ahead log; fold it in too.
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return Purge(done=True)


def _pending_ids(conn: Connection) -> list[int]:
    """Opened boxes not purged yet. Read before the purge: a box opened during it
    (its deletion after our look) stays pending for the next purge."""
    return [
        int(i)
        for i in conn.execute(
            select(Election.id).where(
                Election.box_opened_at.is_not(None), Election.box_purged_at.is_(None)
            )
        ).scalars()
    ]


def _mark_purged(conn: Connection, ids: list[int]) -> None:
    conn.execute(
        update(Election)
        .where(Election.id.in_(ids), Election.box_purged_at.is_(None))
        .values(box_purged_at=utcnow())
    )


def _engine(session: Session) -> Engine:
    bind = session.get_bind()
    return getattr(bind, "engine", bind)  # type: ignore[return-value]


def _public(election: Election) -> bytes:
    return bytes.fromhex(election.box_public_key or "")


def _context(election: Election) -> str:
    return f"buurtstem-ballot:{election.id}"
