"""Staff sessions: login, logout and role checks (Flask-Login)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from voting import staff_sessions
from voting.extensions import login_manager
from voting.models import StaffUser

F = TypeVar("F", bound=Callable[..., Any])


# Flask-Login keeps what this method returns in the signed cookie: the random token
# of the server-side session opened at login (voting.staff_sessions), not the user id.
login_manager.id_attribute = "get_session_token"


@login_manager.user_loader
def load_user(token: str) -> StaffUser | None:
    """Flask-Login: the staff user behind a session token, if the session is still
    open on the server (not logged out, not timed out) and the account active."""
    return staff_sessions.resume(token)


def role_required(*roles: str) -> Callable[[F], F]:
    """Decorator: the view needs a logged-in staff user with one of ``roles``
    (admins pass every check); others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def actor_name() -> str:
    """The name the audit log records for the current staff user."""
    return current_user.username if current_user.is_authenticated else "anonymous"
