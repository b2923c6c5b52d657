"""Clerks: run the count, review the result, certify it (signed) and publish it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug import Response
from wtforms import BooleanField
from wtforms.validators import DataRequired

from voting import db, jobs
from voting.auth import actor_name, role_required
from voting.documents.report import proces_verbaal, report_people
from voting.error_words import explain
from voting.models import Election
from voting.results.view import result_view
from voting.tally import (
    TallyError,
    certify_election,
    count_election,
    current_turnout,
    preview_summary,
    private_key_path,
)

bp = Blueprint("count", __name__)


class CountForm(FlaskForm):
    """Start the count (a button; the form carries the CSRF token)."""


class CertifyForm(FlaskForm):
    """Certify: the clerk confirms having reviewed the result."""

    confirm = BooleanField(
        _l(
            "Ik heb de uitslag gecontroleerd. Ik stel hem vast; daarna kan er niets meer "
            "aan veranderen."
        ),
        validators=[DataRequired(message=_l("Vink aan dat u de uitslag hebt gecontroleerd."))],
    )


def _election(election_id: int) -> Election:
    election = db.session().get(Election, election_id)
    if election is None:
        abort(404)
    return election


@bp.post("/<int:election_id>/tellen")
@role_required("clerk")
def run_count(election_id: int) -> Response:
    """Count a closed election, then show the result for review."""
    election = _election(election_id)
    if not CountForm().validate_on_submit():
        abort(400)
    if jobs.runner() == "worker":
        return _queue(election, "count")
    try:
        count_election(
            db.session(),
            election,
            actor_name(),
            municipality=current_app.config["MUNICIPALITY"],
        )
    except TallyError as error:
        db.session().rollback()
        flash(explain(error), "error")
        return redirect(url_for("admin.election_detail", election_id=election_id))
    flash(_("De stemmen zijn geteld. Controleer de uitslag en stel hem daarna vast."), "success")
    return redirect(url_for("count.review", election_id=election_id))


@bp.get("/<int:election_id>")
@role_required("clerk")
def review(election_id: int) -> str | Response:
    """The counted result exactly as the public page will show it, marked as not yet
    certified, with the certification form."""
    election = _election(election_id)
    if election.phase == "certified" and election.record_json:
        return redirect(url_for("results.election", slug=election.slug))
    try:
        # stored by the count: a few kilobytes, whatever the number of ballots
        record = preview_summary(
            db.session(), election, municipality=current_app.config["MUNICIPALITY"]
        )
    except TallyError as error:
        flash(explain(error), "error")
        return redirect(url_for("admin.election_detail", election_id=election_id))
    key_path = private_key_path(current_app.config["SIGNING_KEY_PATH"])
    return render_template(
        "admin/count/review.html",
        election=election,
        view=result_view(record, signed=False),
        form=CertifyForm(),
        key_missing=not key_path.exists(),
    )


@bp.get("/<int:election_id>/concept.pdf")
@role_required("clerk")
def draft_report(election_id: int) -> Response:
    """The proces-verbaal as it will be, marked as a draft, to print for review."""
    election = _election(election_id)
    try:
        record = preview_summary(
            db.session(), election, municipality=current_app.config["MUNICIPALITY"]
        )
    except TallyError:
        abort(404)
    response = Response(
        proces_verbaal(
            result_view(record, signed=False), people=report_people(db.session(), election)
        ),
        mimetype="application/pdf",
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{election.slug}-proces-verbaal-concept.pdf"'
    )
    return response


@bp.post("/<int:election_id>/vaststellen")
@role_required("clerk")
def certify(election_id: int) -> str | Response | tuple[str, int]:
    """Certify the counted result: sign the record and publish it."""
    election = _election(election_id)
    form = CertifyForm()
    if not form.validate_on_submit():
        flash(_("Vink aan dat u de uitslag hebt gecontroleerd."), "error")
        return redirect(url_for("count.review", election_id=election_id))
    if jobs.runner() == "worker":
        return _queue(election, "certify")
    try:
        certify_election(
            db.session(),
            election,
            actor_name(),
            private_key_path(current_app.config["SIGNING_KEY_PATH"]),
            municipality=current_app.config["MUNICIPALITY"],
        )
    except TallyError as error:
        db.session().rollback()
        flash(explain(error), "error")
        return redirect(url_for("admin.election_detail", election_id=election_id))
    flash(_("De uitslag is vastgesteld, ondertekend en gepubliceerd."), "success")
    return redirect(url_for("results.election", slug=election.slug))


def _queue(election: Election, kind: str) -> Response:
    """Hand the count or certification to ``voting worker`` and go back to the
    election's page, which shows its progress."""
    session = db.session()
    # Before the worker gets it: the same checks the job makes first, so a clerk
    # hears at once that the box is still closed or the result is final.
    if kind == "count" and election.result_json is not None:
        flash(explain(TallyError("already_counted")), "error")
    elif kind == "certify" and (election.phase != "counted" or election.result_json is None):
        flash(explain(TallyError("certify_after_count")), "error")
    else:
        try:
            jobs.enqueue(session, election, kind, actor_name())
        except jobs.JobError:
            flash(_("Hier loopt al een taak voor. Wacht tot die klaar is."), "error")
        else:
            flash(
                _("Het tellen is begonnen. Deze pagina laat zien hoe ver het is.")
                if kind == "count"
                else _("Het vaststellen is begonnen. Deze pagina laat zien hoe ver het is."),
                "success",
            )
    return redirect(url_for("admin.election_detail", election_id=election.id))


JOB_STEPS = {
    "": _l("wacht op de achtergrondtaak"),
    "read": _l("stembiljetten lezen"),
    "count": _l("tellen volgens de regel van de verkiezing"),
    "record": _l("het record opbouwen"),
    "recount": _l("narekenen zoals een buitenstaander dat doet"),
    "sign": _l("ondertekenen"),
    "save": _l("opslaan"),
    "done": _l("klaar"),
}


def panel_turnout(election: Election) -> dict[str, object]:
    """What the panel on the election page shows: turnout now, and the latest
    background job (its state, step and error in the clerk's language)."""
    session = db.session()
    turnout = current_turnout(session, election)
    job = jobs.latest_job(session, election)
    language = str(get_locale() or "nl")
    return {
        "turnout": turnout,
        "job": job,
        "job_step": str(JOB_STEPS.get(job.progress, job.progress)) if job else "",
        "job_error": jobs.error_text(job, language) if job else "",
        "job_active": bool(job and job.state in ("queued", "running")),
        # a failure matters until the step it failed is done after all
        "job_failed": bool(
            job
            and job.state == "failed"
            and (election.result_json if job.kind == "count" else election.record_json) is None
        ),
    }


@bp.app_context_processor
def count_panel_helpers() -> dict[str, object]:
    """Let the clerk's election page ask for the count panel's figures."""
    return {
        "count_panel": panel_turnout,
        "count_job_active": lambda election: jobs.active_job(db.session(), election) is not None,
    }
