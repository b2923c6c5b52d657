"""``voting panel compute SLUG``: the leximin computation of a panel from the command
line (the same work as the clerk's button, printing its progress), and ``voting panel
status SLUG``."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from voting import audit, db
from voting.models import Panel
from voting.panels import drawing
from voting.panels.service import feasibility


@click.group("panel")
def panel_group() -> None:
    """Citizens' panels."""


def _find(session, slug: str) -> Panel:  # type: ignore[no-untyped-def]
    panel = session.scalar(select(Panel).where(Panel.slug == slug))
    if panel is None:
        raise click.ClickException(f"no panel {slug!r}")
    return panel


@panel_group.command("compute")
@click.argument("slug")
@with_appcontext
def compute_command(slug: str) -> None:
    """Compute the leximin probabilities of a panel in the draw phase."""
    with db.new_session() as session:
        panel = _find(session, slug)
        if panel.phase != "draw":
            raise click.ClickException("the panel is not in the draw phase")
        problems = feasibility(session, panel)
        if problems:
            raise click.ClickException(f"the quotas cannot be met: {problems}")
        panel.job_state = "running"
        audit.record(session, "cli", "panel.compute", panel=slug)
        session.commit()
        panel_id = panel.id
    drawing.compute(current_app._get_current_object(), panel_id)
    with db.new_session() as session:
        panel = _find(session, slug)
        click.echo(f"{slug}: {panel.job_state}, {panel.job_message}")


@panel_group.command("status")
@click.argument("slug")
@with_appcontext
def status_command(slug: str) -> None:
    """Phase, computation and draw of a panel."""
    with db.new_session() as session:
        panel = _find(session, slug)
        drawn = json.loads(panel.record_json)["draw"]["selected"] if panel.record_json else []
        click.echo(
            f"{slug}: phase {panel.phase}, computation {panel.job_state} "
            f"({panel.job_done}/{panel.job_total}) {panel.job_message}; drawn {len(drawn)}"
        )
