"""Residents and the public: sign up with the letter's code, and the panel's page
(quotas, how the draw works, probabilities per group, the advice, the record)."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, render_template
from sqlalchemy import select

from ballots.panels.draw import PROCEDURE as DRAW_PROCEDURE
from ballots.panels.sampling import PROCEDURE as SAMPLE_PROCEDURE
from voting import code_limits, db
from voting.extensions import limiter
from voting.follow_up import tracking
from voting.models import Panel, PanelInvitation
from voting.panels import contact, drawing, service
from voting.panels.chart import group_probabilities, probability_svg
from voting.panels.forms import signup_answers, signup_form
from voting.panels.service import PanelError, SignupAnswers
from voting.panels.setup import categories_from_json
from voting.panels.words import error_text, phase_label
from voting.vote.routes import CODE_LIMIT_PER_CLIENT, TOO_MANY, client_address

bp = Blueprint("panels", __name__)


@bp.app_context_processor
def panel_helpers() -> dict[str, Any]:
    """``panel_of(election)``: the panel whose advice ``election`` puts to everyone."""

    def panel_of(election: Any) -> Panel | None:
        if election is None or getattr(election, "id", None) is None:
            return None
        return db.session().scalar(select(Panel).where(Panel.referendum_id == election.id))

    return {"panel_of": panel_of}


def _panel(slug: str) -> Panel:
    panel = db.session().scalar(select(Panel).where(Panel.slug == slug))
    if panel is None or panel.phase == "draft":
        abort(404)
    return panel


def _failed(_response: Response) -> bool:
    return bool(g.get("panel_code_failed", False))


@bp.get("/burgerberaad/")
def index() -> str:
    """Every panel past its draft."""
    panels = (
        db.session().scalars(select(Panel).where(Panel.phase != "draft").order_by(Panel.id)).all()
    )
    return render_template("panels/public_list.html", panels=panels, phase_label=phase_label)


@bp.get("/burgerberaad/<slug>")
def show(slug: str) -> str:
    """The panel's public page."""
    panel = _panel(slug)
    session = db.session()
    record = json.loads(panel.record_json) if panel.record_json else None
    stored = json.loads(panel.portfolio_json) if panel.portfolio_json else None
    chart = rows = None
    if stored:
        members = [
            {"id": m, "values": p["values"]}
            for p in stored["portfolio"]["profiles"]
            for m in p["members"]
        ]
        rows = group_probabilities(panel.categories, members, stored["probabilities"])
        chart = probability_svg(rows, "Kans om geloot te worden per groep")
    final = None
    if record:
        from ballots.panels.record import final_panel

        final = final_panel(record)
    return render_template(
        "panels/public.html",
        panel=panel,
        phase_label=phase_label,
        quotas=categories_from_json(panel.categories),
        record=record,
        stored=stored,
        rows=rows,
        chart=chart,
        final=final,
        sample_procedure=SAMPLE_PROCEDURE,
        draw_procedure=DRAW_PROCEDURE,
        pool_size=len(service.pool(session, panel)) if panel.phase in ("signup", "draw") else None,
        seated=len(drawing.seated(session, panel)) if record else 0,
        decisions=tracking.advice_decisions(session, panel),
    )


@bp.get("/burgerberaad/<slug>/verslag.json")
def record(slug: str) -> Response:
    """The signed panel record."""
    panel = _panel(slug)
    if not panel.record_json:
        abort(404)
    return Response(
        panel.record_json,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{panel.slug}-verslag.json"'},
    )


@bp.route("/burgerberaad/<slug>/aanmelden", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config.get("CODE_LIMIT_PER_CLIENT", CODE_LIMIT_PER_CLIENT),
    key_func=client_address,
    methods=["POST"],
    deduct_when=_failed,
    error_message=lambda: str(TOO_MANY),
)
def signup(slug: str) -> str | tuple[str, int]:
    """Sign up: the code from the letter and the panel's questions, on one page."""
    panel = _panel(slug)
    if panel.phase != "signup":
        return render_template("panels/signup_closed.html", panel=panel), 200
    form = signup_form(panel)
    if form.is_submitted():
        valid = form.validate()
        # The code is looked up even when an answer is missing, so a wrong code is in
        # the same list of problems, not found only after everything else is fixed.
        invitation = _invitation(panel, form)
        if valid and invitation is not None:
            session = db.session()
            try:
                service.sign_up(
                    session,
                    panel,
                    invitation,
                    _reply(panel, form),
                    key=contact.contact_key(current_app.config),
                )
            except PanelError as error:
                form.code.errors = [*form.code.errors, error_text(error)]
            else:
                session.commit()
                return render_template("panels/signup_done.html", panel=panel)
    status = 400 if form.is_submitted() else 200
    return render_template("panels/signup.html", panel=panel, form=form), status


def _invitation(panel: Panel, form: Any) -> PanelInvitation | None:
    """The unused invitation of the entered code, or None with the reason added to the
    code field's errors (nothing added when the code field is empty: it says so)."""
    if form.code.errors or not (form.code.data or "").strip():
        return None
    try:
        return service.find_invitation(
            db.session(), panel, current_app.config["CODE_PEPPER"], form.code.data
        )
    except PanelError as error:
        g.panel_code_failed = error.code in ("typo", "unknown")
        # The global limit counts after the code (voting.code_limits): a right code is
        # never refused because others guessed.
        if g.panel_code_failed and not code_limits.record_failed_attempt():
            abort(429, description=str(TOO_MANY))
        form.code.errors = [*form.code.errors, error_text(error)]
        return None


def _reply(panel: Panel, form: Any) -> SignupAnswers:
    return SignupAnswers(
        answers=signup_answers(panel, form),
        available=form.available.data if "available" in form else [],
        consent=bool(form.consent.data),
        phone=form.phone.data if "phone" in form else "",
        email=form.email.data if "email" in form else "",
    )
