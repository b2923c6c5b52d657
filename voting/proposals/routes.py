"""Organisers and residents: proposals of a buurtbudget."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug import Response

from voting import db, elections
from voting.admin.setup_forms import option_values
from voting.auth import actor_name, role_required
from voting.ideas import service as ideas
from voting.ideas.routes import place_problem
from voting.models import Election, Option
from voting.proposals.forms import ProposalForm

bp = Blueprint("proposals", __name__)


def _details(form: ProposalForm, option: Option) -> None:
    """Theme, place, cost lines (optional; they must add up to the cost) and a photo.
    Raises :class:`voting.ideas.service.IdeaError`."""
    lines = None
    if ideas.has_cost_rows(request.form):
        lines = ideas.parse_cost_lines(request.form, form.cost.data)
    image = None
    upload = form.image.data
    if upload is not None and getattr(upload, "filename", ""):
        limit = int(current_app.config.get("UPLOAD_MAX_BYTES", ideas.DEFAULT_IMAGE_MAX_BYTES))
        image = ideas.image_attachment(upload.filename or "", upload.read(limit + 1), limit)
    ideas.set_details(
        db.session(),
        option,
        theme=form.theme.data or "",
        location=form.location.data or "",
        lines=lines,
        image=image,
    )


def _form_page(
    form: ProposalForm,
    election: Election,
    option: Option | None = None,
    placed: dict[str, Any] | None = None,
) -> tuple[str, int]:
    rows = [
        (n, request.form.get(f"kosten-post-{n}", ""), request.form.get(f"kosten-bedrag-{n}", ""))
        for n in range(1, ideas.MAX_COST_LINES + 1)
    ]
    if option is not None and request.method == "GET":
        for n, line in enumerate(option.cost_lines[: ideas.MAX_COST_LINES], 1):
            rows[n - 1] = (n, line["item"], str(line["amount"]))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "proposals/form.html",
        form=form,
        election=election,
        option=option,
        themes=ideas.themes_for(db.session(), election),
        cost_rows=rows,
        **(placed or {}),
    ), status


def _budget_election(slug: str) -> Election:
    election = db.session().scalar(select(Election).where(Election.slug == slug))
    if election is None or not election.is_budget:
        abort(404)
    return election


@bp.get("/<slug>")
def listing(slug: str) -> str:
    """The accepted proposals of a buurtbudget, public."""
    election = _budget_election(slug)
    return render_template(
        "proposals/listing.html", election=election, proposals=election.accepted_options()
    )


@bp.get("/mijn")
@role_required("organiser")
def mine() -> str:
    """The organiser's proposals with the clerk's verdict, and the budgets that take
    proposals now."""
    session = db.session()
    proposals = session.scalars(
        select(Option).where(Option.organiser_id == current_user.id).order_by(Option.id)
    ).all()
    open_calls = session.scalars(
        select(Election).where(Election.kind == "budget", Election.phase == "proposals")
    ).all()
    return render_template("proposals/mine.html", proposals=proposals, open_calls=open_calls)


@bp.route("/<slug>/indienen", methods=["GET", "POST"])
@role_required("organiser")
def submit(slug: str) -> str | Response:
    """Submit a proposal while the buurtbudget takes proposals."""
    election = _budget_election(slug)
    if election.phase != "proposals":
        flash(_("Voor dit buurtbudget kunt u nu geen voorstellen indienen."), "error")
        return redirect(url_for("proposals.mine"))
    form = ProposalForm()
    placed: dict[str, Any] = {}
    if form.validate_on_submit():
        session = db.session()
        try:
            option = elections.add_option(
                session,
                election,
                **option_values(form),
                actor=actor_name(),
                organiser_id=current_user.id,
                submitter_name=current_user.display_name or current_user.username,
                review_status="submitted",
            )
            _details(form, option)
        except (elections.SetupError, ideas.IdeaError) as error:
            session.rollback()
            placed = place_problem(form, error, total="cost")
        else:
            session.commit()
            flash(_("Uw voorstel is ingediend. De gemeente bekijkt het."), "success")
            return redirect(url_for("proposals.mine"))
    return _form_page(form, election, placed=placed)


@bp.route("/bewerken/<int:option_id>", methods=["GET", "POST"])
@role_required("organiser")
def edit(option_id: int) -> str | Response:
    """Change one's own proposal while proposals are open; a rejected proposal that
    is changed goes back to the clerk."""
    session = db.session()
    option = session.get(Option, option_id)
    if option is None or option.organiser_id != current_user.id:
        abort(404)
    election = option.election
    if election.phase != "proposals":
        flash(_("Dit voorstel kan niet meer worden gewijzigd."), "error")
        return redirect(url_for("proposals.mine"))
    form = ProposalForm(obj=option)
    placed: dict[str, Any] = {}
    if form.validate_on_submit():
        try:
            elections.update_option(
                session,
                option,
                **option_values(form),
                actor=actor_name(),
            )
            _details(form, option)
        except (elections.SetupError, ideas.IdeaError) as error:
            session.rollback()
            placed = place_problem(form, error, total="cost")
        else:
            option.review_status = "submitted"
            session.commit()
            flash(_("Uw voorstel is gewijzigd."), "success")
            return redirect(url_for("proposals.mine"))
    return _form_page(form, election, option, placed)
