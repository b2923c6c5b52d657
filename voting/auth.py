"""Staff sessions: login, logout and role checks (Flask-Login)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from voting import db
from voting.extensions import login_manager
from voting.models import StaffUser

F = TypeVar("F", bound=Callable[..., Any])


@login_manager.user_loader
def load_user(user_id: str) -> StaffUser | None:
    """Flask-Login: the staff user behind a session, if still active."""
    if not user_id.isdigit():
        return None
    user = db.session().get(StaffUser, int(user_id))
    return user if user is not None and user.active else None


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
