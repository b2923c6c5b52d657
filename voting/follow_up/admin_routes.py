"""Clerks' follow-up screens: record the council's decision, each project's progress
and milestones (one by one or by CSV), see the mail queue, and delete what finished
processes no longer need (retention)."""

from __future__ import annotations

import contextlib
from fractions import Fraction
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug import Response
from werkzeug.exceptions import RequestEntityTooLarge

from voting import db, retention
from voting.auth import actor_name, role_required
from voting.follow_up import outbox, progress_csv, tracking
from voting.follow_up.forms import (
    DecisionForm,
    ImportForm,
    MilestoneForm,
    ProgressForm,
    RetentionForm,
)
from voting.follow_up.uploads import DEFAULT_MAX_BYTES, UploadRefused, clean_upload
from voting.formatting import format_amount_field, town_hall_today
from voting.models import Election
from voting.panels import retention as panel_retention

bp = Blueprint("follow_up_admin", __name__)


def upload_message(code: str) -> str:
    """The words for an :class:`UploadRefused` code."""
    mb = current_app.config.get("UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES) // (1024 * 1024)
    messages = {
        "too_large": _("Het bestand is te groot (hoogstens %(mb)s MB).", mb=mb),
        "empty": _("Het bestand is leeg."),
        "type": _("Alleen foto's (JPEG, PNG) en PDF-documenten kunnen worden toegevoegd."),
        "broken": _("Deze foto kan niet worden gelezen. Probeer een ander bestand."),
    }
    return messages[code]


CSV_MESSAGES = {
    "unknown_project": lambda v: _("onbekend project '%(value)s'", value=v),
    "duplicate_project": lambda v: _("project %(value)s staat er twee keer in", value=v),
    "bad_status": lambda v: _(
        "onbekende status '%(value)s' (gepland, wordt uitgevoerd, klaar of gestopt)", value=v
    ),
    "bad_progress": lambda v: _("voortgang '%(value)s' is geen getal van 0 tot 100", value=v),
    "bad_spent": lambda v: _("uitgegeven bedrag '%(value)s' is geen bedrag in euro's", value=v),
    "bad_granted": lambda v: _("toegekend bedrag '%(value)s' is geen bedrag in euro's", value=v),
    "stop_needs_reason": lambda v: _("gestopt zonder reden"),
    "bad_date": lambda v: _("datum '%(value)s' is geen datum (JJJJ-MM-DD)", value=v),
    "future_date": lambda v: _("datum '%(value)s' ligt in de toekomst", value=v),
    "too_many_rows": lambda v: _("te veel regels (hoogstens 2000)"),
    "no_rows": lambda v: _("het bestand heeft geen regels onder de kopregel"),
}


def _election(election_id: int) -> Election:
    election = db.session().get(Election, election_id)
    if election is None:
        abort(404)
    return election


def _page(election: Election, status: int = 200, **context: Any) -> tuple[str, int]:
    session = db.session()
    context.setdefault("decision_form", DecisionForm(formdata=None))
    context.setdefault("import_form", ImportForm(formdata=None))
    return (
        render_template(
            "follow_up/admin/election.html",
            election=election,
            decisions=tracking.decisions(session, election),
            projects=tracking.projects(session, election),
            **context,
        ),
        status,
    )


def _refuse_uncertified(election: Election) -> tuple[str, int] | None:
    if election.phase == "certified":
        return None
    return _page(
        election,
        409,
        problem=_("Een besluit en de uitvoering kunnen pas worden vastgelegd na de uitslag."),
    )


@bp.get("/opvolging/<int:election_id>")
@role_required("clerk")
def election(election_id: int) -> tuple[str, int]:
    """The follow-up of one election: decisions so far, forms for a new one, projects."""
    return _page(_election(election_id))


@bp.post("/opvolging/<int:election_id>/besluit")
@role_required("clerk")
def add_decision(election_id: int) -> Response | tuple[str, int]:
    """Record a new decision (an older one stays visible as history)."""
    election = _election(election_id)
    refused = _refuse_uncertified(election)
    if refused:
        return refused
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page(election, 400, decision_form=form)
    assert form.decided_on.data is not None
    tracking.record_decision(
        db.session(),
        election,
        decided_on=form.decided_on.data,
        body=form.body.data or "raad",
        outcome=form.outcome.data or "pending",
        explanation=form.explanation.data or "",
        source_url=form.source_url.data or "",
        actor=actor_name(),
    )
    flash(_("Het besluit is vastgelegd en staat op de openbare pagina."), "success")
    return redirect(url_for("follow_up_admin.election", election_id=election.id), 303)


def _project_or_404(election: Election, key: str) -> tracking.ProjectState:
    found = tracking.project(db.session(), election, key)
    if found is None:
        abort(404, description=_("Dit project hoort niet bij de uitslag."))
    return found


def _project_page(
    election: Election, state: tracking.ProjectState, status: int = 200, **context: Any
) -> tuple[str, int]:
    if "progress_form" not in context:
        context["progress_form"] = ProgressForm(
            formdata=None,
            updated_on=town_hall_today(),
            status=state.status,
            progress_percent=state.progress_percent,
            spent=format_amount_field(Fraction(state.spent_cents, 100)),
            granted=format_amount_field(Fraction(state.granted_cents, 100)),
        )
    milestone = MilestoneForm(formdata=None, happened_on=town_hall_today())
    context.setdefault("milestone_form", milestone)
    return (
        render_template(
            "follow_up/admin/project.html", election=election, project=state, **context
        ),
        status,
    )


@bp.get("/opvolging/<int:election_id>/project/<key>")
@role_required("clerk")
def project(election_id: int, key: str) -> tuple[str, int]:
    """One project: its history, a form for its new state and one for a milestone."""
    election = _election(election_id)
    return _project_page(election, _project_or_404(election, key))


@bp.post("/opvolging/<int:election_id>/project/<key>/voortgang")
@role_required("clerk")
def add_progress(election_id: int, key: str) -> Response | tuple[str, int]:
    """Record the project's state today (status, percent, money)."""
    election = _election(election_id)
    refused = _refuse_uncertified(election)
    if refused:
        return refused
    state = _project_or_404(election, key)
    form = ProgressForm()
    if not form.validate_on_submit():
        return _project_page(election, state, 400, progress_form=form)
    assert form.updated_on.data is not None and form.progress_percent.data is not None
    update = tracking.UpdateInput(
        key=key,
        updated_on=form.updated_on.data,
        status=form.status.data or "planned",
        progress_percent=form.progress_percent.data,
        spent_cents=progress_csv.euros_to_cents(form.spent.data or ""),
        granted_cents=progress_csv.euros_to_cents(form.granted.data or ""),
        reason=form.reason.data or "",
    )
    tracking.record_updates(db.session(), election, [update], actor=actor_name())
    flash(_("De voortgang is vastgelegd."), "success")
    return redirect(url_for("follow_up_admin.project", election_id=election.id, key=key), 303)


def _upload_limit() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


def _form_within_limit(form_class: type[Any], limit: int) -> Any | None:
    # A body larger than the limit is refused before it is read.
    if (request.content_length or 0) > limit + 64 * 1024:
        return None
    with contextlib.suppress(AttributeError):
        request.max_content_length = limit + 64 * 1024
    try:
        return form_class()
    except RequestEntityTooLarge:
        return None


@bp.post("/opvolging/<int:election_id>/project/<key>/stap")
@role_required("clerk")
def add_milestone(election_id: int, key: str) -> Response | tuple[str, int]:
    """Add a dated milestone with an optional photo (metadata removed) or PDF."""
    election = _election(election_id)
    refused = _refuse_uncertified(election)
    if refused:
        return refused
    state = _project_or_404(election, key)
    limit = _upload_limit()
    form = _form_within_limit(MilestoneForm, limit)
    if form is None:
        form = MilestoneForm(formdata=None)
        form.upload.errors = [upload_message("too_large")]
        return _project_page(election, state, 413, milestone_form=form)
    if not form.validate_on_submit():
        return _project_page(election, state, 400, milestone_form=form)
    attachment = None
    upload = request.files.get(form.upload.name)
    if upload is not None and upload.filename:
        try:
            attachment = clean_upload(upload.filename, upload.read(limit + 1), limit)
        except UploadRefused as refusal:
            form.upload.errors = [upload_message(refusal.code)]
            return _project_page(election, state, 400, milestone_form=form)
        if (
            attachment.content_type.startswith("image/")
            and not (form.attachment_alt.data or "").strip()
        ):
            form.attachment_alt.errors = [
                _("Beschrijf in een paar woorden wat er op de foto staat.")
            ]
            return _project_page(election, state, 400, milestone_form=form)
    assert form.happened_on.data is not None
    tracking.add_milestone(
        db.session(),
        election,
        key,
        happened_on=form.happened_on.data,
        text=form.text.data or "",
        attachment=attachment,
        attachment_alt=form.attachment_alt.data or "",
        actor=actor_name(),
    )
    flash(_("De stap is toegevoegd."), "success")
    return redirect(url_for("follow_up_admin.project", election_id=election.id, key=key), 303)


@bp.post("/opvolging/<int:election_id>/import")
@role_required("clerk")
def import_csv(election_id: int) -> Response | tuple[str, int]:
    """Many project updates from one CSV file: all rows or none."""
    election = _election(election_id)
    refused = _refuse_uncertified(election)
    if refused:
        return refused
    limit = 2 * 1024 * 1024
    form = _form_within_limit(ImportForm, limit)
    upload = request.files.get("upload") if form is not None else None
    if form is None or not form.validate_on_submit() or upload is None or not upload.filename:
        return _page(
            election,
            413 if form is None else 400,
            import_form=form or ImportForm(formdata=None),
            import_problem=_("Kies een CSV-bestand van hoogstens 2 MB."),
        )
    session = db.session()
    report = progress_csv.check_file(
        upload.read(limit + 1), tracking.projects(session, election), today=town_hall_today()
    )
    if not report.ok:
        lines = [
            _("regel %(line)s: %(problem)s", line=e.line, problem=CSV_MESSAGES[e.code](e.value))
            for e in report.errors
        ]
        if report.missing_columns:
            lines.insert(
                0,
                _("kolommen ontbreken: %(columns)s", columns=", ".join(report.missing_columns)),
            )
        return _page(election, 400, import_form=form, import_errors=lines)
    tracking.record_updates(session, election, report.updates, actor=actor_name())
    flash(
        _("%(count)s projecten bijgewerkt uit het bestand.", count=len(report.updates)), "success"
    )
    return redirect(url_for("follow_up_admin.election", election_id=election.id), 303)


# --- retention ----------------------------------------------------------------------------


def _retention_page(status: int = 200, **context: Any) -> tuple[str, int]:
    session = db.session()
    days = int(current_app.config["RETENTION_DAYS"])
    panels = panel_retention.run(session, days, apply=False, actor=actor_name())
    preview = retention.run(session, days, apply=False, actor=actor_name())
    context.setdefault("form", RetentionForm(formdata=None))
    pending, failed = outbox.waiting(session)
    return (
        render_template(
            "follow_up/admin/retention.html",
            days=days,
            preview=preview,
            panels=panels,
            pending=pending,
            failed=failed,
            **context,
        ),
        status,
    )


@bp.get("/bewaartermijn")
@role_required("clerk")
def retention_preview() -> tuple[str, int]:
    """What the retention run would delete now (a dry run: nothing changes)."""
    return _retention_page()


@bp.post("/bewaartermijn")
@role_required("clerk")
def retention_apply() -> Response | tuple[str, int]:
    """Delete it, after the clerk ticked that they checked the list."""
    form = RetentionForm()
    if not form.validate_on_submit():
        return _retention_page(400, form=form)
    days = int(current_app.config["RETENTION_DAYS"])
    session = db.session()
    # Panels first: the elections' run commits, and so deletes both in one transaction.
    panels = panel_retention.run(session, days, apply=True, actor=actor_name())
    done = retention.run(session, days, apply=True, actor=actor_name())
    if done or not panels:
        flash(
            _(
                "%(rows)s gegevens van %(count)s afgeronde stemmingen zijn verwijderd.",
                rows=sum(p.total for p in done),
                count=len(done),
            ),
            "success",
        )
    if panels:
        flash(
            _(
                "%(rows)s aanmeldingen en uitnodigingen van %(count)s afgeronde "
                "burgerberaden zijn verwijderd.",
                rows=sum(p.total for p in panels),
                count=len(panels),
            ),
            "success",
        )
    return redirect(url_for("follow_up_admin.retention_preview"), 303)
