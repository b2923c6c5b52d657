"""Clerks: set up a process, add its stages and put them in order, and give a
buurtbudget stage an ideas window. Every change is a POST with CSRF and an audit event
(voting.processes.service)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug import Response

from voting import db
from voting.auth import actor_name, role_required
from voting.error_words import explain
from voting.formatting import TIME_ZONE, local_time
from voting.models import Process, ProcessStage
from voting.processes import service
from voting.processes.forms import (
    AddStageForm,
    ConfirmForm,
    IdeasWindowForm,
    ProcessForm,
    ThemeSplitForm,
)

bp = Blueprint("processes_admin", __name__)


def _process(process_id: int) -> Process:
    process = db.session().get(Process, process_id)
    if process is None:
        abort(404)
    return process


def _stage(process: Process, stage_id: int) -> ProcessStage:
    for stage in process.stages:
        if stage.id == stage_id:
            return stage
    abort(404)


def _utc(value: Any) -> datetime | None:
    # The clerk types the town hall's wall-clock time; we store UTC.
    if isinstance(value, datetime):
        return value.replace(tzinfo=TIME_ZONE).astimezone(UTC) if value.tzinfo is None else value
    return None


def _texts(form: ProcessForm) -> dict[str, Any]:
    return {
        "title": form.title.data or "",
        "description": form.description.data or "",
        "title_en": form.title_en.data or "",
        "description_en": form.description_en.data or "",
        "ideas_per_code": int(form.ideas_per_code.data or 0),
    }


@bp.get("/trajecten")
@role_required("clerk")
def index() -> str:
    """Every process with its stages."""
    processes = db.session().scalars(select(Process).order_by(Process.id)).all()
    return render_template("processes/admin_list.html", processes=processes)


@bp.route("/trajecten/nieuw", methods=["GET", "POST"])
@role_required("clerk")
def create() -> str | Response | tuple[str, int]:
    """A new process: its texts first, then its stages on its own page."""
    form = ProcessForm()
    if form.validate_on_submit():
        try:
            process = service.create_process(
                db.session(), slug=form.slug.data or "", actor=actor_name(), **_texts(form)
            )
        except service.ProcessError as error:
            db.session().rollback()
            form.slug.errors = [*form.slug.errors, explain(error)]
            return render_template("processes/admin_form.html", form=form), 409
        flash(_("Het traject is aangemaakt. Voeg nu de stappen toe."), "success")
        return redirect(url_for("processes_admin.show", process_id=process.id), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("processes/admin_form.html", form=form), status


def _page(process: Process, status: int = 200, **context: Any) -> tuple[str, int]:
    session = db.session()
    add_form = context.pop("add_form", None) or AddStageForm(formdata=None)
    add_form.election_id.choices = [(e.id, e.title) for e in service.free_elections(session)]
    edit_form = context.pop("edit_form", None) or ProcessForm(formdata=None, obj=process)
    ideas_forms = {}
    for stage in process.stages:
        ideas_form = IdeasWindowForm(formdata=None, prefix=f"s{stage.id}", obj=stage)
        ideas_form.opens_at.data = _local(stage.ideas_opens_at)
        ideas_form.closes_at.data = _local(stage.ideas_closes_at)
        ideas_forms[stage.id] = ideas_form
    ideas_forms.update(context.pop("ideas_forms", {}))
    theme_forms = {}
    for stage, sources in service.theme_split_targets(process):
        theme_form = ThemeSplitForm(formdata=None, prefix=f"t{stage.id}")
        _theme_choices(process, theme_form, sources)
        linked = [s for s in sources if s.election_id == stage.election.theme_split_id]
        theme_form.source.data = str(linked[0].id) if linked else ""
        theme_form.leftover.data = stage.election.leftover
        theme_forms[stage.id] = theme_form
    theme_forms.update(context.pop("theme_forms", {}))
    return (
        render_template(
            "processes/admin_process.html",
            process=process,
            steps=service.timeline(process),
            add_form=add_form,
            edit_form=edit_form,
            ideas_forms=ideas_forms,
            theme_forms=theme_forms,
            theme_targets=service.theme_split_targets(process),
            confirm_form=ConfirmForm(formdata=None),
            fixed=service.letters_printed(session, process),
            carry=service.carry_targets(process),
            **context,
        ),
        status,
    )


def _theme_choices(process: Process, form: ThemeSplitForm, sources: list[ProcessStage]) -> None:
    form.source.choices = [
        ("", _("Geen budget per thema (of zelf getypt in de instellingen van de stemming)"))
    ] + [
        (
            str(source.id),
            _(
                "De uitkomst van stap %(number)d: %(title)s",
                number=process.stages.index(source) + 1,
                title=source.election.title,
            ),
        )
        for source in sources
    ]


def _local(moment: datetime | None) -> datetime | None:
    return local_time(moment).replace(tzinfo=None) if moment else None


@bp.get("/trajecten/<int:process_id>")
@role_required("clerk")
def show(process_id: int) -> tuple[str, int]:
    """The process: its timeline, its stages in order, and the forms to change them."""
    return _page(_process(process_id))


@bp.post("/trajecten/<int:process_id>")
@role_required("clerk")
def edit(process_id: int) -> Response | tuple[str, int]:
    """Change the process's texts and ideas limit (the web address stays)."""
    process = _process(process_id)
    form = ProcessForm()
    form.slug.data = process.slug
    if not form.validate_on_submit():
        return _page(process, 400, edit_form=form)
    try:
        service.update_process(db.session(), process, actor=actor_name(), **_texts(form))
    except service.ProcessError as error:
        db.session().rollback()
        return _page(process, 409, edit_form=form, problem=explain(error))
    flash(_("Opgeslagen."), "success")
    return redirect(url_for("processes_admin.show", process_id=process.id), 303)


