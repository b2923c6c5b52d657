"""Settings from the environment, with safe defaults for development and the demo."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

# Secrets that must be set outside the code in production: the app refuses to start
# without them rather than fall back to something guessable.
REQUIRED_SECRETS = ("SECRET_KEY", "CODE_PEPPER")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to set and how."""


def default_database_url(instance_path: str) -> str:
    """The embedded SQLite database inside the instance folder."""
    return "sqlite:///" + str(Path(instance_path) / "buurtstem.db")


def _number(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(name, "").strip().lower() or default
    if raw not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {raw!r}")
    return raw


def from_environment(instance_path: str) -> dict[str, Any]:
    """Read every setting from the environment (``BUURTSTEM_ENV``, ``DATABASE_URL``,
    ``DATABASE_POOL_TIMEOUT``, ``SECRET_KEY``, ``CODE_PEPPER``, ``REDIS_URL``, ``SIGNING_KEY_PATH``,
    ``PUBLIC_BASE_URL``, ``MUNICIPALITY``, session lengths, code-attempt limits,
    ``TRUSTED_PROXIES``, and for the follow-up ``SMTP_URL``, ``MAIL_FROM``,
    ``UPLOAD_MAX_BYTES`` and ``RETENTION_DAYS``). A number that is not a number is a
    :class:`ConfigError`."""
    env = os.environ
    return {
        "ENV_NAME": env.get("BUURTSTEM_ENV", "development"),
        "DATABASE_URL": env.get("DATABASE_URL") or default_database_url(instance_path),
        # Seconds a request waits for one of the pool's connections (5, and 10 more
        # under load, per web process) before it fails.
        "DATABASE_POOL_TIMEOUT": _number("DATABASE_POOL_TIMEOUT", 30),
        "SECRET_KEY": env.get("SECRET_KEY"),
        "CODE_PEPPER": env.get("CODE_PEPPER"),
        "REDIS_URL": env.get("REDIS_URL"),
        "SIGNING_KEY_PATH": env.get(
            "SIGNING_KEY_PATH", str(Path(instance_path) / "signing" / "private.pem")
        ),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "MUNICIPALITY": env.get("MUNICIPALITY", "Gemeente Voorbeeld"),
        "SESSION_MINUTES": _number("SESSION_MINUTES", 20),
        "VOTE_SESSION_MINUTES": _number("VOTE_SESSION_MINUTES", 15),
        "CODE_LIMIT_PER_CLIENT": env.get("CODE_LIMIT_PER_CLIENT", "10 per minute;50 per hour"),
        "CODE_LIMIT_GLOBAL": env.get("CODE_LIMIT_GLOBAL", "1000 per minute"),
        "TRUSTED_PROXIES": _number("TRUSTED_PROXIES", 0),
        # Follow-up (issue #14): mail updates, uploads, retention.
        "SMTP_URL": env.get("SMTP_URL"),
        "MAIL_FROM": env.get("MAIL_FROM", "buurtstem@localhost"),
        "UPLOAD_MAX_BYTES": _number("UPLOAD_MAX_BYTES", 5 * 1024 * 1024),
        "RETENTION_DAYS": _number("RETENTION_DAYS", 180),
        # Who counts and certifies (voting.jobs): the web request itself, or `voting worker`.
        "JOB_RUNNER": _choice("JOB_RUNNER", ("inline", "worker"), "inline"),
        **staff_settings(),
    }


def staff_settings() -> dict[str, Any]:
    """Staff accounts and the house style: ``SESSION_MAX_HOURS`` (absolute session
    time-out; ``SESSION_MINUTES`` is the idle one), ``ACCOUNT_LINK_HOURS`` (invitation
    and reset links), ``LOGIN_LIMIT_PER_ACCOUNT`` and ``LOGIN_CODE_LIMIT`` (failed
    tries per account), ``DESK_ADDRESSES`` (town-hall desks exempt from the per-client
    code limit) and ``THEME`` (NL Design System theme, ``default`` = the built-in look)."""
    env = os.environ
    return {
        "SESSION_MAX_HOURS": _number("SESSION_MAX_HOURS", 10),
        "ACCOUNT_LINK_HOURS": _number("ACCOUNT_LINK_HOURS", 72),
        "LOGIN_LIMIT_PER_ACCOUNT": env.get("LOGIN_LIMIT_PER_ACCOUNT", "10 per 15 minutes"),
        "LOGIN_CODE_LIMIT": env.get("LOGIN_CODE_LIMIT", "5 per 5 minutes;20 per day"),
        "DESK_ADDRESSES": env.get("DESK_ADDRESSES", ""),
        "THEME": env.get("THEME", "default"),
    }


def check_secrets(instance_path: str, config: dict[str, Any]) -> None:
    """Refuse to run in production without real secrets; elsewhere generate random
    ones once into ``instance/secrets.env`` so a newcomer can start without reading
    anything first, and codes printed today still work after a restart."""
    missing = [name for name in REQUIRED_SECRETS if not config.get(name)]
    if not missing:
        return
    if config.get("ENV_NAME") == "production":
        names = " and ".join(missing)
        raise ConfigError(
            f"{names} must be set in production (BUURTSTEM_ENV=production). Generate one "
            "with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    ensure_instance_secrets(Path(instance_path))
    load_instance_secrets(instance_path, config)


def ensure_instance_secrets(instance: Path) -> None:
    """Write random SECRET_KEY and CODE_PEPPER to ``instance/secrets.env`` unless the
    file exists (readable by its owner only)."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secrets.env"
    if path.exists():
        return
    path.write_text(
        f"SECRET_KEY={secrets.token_urlsafe(32)}\nCODE_PEPPER={secrets.token_urlsafe(32)}\n",
        encoding="utf-8",
    )
    path.chmod(0o600)


def load_instance_secrets(instance_path: str, config: dict[str, Any]) -> None:
    """Read ``instance/secrets.env`` for secrets the environment did not give."""
    path = Path(instance_path) / "secrets.env"
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() in REQUIRED_SECRETS and not config.get(key.strip()):
            config[key.strip()] = value.strip()
