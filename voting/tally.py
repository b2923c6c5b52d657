"""The count: database ballots -> ``ballots`` profile -> Result -> signed election record.

Two steps, each by a clerk, each audited, each exactly once:

1. :func:`count_election` (phase ``closed``): counts the ballots with the election's
   rule and published tie-break seed, stores the result and moves to ``counted``.
2. :func:`certify_election` (phase ``counted``): builds the election record
   (:func:`ballots.record.build_record`), recounts that record as a stranger
   would, signs it with the municipality's Ed25519 key and stores it; moves to
   ``certified``. From then on nothing about the election changes.

Turnout is exact (:class:`fractions.Fraction`); no floats decide anything here.
"""

from __future__ import annotations

import json
import mmap
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from ballots.errors import CodedError
from ballots.methods import count
from ballots.model import BallotError, BallotKind, Option, Profile
from ballots.record import build_record, compare_results
from ballots.record.check import themes_from_record
from ballots.record.exchange import exchange_file_of
from ballots.record.layout import BLANK_SHARE_COUNTED
from ballots.record.stream import StreamedRecord, stream_record
from ballots.result import Result
from ballots.turnout import Turnout
from voting import audit, ballot_box, elections, published, signing, theme_budgets, weighted
from voting.models import Ballot, Election, Receipt, VotingCode, aware, utcnow


class TallyError(CodedError):
    """A count or certification that cannot happen now, by code (see :attr:`ENGLISH`);
    :func:`voting.error_words.explain` says it in the clerk's language. ``error`` in
    the params is the underlying error, itself coded where it comes from ``ballots``."""

    ENGLISH: ClassVar[dict[str, str]] = {
        "stored_ballot_invalid": "a stored ballot does not fit this election: {error}",
        "already_counted": "this election was counted already; it cannot be counted twice",
        "not_closed": "counting starts when voting has closed",
        "box_not_opened": "open the ballot box first: the key holders enter their shares",
        "sealed_ballots_left": "there are still sealed ballots in the box",
        "empty_roll": "nobody is on the roll, so the turnout cannot be known",
        "count_failed": "the count could not run: {error}",
        "not_counted": "this election has not been counted yet",
        "record_failed": "the record cannot be made: {error}",
        "already_certified": "this result is certified already; nothing changes after that",
        "certify_after_count": "certifying comes after the count",
        "no_signing_key": "there is no signing key ({path}); make one with 'voting keys generate'",
        "signing_key_unreadable": "the signing key cannot be read: {error}",
        "recount_differs": "the recount differs from the count: {problems}",
        "signature_unverifiable": "the signature cannot be checked; nothing was certified",
    }


# --- reading the database -------------------------------------------------------------


@dataclass(frozen=True)
class BallotCounts:
    """How many ballots were cast, by channel and by kind. ``votes`` hold choices,
    ``blank`` ones none, ``invalid`` ones are spoiled paper ballots (they count for
    turnout, not in the tally). Channels come from the used codes, kinds from the
    opened box: no ballot carries its channel."""

    online: int
    paper: int
    votes: int
    blank: int
    invalid: int
    desk: int = 0  # of the online ballots, those cast on a town-hall desk's computer

    @property
    def cast(self) -> int:
        """Every ballot cast, whatever its kind."""
        return self.online + self.paper

    def to_dict(self) -> dict[str, int]:
        """The counts as the record publishes them."""
        return {
            "cast": self.cast,
            "online": self.online,
            "paper": self.paper,
            "votes": self.votes,
            "blank": self.blank,
            "invalid": self.invalid,
            "desk": self.desk,
        }


def load_ballots(session: Session, election: Election) -> list[list[str]]:
    """The choices of every opened, valid ballot of ``election`` (blank ones too), in
    a canonical order (by their JSON), so every run is identical. Invalid ballots are
    left out: they are not counted."""
    rows = session.scalars(
        select(Ballot.content).where(Ballot.election_id == election.id, Ballot.invalid.is_(False))
    ).all()
    return [list(json.loads(content)) for content in sorted(rows)]


