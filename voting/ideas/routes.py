"""Residents send in ideas with their process letter's code; anyone reads a proposal's
own page and sees its photo.

The code is checked as on the voting page (typo, unknown, replaced) and rate-limited
the same way; it is never used up by an idea. The signed session then holds only the
process code row's id and the buurtbudget, for at most ``IDEA_SESSION_MINUTES``.
"""

from __future__ import annotations

import time
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from voting import code_limits, codes, db
from voting.error_words import explain
from voting.extensions import limiter
from voting.ideas import service
from voting.ideas.forms import IdeaCodeForm, IdeaForm
from voting.models import Attachment, Election, Option, ProcessCode
from voting.processes.lookup import find_process_code
from voting.vote.routes import CODE_LIMIT_PER_CLIENT, TOO_MANY, client_address

bp = Blueprint("ideas", __name__)


@bp.app_context_processor
def idea_helpers() -> dict[str, Any]:
    """``ideas_open_for(election)``: True while residents can send in ideas for it."""
    return {"ideas_open_for": _ideas_open_for}


def _ideas_open_for(election: Election) -> bool:
    return service.stage_taking_ideas(db.session(), election) is not None


IDEA = "idea"  # session key: {"c": process code row id, "e": election id, "t": time}
DEFAULT_IDEA_MINUTES = 30


def _budget(slug: str) -> Election:
    election = db.session().scalar(select(Election).where(Election.slug == slug))
    if election is None or not election.is_budget:
        abort(404)
    return election


def _failed(_response: Response) -> bool:
    return bool(g.get("code_attempt_failed", False))


def _code_problem(entered: str) -> str | None:
    problem = codes.problem(entered)
    if problem is codes.CodeProblem.EMPTY:
        return _("Vul de code uit uw brief in.")
    if problem is codes.CodeProblem.CHECK_FAILED:
        return _("Er zit een tikfout in de code. Vergelijk ieder teken nog eens met uw brief.")
    if problem is not None:
        return _("Een code heeft 17 tekens: vier groepen van vier en dan nog één.")
    return None


@bp.route("/ideeen/<slug>", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config.get("CODE_LIMIT_PER_CLIENT", CODE_LIMIT_PER_CLIENT),
    key_func=client_address,
    methods=["POST"],
    deduct_when=_failed,
    error_message=lambda: str(TOO_MANY),
)
def start(slug: str) -> str | Response | tuple[str, int]:
    """Code entry for sending in ideas to the buurtbudget ``slug``."""
    election = _budget(slug)
    dbs = db.session()
    stage = service.stage_taking_ideas(dbs, election)
    if stage is None:
        return render_template("ideas/closed.html", election=election), 409
    form = IdeaCodeForm()
    if request.method == "GET":
        return render_template("ideas/code.html", form=form, election=election)
    entered = form.code.data or ""
    problem = _code_problem(entered)
    if problem is None:
        code = find_process_code(dbs, current_app.config["CODE_PEPPER"], entered)
        if code is None or code.process_id != stage.process_id:
            g.code_attempt_failed = True
            if not code_limits.record_failed_attempt():
                abort(429, description=str(TOO_MANY))
            problem = _(
                "Deze code hoort niet bij dit traject. Kijk of u de code uit de juiste "
                "brief gebruikt."
            )
        elif code.revoked_at is not None:
            problem = _(
                "Deze code werkt niet meer: u heeft een nieuwe brief gekregen. Gebruik de "
                "code uit uw nieuwste brief."
            )
        else:
            session.pop(IDEA, None)
            session[IDEA] = {"c": code.id, "e": election.id, "t": int(time.time())}
            return redirect(url_for("ideas.write", slug=slug), 303)
    return render_template("ideas/code.html", form=form, election=election, problem=problem), 422


def _visit(election: Election) -> ProcessCode | None:
    state = session.get(IDEA)
    if not isinstance(state, dict) or state.get("e") != election.id:
        return None
    minutes = int(current_app.config.get("IDEA_SESSION_MINUTES", DEFAULT_IDEA_MINUTES))
    if time.time() - float(state.get("t", 0)) > minutes * 60:
        session.pop(IDEA, None)
        return None
    code = db.session().get(ProcessCode, int(state.get("c", 0)))
    if code is None or code.revoked_at is not None:
        session.pop(IDEA, None)
        return None
    state["t"] = int(time.time())
    session.modified = True
    return code


# Problems that belong to one field of the form: shown at that field (and linked from
# the summary) instead of only at the top. ``total`` is the organiser's ``cost``.
_PROBLEM_FIELDS = {
    "cost_lines_sum": "total",
    "idea_total_zero": "total",
    "image_type": "image",
    "image_too_large": "image",
    "image_broken": "image",
    "theme_unknown": "theme",
}


def place_problem(form: Any, error: Exception, *, total: str = "total") -> dict[str, Any]:
    """Put ``error`` where the resident will look for it: on its form field (``total``
    names the field that holds the total), or, for one cost line, at that line (the
    template marks the line's box; the summary links to it). Returns the template's
    ``problem`` and ``problem_at`` (the id of the box), empty when the field has it."""
    text = explain(error)  # type: ignore[arg-type]
    code = getattr(error, "code", "")
    name = total if _PROBLEM_FIELDS.get(code) == "total" else _PROBLEM_FIELDS.get(code)
    if name is not None and name in form:
        form[name].errors = [*form[name].errors, text]
        return {"problem": None, "problem_at": None}
    line = getattr(error, "params", {}).get("line", 1)
    if code in ("cost_line_item", "cost_lines_missing"):
        return {"problem": text, "problem_at": f"kosten-post-{line}"}
    if code == "cost_line_amount":
        return {"problem": text, "problem_at": f"kosten-bedrag-{line}"}
    return {"problem": text, "problem_at": None}


