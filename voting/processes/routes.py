"""Residents: every process, and one process as one timeline of its steps."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from voting import db, election_cache
from voting.models import Election, Process
from voting.processes import service

bp = Blueprint("processes", __name__)


@bp.app_context_processor
def process_helpers() -> dict[str, Any]:
    """``process_of(election)`` for an election's pages, and ``step_state_label(step)``
    for the timeline."""
    return {
        "process_of": _process_of,
        "step_state_label": step_state_label,
        "active_processes": active_processes,
    }


def active_processes() -> list[tuple[Process, service.Step]]:
    """Processes with a step open now or still to come, each with that step (for the
    front page)."""
    rows = []
    for process in db.session().scalars(select(Process).order_by(Process.id)):
        step = service.current_step(service.timeline(process))
        if step is not None:
            rows.append((process, step))
    return rows


def _process_of(election: Election | None) -> Process | None:
    # While voting runs, from the worker's copy (a resident's receipt page names it).
    return election_cache.process_of(db.session(), election) if election is not None else None


STEP_STATE_LABELS = {
    ("ideas", "upcoming"): _l("Komt nog"),
    ("ideas", "open"): _l("Nu open: dien uw idee in"),
    ("ideas", "closed"): _l("Gesloten: de gemeente bekijkt de ideeën"),
    ("ideas", "done"): _l("Klaar: de ideeën staan op het stembiljet"),
    ("vote", "upcoming"): _l("Komt nog"),
    ("vote", "open"): _l("Nu open: stem met uw code"),
    ("vote", "closed"): _l("Gesloten: de stemmen worden geteld"),
    ("vote", "done"): _l("Klaar: de uitslag is bekend"),
}


def step_state_label(step: service.Step) -> str:
    """Where ``step`` stands, in words for residents."""
    return str(STEP_STATE_LABELS[(step.kind, step.state)])


@bp.get("/trajecten")
def index() -> str:
    """Every process, each with the step it is at now."""
    processes = db.session().scalars(select(Process).order_by(Process.id.desc())).all()
    rows = [(p, service.current_step(service.timeline(p))) for p in processes]
    return render_template("processes/public_list.html", rows=rows)


@bp.get("/traject/<slug>")
def show(slug: str) -> str:
    """One process: its steps in order with their dates, what is open now, and links to
    the ballot, the proposals and the published results."""
    process = db.session().scalar(select(Process).where(Process.slug == slug))
    if process is None:
        abort(404)
    steps = service.timeline(process)
    return render_template(
        "processes/public.html",
        process=process,
        steps=steps,
        current=service.current_step(steps),
    )