def grouped_ballots(session: Session, election: Election) -> Iterator[list[str]]:
    """The same ballots as :func:`load_ballots`, in the same order, but read grouped:
    one row and one list per distinct ballot, yielded as often as it was cast. A count
    of a million ballots then holds a few thousand lists, not a million. (Ordered in
    Python: the database's collation need not sort JSON text as Python does.)"""
    rows = session.execute(
        select(Ballot.content, func.count())
        .where(Ballot.election_id == election.id, Ballot.invalid.is_(False))
        .group_by(Ballot.content)
    ).all()
    for content, number in sorted(rows):
        choices = list(json.loads(content))
        for _ in range(int(number)):
            yield choices


def load_receipts(session: Session, election: Election) -> list[str]:
    """Every receipt of ``election``, sorted."""
    return sorted(
        session.scalars(select(Receipt.receipt).where(Receipt.election_id == election.id)).all()
    )


def ballot_kinds(session: Session, election: Election) -> list[tuple[bool, str, int]]:
    """The opened ballots of ``election`` grouped: (invalid, stored content, how many)."""
    # Grouped in Python: PostgreSQL will not group by an expression with a parameter.
    rows = session.execute(
        select(Ballot.invalid, Ballot.content, func.count())
        .where(Ballot.election_id == election.id)
        .group_by(Ballot.invalid, Ballot.content)
    ).all()
    return [(bool(invalid), str(content), int(number)) for invalid, content, number in rows]


def ballot_counts(
    session: Session, election: Election, kinds: list[tuple[bool, str, int]] | None = None
) -> BallotCounts:
    """Cast ballots by channel (from the used codes) and by kind (from the opened
    ballots, :func:`ballot_kinds` unless given; all zero before the box is opened)."""
    channels = dict(
        session.execute(
            select(VotingCode.used_channel, func.count())
            .where(VotingCode.election_id == election.id, VotingCode.used_at.is_not(None))
            .group_by(VotingCode.used_channel)
        ).all()
    )
    if kinds is None:
        kinds = ballot_kinds(session, election)
    votes = blank = invalid = 0
    for is_invalid, content, number in kinds:
        is_blank = content == "[]"
        if is_invalid:
            invalid += number
        elif is_blank:
            blank += number
        else:
            votes += number
    return BallotCounts(
        online=int(channels.get("online", 0))
        + int(channels.get(None, 0))
        + int(channels.get("desk", 0)),
        paper=int(channels.get("paper", 0)),
        desk=int(channels.get("desk", 0)),
        votes=votes,
        blank=blank,
        invalid=invalid,
    )


def record_options(election: Election) -> list[Option]:
    """The options on the ballot as ``ballots`` options: id = key, name = title."""
    return [Option(o.key, o.title, o.cost) for o in election.accepted_options()]


def record_ballots(election: Election, ballots: Iterable[list[str]]) -> Iterable[Any]:
    """The ballots as :func:`~ballots.record.build_record` takes them: lists of option
    keys, or for split and points ballots a mapping key -> amount (stored as
    ``"KEY:AMOUNT"``, see :mod:`voting.weighted`). ``ValueError`` for a stored
    amount that cannot be read."""
    if weighted.is_weighted(election):
        return (weighted.amounts(b) for b in ballots)
    return ballots


def build_profile(election: Election, ballots: Iterable[list[str]]) -> Profile:
    """The ``ballots`` profile of the election's ballots (validated).

    Raises :class:`TallyError` if a stored ballot does not fit the election (which
    would mean a bug or a hand-edited database: the count must not go on).
    """
    try:
        if weighted.is_weighted(election):
            return Profile.build_weighted(
                BallotKind(election.ballot_type),
                record_options(election),
                # read one at a time: a million identical splits stay one group
                (weighted.amounts(b) for b in ballots),
                budget=election.budget,
                max_points=election.max_points,
                max_choices=election.max_choices,
            )
        return Profile.build(
            BallotKind(election.ballot_type),
            record_options(election),
            ballots,
            budget=election.budget,
            max_choices=election.max_choices,
            min_choices=election.min_choices,
        )
    except (BallotError, ValueError) as error:
        raise TallyError("stored_ballot_invalid", error=error) from None


def current_turnout(session: Session, election: Election) -> Turnout:
    """The turnout now: ballots cast (sealed or opened, invalid ones too: one
    receipt each) against the roll."""
    ballots = session.scalar(
        select(func.count()).select_from(Receipt).where(Receipt.election_id == election.id)
    )
    return Turnout(
        ballots=int(ballots or 0),
        roll_size=elections.roll_size(session, election),
        threshold_percent=Fraction(election.turnout_threshold_percent),
        election_binding=election.binding,
    )


