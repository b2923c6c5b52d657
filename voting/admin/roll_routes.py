"""Clerks: the voter roll of one election. Check a register, import it and download the
letters in the same request, follow the progress, reissue a lost letter.

The register is read in memory and never written to disk: the upload views parse
their own request with an in-memory stream (Werkzeug would spool uploads over 500 KB
to a temporary file) and check the CSRF token through their form instead of the
global check, which would parse the upload before they could say so.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import IO, Any, TypeVar

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.exceptions import RequestEntityTooLarge

from voting import audit, db, elections, roll, setup_checks
from voting.admin.roll_forms import RegisterCheckForm, RegisterImportForm, ReissueForm
from voting.auth import actor_name, role_required
from voting.documents.letters import (
    LetterContext,
    letters_pdf,
    stream_letters_pdf,
    stream_letters_zip,
    stream_mail_merge,
)
from voting.error_words import explain
from voting.extensions import csrf
from voting.labels import REASON_LABELS
from voting.models import AuditEvent, Election, Process, VotingCode
from voting.processes.service import process_of
from voting.roll import Letter
from voting.roll_import import (
    Eligibility,
    RegisterCheck,
    RegisterError,
    Resident,
    normalise_postcode,
    read_register,
)

bp = Blueprint("roll", __name__)
UploadForm = TypeVar("UploadForm", bound=RegisterCheckForm)

MAX_UPLOAD = 50 * 1024 * 1024  # a register of 250,000 residents is about 25 MB
CLOSED_PHASES = ("closed", "counted", "certified")


@bp.app_context_processor
def roll_helpers() -> dict[str, Any]:
    """``roll_counts(election)`` and ``roll_last_run(election)`` for the panel on the
    clerk's election page."""
    return {"roll_counts": _counts, "roll_last_run": last_run}


def _counts(election: Election) -> dict[str, int]:
    return roll.roll_counts(db.session(), election.id)


def _election(election_id: int) -> Election:
    election = db.session().get(Election, election_id)
    if election is None:
        abort(404)
    return election


def _memory_stream(
    total_content_length: int | None,
    content_type: str | None,
    filename: str | None = None,
    content_length: int | None = None,
) -> IO[bytes]:
    return io.BytesIO()


def _upload_form(form_class: type[UploadForm]) -> UploadForm | None:
    """The upload form of this request, parsed in memory; None if the upload is too
    large."""
    limit = int(current_app.config.get("ROLL_MAX_UPLOAD", MAX_UPLOAD))
    if (request.content_length or 0) > limit:
        return None
    # Flask 3.1 takes a per-request limit (it also stops a body sent without a length).
    with contextlib.suppress(AttributeError):
        request.max_content_length = limit
    # The form parser asks the request for a stream per uploaded file; this request
    # gets memory instead of Werkzeug's temporary file on disk.
    request._get_file_stream = _memory_stream  # type: ignore[method-assign]
    try:
        return form_class()
    except RequestEntityTooLarge:
        return None


