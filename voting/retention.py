"""Deleting what a finished process no longer needs (``voting retention``, and the
clerk's button): once an election has been certified for ``RETENTION_DAYS`` days, its
voting codes, roll keys, receipts, paper entries that never counted and e-mail
addresses go. The signed record (which lists the receipts, apart from the ballots),
the results and the follow-up (decisions, progress, milestones) stay, as does the audit
log.

Each module registers what it deletes with :func:`purger`, so a new kind of personal
data (panel sign-ups, for instance) brings its own purge function::

    @retention.purger("panel_signups")
    def purge_signups(session, election, apply):  # -> rows (that would be) deleted
        ...

A purge function counts the rows when ``apply`` is False and deletes them when it is
True; it never commits (the run commits once, with its audit event).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from voting import audit
from voting.models import (
    AuditEvent,
    Election,
    PaperEntry,
    Receipt,
    RollEntry,
    VotingCode,
    aware,
    utcnow,
)

Purge = Callable[[Session, Election, bool], int]
PURGERS: dict[str, Purge] = {}


def purger(name: str) -> Callable[[Purge], Purge]:
    """Register ``function`` as the purge of ``name`` (a word in reports and logs)."""

    def register(function: Purge) -> Purge:
        PURGERS[name] = function
        return function

    return register


@purger("voting_codes")
def _purge_codes(session: Session, election: Election, apply: bool) -> int:
    where = VotingCode.election_id == election.id
    count = session.scalar(select(func.count()).select_from(VotingCode).where(where)) or 0
    if apply and count:
        session.execute(delete(VotingCode).where(where))
    return count


@purger("roll_keys")
def _purge_roll(session: Session, election: Election, apply: bool) -> int:
    where = RollEntry.election_id == election.id
    count = session.scalar(select(func.count()).select_from(RollEntry).where(where)) or 0
    if apply and count:
        # Codes first: they point at roll entries (the codes purge runs before this).
        session.execute(delete(VotingCode).where(VotingCode.election_id == election.id))
        session.execute(delete(RollEntry).where(where))
    return count


@purger("receipts")
def _purge_receipts(session: Session, election: Election, apply: bool) -> int:
    # The online receipt check ends here; the signed record keeps the published list,
    # so a resident can still find their receipt in it (the check page says how).
    where = Receipt.election_id == election.id
    count = session.scalar(select(func.count()).select_from(Receipt).where(where)) or 0
    if apply and count:
        session.execute(delete(Receipt).where(where))
    return count


@purger("paper_entries")
def _purge_paper_entries(session: Session, election: Election, apply: bool) -> int:
    # First entries that never got a matching second one still hold a code's hash.
    where = PaperEntry.election_id == election.id
    count = session.scalar(select(func.count()).select_from(PaperEntry).where(where)) or 0
    if apply and count:
        session.execute(delete(PaperEntry).where(where))
    return count


def receipts_purged(session: Session, election: Election) -> bool:
    """True once retention deleted ``election``'s receipts (the receipt check then
    points at the signed record instead)."""
    if election.phase != "certified":
        return False
    # One receipt is enough to know (an index look-up, not a count of a million).
    kept = session.scalar(
        select(Receipt.receipt).where(Receipt.election_id == election.id).limit(1)
    )
    if kept is not None:
        return False
    purges = session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.election_id == election.id, AuditEvent.action == "retention.purge")
    )
    return bool(purges)


@dataclass
class ElectionPurge:
    """What a run deletes (or would delete) for one election."""

    election_id: int
    slug: str
    title: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """All rows together."""
        return sum(self.counts.values())


def due(session: Session, days: int, now: datetime | None = None) -> list[Election]:
    """Certified elections whose certification is at least ``days`` days old."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    certified = session.scalars(
        select(Election).where(Election.phase == "certified").order_by(Election.certified_at)
    ).all()
    return [e for e in certified if e.certified_at and aware(e.certified_at) <= cutoff]


def run(
    session: Session, days: int, *, apply: bool, actor: str, now: datetime | None = None
) -> list[ElectionPurge]:
    """Count (``apply=False``) or delete (``apply=True``) what every due election no
    longer needs. Applying is one transaction per run with an audit event per
    election; a dry run changes nothing and logs nothing."""
    report = []
    for election in due(session, days, now):
        purge = ElectionPurge(election.id, election.slug, election.title)
        for name, function in PURGERS.items():
            purge.counts[name] = function(session, election, apply)
        report.append(purge)
        if apply and purge.total:
            audit.record(
                session,
                actor,
                "retention.purge",
                election_id=election.id,
                days=days,
                **purge.counts,
            )
    if apply:
        session.commit()
    else:
        session.rollback()
    return report
