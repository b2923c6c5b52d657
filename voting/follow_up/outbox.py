"""The mail queue: messages wait in the database until ``voting mail send`` hands
them to the SMTP server named by ``SMTP_URL``, and are retried with growing pauses,
so nothing is lost while the server is down or the app restarts.

Delivery is at least once: a message is deleted only after the server accepted it.
"""

from __future__ import annotations

import json
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from voting.models import OutboxMessage, aware, utcnow

MAX_ATTEMPTS = 12
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=6)


class MailNotConfigured(RuntimeError):
    """``SMTP_URL`` is missing or cannot be read; the message says what to set."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    username: str | None
    password: str | None


def smtp_settings(url: str | None) -> SmtpSettings:
    """Read ``smtp://[user:password@]host[:port][?starttls=1]`` or ``smtps://...``.
    Port 587 implies STARTTLS. :class:`MailNotConfigured` for anything else."""
    if not url:
        raise MailNotConfigured("SMTP_URL is not set (e.g. smtp://mail.example.nl:587)")
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailNotConfigured(f"SMTP_URL must look like smtp://host:port, not {url!r}")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise MailNotConfigured(f"SMTP_URL has a bad port: {url!r}") from None
    flag = parse_qs(parts.query).get("starttls", [""])[0].lower()
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        implicit_tls=parts.scheme == "smtps",
        starttls=parts.scheme == "smtp" and (flag in ("1", "true", "yes") or port == 587),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def enqueue(
    session: Session,
    *,
    to: str,
    subject: str,
    body: str,
    subscription_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> OutboxMessage:
    """Put a message in the queue (the caller commits). It carries no time: it is due
    at once, and gets a time only when a try fails."""
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        body=body,
        subscription_id=subscription_id,
        headers_json=json.dumps(headers or {}, sort_keys=True),
    )
    session.add(message)
    return message


def pause_after(attempts: int) -> timedelta:
    """How long to wait after ``attempts`` failed tries: 1, 2, 4 ... minutes, at most
    six hours."""
    return min(FIRST_PAUSE * (2 ** max(attempts - 1, 0)), LONGEST_PAUSE)


@dataclass
class SendReport:
    """What one run of the sender did."""

    sent: int = 0
    retry: int = 0
    failed: int = 0
    error: str = ""


def _due(session: Session, now: datetime, include_waiting: bool, limit: int) -> list[Any]:
    query = select(OutboxMessage).where(OutboxMessage.state == "pending")
    if not include_waiting:
        query = query.where(
            or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)
        )
    # Several workers may run: each takes rows nobody else holds (PostgreSQL).
    query = query.order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _message(row: OutboxMessage, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"
    for name, value in json.loads(row.headers_json or "{}").items():
        message[name] = value
    message.set_content(row.body)
    return message


def _connect(settings: SmtpSettings, timeout: float) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if settings.implicit_tls:
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=timeout, context=context
        )
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=timeout)
        if settings.starttls:
            server.starttls(context=context)
    if settings.username:
        server.login(settings.username, settings.password or "")
    return server


def _failed(row: OutboxMessage, error: str, now: datetime, *, permanent: bool) -> str:
    row.attempts += 1
    row.last_error = error[:500]
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.state = "failed"
        return "failed"
    row.next_attempt_at = now + pause_after(row.attempts)
    return "retry"


def send_due(
    session: Session,
    config: dict[str, Any],
    *,
    now: datetime | None = None,
    include_waiting: bool = False,
    limit: int = 200,
) -> SendReport:
    """Send the messages that are due (all pending ones with ``include_waiting``),
    deleting each once the server accepted it and committing after each. When the
    server cannot be reached, every message of this run waits for its next try.
    :class:`MailNotConfigured` without a usable ``SMTP_URL``."""
    settings = smtp_settings(config.get("SMTP_URL"))
    sender = config.get("MAIL_FROM") or "buurtstem@localhost"
    now = now or utcnow()
    rows = _due(session, now, include_waiting, limit)
    report = SendReport()
    if not rows:
        session.commit()
        return report
    try:
        server = _connect(settings, float(config.get("SMTP_TIMEOUT", 20)))
    except (OSError, smtplib.SMTPException) as error:
        report.error = f"{type(error).__name__}: {error}"
        for row in rows:
            outcome = _failed(row, report.error, now, permanent=False)
            setattr(report, outcome, getattr(report, outcome) + 1)
        session.commit()
        return report
    try:
        for row in rows:
            try:
                server.send_message(_message(row, sender))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
                # A 5xx answer will not change by trying again; a 4xx will.
                code = getattr(error, "smtp_code", 0) or 0
                if isinstance(error, smtplib.SMTPRecipientsRefused):
                    code = min((c for c, _m in error.recipients.values()), default=0)
                outcome = _failed(row, str(error), now, permanent=code >= 500)
                setattr(report, outcome, getattr(report, outcome) + 1)
            except (OSError, smtplib.SMTPException) as error:
                report.error = f"{type(error).__name__}: {error}"
                _failed(row, report.error, now, permanent=False)
                report.retry += 1
                session.commit()
                break
            else:
                session.delete(row)
                report.sent += 1
            session.commit()
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    session.commit()
    return report


def waiting(session: Session) -> tuple[int, int]:
    """How many messages wait to be sent, and how many failed for good."""
    rows = session.scalars(select(OutboxMessage.state)).all()
    return rows.count("pending"), rows.count("failed")


def next_try(row: OutboxMessage) -> datetime | None:
    """When ``row`` is tried again (None: at the next run)."""
    return aware(row.next_attempt_at) if row.next_attempt_at else None