def election_metadata(election: Election, *, roll: int, municipality: str = "") -> dict[str, Any]:
    """The election dict :func:`~ballots.record.build_record` accepts: only
    fields a record may publish (no eligibility filters, no organiser data)."""
    meta: dict[str, Any] = {
        "id": str(election.id),
        "slug": election.slug,
        "title": election.title,
        "question": election.question or "",
        "description": election.description or "",
        "next_steps": election.next_steps or "",
        "kind": election.kind,
        "ballot_type": election.ballot_type,
        "rule": election.rule,
        "seats": election.seats,
        "budget": election.budget,
        "options": [{"id": o.id, "name": o.name, "cost": o.cost} for o in record_options(election)],
        "min_spend_percent": election.min_spend_percent if election.ballot_type == "budget" else 0,
        "max_choices": election.max_choices,
        "min_choices": election.min_choices,
        "max_points": election.max_points if election.ballot_type == "points" else None,
        "split_unit": election.split_unit if election.ballot_type == "distribution" else None,
        # Equal shares gives every ballot, a blank one too, its share (as pabutools).
        "blank_share": BLANK_SHARE_COUNTED if election.rule.startswith("mes") else None,
        "allow_blank": bool(election.allow_blank),
        "turnout_threshold_percent": election.turnout_threshold_percent,
        "binding": bool(election.binding),
        "roll_size": roll,
        "tie_break_seed": election.tie_break_seed or "",
        "voting_opens": _utc(election.opens_at),
        "voting_closes": _utc(election.closes_at),
        "municipality": election.municipality or municipality,
    }
    session = object_session(election)
    if session is not None and election.is_budget:
        _, pairs, source = theme_budgets.theme_budgets(session, election)
        if pairs:
            meta["theme_budgets"] = [[t, a] for t, a in pairs]
            meta["leftover"] = election.leftover
            if source:
                meta["theme_budgets_from"] = source
            themes = {o.key: o.theme for o in election.accepted_options()}
            for option in meta["options"]:
                option["theme"] = theme_budgets.option_theme(
                    election, pairs, themes.get(option["id"], "")
                )
    return meta


def _utc(moment: datetime | None) -> datetime | None:
    # Normalising keeps the record the same on SQLite (naive) and PostgreSQL.
    return aware(moment) if moment is not None else None


# --- results as stored ----------------------------------------------------------------


def stored_result(election: Election) -> Result | None:
    """The result of the count, or None before the count."""
    if not election.result_json:
        return None
    return Result.from_dict(json.loads(election.result_json))


def _result_json(result: Result) -> str:
    return json.dumps(result.to_dict(), sort_keys=True, ensure_ascii=False)


# --- the two steps --------------------------------------------------------------------


def _quiet(_step: str) -> None:
    """The progress callback when nobody watches."""


