"""Retention of a process's letter codes: the hashes in ``process_codes`` (with the
residents' process keys) go once every stage of the process is certified and past the
retention period, that is when the retention run reaches the last of them. Each
stage's own codes and roll go with that stage (voting.retention)."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from voting import retention
from voting.models import Election, ProcessCode, ProcessStage, aware


@retention.purger("process_codes")
def purge_process_codes(session: Session, election: Election, apply: bool) -> int:
    """The process codes of ``election``'s process, if every other stage was certified
    before it (so this is the last stage the run reaches); 0 otherwise."""
    stage = session.scalar(select(ProcessStage).where(ProcessStage.election_id == election.id))
    if stage is None:
        return 0
    others = session.scalars(
        select(Election)
        .join(ProcessStage, ProcessStage.election_id == Election.id)
        .where(ProcessStage.process_id == stage.process_id, Election.id != election.id)
    ).all()
    mine = election.certified_at
    for other in others:
        if other.phase != "certified" or other.certified_at is None or mine is None:
            return 0
        if aware(other.certified_at) > aware(mine):
            return 0  # a later stage's run deletes them
    where = ProcessCode.process_id == stage.process_id
    count = session.scalar(select(func.count()).select_from(ProcessCode).where(where)) or 0
    if apply and count:
        session.execute(delete(ProcessCode).where(where))
    return int(count)
