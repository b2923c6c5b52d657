"""gunicorn's access log without what would tie a resident to a vote.

A default access log line holds the client address and the second of every request,
so ``POST /stem/controle`` lines record who cast when. :class:`PrivateAccessLogger`
writes no line at all for the resident's voting pages (``/stem...``) and the receipt
check (``/uitslag/<slug>/bon``), and :data:`ACCESS_LOG_FORMAT` (set in
``voting/gunicorn_conf.py``) leaves the client address out of every other line.
Errors are logged as usual. Needs gunicorn (the ``[server]`` extra).
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# Time, request line, status, size, duration: no client address, no user agent, no
# referrer (which could carry a results page a resident came from).
ACCESS_LOG_FORMAT = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms'
_PRIVATE_PATHS = re.compile(r"^/(stem(/|$)|uitslag/[^/]+/bon/?$)")


def is_private_path(path: str) -> bool:
    """True for paths whose requests are never written to the access log."""
    return bool(_PRIVATE_PATHS.match(path or "/"))


class PrivateAccessLogger(Logger):
    """gunicorn's logger, skipping the access line of every private path."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        """Log the request like gunicorn does, unless its path is private."""
        if is_private_path(environ.get("PATH_INFO", "")):
            return
        super().access(resp, req, environ, request_time)