def count_election(
    session: Session,
    election: Election,
    actor: str,
    *,
    municipality: str = "",
    progress: Callable[[str], None] = _quiet,
) -> Result:
    """Count ``election`` and move it from ``closed`` to ``counted``; commits.
    ``progress`` hears each step's code (``read``, ``count``, ``record``, ``save``),
    for the clerk's page while a worker runs it (voting.jobs). What the clerk then
    reviews (:func:`review_summary`, with ``municipality``) is worked out and stored
    too, so the review page reads it instead of building the record on every view.

    Counts the database ballots with the election's rule, seats and published seed,
    stores ``result_json`` and ``counted_at``, and writes the audit log. Runs once:
    raises :class:`TallyError` if the election is not closed, was
    already counted, has an empty roll, or holds a ballot that does not fit.
    """
    if election.result_json is not None or election.phase in ("certified",):
        raise TallyError("already_counted")
    # 'counted' without a result only happens when the phase was moved by hand; the
    # count then completes what the phase already claims.
    if election.phase not in ("closed", "counted"):
        raise TallyError("not_closed")
    if ballot_box.has_box(election) and not ballot_box.is_open(election):
        raise TallyError("box_not_opened")
    if ballot_box.sealed_count(session, election):
        raise TallyError("sealed_ballots_left")
    turnout = current_turnout(session, election)
    if turnout.roll_size == 0:
        raise TallyError("empty_roll")
    progress("read")
    profile = build_profile(election, grouped_ballots(session, election))
    progress("count")
    try:
        # ThemeBudgetError is a ValueError: a split that is not certified stops the count
        themes, _pairs, _source = theme_budgets.theme_budgets(session, election)
        result = count(
            profile,
            election.rule,
            seats=election.seats,
            seed=election.tie_break_seed or "",
            themes=themes,
        )
    except (BallotError, KeyError, ValueError) as error:
        raise TallyError("count_failed", error=error) from None
    progress("record")
    try:
        review: str | None = _summary_json(
            review_summary(session, election, result, municipality=municipality)
        )
    except TallyError:
        review = None  # the review page tries again and says what is wrong
    progress("save")
    now = utcnow()
    # Conditional update: of two clerks clicking at once, exactly one counts.
    done = session.execute(
        update(Election)
        .where(
            Election.id == election.id,
            Election.phase == election.phase,
            Election.result_json.is_(None),
        )
        .values(result_json=_result_json(result), counted_at=now, review_json=review)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        session.rollback()
        raise TallyError("already_counted")
    for name, value in (
        ("result_json", _result_json(result)),
        ("counted_at", now),
        ("review_json", review),
    ):
        set_committed_value(election, name, value)
    if election.phase == "closed":
        elections.advance(session, election, "counted", actor=actor)
    audit.record(
        session,
        actor,
        "election.count",
        election_id=election.id,
        rule=election.rule,
        ballots=turnout.ballots,
        roll_size=turnout.roll_size,
        turnout_percent=str(turnout.percent),
        threshold_met=turnout.threshold_met,
        winners=list(result.winners),
    )
    session.commit()
    return result


def preview_record(
    session: Session, election: Election, *, municipality: str = ""
) -> dict[str, Any]:
    """The unsigned election record as it would be certified now (for the clerk's
    review). Raises :class:`TallyError` before the count."""
    result = stored_result(election)
    if result is None:
        raise TallyError("not_counted")
    try:
        return build_record(
            election=election_metadata(
                election, roll=elections.roll_size(session, election), municipality=municipality
            ),
            # read grouped: one list per distinct ballot, the same order as load_ballots
            ballots=record_ballots(election, grouped_ballots(session, election)),
            receipts=load_receipts(session, election),
            # Channels from the used codes, kinds from the opened ballots: the record
            # refuses to build when they do not add up to the receipts.
            counts={
                k: v
                for k, v in ballot_counts(session, election).to_dict().items()
                if k in ("online", "paper", "invalid", "desk")
            },
            result=result,
            turnout={},
        )
    except ValueError as error:
        raise TallyError("record_failed", error=error) from None


def private_key_path(configured: str | Path) -> Path:
    """Where the signing key is: ``SIGNING_KEY_PATH`` if that file exists, otherwise
    the file ``voting keys generate`` writes in the same folder."""
    path = Path(configured)
    if path.exists():
        return path
    return path.parent / signing.PRIVATE_KEY_FILE


def record_ballot_groups(
    election: Election, kinds: list[tuple[bool, str, int]]
) -> list[tuple[list[str] | dict[str, int], int]]:
    """The counted ballots (of :func:`ballot_kinds`) as
    :func:`~ballots.record.stream.stream_record` takes them: each distinct stored
    ballot once, with how often it was cast, in the order of :func:`load_ballots` (so
    an error names the same ballot). ``ValueError`` for a stored amount that cannot be
    read."""
    split = weighted.is_weighted(election)
    groups: list[tuple[list[str] | dict[str, int], int]] = []
    for content, number in sorted((c, n) for invalid, c, n in kinds if not invalid):
        choices = list(json.loads(content))
        groups.append((weighted.amounts(choices) if split else choices, number))
    return groups


def streamed_receipts(session: Session, election: Election) -> Iterator[str]:
    """Every receipt of ``election`` in Python's order (by code point), read from the
    database in batches rather than as one list: straight from the driver's cursor
    (a server-side one on PostgreSQL), since a million receipts through SQLAlchemy's
    result rows take seconds."""
    connection = session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        # The database's own collation may sort dashes and case otherwise; "C" sorts
        # bytes, and UTF-8 bytes sort as code points do.
        cursor = raw.cursor(name=f"receipts_{election.id}")
        query = 'SELECT receipt FROM receipts WHERE election_id = %s ORDER BY receipt COLLATE "C"'
    else:
        cursor = raw.cursor()
        query = "SELECT receipt FROM receipts WHERE election_id = ? ORDER BY receipt"
    try:
        cursor.execute(query, (election.id,))
        while rows := cursor.fetchmany(RECEIPT_BATCH):
            yield from map(itemgetter(0), rows)
    finally:
        cursor.close()


# Receipts read from the database at a time while a record is written.
RECEIPT_BATCH = 20_000


def _stream(
    session: Session,
    election: Election,
    result: Result,
    kinds: list[tuple[bool, str, int]],
    municipality: str,
    canonical: BinaryIO,
    text: BinaryIO,
) -> StreamedRecord:
    """:func:`~ballots.record.stream.stream_record` of ``election``'s record (counted as
    ``result``, its ballots grouped as ``kinds``) into ``canonical`` and ``text``.
    Raises :class:`TallyError` (``record_failed``) if the record cannot be made."""
    try:
        return stream_record(
            election=election_metadata(
                election, roll=elections.roll_size(session, election), municipality=municipality
            ),
            ballot_groups=record_ballot_groups(election, kinds),
            receipts=streamed_receipts(session, election),
            # Channels from the used codes, kinds from the opened ballots: the record
            # refuses to build when they do not add up to the receipts.
            counts={
                k: v
                for k, v in ballot_counts(session, election, kinds).to_dict().items()
                if k in ("online", "paper", "invalid", "desk")
            },
            result=result,
            turnout={},
            canonical=canonical,
            published=text,
        )
    except ValueError as error:
        raise TallyError("record_failed", error=error) from None


def review_summary(
    session: Session, election: Election, result: Result, *, municipality: str = ""
) -> dict[str, Any]:
    """What the clerk reviews before certifying: :func:`voting.published.summary_of`
    the unsigned record that certification will make of ``election`` counted as
    ``result`` (its hash is the one the signed record will have), worked out in one
    streamed pass that keeps nothing. Raises :class:`TallyError` (``record_failed``)."""
    kinds = ballot_kinds(session, election)
    with open(os.devnull, "wb") as nowhere:
        streamed = _stream(session, election, result, kinds, municipality, nowhere, nowhere)
    return published.summary_of_streamed(streamed.head, streamed)


def preview_summary(
    session: Session, election: Election, *, municipality: str = ""
) -> dict[str, Any]:
    """:func:`review_summary` of the counted ``election``, as the count stored it; made
    (and stored) now for an election counted before it was stored, or when the
    municipality's name changed since. Raises :class:`TallyError` before the count or
    when the record cannot be made."""
    result = stored_result(election)
    if result is None:
        raise TallyError("not_counted")
    if election.review_json:
        stored = dict(json.loads(election.review_json))
        if stored["election"].get("municipality") == (election.municipality or municipality):
            return stored
    summary = review_summary(session, election, result, municipality=municipality)
    session.execute(
        update(Election)
        .where(Election.id == election.id, Election.phase == "counted")
        .values(review_json=_summary_json(summary))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return summary


def _summary_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, sort_keys=True, ensure_ascii=False)


def certify_election(
    session: Session,
    election: Election,
    actor: str,
    private_key_path: str | Path,
    *,
    municipality: str = "",
    progress: Callable[[str], None] = _quiet,
) -> dict[str, Any]:
    """Certify ``election``: build the record, recount it, sign it, store it, and move
    from ``counted`` to ``certified``; commits. Returns what the public pages show of
    the signed record (:func:`voting.published.summary_of`: everything but its ballots
    and receipts, with the figures made from them). ``progress`` hears each step's code
    (``record``, ``recount``, ``sign``, ``save``).

    The record is written to temporary files as it is made (ballots from the database
    grouped, receipts in batches; :func:`ballots.record.stream.stream_record`), so its
    size in memory does not grow with the number of ballots; the bytes are those
    :func:`preview_record` + :func:`~ballots.record.write_record` give. The record's
    ballots are recounted the way ``tools/verify.py`` will recount them, and compared
    with the stored result; any difference stops the certification. Raises
    :class:`TallyError` if the election is not counted, already certified, the key is
    missing or unreadable, or the recount disagrees.
    """
    if election.record_json is not None or election.phase == "certified":
        raise TallyError("already_certified")
    if election.phase != "counted" or election.result_json is None:
        raise TallyError("certify_after_count")
    key_file = Path(private_key_path)
    try:
        key = signing.load_private_key(key_file)
    except FileNotFoundError:
        raise TallyError("no_signing_key", path=str(key_file)) from None
    except (OSError, ValueError) as error:
        raise TallyError("signing_key_unreadable", error=error) from None
    result = stored_result(election)
    assert result is not None  # result_json is set (checked above)

    progress("record")
    # One pass over the ballots serves the record's ballots and its counts.
    kinds = ballot_kinds(session, election)
    with tempfile.TemporaryFile() as canonical, tempfile.TemporaryFile() as text:
        streamed = _stream(session, election, result, kinds, municipality, canonical, text)
        progress("recount")
        # Safety net: the stored result must be what the record's ballots give, by the
        # same count a stranger runs on the published record.
        head = streamed.head
        meta = head["election"]
        recounted = count(
            streamed.profile,
            meta["rule"],
            seats=meta["seats"],
            seed=meta["tie_break_seed"],
            themes=themes_from_record(head),
        )
        problems = compare_results(head["result"], recounted)
        if problems:
            raise TallyError("recount_differs", problems=problems)
        progress("sign")
        canonical.flush()
        # The canonical bytes are signed from the file, mapped: not copied into memory.
        with mmap.mmap(canonical.fileno(), 0, access=mmap.ACCESS_READ) as body:
            signed = signing.sign_record(head, key, canonical=body)
            verified = signing.verify_signature(signed, key.public_key(), canonical=body)
        if not verified:
            raise TallyError("signature_unverifiable")
        size = text.tell() + streamed.finish(text, signed["signature"])
        progress("save")
        now = utcnow()
        text.seek(0)
        stored = published.store_record_text(session, election, text, size, certified_at=now)
    if not stored:
        session.rollback()
        raise TallyError("already_certified")
    # The row holds the record now; the object must not carry (or load) the text.
    set_committed_value(election, "certified_at", now)
    session.expire(election, ["record_json"])
    summary = published.summary_of_streamed(signed, streamed)
    # What the public pages show, worked out now, once, in the same transaction.
    published.publish_summary(
        session,
        election,
        summary,
        record_bytes=size,
        exchange=exchange_file_of(meta, streamed.profile),
    )
    elections.advance(session, election, "certified", actor=actor)
    audit.record(
        session,
        actor,
        "election.certify",
        election_id=election.id,
        record_sha256=streamed.sha256,
        key_fingerprint=signed["signature"]["key_fingerprint"],
        winners=list(recounted.winners),
    )
    session.commit()
    return summary


def published_record(election: Election) -> dict[str, Any] | None:
    """The signed record of a certified election, or None."""
    if election.phase != "certified" or not election.record_json:
        return None
    return dict(json.loads(election.record_json))


def _holds_record(state: Any, connection: Any, target: Election) -> bool:
    """True if ``target``'s row holds a signed record. When the column is not loaded
    (deferred, or expired after certify_election wrote it in SQL) the row is asked
    whether it has one, which reads no record of many megabytes."""
    if "record_json" not in state.unloaded:
        return bool(target.record_json)
    return bool(
        connection.scalar(select(Election.record_json.is_not(None)).where(Election.id == target.id))
    )


class CertifiedElectionIsFinal(RuntimeError):
    """Raised when code tries to change a certified election's stored row."""


@event.listens_for(Election, "before_update")
def _refuse_changes_after_certification(_mapper: Any, _connection: Any, target: Election) -> None:
    # The phase machine already forbids going back; this also stops a stray ORM write
    # (or a bug) from rewriting a certified result or record.
    state = inspect(target)
    phase = state.attrs.phase.history
    was = phase.deleted[0] if phase.deleted else target.phase
    if was != "certified":
        # Certified without a signed record would be final *and* empty: only
        # certify_election may make an election certified.
        if target.phase == "certified" and not _holds_record(state, _connection, target):
            raise CertifiedElectionIsFinal(
                "an election becomes certified only with its signed record "
                "(voting.tally.certify_election)"
            )
        return
    changed = [attr.key for attr in state.attrs if attr.history.has_changes()]
    if changed:
        raise CertifiedElectionIsFinal(
            f"a certified election cannot change ({', '.join(sorted(changed))})"
        )
