"""Absolute addresses for e-mails and feeds, inside a request or from the command line."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def public_url(endpoint: str, **values: Any) -> str:
    """``PUBLIC_BASE_URL`` plus the path of ``endpoint``: mail and feeds always point
    at the public site, whichever host name a clerk's request came in on."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        with current_app.test_request_context():
            path = url_for(endpoint, **values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path
