"""The limit on failed code attempts over all clients together, and the rate-limit
storage settings that keep the app serving when Redis is down.

The per-client limit (Flask-Limiter on the code-entry view) stops one address from
guessing. The global limit is different: about a hundred addresses could use it up,
and a limit that then refused every code would lock every resident out. So it is
checked after the code: a correct code always goes through; only failed attempts
are counted, and once the count is over the limit further failed attempts get the
"too many attempts" page and each one is logged as a warning -- guessing becomes loud
and slow, never a way to stop an election. (An 80-bit code space makes guessing
hopeless anyway.)
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from voting.extensions import limiter

log = logging.getLogger("voting.code_limits")

GLOBAL_KEY = "failed-codes-all-clients"
DEFAULT_GLOBAL = "1000 per minute"
# Used only while the shared storage does not answer: each worker counts alone.
_worker_fallback = FixedWindowRateLimiter(MemoryStorage())


def configure_storage(app: Flask) -> None:
    """Rate-limit storage settings: Redis when ``REDIS_URL`` is set, with short
    timeouts and Flask-Limiter's in-memory fallback, so a Redis outage means
    per-worker limits (and a warning in the log), never a 500."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    if str(app.config["RATELIMIT_STORAGE_URI"]).startswith(("redis://", "rediss://")):
        options: dict[str, Any] = {"socket_connect_timeout": 1, "socket_timeout": 1}
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", options)


def after_limiter_init(app: Flask) -> None:
    """Start this app with the shared storage taken as alive. The one Limiter object
    outlives the apps a process builds (the tests build many); its "storage is dead,
    use memory" flag belongs to the app that saw the outage, not to the next one."""
    limiter._storage_dead = False
    limiter._swallow_errors = bool(app.config.get("RATELIMIT_SWALLOW_ERRORS"))


def _global_limits() -> list[RateLimitItem]:
    return parse_many(current_app.config.get("CODE_LIMIT_GLOBAL") or DEFAULT_GLOBAL)


def record_failed_attempt() -> bool:
    """Count one failed code attempt against the global limit. True while within
    it; False once it is used up (each such attempt is logged as a warning).

    When the shared storage (Redis) fails, this worker counts on its own and logs
    that it does."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    within = True
    # Under the app's RATELIMIT_KEY_PREFIX like every other limit: two sites (or two
    # test runs) sharing one Redis must not share one global count.
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or ""
    key = f"{prefix}/{GLOBAL_KEY}" if prefix else GLOBAL_KEY
    for item in _global_limits():
        try:
            allowed = limiter.limiter.hit(item, key)
        except Exception as error:  # any storage error: Redis down, timeout, refused
            log.warning(
                "rate-limit storage unreachable (%s): counting failed codes per worker",
                type(error).__name__,
            )
            allowed = _worker_fallback.hit(item, key)
        within = within and allowed
    if not within:
        log.warning(
            "global limit on failed code attempts (%s) used up: someone may be guessing "
            "codes from many addresses; correct codes are still accepted",
            current_app.config.get("CODE_LIMIT_GLOBAL") or DEFAULT_GLOBAL,
        )
    return within


def drop_idle_request_check(app: Flask) -> None:
    """Take out Flask-Limiter's check of every request when it has nothing to check.

    That ``before_request`` hook applies default, application, blueprint and meta
    limits, and the in-memory fallback's limits. Buurtstem configures none of them:
    each limit is a decorator on the view it guards (code entry, staff login, ...),
    and such a decorator checks on its own when its view runs. So on every other
    page the hook only resolved an empty list, a tenth of a resident's page. Call
    after every blueprint is registered; if any limit of those kinds is set (in the
    code or by a ``RATELIMIT_*`` setting), the hook stays."""
    manager = limiter.limit_manager
    # A missing attribute (another Flask-Limiter version) counts as "may have limits".
    idle = not (
        getattr(manager, "_application_limits", True)
        or getattr(manager, "_default_limits", True)
        or getattr(manager, "_blueprint_limits", True)
        or getattr(limiter, "_meta_limits", True)
        or getattr(limiter, "_in_memory_fallback", True)
    )
    hooks = app.before_request_funcs.get(None, [])
    if idle and limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
