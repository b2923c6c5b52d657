"""Staff accounts as an admin manages them: invitations, one-time password links,
disabling and re-enabling, password changes, and the two-factor requirement.

Every change writes an audit event in the same transaction; the caller commits.
Links carry a random token that is stored only as its SHA-256, expire after
``ACCOUNT_LINK_HOURS`` and work once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voting import audit, passwords, staff_sessions
from voting.models import AppSetting, StaffToken, StaffUser, aware, utcnow

REQUIRE_TWO_FACTOR = "require_two_factor_for_clerks"
# A password hash no password matches: the account exists but cannot log in until
# its invitation is accepted.
# Not a password: a hash no password matches (bandit B105).
UNUSABLE_PASSWORD = "!invited"  # nosec B105


class AccountError(ValueError):
    """A refused account action; the message is for the person who tried it."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def two_factor_required(session: Session) -> bool:
    """True if an admin requires two-factor login for every clerk (and admin)."""
    row = session.get(AppSetting, REQUIRE_TWO_FACTOR)
    return row is not None and row.value == "1"


def needs_two_factor(session: Session, user: StaffUser) -> bool:
    """True if ``user`` must log in with a second factor: clerks and admins once an
    admin requires it, and anyone who enrolled an authenticator."""
    return user.has_two_factor or role_requires_two_factor(session, user.role)


def role_requires_two_factor(session: Session, role: str) -> bool:
    """True if every user of ``role`` must have a second factor."""
    return role in ("clerk", "admin") and two_factor_required(session)


def set_two_factor_required(session: Session, required: bool, *, actor: str) -> None:
    """Turn the two-factor requirement for clerks on or off, audit-logged."""
    row = session.get(AppSetting, REQUIRE_TWO_FACTOR)
    if row is None:
        row = AppSetting(key=REQUIRE_TWO_FACTOR, value="0")
        session.add(row)
    row.value = "1" if required else "0"
    audit.record(session, actor, "settings.two_factor_required", required=required)


def _new_link(session: Session, user: StaffUser, purpose: str, actor: str) -> str:
    # A new link makes every earlier unused link of the user void.
    now = utcnow()
    session.execute(
        update(StaffToken)
        .where(StaffToken.user_id == user.id, StaffToken.used_at.is_(None))
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    hours = int(current_app.config["ACCOUNT_LINK_HOURS"])
    session.add(
        StaffToken(
            token_hash=_hash(token),
            user_id=user.id,
            purpose=purpose,
            created_by=actor,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


def invite(
    session: Session, *, username: str, display_name: str, role: str, actor: str
) -> tuple[StaffUser, str]:
    """Create an account that cannot log in yet and an invitation token for it."""
    username = username.strip()
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)) is not None:
        raise AccountError(_("Deze gebruikersnaam is al in gebruik."))
    user = StaffUser(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        password_hash=UNUSABLE_PASSWORD,
    )
    session.add(user)
    session.flush()
    token = _new_link(session, user, "invite", actor)
    audit.record(session, actor, "staff.invite", username=username, role=role)
    return user, token


def reset_link(session: Session, user: StaffUser, *, actor: str) -> str:
    """A new one-time link for ``user`` to choose a password; the old password keeps
    working until the link is used."""
    token = _new_link(session, user, "reset", actor)
    audit.record(session, actor, "staff.reset_link", username=user.username)
    return token


def find_link(session: Session, token: str) -> StaffToken | None:
    """The unused, unexpired link of ``token``, or None."""
    if not token or len(token) > 100:
        return None
    row = session.scalar(select(StaffToken).where(StaffToken.token_hash == _hash(token)))
    if row is None or row.used_at is not None or aware(row.expires_at) <= utcnow():
        return None
    if not row.user.active:
        return None
    return row


def use_link(session: Session, link: StaffToken, password: str) -> StaffUser:
    """Set the password through ``link`` and use the link up; every open session of
    the user ends. Raises :class:`AccountError` for a weak password."""
    user = link.user
    found = passwords.problems(password, username=user.username)
    if found:
        raise AccountError(" ".join(found))
    user.set_password(password)
    user.password_changed_at = link.used_at = utcnow()
    staff_sessions.end_all(session, user.id, "password")
    audit.record(
        session,
        user.username,
        "staff.invite_accepted" if link.purpose == "invite" else "staff.password_reset",
        username=user.username,
    )
    return user


def change_password(
    session: Session, user: StaffUser, current: str, new: str, *, keep_token: str | None
) -> None:
    """The user changes their own password; other sessions of the user end."""
    if not user.check_password(current):
        raise AccountError(_("Uw huidige wachtwoord klopt niet."))
    found = passwords.problems(new, username=user.username)
    if found:
        raise AccountError(" ".join(found))
    user.set_password(new)
    user.password_changed_at = utcnow()
    staff_sessions.end_all(session, user.id, "password", keep=keep_token)
    audit.record(session, user.username, "staff.password_changed", username=user.username)


def set_active(session: Session, user: StaffUser, active: bool, *, actor: str) -> None:
    """Disable (every session ends at once) or re-enable an account."""
    if not active and user.username == actor:
        raise AccountError(_("U kunt uw eigen account niet uitzetten."))
    if not active and user.role == "admin":
        others = session.scalars(
            select(StaffUser.id).where(
                StaffUser.role == "admin", StaffUser.active.is_(True), StaffUser.id != user.id
            )
        ).all()
        if not others:
            raise AccountError(_("Er moet minstens één beheerder actief blijven."))
    user.active = active
    if not active:
        staff_sessions.end_all(session, user.id, "disabled")
    audit.record(
        session, actor, "staff.enable" if active else "staff.disable", username=user.username
    )
