"""What the follow-up module deletes when a process is finished: the e-mail addresses
that asked for news about that election (and their waiting mail), and requests that
were never confirmed. Site-wide subscriptions belong to no process and stay until
their owner unsubscribes."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from voting.models import Election, MailSubscription, OutboxMessage
from voting.retention import purger


@purger("mail_addresses")
def purge_election_addresses(session: Session, election: Election, apply: bool) -> int:
    """Subscriptions about ``election`` (their queued mail goes with them)."""
    where = MailSubscription.election_id == election.id
    count = session.scalar(select(func.count()).select_from(MailSubscription).where(where)) or 0
    if apply and count:
        ids = select(MailSubscription.id).where(where)
        # SQLite applies ON DELETE CASCADE too, but say it: no address may stay behind.
        session.execute(delete(OutboxMessage).where(OutboxMessage.subscription_id.in_(ids)))
        session.execute(delete(MailSubscription).where(where))
    return count
