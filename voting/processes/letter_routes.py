"""Clerks: one letter per resident for a whole process. Import the register once and
download the letters in the same request, count codes per stage, and replace a lost
letter. The register is read in memory, never written to disk (as for one election,
:mod:`voting.admin.roll_routes`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template
from flask_babel import gettext as _

from voting import audit, db, roll
from voting.admin.roll_forms import RegisterImportForm, ReissueForm
from voting.admin.roll_routes import (
    _resident,
    _upload_form,
    letters_response,
    register_unusable,
)
from voting.auth import actor_name, role_required
from voting.documents.letters import (
    letters_pdf,
    process_letter_context,
)
from voting.error_words import explain
from voting.extensions import csrf
from voting.models import Process
from voting.processes import lookup, service
from voting.processes import roll as process_roll
from voting.roll_import import Eligibility, RegisterError, read_register

bp = Blueprint("process_letters", __name__)


@bp.app_context_processor
def letter_helpers() -> dict[str, Any]:
    """``process_stage_counts(process)`` for the letters panel of a process page."""
    return {"process_stage_counts": _stage_counts}


def _stage_counts(process: Process) -> list[tuple[Any, dict[str, int]]]:
    session = db.session()
    return [
        (election, roll.roll_counts(session, election.id))
        for election in lookup.stage_elections(session, process.id)
    ]


def _process(process_id: int) -> Process:
    process = db.session().get(Process, process_id)
    if process is None:
        abort(404)
    return process


def _page(process: Process, status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("import_form", RegisterImportForm(formdata=None))
    context.setdefault("reissue_form", ReissueForm(formdata=None))
    return (
        render_template("processes/letters.html", process=process, **context),
        status,
    )


@bp.get("/trajecten/<int:process_id>/brieven")
@role_required("clerk")
def index(process_id: int) -> tuple[str, int]:
    """The letters of a process: codes per stage, the import form, a lost letter."""
    return _page(_process(process_id))


@bp.post("/trajecten/<int:process_id>/brieven/importeren")
@csrf.exempt
@role_required("clerk")
def import_letters(process_id: int) -> Response | tuple[str, int]:
    """Import the register into every stage that has not started and stream one letter
    per resident back: the code exists in plain text only while it is printed."""
    process = _process(process_id)
    form = _upload_form(RegisterImportForm)
    if form is None:
        return _page(process, 413, problem=_("Het bestand is te groot."))
    if not form.validate_on_submit():
        return _page(process, 400, import_form=form)
    session = db.session()
    stages = process_roll.open_stages(session, process)
    if not stages:
        return _page(
            process,
            409,
            import_form=form,
            problem=_("Er is geen stap meer waarvan de kiezerslijst nog open is."),
        )
    try:
        # Who may take part follows the first stage still open (age on its first day,
        # its area): the same residents get the one letter for every stage.
        rules = Eligibility.for_election(stages[0])
    except RegisterError as error:
        return _page(process, 409, import_form=form, problem=explain(error))
    report = read_register(form.register.data.read(), rules)
    unusable = register_unusable(report, form)
    if unusable:
        return _page(process, 422, import_form=form, report=report, problem=unusable)
    context = process_letter_context(process, service.timeline(process), current_app.config)
    return letters_response(context, form, report.residents, process, process_roll.import_residents)


@bp.post("/trajecten/<int:process_id>/brieven/nieuwe-brief")
@role_required("clerk")
def reissue(process_id: int) -> Response | tuple[str, int]:
    """Look a resident up, or replace their lost letter: the old code stops working in
    every stage, and the new one votes in each stage they have not voted in yet."""
    process = _process(process_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        return _page(process, 400, reissue_form=form)
    session = db.session()
    pepper = current_app.config["CODE_PEPPER"]
    reference = (form.person_reference.data or "").strip()
    if not form.print_letter.data:
        has_code, stages = process_roll.lookup(session, process, pepper, reference)
        audit.record(
            session, actor_name(), "process.roll.lookup", process_id=process.id, found=has_code
        )
        session.commit()
        return _page(process, reissue_form=form, lookup_result=(has_code, stages))
    resident, problem = _resident(form, reference)
    if resident is None:
        return _page(process, 400, reissue_form=form, problem=problem)
    try:
        code = process_roll.reissue(session, process, pepper, reference, actor=actor_name())
    except roll.NotOnRoll:
        return _page(
            process,
            404,
            reissue_form=form,
            problem=_("Deze persoon heeft geen brief voor dit traject gekregen."),
        )
    except roll.AlreadyVoted:
        return _page(
            process,
            409,
            reissue_form=form,
            problem=_(
                "Deze bewoner heeft in elke stap die nog loopt al gestemd; een nieuwe brief "
                "helpt niet meer."
            ),
        )
    context = process_letter_context(process, service.timeline(process), current_app.config)
    pdf = letters_pdf(context, [[roll.Letter(resident, code)]])
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="nieuwe-brief.pdf"',
            "Cache-Control": "no-store",
        },
    )
