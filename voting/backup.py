"""Backups that can be taken while residents vote, and restored.

``voting backup FILE`` and ``voting restore FILE`` (voting/cli/backup.py) call these.

- **SQLite**: SQLite's online backup API copies a consistent snapshot page by page
  while the app keeps writing (WAL mode), into a plain database file.
- **PostgreSQL**: ``pg_dump --format=custom`` (one consistent snapshot, taken without
  stopping anyone), restored with ``pg_restore --clean --if-exists --no-owner`` into the
  database ``DATABASE_URL`` names. Needs the PostgreSQL client tools of the server's
  major version (Debian: ``postgresql-client``).

A backup holds everything the database holds: sealed ballots, receipts, code hashes,
the audit log. It holds no secret that opens the box or links a code to a person
(the box key is split among its holders, ``CODE_PEPPER`` lives only in the
environment), but treat it as carefully as the database itself.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess  # nosec B404 - runs pg_dump/pg_restore with an argument list
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """A backup or restore that cannot run; the message says why, in English (the
    command line's language)."""


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _pg_env(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools, and the environment with the
    password (never on the command line, where ``ps`` shows it)."""
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def backup(database_url: str, target: str | Path) -> Path:
    """Write a consistent backup of the database to ``target`` (refuses to overwrite)."""
    url = make_url(database_url)
    path = Path(target)
    if path.exists():
        raise BackupError(f"{path} exists already; choose a new file name")
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_file(url))
        copy = sqlite3.connect(path)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return path
    if url.get_backend_name() != "postgresql":
        raise BackupError(f"no backup for {url.get_backend_name()} databases")
    args, env = _pg_env(url)
    done = subprocess.run(  # nosec B603 - fixed tool, arguments from our own settings
        [_tool("pg_dump"), "--format=custom", "--file", str(path), *args, url.database or ""],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        path.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return path


def restore(database_url: str, source: str | Path) -> None:
    """Replace the database's contents with the backup in ``source``. Stop the app
    and the worker first: nothing may write while the tables are replaced."""
    url = make_url(database_url)
    path = Path(source)
    if not path.is_file():
        raise BackupError(f"{path} is not a backup file")
    if url.get_backend_name() == "sqlite":
        backup_db = sqlite3.connect(path)
        target = sqlite3.connect(_sqlite_file(url))
        try:
            if backup_db.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError(f"{path} is not a sound SQLite database")
            with target:
                backup_db.backup(target)
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} cannot be restored: {error}") from None
        finally:
            target.close()
            backup_db.close()
        return
    if url.get_backend_name() != "postgresql":
        raise BackupError(f"no restore for {url.get_backend_name()} databases")
    args, env = _pg_env(url)
    done = subprocess.run(  # nosec B603 - fixed tool, arguments from our own settings
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--dbname",
            url.database or "",
            *args,
            str(path),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")