def _page(election: Election, status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("check_form", RegisterCheckForm(formdata=None))
    context.setdefault("import_form", RegisterImportForm(formdata=None))
    context.setdefault("reissue_form", ReissueForm(formdata=None))
    try:
        rules: Eligibility | None = Eligibility.for_election(election)
        rules_error = ""
    except RegisterError as error:
        rules, rules_error = None, explain(error)
    return (
        render_template(
            "admin/roll/index.html",
            election=election,
            counts=_counts(election),
            rules=rules,
            rules_error=rules_error,
            locked=elections.options_locked(election),
            letters_refusal=setup_checks.letters_refusal(election),
            letters_warning=setup_checks.letters_warning(election),
            run=last_run(election),
            reason_labels=REASON_LABELS,
            **context,
        ),
        status,
    )


def _too_large(election: Election) -> tuple[str, int]:
    limit = int(current_app.config.get("ROLL_MAX_UPLOAD", MAX_UPLOAD)) // (1024 * 1024)
    return _page(
        election,
        413,
        problem=_(
            "Het bestand is te groot: de grens is %(limit)d MB. Splits het bestand in "
            "delen, bijvoorbeeld per wijk.",
            limit=limit,
        ),
    )


@bp.get("/")
@role_required("clerk")
def index(election_id: int) -> tuple[str, int]:
    """The roll: counts, the rules, check and import forms, reissue."""
    return _page(_election(election_id))


@bp.post("/controleren")
@csrf.exempt
@role_required("clerk")
def check(election_id: int) -> tuple[str, int]:
    """Check a register against the election's rules; store nothing but counts in the
    audit log."""
    election = _election(election_id)
    form = _upload_form(RegisterCheckForm)
    if form is None:
        return _too_large(election)
    if not form.validate_on_submit():
        return _page(election, 400, check_form=form)
    report, problem = _read(election, form)
    if report is None:
        return _page(election, 409, check_form=form, problem=problem)
    session = db.session()
    audit.record(
        session,
        actor_name(),
        "roll.check",
        election_id=election.id,
        rows=report.rows,
        eligible=len(report.residents),
        not_eligible=len(report.not_eligible),
        bad=report.counts(),
    )
    session.commit()
    return _page(election, check_form=form, report=report)


def _read(election: Election, form: RegisterCheckForm) -> tuple[RegisterCheck | None, str]:
    try:
        rules = Eligibility.for_election(election)
    except RegisterError as error:
        return None, _(
            "Het postcodefilter van deze verkiezing klopt niet: %(e)s",
            e=explain(error),
        )
    return read_register(form.register.data.read(), rules), ""


@bp.post("/importeren")
@csrf.exempt
@role_required("clerk")
def import_letters(election_id: int) -> Response | tuple[str, int]:
    """Import the register and stream the letters back in the same response: codes
    exist in plain text only while they are printed."""
    election = _election(election_id)
    form = _upload_form(RegisterImportForm)
    if form is None:
        return _too_large(election)
    if not form.validate_on_submit():
        return _page(election, 400, import_form=form)
    if elections.options_locked(election):
        return _page(
            election,
            409,
            import_form=form,
            problem=_(
                "De kiezerslijst ligt vast: het stemmen is begonnen. U kunt alleen nog een "
                "nieuwe brief maken voor een bewoner die zijn brief kwijt is."
            ),
        )
    refusal = _process_refusal(election) or setup_checks.letters_refusal(election)
    if refusal:
        return _page(election, 409, import_form=form, problem=refusal)
    report, problem = _read(election, form)
    if report is None:
        return _page(election, 409, import_form=form, problem=problem)
    unusable = register_unusable(report, form)
    if unusable:
        return _page(election, 422, import_form=form, report=report, problem=unusable)
    context = LetterContext.for_election(election, current_app.config)
    return letters_response(context, form, report.residents, election, roll.import_residents)


def register_unusable(report: RegisterCheck, form: RegisterImportForm) -> str | None:
    """Why nothing can be imported from ``report`` (bad rows the clerk did not choose
    to skip, or no one left who may vote), or ``None`` when it can."""
    if report.fatal or (report.errors and not form.skip_bad_rows.data):
        return _(
            "Er is niets geïmporteerd: het bestand heeft foute regels. Verbeter ze, of "
            "kies 'Foute regels overslaan'."
        )
    if not report.residents:
        return _("Er staat niemand in het bestand die mag stemmen.")
    return None


def letters_response(
    context: LetterContext,
    form: RegisterImportForm,
    residents: Sequence[Resident],
    target: Election | Process,
    import_residents: Callable[..., Iterator[list[Letter]]],
) -> Response:
    """The letters for ``residents`` as a download that streams while they are made:
    ``import_residents(session, target, residents, pepper, actor=, reissue_unused=)``
    (:func:`voting.roll.import_residents` for an election,
    :func:`voting.processes.roll.import_residents` for a process) puts them on the roll
    batch by batch, and ``form`` says the output: one PDF, the mail-merge CSV or a ZIP
    of both.

    The import runs after the request has ended (its session is closed by then), so
    it gets a session of its own that is closed when the download ends, breaks off or
    fails: a failed batch is rolled back and its connection given back at once,
    instead of waiting in an open transaction, with the locks of the rows it wrote,
    for the garbage collector."""
    kind, target_id = type(target), target.id
    pepper = current_app.config["CODE_PEPPER"]
    actor, reissue_unused = actor_name(), bool(form.reissue_unused.data)

    def letters() -> Iterator[list[Letter]]:
        with db.new_session() as session:
            yield from import_residents(
                session,
                session.get_one(kind, target_id),
                residents,
                pepper,
                actor=actor,
                reissue_unused=reissue_unused,
            )

    output = form.output.data
    if output == "pdf":
        body, mimetype, suffix = stream_letters_pdf(context, letters()), "application/pdf", "pdf"
    elif output == "csv":
        body, mimetype, suffix = stream_mail_merge(context, letters()), "text/csv", "csv"
    else:
        body, mimetype, suffix = stream_letters_zip(context, letters()), "application/zip", "zip"
    return Response(
        stream_with_context(body),
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="brieven-{target.slug}.{suffix}"',
            "Cache-Control": "no-store",
            "X-Residents-Total": str(len(residents)),
        },
    )


