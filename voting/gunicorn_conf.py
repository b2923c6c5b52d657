"""gunicorn settings for Buurtstem: ``voting serve`` uses them, or run
``gunicorn -c python:voting.gunicorn_conf 'voting:create_app()'`` yourself.

Workers, threads, the address and the timeout come from the environment
(``WEB_WORKERS``, ``WEB_THREADS``, ``WEB_BIND``, ``WEB_TIMEOUT``); command-line flags
override them. The default is one worker per core (at least two, at most 9), each with
four threads. A page is mostly Python's own work (measured with tools/loadtest.py:
about 80% of a worker's CPU time is inside the app, the rest gunicorn), so a process
per core keeps every core busy and a few threads cover the database waits; more
threads than that only take turns on the interpreter lock, and each switch costs. On
this 2-core machine (1 December 2026, SQLite, casts in groups: voting.group_commit),
two alternating pairs of runs gave 2 workers x 4 threads p99 408 and 336 ms at 43.0
and 47.3 visits/s, and 37.0-40.0 ms of server CPU per visit, against 472 and 482 ms,
37.8 and 36.8 visits/s and 45.2-45.9 ms for 2 x 8; on PostgreSQL with Redis the two
were alike (p99 496 and 477 ms). Earlier, at a load of 12-17, 2 x 8 beat 5 x 4 and
4 x 4 (p99 717-1,463 ms against 960-2,108 and 1,209-1,941 ms); sync workers (one
request per process) did worst: a process waiting on SQLite's write lock serves
nobody. Counting and certifying do not run in these workers
when ``JOB_RUNNER=worker`` (``voting worker`` does them), so the timeout only has to
cover the longest download: the letters for a whole town.

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
DEFAULT_WORKERS = min(max(os.cpu_count() or 1, 2), 9)
DEFAULT_THREADS = 4
workers = _number("WEB_WORKERS", DEFAULT_WORKERS)
threads = _number("WEB_THREADS", DEFAULT_THREADS)
worker_class = "gthread" if threads > 1 else "sync"
# Letters for a whole town stream for a while (see the README); a worker may finish.
timeout = _number("WEB_TIMEOUT", 120)
graceful_timeout = 30
# Idle keep-alive connections from the proxy in front: a little longer than nginx's.
keepalive = 5
