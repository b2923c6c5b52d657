"""Server-side staff sessions: a fresh random token at every login, ended on the server
at logout, after ``SESSION_MINUTES`` without a click and ``SESSION_MAX_HOURS`` after
login.

The signed session cookie holds the token (as Flask-Login's user id); the
``staff_sessions`` table holds only its SHA-256. Every request looks the row up, so a
cookie copied before logout or a time-out opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voting import db
from voting.models import StaffSession, StaffUser, aware, utcnow

# Writing last_seen_at on every click would put a write on every staff page view;
# once a minute is precise enough for an idle time-out counted in minutes.
TOUCH_EVERY = timedelta(seconds=60)


def token_hash(token: str) -> str:
    """The SHA-256 hex digest the table stores for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(session: Session, user: StaffUser) -> str:
    """Open a session for ``user`` (the caller commits) and return its token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        StaffSession(id=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now)
    )
    return token


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return (
        timedelta(minutes=int(config["SESSION_MINUTES"])),
        timedelta(hours=int(config["SESSION_MAX_HOURS"])),
    )


def expired_reason(row: StaffSession, now: datetime) -> str | None:
    """Why ``row`` no longer counts (``ended``, ``idle`` or ``absolute``), or None."""
    if row.ended_at is not None:
        return "ended"
    idle, absolute = _limits()
    if now - aware(row.last_seen_at) > idle:
        return "idle"
    if now - aware(row.created_at) > absolute:
        return "absolute"
    return None


def resume(token: str) -> StaffUser | None:
    """The active user behind ``token`` if its session still counts, else None. A
    session found expired is ended on the server with the reason. Runs in a session
    of its own so it never commits a view's half-done work."""
    if not token or len(token) > 100:
        return None
    now = utcnow()
    with db.new_session() as own:
        row = own.get(StaffSession, token_hash(token))
        if row is None:
            return None
        reason = expired_reason(row, now)
        if reason is not None:
            if reason != "ended":
                row.ended_at, row.ended_reason = now, reason
                own.commit()
            return None
        if now - aware(row.last_seen_at) > TOUCH_EVERY:
            row.last_seen_at = now
            own.commit()
        user_id = row.user_id
    user = db.session().get(StaffUser, user_id)
    return user if user is not None and user.active else None


def end(session: Session, token: str, reason: str = "logout") -> None:
    """End the session of ``token`` (the caller commits)."""
    session.execute(
        update(StaffSession)
        .where(StaffSession.id == token_hash(token), StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_reason=reason)
    )


def end_all(session: Session, user_id: int, reason: str, *, keep: str | None = None) -> int:
    """End every open session of a user, except the one of token ``keep``; returns how
    many (the caller commits). Used when an account is disabled or its password set."""
    query = update(StaffSession).where(
        StaffSession.user_id == user_id, StaffSession.ended_at.is_(None)
    )
    if keep:
        query = query.where(StaffSession.id != token_hash(keep))
    result = session.execute(query.values(ended_at=utcnow(), ended_reason=reason))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def open_count(session: Session, user_id: int) -> int:
    """How many sessions of the user are not ended (time-outs counted lazily)."""
    rows = session.scalars(
        select(StaffSession).where(StaffSession.user_id == user_id, StaffSession.ended_at.is_(None))
    ).all()
    now = utcnow()
    return sum(1 for row in rows if expired_reason(row, now) is None)
