"""Reading the audit log: filters (election, person, kind, dates on the town hall's
clock), pages of entries, and a streamed CSV export.

Entries are never changed here or anywhere: the triggers of migration 0001 refuse
UPDATE and DELETE in the database itself.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from voting.formatting import TIME_ZONE, local_time
from voting.models import AuditEvent, Election

PAGE_SIZE = 50
CSV_BATCH = 500


@dataclass(frozen=True)
class AuditFilter:
    """What the reader asked for; None means any."""

    election_id: int | None = None
    actor: str | None = None
    action: str | None = None
    day_from: date | None = None
    day_to: date | None = None

    def query(self) -> Select[tuple[AuditEvent]]:
        """The matching events, newest first."""
        query = select(AuditEvent)
        if self.election_id is not None:
            query = query.where(AuditEvent.election_id == self.election_id)
        if self.actor:
            query = query.where(AuditEvent.actor == self.actor)
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.day_from:
            query = query.where(AuditEvent.at >= _start_of(self.day_from))
        if self.day_to:
            query = query.where(AuditEvent.at < _start_of(self.day_to + timedelta(days=1)))
        return query.order_by(AuditEvent.id.desc())


def _start_of(day: date) -> datetime:
    # A day is the town hall's day: 1 December starts at 23:00 UTC on 30 November.
    # In UTC, as stored: SQLite compares the text and drops any offset.
    return datetime.combine(day, time(0), tzinfo=TIME_ZONE).astimezone(UTC)


def page(session: Session, wanted: AuditFilter, number: int) -> tuple[list[AuditEvent], int]:
    """Page ``number`` (from 1) of the matching events and the number of pages."""
    query = wanted.query()
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(max(1, number), pages)
    rows = session.scalars(query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    return list(rows), pages


def choices(session: Session) -> tuple[list[tuple[int, str]], list[str], list[str]]:
    """What the filters offer: elections, people and kinds that occur in the log."""
    elections = [
        (e.id, e.title) for e in session.scalars(select(Election).order_by(Election.id)).all()
    ]
    actors = list(session.scalars(select(AuditEvent.actor).distinct().order_by(AuditEvent.actor)))
    actions = list(
        session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )
    return elections, actors, actions


CSV_HEADER = (
    "id",
    "time_local",
    "time_utc",
    "actor",
    "action",
    "election_id",
    "election",
    "detail",
)


def csv_rows(session: Session, wanted: AuditFilter) -> Iterator[str]:
    """The matching events as CSV text, a batch at a time (memory stays flat)."""
    titles = {row[0]: row[1] for row in session.execute(select(Election.id, Election.title))}
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    last_id: int | None = None
    while True:
        query = wanted.query()
        if last_id is not None:
            query = query.where(AuditEvent.id < last_id)
        batch = session.scalars(query.limit(CSV_BATCH)).all()
        for event in batch:
            moment = local_time(event.at)
            writer.writerow(
                (
                    event.id,
                    moment.isoformat(timespec="seconds"),
                    _utc(event.at),
                    event.actor,
                    event.action,
                    event.election_id or "",
                    titles.get(event.election_id, "") if event.election_id else "",
                    event.detail,
                )
            )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if len(batch) < CSV_BATCH:
            return
        last_id = batch[-1].id


def _utc(moment: datetime) -> str:
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).isoformat(timespec="seconds")