def last_run(election: Election) -> dict[str, Any] | None:
    """The latest import of ``election``: when, how many residents, how many codes
    issued since it started, and whether it finished (with its counts)."""
    session = db.session()
    start = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.election_id == election.id, AuditEvent.action == "roll.import.start")
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    if start is None:
        return None
    finish = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.election_id == election.id,
            AuditEvent.action == "roll.import.finish",
            AuditEvent.id > start.id,
        )
        .limit(1)
    ).first()
    issued = session.scalar(
        select(func.count())
        .select_from(VotingCode)
        .where(VotingCode.election_id == election.id, VotingCode.issued_at >= start.at)
    )
    total = int(start.details.get("total", 0))
    return {
        "id": start.id,
        "at": start.at,
        "actor": start.actor,
        "total": total,
        "done": min(int(issued or 0), total),
        "finished": finish is not None,
        "counts": finish.details if finish is not None else {},
    }


@bp.get("/voortgang")
@role_required("clerk")
def progress(election_id: int) -> str:
    """How far the latest import and letter run is (refreshes itself while it runs)."""
    election = _election(election_id)
    return render_template("admin/roll/progress.html", election=election, run=last_run(election))


@bp.get("/voortgang.json")
@role_required("clerk")
def progress_json(election_id: int) -> dict[str, Any]:
    """The latest run as JSON, for the import page's progress line (roll.js)."""
    run = last_run(_election(election_id))
    if run is None:
        return {"id": None}
    return {key: run[key] for key in ("id", "total", "done", "finished")}


@bp.post("/nieuwe-brief")
@role_required("clerk")
def reissue(election_id: int) -> Response | tuple[str, int]:
    """Look a resident up, or revoke their unused code and print one new letter."""
    election = _election(election_id)
    form = ReissueForm()
    if not form.validate_on_submit():
        return _page(election, 400, reissue_form=form)
    session = db.session()
    pepper = current_app.config["CODE_PEPPER"]
    reference = (form.person_reference.data or "").strip()
    if not form.print_letter.data:
        status = roll.lookup(session, election, pepper, reference)
        audit.record(
            session, actor_name(), "roll.lookup", election_id=election.id, found=status.on_roll
        )
        session.commit()
        return _page(election, reissue_form=form, lookup_status=status)
    if election.phase in CLOSED_PHASES:
        return _page(election, 409, reissue_form=form, problem=_("De stemming is voorbij."))
    refusal = _process_refusal(election)
    if refusal:
        return _page(election, 409, reissue_form=form, problem=refusal)
    resident, problem = _resident(form, reference)
    if resident is None:
        return _page(election, 400, reissue_form=form, problem=problem)
    try:
        code = roll.reissue(session, election, pepper, reference, actor=actor_name())
    except roll.NotOnRoll as error:
        return _page(election, 404, reissue_form=form, problem=explain(error))
    except roll.AlreadyVoted as error:
        return _page(election, 409, reissue_form=form, problem=explain(error))
    context = LetterContext.for_election(election, current_app.config)
    pdf = letters_pdf(context, [[roll.Letter(resident, code)]])
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="nieuwe-brief.pdf"',
            "Cache-Control": "no-store",
        },
    )


def _process_refusal(election: Election) -> str | None:
    """A stage of a process gets its letters from the process: one letter, one code
    for every stage (voting.processes.letter_routes)."""
    process = process_of(db.session(), election)
    if process is None:
        return None
    return _(
        "Deze verkiezing is een stap van het traject '%(title)s'. Maak de brieven en "
        "nieuwe brieven bij het traject: één brief met één code voor alle stappen.",
        title=process.title,
    )


def _resident(form: ReissueForm, reference: str) -> tuple[Resident | None, str]:
    fields = {
        "name": (form.name.data or "").strip(),
        "address": (form.address.data or "").strip(),
        "postcode": (form.postcode.data or "").strip(),
        "town": (form.town.data or "").strip(),
    }
    if not all(fields.values()):
        return None, _("Vul naam, adres, postcode en woonplaats in: die komen op de brief.")
    postcode = normalise_postcode(fields["postcode"])
    if postcode is None:
        return None, _("Dat is geen Nederlandse postcode (zoals 6921 AB).")
    return (
        Resident(
            line=0,
            person_reference=reference,
            name=fields["name"],
            address=fields["address"],
            postcode=postcode,
            town=fields["town"],
            birth_date=date(1900, 1, 1),  # not printed; eligibility was checked at import
        ),
        "",
    )
