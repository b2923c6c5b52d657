"""``voting mail send|worker|status`` (the e-mail queue) and ``voting retention``."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from voting import db, retention
from voting.follow_up import notify, outbox
from voting.formatting import town_hall_today
from voting.panels import retention as panel_retention


@click.group("mail")
def mail_group() -> None:
    """E-mail updates: send what waits in the queue."""


def _send_once(include_waiting: bool) -> outbox.SendReport:
    with db.new_session() as session:
        notify.forget_unconfirmed(session, today=town_hall_today())
        try:
            return outbox.send_due(session, current_app.config, include_waiting=include_waiting)
        except outbox.MailNotConfigured as error:
            raise click.ClickException(str(error)) from None


def _say(report: outbox.SendReport) -> None:
    click.echo(f"sent {report.sent}, will retry {report.retry}, failed {report.failed}")
    if report.error:
        click.echo(f"mail server: {report.error}", err=True)


@mail_group.command("send")
@click.option(
    "--retry-now", is_flag=True, help="Also try messages still waiting for their next try."
)
@with_appcontext
def mail_send(retry_now: bool) -> None:
    """Send every message that is due, once (for cron or a systemd timer)."""
    _say(_send_once(retry_now))


@mail_group.command("worker")
@click.option("--interval", default=30, show_default=True, help="Seconds between runs.")
@click.option("--runs", default=0, help="Stop after this many runs (0: never).")
@with_appcontext
def mail_worker(interval: int, runs: int) -> None:
    """Keep sending: one run every INTERVAL seconds until stopped."""
    done = 0
    while True:
        report = _send_once(False)
        if report.sent or report.retry or report.failed:
            _say(report)
        done += 1
        if runs and done >= runs:
            return
        time.sleep(interval)


@mail_group.command("status")
@with_appcontext
def mail_status() -> None:
    """How many messages wait, and how many failed for good."""
    with db.new_session() as session:
        pending, failed = outbox.waiting(session)
    click.echo(f"waiting {pending}, failed {failed}")


@click.command("retention")
@click.option("--apply", "apply_", is_flag=True, help="Delete (without it: only show).")
@click.option("--days", type=int, default=None, help="Override RETENTION_DAYS.")
@with_appcontext
def retention_command(apply_: bool, days: int | None) -> None:
    """Delete the codes, roll keys and e-mail addresses of processes certified, and the
    sign-ups and invitations of citizens' panels finished, more than RETENTION_DAYS
    days ago. A dry run unless --apply; the records stay."""
    days = int(current_app.config["RETENTION_DAYS"]) if days is None else days
    if days < 0:
        raise click.BadParameter("must be 0 or more", param_hint="--days")
    with db.new_session() as session:
        report = retention.run(session, days, apply=apply_, actor="cli")
        # Finished citizens' panels: their sign-ups, contact details and invitations.
        panels = panel_retention.run(session, days, apply=apply_, actor="cli")
        if apply_:
            session.commit()
        else:
            session.rollback()
    verb = "deleted" if apply_ else "would delete"
    for panel in panels:
        counts = ", ".join(f"{k} {v}" for k, v in panel.counts.items())
        click.echo(f"panel {panel.slug}: {verb} {counts}")
    if not report and not panels:
        click.echo(
            f"Nothing to delete: no election was certified and no panel finished "
            f"{days} or more days ago."
        )
    for purge in report:
        counts = ", ".join(f"{name} {count}" for name, count in purge.counts.items())
        click.echo(f"{purge.slug}: {verb} {counts}")
    if (report or panels) and not apply_:
        click.echo("Dry run: nothing was deleted. Run again with --apply to delete.")
