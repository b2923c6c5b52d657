"""The ``voting`` command: Flask's CLI plus our own commands."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from voting import audit, db
from voting.config import ConfigError
from voting.models import ROLES, StaffUser


def _create_app() -> Flask:
    from voting import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def cli() -> None:
    """Buurtstem: referenda and buurtbudgets for municipalities."""


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (all by default)."""
    from voting.migrate import upgrade

    upgrade(db.engine(), revision)
    click.echo(f"Database is at revision {revision}: {_safe_url()}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Undo migrations down to REVISION (``base`` empties the database)."""
    from voting.migrate import downgrade

    downgrade(db.engine(), revision)
    click.echo(f"Database is at revision {revision}.")


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", default="", help="Name shown in the app.")
@click.password_option(help="Asked for when not given.")
@with_appcontext
def create_user(username: str, role: str, display_name: str, password: str) -> None:
    """Create a staff login (organiser, clerk or admin)."""
    from voting.passwords import problems

    # The messages are translated texts; the command line speaks English.
    with current_app.test_request_context("/?lang=en"):
        found = problems(password, username=username)
    if found:
        raise click.BadParameter(" ".join(found), param_hint="--password")
    with db.new_session() as session:
        if session.scalar(select(StaffUser).where(StaffUser.username == username)):
            raise click.ClickException(f"user {username!r} already exists")
        user = StaffUser(username=username, role=role, display_name=display_name or username)
        user.set_password(password)
        session.add(user)
        audit.record(session, "cli", "staff.create", username=username, role=role)
        session.commit()
    click.echo(f"Created {role} {username!r}.")


@click.command("demo")
@click.option("--serve/--no-serve", default=True, help="Start the web server afterwards.")
@click.option("--reset", is_flag=True, help="Throw away the demo data and start again.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@with_appcontext
def demo(serve: bool, reset: bool, host: str, port: int) -> None:
    """Build a complete demo (Duiven referendum and Oud-Woensel buurtbudget with 200
    residents each, so 400 codes; the four-step Oud-Woensel process; a clerk, an
    organiser and an admin) and serve it."""
    from werkzeug.serving import run_simple

    from voting.cli.demo_data import build_demo

    base_url = f"http://{host}:{port}"
    current_app.config["PUBLIC_BASE_URL"] = base_url
    click.echo(build_demo(current_app, reset=reset))
    if serve:
        click.echo(f"\nBuurtstem runs at {base_url}/  (Ctrl+C stops it)\n")
        # Flask refuses app.run() inside its own CLI; the development server it
        # would start is this one.
        run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.command("serve")
@click.option("--bind", default=None, help="Address, e.g. 0.0.0.0:8000 (default WEB_BIND).")
@click.option("--workers", type=click.IntRange(1, 64), default=None, help="Default WEB_WORKERS.")
@click.option("--threads", type=click.IntRange(1, 64), default=None, help="Default WEB_THREADS.")
@with_appcontext
def serve(bind: str | None, workers: int | None, threads: int | None) -> None:
    """Serve the app with gunicorn and voting/gunicorn_conf.py (the production server)."""
    import os
    import shutil

    command = [sys.executable, "-m", "gunicorn", "-c", "python:voting.gunicorn_conf"]
    if bind:
        command += ["--bind", bind]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
        if threads > 1:
            command += ["--worker-class", "gthread"]
    if shutil.which("gunicorn") is None and not _has_module("gunicorn"):
        raise click.ClickException('gunicorn is not installed: pip install -e ".[server]"')
    click.echo(f"Serving {_safe_url()} with gunicorn ({' '.join(command[3:])})", err=True)
    # The settings were checked when the app was built for this command; gunicorn's
    # workers build their own. exec: signals reach gunicorn's master directly.
    os.execv(sys.executable, [*command, "voting:create_app()"])  # nosec B606 - replaces itself with gunicorn, fixed argument list


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


@click.command("worker")
@click.option("--once", is_flag=True, help="Run the queued jobs, then stop.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds between looks at the queue.")
@with_appcontext
def worker(once: bool, poll: float) -> None:
    """Run counts and certifications queued by the clerks' pages (JOB_RUNNER=worker)."""
    import logging

    from voting import jobs

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if jobs.runner() != "worker" and not once:
        click.echo(
            "Note: JOB_RUNNER is not 'worker', so the web app runs jobs itself; "
            "this worker only takes jobs queued from the command line.",
            err=True,
        )
    app = current_app._get_current_object()
    ran = jobs.work(app, once=once, poll_seconds=poll)
    click.echo(f"{ran} job(s) run.")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(target: str) -> None:
    """Write a consistent backup of the database to TARGET (safe while people vote)."""
    from voting.backup import BackupError, backup

    try:
        path = backup(current_app.config["DATABASE_URL"], target)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup of {_safe_url()} written to {path} ({path.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask: replace the database's contents.")
@with_appcontext
def restore_command(source: str, yes: bool) -> None:
    """Replace the database's contents with the backup SOURCE. Stop the app and the
    worker first."""
    from voting.backup import BackupError, restore

    if not yes:
        click.confirm(f"Replace everything in {_safe_url()} with {source}?", abort=True)
    db.engine().dispose()
    try:
        restore(current_app.config["DATABASE_URL"], source)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {source} into {_safe_url()}. Start the app and the worker again.")


def _safe_url() -> str:
    return db.engine().url.render_as_string(hide_password=True)


def register_commands(app: Flask) -> None:
    """Attach our commands to ``app.cli`` (so ``flask --app voting`` has them too)."""
    from voting.cli.follow_up import mail_group, retention_command
    from voting.cli.keys import keys_group
    from voting.cli.panel import panel_group
    from voting.cli.roll import roll_group

    for command in (
        db_group,
        create_user,
        demo,
        serve,
        worker,
        backup_command,
        restore_command,
        keys_group,
        roll_group,
        mail_group,
        retention_command,
        panel_group,
    ):
        if command.name not in app.cli.commands:
            app.cli.add_command(command)


def main() -> None:
    """Entry point of the ``voting`` console script: clear messages instead of
    tracebacks for configuration and connection problems."""
    try:
        cli.main(standalone_mode=True)
    except ConfigError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)
    except OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        click.echo(f"Error: cannot reach the database: {reason}", err=True)
        sys.exit(2)