def idea_form_context(election: Election, form: IdeaForm, **extra: Any) -> dict[str, Any]:
    """What the idea form template needs: the themes to choose from and the cost rows
    as sent (so nothing typed is lost on an error)."""
    rows = [
        (
            n,
            request.form.get(f"kosten-post-{n}", ""),
            request.form.get(f"kosten-bedrag-{n}", ""),
        )
        for n in range(1, service.MAX_COST_LINES + 1)
    ]
    return {
        "election": election,
        "form": form,
        "themes": service.themes_for(db.session(), election),
        "cost_rows": rows,
        **extra,
    }


def read_idea(
    form: IdeaForm,
) -> tuple[service.IdeaText, list[service.CostLine], Attachment | None]:
    """The idea in ``form`` and the request's cost rows and photo; raises
    :class:`voting.ideas.service.IdeaError`."""
    lines = service.parse_cost_lines(request.form, form.total.data)
    image = None
    upload = form.image.data
    if upload is not None and getattr(upload, "filename", ""):
        limit = int(current_app.config.get("UPLOAD_MAX_BYTES", service.DEFAULT_IMAGE_MAX_BYTES))
        image = service.image_attachment(upload.filename or "", upload.read(limit + 1), limit)
    text = service.IdeaText(
        title=form.title.data or "",
        summary=form.summary.data or "",
        description=form.description.data or "",
        theme=form.theme.data or "",
        location=form.location.data or "",
        submitter_name=form.submitter_name.data or "",
    )
    return text, lines, image


@bp.route("/ideeen/<slug>/idee", methods=["GET", "POST"])
def write(slug: str) -> str | Response | tuple[str, int]:
    """The idea form; on a good idea: store it for the clerk to check."""
    election = _budget(slug)
    dbs = db.session()
    code = _visit(election)
    if code is None:
        return redirect(url_for("ideas.start", slug=slug), 303)
    stage = service.stage_taking_ideas(dbs, election)
    if stage is None:
        return render_template("ideas/closed.html", election=election), 409
    left = service.ideas_left(dbs, stage.process, code)
    form = IdeaForm()
    if left <= 0:
        return render_template(
            "ideas/limit.html", election=election, limit=stage.process.ideas_per_code
        ), 409
    if request.method == "GET":
        return render_template("ideas/form.html", **idea_form_context(election, form, left=left))
    placed: dict[str, Any] = {}
    if form.validate_on_submit():
        try:
            text, lines, image = read_idea(form)
            option = service.submit_idea(
                dbs, election, text, lines, actor="bewoner", code=code, image=image
            )
        except (service.IdeaError, service.elections.SetupError) as error:
            dbs.rollback()
            placed = place_problem(form, error)
        else:
            flash(
                _("Uw idee is ingediend. De gemeente bekijkt of het kan."),
                "success",
            )
            return redirect(url_for("ideas.detail", slug=slug, key=option.key), 303)
    context = idea_form_context(election, form, left=left, **placed)
    return render_template("ideas/form.html", **context), 422


@bp.post("/ideeen/<slug>/stoppen")
def stop(slug: str) -> Response:
    """End the idea visit in this browser (for shared computers)."""
    session.pop(IDEA, None)
    flash(_("U bent gestopt. Uw code werkt nog voor de stemmingen."), "info")
    return redirect(url_for("vote.index"), 303)


# --- Public pages ----------------------------------------------------------------------


@bp.get("/voorstel/<slug>/<key>")
def detail(slug: str, key: str) -> str:
    """A proposal's own page: what, where, theme, cost lines, photo, the clerk's check
    and correction, and what it was merged with."""
    election = _budget(slug)
    dbs = db.session()
    option = dbs.scalar(select(Option).where(Option.election_id == election.id, Option.key == key))
    if option is None or option.review_status == "withdrawn":
        abort(404)
    into = dbs.get(Option, option.merged_into_id) if option.merged_into_id else None
    return render_template(
        "ideas/detail.html",
        election=election,
        option=option,
        into=into,
        merged=service.merged_into(dbs, option),
        visit_open=session.get(IDEA) is not None,
    )


@bp.get("/voorstel/foto/<attachment_id>")
def image(attachment_id: str) -> Response:
    """The photo of a proposal whose page is public (every proposal but a withdrawn
    one); clerks see every photo."""
    dbs = db.session()
    option = dbs.scalar(select(Option).where(Option.image_id == attachment_id))
    attachment = dbs.get(Attachment, attachment_id) if option is not None else None
    if attachment is None or not attachment.content_type.startswith("image/"):
        abort(404)
    staff = current_user.is_authenticated and current_user.has_role("clerk")
    if option is not None and option.review_status == "withdrawn" and not staff:
        abort(404)
    response = Response(attachment.data, mimetype=attachment.content_type)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response
