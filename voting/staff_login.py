"""The steps of a staff login: password, then (when needed) a second factor or the
enrolment of one, then a fresh server-side session.

Between the steps the signed session cookie holds only which user passed the
password step and when (``PENDING``), never a secret. Failed tries are limited per
account (``LOGIN_LIMIT_PER_ACCOUNT``, ``LOGIN_CODE_LIMIT``) as well as per address,
so spreading a guess over many addresses does not help.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug import Response

from voting import audit, db, staff_sessions
from voting.models import StaffUser, utcnow

PENDING = "staff_pending"  # session key between the password and the second step
PENDING_FOR = timedelta(minutes=5)
ADDRESS_LOCKED = _l(
    "Vanaf dit adres is te vaak een verkeerd wachtwoord ingevuld. Wacht een minuut en "
    "probeer het opnieuw."
)
ACCOUNT_LOCKED = _l(
    "Er is te vaak een verkeerd wachtwoord of een verkeerde code ingevuld voor dit "
    "account. Wacht een kwartier en probeer het opnieuw, of vraag een beheerder om "
    "een nieuwe wachtwoord-link."
)


# --- per-account limits (Flask-Limiter key functions) -----------------------------------


def account_key() -> str:
    """The per-account limit's key on the password step: the username typed."""
    return "staff-account:" + (request.form.get("username") or "").strip()[:100]


def pending_account_key() -> str:
    """The per-account limit's key on the second step: the user who passed step one,
    or the logged-in user confirming a new authenticator."""
    if current_user.is_authenticated:
        return f"staff-account-code:{current_user.id}"
    pending = session.get(PENDING) or {}
    return f"staff-account-code:{pending.get('uid', 'none')}"


def failed_try(_response: Response) -> bool:
    """Flask-Limiter ``deduct_when``: only refused tries count against the account."""
    return bool(g.get("staff_login_failed", False))


def mark_failed() -> None:
    """Note that this request was a refused try (counted by the per-account limit)."""
    g.staff_login_failed = True


def account_limit() -> str:
    """The per-account limit of failed password tries."""
    return str(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])


def code_limit() -> str:
    """The per-account limit of failed second-factor codes."""
    return str(current_app.config["LOGIN_CODE_LIMIT"])


def locked_message() -> str:
    """The message of a 429 from a per-account limit."""
    return str(ACCOUNT_LOCKED)


def address_locked_message() -> str:
    """The message of a 429 from the per-address limit of failed tries."""
    return str(ADDRESS_LOCKED)


# --- between the steps -------------------------------------------------------------------


def set_pending(user: StaffUser) -> None:
    """Remember that ``user`` passed the password step, for a few minutes."""
    session[PENDING] = {"uid": user.id, "at": utcnow().timestamp()}


def pending_user() -> StaffUser | None:
    """The user who passed the password step in the last few minutes, if active."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or "uid" not in pending:
        return None
    if utcnow().timestamp() - float(pending.get("at", 0)) > PENDING_FOR.total_seconds():
        session.pop(PENDING, None)
        return None
    user = db.session().get(StaffUser, int(pending["uid"]))
    return user if user is not None and user.active else None


def finish(user: StaffUser, method: str) -> None:
    """Log ``user`` in with a fresh session: the old cookie's contents are dropped
    (only the language choice stays), a new server-side session is opened and the
    login is audit-logged. The caller's changes (a used code) commit with it."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    dbs = db.session()
    user.session_token = staff_sessions.start(dbs, user)  # type: ignore[attr-defined]
    user.last_login_at = utcnow()
    audit.record(dbs, user.username, "staff.login", method=method)
    dbs.commit()
    login_user(user)


def current_token() -> str:
    """The session token of the logged-in staff user ('' when nobody is)."""
    return str(session.get("_user_id") or "")


def log_out(reason: str = "logout") -> None:
    """End the staff session on the server and clear the cookie (language stays)."""
    token = current_token()
    if token:
        staff_sessions.end(db.session(), token, reason)
        db.session().commit()
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
