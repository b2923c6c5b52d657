"""gunicorn settings for Buurtstem: ``voting serve`` uses them, or run
``gunicorn -c python:voting.gunicorn_conf 'voting:create_app()'`` yourself.

Workers, threads, the address and the timeout come from the environment
(``WEB_WORKERS``, ``WEB_THREADS``, ``WEB_BIND``, ``WEB_TIMEOUT``); command-line flags
override them. The default is two workers per core plus one (at most 9), each with
four threads: a worker waits on the database most of the time, threads let it serve
other residents meanwhile. Counting and certifying do not run in these workers when
``JOB_RUNNER=worker`` (``voting worker`` does them), so the timeout only has to cover
the longest download: the letters for a whole town.

The access log goes to standard output through :class:`voting.server_logging.
PrivateAccessLogger`: no lines for the voting pages or the receipt check, and no client
address on any line, so the log cannot tie a resident (or their address) to the
moment they voted.
"""

import os

from voting.server_logging import ACCESS_LOG_FORMAT


def _number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None


logger_class = "voting.server_logging.PrivateAccessLogger"
accesslog = "-"
access_log_format = ACCESS_LOG_FORMAT
bind = [os.environ.get("WEB_BIND", "127.0.0.1:8000")]
workers = _number("WEB_WORKERS", min(2 * (os.cpu_count() or 1) + 1, 9))
threads = _number("WEB_THREADS", 4)
worker_class = "gthread" if threads > 1 else "sync"
# Letters for a whole town stream for a while (see the README); a worker may finish.
timeout = _number("WEB_TIMEOUT", 120)
graceful_timeout = 30
# Idle keep-alive connections from the proxy in front: a little longer than nginx's.
keepalive = 5
