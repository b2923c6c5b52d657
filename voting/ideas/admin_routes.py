"""Clerks: merge duplicate ideas (the feasibility verdict with its public reason and the
cost correction with its public note are the proposal review and edit screens)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug import Response

from voting import db
from voting.auth import actor_name, role_required
from voting.elections import SetupError
from voting.error_words import explain
from voting.ideas import service
from voting.ideas.forms import MergeForm, PaperIdeaForm
from voting.ideas.routes import idea_form_context, place_problem, read_idea
from voting.models import Election, Option
from voting.processes.lookup import find_process_code

bp = Blueprint("ideas_admin", __name__)


@bp.app_context_processor
def merge_helpers() -> dict[str, Any]:
    """``merge_targets(option)``: the proposals ``option`` can be merged into."""
    return {"merge_targets": merge_targets}


def merge_targets(option: Option) -> list[Option]:
    """The other proposals of the same buurtbudget still in the running."""
    return [
        o
        for o in option.election.options
        if o.id != option.id
        and o.review_status in ("submitted", "accepted")
        and o.merged_into_id is None
    ]


@bp.post("/verkiezing/<int:election_id>/opties/<int:option_id>/samenvoegen")
@role_required("clerk")
def merge(election_id: int, option_id: int) -> Response:
    """Merge a duplicate proposal into another one."""
    session = db.session()
    election = session.get(Election, election_id)
    option = session.get(Option, option_id)
    if election is None or option is None or option.election_id != election.id:
        abort(404)
    form = MergeForm()
    form.into.choices = [(o.id, o.key) for o in merge_targets(option)]
    if not form.validate_on_submit():
        flash(
            _(
                "Kies het voorstel om mee samen te voegen en vink aan dat het niet ongedaan "
                "kan worden gemaakt."
            ),
            "error",
        )
        return redirect(url_for("setup.options", election_id=election.id))
    into = session.get(Option, form.into.data)
    assert into is not None
    try:
        service.merge(session, option, into, actor=actor_name())
    except service.IdeaError as error:
        session.rollback()
        flash(explain(error), "error")
        return redirect(url_for("setup.options", election_id=election.id))
    flash(_("%(key)s is samengevoegd met %(into)s.", key=option.key, into=into.key), "success")
    return redirect(url_for("setup.options", election_id=election.id))


@bp.route("/verkiezing/<int:election_id>/idee-op-papier", methods=["GET", "POST"])
@role_required("clerk")
def paper_idea(election_id: int) -> str | Response | tuple[str, int]:
    """A resident's idea on paper (or told at the desk), entered by the clerk with the
    code from the resident's letter: it counts towards that code's limit like an idea
    sent in online."""
    session = db.session()
    election = session.get(Election, election_id)
    if election is None or not election.is_budget:
        abort(404)
    form = PaperIdeaForm()
    problem = None
    placed: dict[str, Any] = {}
    if request.method == "POST" and form.validate_on_submit():
        code = find_process_code(session, current_app.config["CODE_PEPPER"], form.code.data or "")
        stage = service.stage_taking_ideas(session, election)
        if stage is None:
            problem = explain(service.IdeaError("ideas_closed"))
        elif code is None or code.process_id != stage.process_id or code.revoked_at is not None:
            problem = _("Deze code hoort bij geen werkende brief van dit traject.")
        else:
            try:
                text, lines, image = read_idea(form)
                option = service.submit_idea(
                    session, election, text, lines, actor=actor_name(), code=code, image=image
                )
            except (service.IdeaError, SetupError) as error:
                session.rollback()
                placed = place_problem(form, error)
            else:
                flash(_("Het idee is ingevoerd als %(key)s.", key=option.key), "success")
                return redirect(url_for("setup.options", election_id=election.id), 303)
    status = 422 if request.method == "POST" else 200
    context = idea_form_context(election, form, **{"problem": problem, **placed})
    return render_template("ideas/paper.html", **context), status
