"""E-mail updates, opt-in: subscribing with double opt-in, unsubscribing, and queueing
one message per confirmed subscriber when something new happens.

Privacy: a subscription holds an address, a language, an optional election and two
dates. It has no link to a code, a roll entry, a receipt or a ballot, and no time of
day, so it cannot be lined up with the moment someone voted. The confirmation token
is stored only as its SHA-256 and expires after ``CONFIRM_DAYS``; the unsubscribe
token is an HMAC of the subscription id under ``SECRET_KEY``, so it is never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from voting.follow_up import outbox
from voting.follow_up.urls import public_url
from voting.models import Election, MailSubscription

CONFIRM_DAYS = 3
# Deliberately simple: one @, something before it, a dotted domain after it, no spaces.
ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}$")


class AddressRefused(ValueError):
    """The text is not an e-mail address we can write to."""


def normalise_address(text: str) -> str:
    """The address trimmed, with its domain in lower case; :class:`AddressRefused` if
    it does not look like an address (or is longer than 254 characters)."""
    address = text.strip()
    if len(address) > 254 or not ADDRESS.match(address):
        raise AddressRefused(address)
    local, _at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def _render(template: str, **context: Any) -> str:
    # Mail is also queued from the command line (the demo); pages need a request.
    if has_request_context():
        return render_template(template, **context)
    with current_app.test_request_context():
        return render_template(template, **context)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def unsubscribe_token(subscription_id: str) -> str:
    """The token in every message's unsubscribe link (an HMAC, never stored)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"unsubscribe:{subscription_id}".encode(), "sha256").hexdigest()[:40]


def request_subscription(
    session: Session,
    address: str,
    election: Election | None,
    language: str,
    *,
    today: date,
) -> bool:
    """Ask ``address`` to confirm a subscription (site-wide when ``election`` is None):
    queue a mail with a fresh confirmation link and commit. Returns False when nothing
    was sent: the address is already subscribed, or got a link today (so the form
    cannot be used to flood someone's mailbox). The page says the same either way,
    so it does not tell who is subscribed."""
    address = normalise_address(address)
    scope = MailSubscription.election_id == (election.id if election else None)
    if election is None:
        scope = MailSubscription.election_id.is_(None)
    existing = session.scalar(
        select(MailSubscription).where(MailSubscription.address == address, scope)
    )
    if existing is not None and (existing.confirmed_on or existing.requested_on >= today):
        return False
    token = secrets.token_urlsafe(32)
    subscription = existing or MailSubscription(
        address=address, election_id=election.id if election else None
    )
    subscription.language = language if language in ("nl", "en") else "nl"
    subscription.confirm_token_hash = _token_hash(token)
    subscription.requested_on = today
    session.add(subscription)
    session.flush()
    with force_locale(subscription.language):
        title = election.title if election else current_app.config["MUNICIPALITY"]
        subject = _("Bevestig uw aanmelding: %(title)s", title=title)
        body = _render(
            "follow_up/mail/confirm.txt",
            title=title,
            confirm_url=public_url("follow_up.confirm", token=token),
            days=CONFIRM_DAYS,
        )
    outbox.enqueue(session, to=address, subject=subject, body=body, subscription_id=subscription.id)
    session.commit()
    return True


def confirm(session: Session, token: str, *, today: date) -> MailSubscription | None:
    """Confirm the subscription whose link carries ``token`` and commit; None when the
    link is unknown, already used or expired."""
    if not token or len(token) > 100:
        return None
    subscription = session.scalar(
        select(MailSubscription).where(MailSubscription.confirm_token_hash == _token_hash(token))
    )
    if subscription is None or subscription.requested_on + timedelta(days=CONFIRM_DAYS) < today:
        return None
    subscription.confirm_token_hash = None
    subscription.confirmed_on = today
    session.commit()
    return subscription


def find_for_unsubscribe(
    session: Session, subscription_id: str, token: str
) -> MailSubscription | None:
    """The subscription an unsubscribe link names, if its token is right."""
    if len(subscription_id) != 32 or not hmac.compare_digest(
        unsubscribe_token(subscription_id), token
    ):
        return None
    return session.get(MailSubscription, subscription_id)


def unsubscribe(session: Session, subscription: MailSubscription) -> None:
    """Forget the address and every message still waiting for it; commit."""
    session.execute(delete(MailSubscription).where(MailSubscription.id == subscription.id))
    session.commit()


@dataclass(frozen=True)
class Line:
    """One thing that happened, as the update mail tells it."""

    kind: str  # decision, progress, milestone
    title: str = ""
    outcome: str = ""
    status: str = ""
    percent: int = 0


def queue_update(session: Session, election: Election, lines: list[Line]) -> int:
    """Queue one update mail about ``election`` for every confirmed subscriber of it
    and of the whole site (the caller commits). Returns how many were queued."""
    subscribers = session.scalars(
        select(MailSubscription).where(
            MailSubscription.confirmed_on.is_not(None),
            or_(
                MailSubscription.election_id == election.id,
                MailSubscription.election_id.is_(None),
            ),
        )
    ).all()
    for subscription in subscribers:
        unsubscribe_url = public_url(
            "follow_up.unsubscribe",
            subscription_id=subscription.id,
            token=unsubscribe_token(subscription.id),
        )
        with force_locale(subscription.language):
            subject = _("Nieuws over %(title)s", title=election.title)
            body = _render(
                "follow_up/mail/update.txt",
                election=election,
                lines=lines,
                page_url=public_url("follow_up.election", slug=election.slug),
                unsubscribe_url=unsubscribe_url,
            )
        outbox.enqueue(
            session,
            to=subscription.address,
            subject=subject,
            body=body,
            subscription_id=subscription.id,
            headers={
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )
    return len(subscribers)


def forget_unconfirmed(session: Session, *, today: date) -> int:
    """Delete requests whose confirmation link has expired (their address was never
    confirmed, so it must not stay); commit. Returns how many."""
    cutoff = today - timedelta(days=CONFIRM_DAYS)
    result = session.execute(
        delete(MailSubscription).where(
            MailSubscription.confirmed_on.is_(None), MailSubscription.requested_on < cutoff
        )
    )
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
