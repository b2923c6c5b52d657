"""What every response promises a browser: cookies only over HTTPS in production and
never readable by scripts, HSTS over HTTPS, no caching of staff and voting pages,
the content security policy, and redirects only to this site's own paths."""

from __future__ import annotations

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


def init_app(app: Flask) -> None:
    """Register the response headers."""
    app.after_request(add_security_headers)