@bp.post("/trajecten/<int:process_id>/stappen")
@role_required("clerk")
def add_stage(process_id: int) -> Response | tuple[str, int]:
    """Add an election that has not started as the last stage."""
    process = _process(process_id)
    session = db.session()
    form = AddStageForm()
    form.election_id.choices = [(e.id, e.title) for e in service.free_elections(session)]
    if not form.validate_on_submit():
        return _page(process, 400, add_form=form)
    election = next(e for e in service.free_elections(session) if e.id == form.election_id.data)
    try:
        service.add_stage(session, process, election, actor=actor_name())
    except service.ProcessError as error:
        session.rollback()
        return _page(process, 409, problem=explain(error))
    flash(_("De stap is toegevoegd."), "success")
    return redirect(url_for("processes_admin.show", process_id=process.id), 303)


@bp.post("/trajecten/<int:process_id>/stappen/<int:stage_id>/verplaatsen")
@role_required("clerk")
def move_stage(process_id: int, stage_id: int) -> Response | tuple[str, int]:
    """Move a stage one place earlier (``richting=omhoog``) or later (``omlaag``)."""
    process = _process(process_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    direction = request.form.get("richting", "")
    if direction not in ("omhoog", "omlaag"):
        abort(400)
    try:
        service.move_stage(
            db.session(),
            process,
            _stage(process, stage_id),
            -1 if direction == "omhoog" else 1,
            actor=actor_name(),
        )
    except service.ProcessError as error:
        db.session().rollback()
        return _page(process, 409, problem=explain(error))
    return redirect(url_for("processes_admin.show", process_id=process.id), 303)


@bp.post("/trajecten/<int:process_id>/stappen/<int:stage_id>/verwijderen")
@role_required("clerk")
def remove_stage(process_id: int, stage_id: int) -> Response | tuple[str, int]:
    """Take a stage out of the process; the election itself stays."""
    process = _process(process_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        service.remove_stage(db.session(), process, _stage(process, stage_id), actor=actor_name())
    except service.ProcessError as error:
        db.session().rollback()
        return _page(process, 409, problem=explain(error))
    flash(_("De stap is uit het traject gehaald."), "success")
    return redirect(url_for("processes_admin.show", process_id=process.id), 303)


@bp.post("/trajecten/<int:process_id>/stappen/<int:stage_id>/winnaars")
@role_required("clerk")
def carry_winners(process_id: int, stage_id: int) -> Response | tuple[str, int]:
    """Make the certified winners of an earlier stage (field ``van``: its stage id) the
    options of this draft stage."""
    process = _process(process_id)
    target = _stage(process, stage_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    raw = request.form.get("van", "")
    if not raw.isdigit():
        abort(400)
    source = _stage(process, int(raw))
    try:
        titles = service.carry_winners(db.session(), source, target, actor=actor_name())
    except service.ProcessError as error:
        db.session().rollback()
        return _page(process, 409, problem=explain(error))
    flash(
        _(
            "De opties van %(title)s zijn nu: %(options)s.",
            title=target.election.title,
            options=", ".join(titles),
        ),
        "success",
    )
    return redirect(url_for("processes_admin.show", process_id=process.id), 303)


@bp.post("/trajecten/<int:process_id>/stappen/<int:stage_id>/ideeen")
@role_required("clerk")
def ideas_window(process_id: int, stage_id: int) -> Response | tuple[str, int]:
    """Whether a buurtbudget stage takes residents' ideas, and between which moments."""
    process = _process(process_id)
    stage = _stage(process, stage_id)
    form = IdeasWindowForm(prefix=f"s{stage.id}")
    if not form.validate_on_submit():
        return _page(process, 400, ideas_forms={stage.id: form})
    try:
        service.set_ideas_window(
            db.session(),
            stage,
            takes_ideas=bool(form.takes_ideas.data),
            opens_at=_utc(form.opens_at.data),
            closes_at=_utc(form.closes_at.data),
            actor=actor_name(),
        )
    except service.ProcessError as error:
        db.session().rollback()
        return _page(process, 409, ideas_forms={stage.id: form}, problem=explain(error))
    flash(_("Opgeslagen."), "success")
    return redirect(url_for("processes_admin.show", process_id=process.id), 303)


@bp.post("/trajecten/<int:process_id>/stappen/<int:stage_id>/themabudget")
@role_required("clerk")
def theme_split(process_id: int, stage_id: int) -> Response | tuple[str, int]:
    """Where a buurtbudget stage takes its budget per theme from (an earlier split
    stage, or none) and what happens to money a theme leaves."""
    process = _process(process_id)
    stage = _stage(process, stage_id)
    sources = service.split_sources(process, stage) if stage.election.is_budget else []
    form = ThemeSplitForm(prefix=f"t{stage.id}")
    _theme_choices(process, form, sources)
    if not sources or not form.validate_on_submit():
        return _page(process, 400, theme_forms={stage.id: form})
    source = next((s for s in sources if str(s.id) == form.source.data), None)
    try:
        service.set_theme_split(
            db.session(), stage, source, leftover=form.leftover.data or "", actor=actor_name()
        )
    except service.ProcessError as error:
        db.session().rollback()
        return _page(process, 409, theme_forms={stage.id: form}, problem=explain(error))
    flash(_("Opgeslagen."), "success")
    return redirect(url_for("processes_admin.show", process_id=process.id), 303)
