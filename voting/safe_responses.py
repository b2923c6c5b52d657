"""What every response promises a browser: cookies only over HTTPS in production and
never readable by scripts, HSTS over HTTPS, no caching of staff and voting pages,
the content security policy, and redirects only to this site's own paths."""

from __future__ import annotations

import contextlib
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, request

# A year, as browsers' preload lists ask; only ever sent over HTTPS.
HSTS = "max-age=31536000; includeSubDomains"
# Pages that show a ballot, a code's visit or staff data: a shared computer's
# browser cache or a proxy must not keep them.
NO_STORE_PREFIXES = ("/beheer", "/stem", "/voorstellen", "/taal")
NO_STORE_ENDPOINTS = frozenset({"results.receipt"})


def configure_cookies(app: Flask, explicit: dict[str, Any] | None) -> None:
    """Set the session and remember-me cookie flags for real: Flask defines these
    keys already, so ``config.setdefault`` would keep Flask's lax defaults.
    ``Secure`` in production; ``HttpOnly`` and ``SameSite=Lax`` always. A key
    given in ``explicit`` (the ``create_app`` argument) wins."""
    production = app.config.get("ENV_NAME") == "production"
    wanted = {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
    }
    for key, value in wanted.items():
        if key not in (explicit or {}):
            app.config[key] = value


def local_path(target: str | None, fallback: str) -> str:
    """``target`` if it is a path on this site, else ``fallback``.

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash,
    so ``/\\t/evil.example`` or ``/\\\\evil.example`` would leave the site; any
    control character, whitespace or backslash (plain or percent-encoded, like an
    encoded slash) is refused, as is anything with a scheme or a host
    (``//evil.example``, ``https:...``)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return fallback
    if any(ch == "\\" or ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return fallback
    if "%2f" in target.lower() or "%5c" in target.lower():
        # An encoded slash or backslash that a proxy or a second decoding turns into
        # ``//evil.example``; no page of ours has one in its address.
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def add_security_headers(response: Response) -> Response:
    """``after_request``: the headers every page carries, HSTS over HTTPS, and
    ``Cache-Control: no-store`` on staff, voting and receipt pages."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; "
        "script-src 'self'; frame-ancestors 'none'",
    )
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith(NO_STORE_PREFIXES) or request.endpoint in NO_STORE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
    return response


def database_unreachable(error: Exception) -> tuple[str, int, dict[str, str]]:
    """The database went away (restarted, network gone): ``503`` with "try again in a
    minute", never a crash page. Whatever the request was doing was rolled back, so
    a code that had not voted is still unused; the pool reconnects by itself
    (``pool_pre_ping``) on the next request."""
    from flask import current_app, render_template
    from flask_babel import gettext as _

    from voting import db

    current_app.logger.warning("database unreachable: %s", str(error).splitlines()[0][:200])
    with contextlib.suppress(Exception):
        db.session().rollback()
    voting = request.path.startswith("/stem")
    description = _(
        "De gemeente kan uw verzoek nu even niet verwerken. Probeer het over een minuut opnieuw."
    )
    if voting:
        description += " " + _(
            "Was uw stem nog niet opgeslagen, dan is uw stemcode ook niet gebruikt: u kunt "
            "gewoon opnieuw stemmen. Was hij wel opgeslagen, dan ziet u straks uw stembewijs."
        )
    page = render_template(
        "error.html", status=503, title=_("Even niet bereikbaar"), description=description
    )
    return page, 503, {"Retry-After": "30"}


def init_app(app: Flask) -> None:
    """Register the response headers and the page for a database that went away."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    app.after_request(add_security_headers)
    # A lost or refused connection (and SQLite's "database is locked" past its busy
    # timeout); other database errors are bugs and stay 500s.
    app.register_error_handler(OperationalError, database_unreachable)
    app.register_error_handler(InterfaceError, database_unreachable)
    # A cast that waited for a group whose transaction failed (voting.group_commit):
    # nothing of it was stored, so "try again" is the whole truth.
    from voting.group_commit import GroupAborted

    app.register_error_handler(GroupAborted, database_unreachable)
