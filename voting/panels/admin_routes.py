"""Clerks: every step of a panel, from set-up to the advice. Each state change is a
POST with CSRF and an audit event; uploads of the register are read in memory."""

from __future__ import annotations

import json
import secrets
from fractions import Fraction
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import func, select

from voting import audit, db
from voting.admin.roll_routes import _upload_form
from voting.auth import actor_name, role_required
from voting.extensions import csrf
from voting.follow_up import tracking
from voting.follow_up.tracking import FollowUpError
from voting.formatting import town_hall_today
from voting.models import Panel, PanelInvitation, PanelSignup
from voting.panels import contact, drawing, service
from voting.panels.forms import (
    AdviceForm,
    ConfirmForm,
    DrawForm,
    PanelDecisionForm,
    PanelForm,
    RegisterForm,
    signup_answers,
    signup_form,
)
from voting.panels.letters import PanelLetterContext, invitations_zip, selection_pdf
from voting.panels.service import PanelError, SignupAnswers
from voting.panels.setup import (
    CategoryError,
    categories_from_json,
    categories_to_json,
    categories_to_text,
    parse_categories,
)
from voting.panels.words import describe, error_text, phase_label

bp = Blueprint("panels_admin", __name__)


def _panel(panel_id: int) -> Panel:
    panel = db.session().get(Panel, panel_id)
    if panel is None:
        abort(404)
    return panel


def _letter_context(panel: Panel) -> PanelLetterContext:
    return PanelLetterContext(
        municipality=panel.municipality or current_app.config.get("MUNICIPALITY", ""),
        title=panel.title,
        topic=panel.topic,
        base_url=str(current_app.config.get("PUBLIC_BASE_URL", "")),
        slug=panel.slug,
        seats=panel.seats,
        meeting_dates=tuple(panel.meeting_dates),
        letter_date=town_hall_today(),
    )


@bp.get("/burgerberaad/")
@role_required("clerk")
def index() -> str:
    """Every panel with its phase."""
    panels = db.session().scalars(select(Panel).order_by(Panel.id)).all()
    return render_template("panels/admin_list.html", panels=panels, phase_label=phase_label)


def _apply_form(panel: Panel, form: PanelForm) -> bool:
    try:
        categories = parse_categories(
            form.categories.data or "",
            form.seats.data or 1,
            Fraction(str(form.tolerance.data or 0)),
        )
    except CategoryError as error:
        form.categories.errors = [*form.categories.errors, str(error)]
        return False
    for name in (
        "title", "slug", "topic", "seats", "invitations", "min_age", "postcode_filter",
        "neighbourhood_filter", "one_per_household", "ask_phone", "ask_email",
    ):  # fmt: skip
        setattr(panel, name, getattr(form, name).data)
    panel.categories_json = json.dumps(categories_to_json(categories), ensure_ascii=False)
    panel.meeting_dates_json = json.dumps(sorted((form.meeting_dates.data or "").split()))
    # Only in draft (this form's phase): before anyone is invited, no one can know
    # which seed would favour whom, so a notary's public numbers can replace it.
    panel.draw_seed = (form.draw_seed.data or "").strip() or panel.draw_seed
    return True


@bp.route("/burgerberaad/nieuw", methods=["GET", "POST"])
@role_required("clerk")
def create() -> str | Response | tuple[str, int]:
    """A new panel in draft, with both seeds drawn now and shown from the start."""
    form = PanelForm()
    if form.validate_on_submit():
        session = db.session()
        if session.scalar(select(Panel.id).where(Panel.slug == form.slug.data)):
            form.slug.errors = [*form.slug.errors, _("Deze korte naam is al in gebruik.")]
        else:
            panel = Panel(
                municipality=current_app.config.get("MUNICIPALITY", ""),
                invitation_seed=secrets.token_hex(8),
                draw_seed=secrets.token_hex(8),
            )
            if _apply_form(panel, form):
                session.add(panel)
                session.flush()
                audit.record(
                    session, actor_name(), "panel.create", panel=panel.slug, seats=panel.seats
                )
                session.commit()
                return redirect(url_for("panels_admin.show", panel_id=panel.id))
    status = 400 if form.is_submitted() else 200
    return render_template("panels/admin_form.html", form=form, panel=None), status


@bp.route("/burgerberaad/<int:panel_id>/instellingen", methods=["GET", "POST"])
@role_required("clerk")
def edit(panel_id: int) -> str | Response | tuple[str, int]:
    """Change the set-up while the panel is a draft."""
    panel = _panel(panel_id)
    if panel.phase != "draft":
        flash(_("De instellingen liggen vast zodra er uitgenodigd wordt."), "error")
        return redirect(url_for("panels_admin.show", panel_id=panel.id))
    form = PanelForm(obj=panel)
    if not form.is_submitted():
        form.categories.data = categories_to_text(categories_from_json(panel.categories))
        form.meeting_dates.data = "\n".join(panel.meeting_dates)
    if form.validate_on_submit() and _apply_form(panel, form):
        session = db.session()
        audit.record(session, actor_name(), "panel.edit", panel=panel.slug)
        session.commit()
        return redirect(url_for("panels_admin.show", panel_id=panel.id))
    status = 400 if form.is_submitted() else 200
    return render_template("panels/admin_form.html", form=form, panel=panel), status


def _page(panel: Panel, status: int = 200, **context: Any) -> tuple[str, int]:
    session = db.session()
    invited = session.scalar(
        select(func.count())
        .select_from(PanelInvitation)
        .where(PanelInvitation.panel_id == panel.id)
    )
    people = service.signups(session, panel)
    problems = None
    if panel.phase == "draw" and not panel.record_json:
        problems = [describe(p) for p in service.feasibility(session, panel)]
    portfolio = json.loads(panel.portfolio_json) if panel.portfolio_json else None
    for name, form_class in (
        ("phase_form", ConfirmForm),
        ("register_form", RegisterForm),
        ("compute_form", ConfirmForm),
        ("advice_form", AdviceForm),
        ("confirm_form", ConfirmForm),
    ):
        context.setdefault(name, form_class(formdata=None))
    context.setdefault("draw_form", DrawForm(formdata=None, seed=panel.draw_seed))
    if not context["advice_form"].is_submitted():
        context["advice_form"].recommendations.data = "\n".join(panel.recommendations)
    if "decision_form" not in context:
        context["decision_form"] = PanelDecisionForm(formdata=None, decided_on=town_hall_today())
    context["decision_form"].set_recommendations(panel.recommendations)
    decisions = tracking.advice_decisions(session, panel)
    return (
        render_template(
            "panels/admin_panel.html",
            panel=panel,
            phase_label=phase_label,
            next_phase=service.NEXT_PHASE.get(panel.phase),
            invited=invited,
            signups=people,
            pool_size=len(service.pool(session, panel)),
            problems=problems,
            portfolio=portfolio,
            quotas=categories_from_json(panel.categories),
            decisions=decisions,
            decision_list=tracking.panel_decisions(session, panel),
            **context,
        ),
        status,
    )


@bp.get("/burgerberaad/<int:panel_id>")
@role_required("clerk")
def show(panel_id: int) -> tuple[str, int]:
    """The panel's page: phase, seeds, the step of this phase."""
    return _page(_panel(panel_id))


@bp.post("/burgerberaad/<int:panel_id>/fase")
@role_required("clerk")
def advance(panel_id: int) -> Response | tuple[str, int]:
    """The next phase, after a ticked confirmation."""
    panel = _panel(panel_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(panel, 400, phase_form=form)
    session = db.session()
    try:
        service.advance(session, panel, service.NEXT_PHASE.get(panel.phase, ""), actor=actor_name())
    except PanelError as error:
        flash(error_text(error), "error")
        return _page(panel, 409)
    session.commit()
    flash(_("De fase is nu: %(phase)s.", phase=phase_label(panel.phase)), "success")
    return redirect(url_for("panels_admin.show", panel_id=panel.id))


@bp.post("/burgerberaad/<int:panel_id>/uitnodigingen")
@csrf.exempt
@role_required("clerk")
def invitations(panel_id: int) -> Response | tuple[str, int]:
    """Draw the invitation sample from the register and download the letters (ZIP:
    PDF and the print house's CSV). The codes exist in plain text only there."""
    panel = _panel(panel_id)
    form = _upload_form(RegisterForm)
    if form is None:
        flash(_("Het bestand is te groot."), "error")
        return _page(panel, 413)
    if not form.validate_on_submit():
        return _page(panel, 400, register_form=form)
    session = db.session()
    try:
        letters, _report = service.make_invitations(
            session,
            panel,
            form.register.data.read(),
            current_app.config["CODE_PEPPER"],
            actor=actor_name(),
        )
    except PanelError as error:
        session.rollback()
        flash(error_text(error), "error")
        return _page(panel, 409)
    data = invitations_zip(_letter_context(panel), letters)
    session.commit()
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{panel.slug}-uitnodigingen.zip"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/burgerberaad/<int:panel_id>/papier", methods=["GET", "POST"])
@role_required("clerk")
def paper(panel_id: int) -> str | Response | tuple[str, int]:
    """A clerk types in a paper reply form."""
    panel = _panel(panel_id)
    form = signup_form(panel)
    if form.validate_on_submit():
        session = db.session()
        try:
            invitation = service.find_invitation(
                session, panel, current_app.config["CODE_PEPPER"], form.code.data or ""
            )
            service.sign_up(
                session,
                panel,
                invitation,
                _reply(panel, form),
                key=contact.contact_key(current_app.config),
                channel="paper",
                actor=actor_name(),
            )
        except PanelError as error:
            form.code.errors = [*form.code.errors, error_text(error)]
        else:
            session.commit()
            flash(_("De aanmelding is opgeslagen."), "success")
            return redirect(url_for("panels_admin.paper", panel_id=panel.id))
    status = 400 if form.is_submitted() else 200
    return render_template("panels/admin_paper.html", panel=panel, form=form), status


def _reply(panel: Panel, form: Any) -> SignupAnswers:
    return SignupAnswers(
        answers=signup_answers(panel, form),
        available=form.available.data if "available" in form else [],
        consent=bool(form.consent.data),
        phone=form.phone.data if "phone" in form else "",
        email=form.email.data if "email" in form else "",
    )


@bp.post("/burgerberaad/<int:panel_id>/berekenen")
@role_required("clerk")
def compute(panel_id: int) -> Response | tuple[str, int]:
    """Start the leximin computation outside this request; show its progress."""
    panel = _panel(panel_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(panel, 400, compute_form=form)
    try:
        drawing.start_compute(
            current_app._get_current_object(), db.session(), panel, actor=actor_name()
        )
    except PanelError as error:
        flash(error_text(error), "error")
        return _page(panel, 409)
    return redirect(url_for("panels_admin.progress", panel_id=panel.id))


@bp.get("/burgerberaad/<int:panel_id>/voortgang")
@role_required("clerk")
def progress(panel_id: int) -> str:
    """The computation's progress; refreshes itself while it runs (no JavaScript)."""
    panel = _panel(panel_id)
    db.session().refresh(panel)
    return render_template("panels/admin_progress.html", panel=panel)


@bp.post("/burgerberaad/<int:panel_id>/loten")
@role_required("clerk")
def draw(panel_id: int) -> Response | tuple[str, int]:
    """Draw the panel from the portfolio with the announced seed; sign the record."""
    panel = _panel(panel_id)
    form = DrawForm()
    if not form.validate_on_submit():
        return _page(panel, 400, draw_form=form)
    session = db.session()
    try:
        drawing.draw(
            session,
            panel,
            form.seed.data or "",
            current_app.config["SIGNING_KEY_PATH"],
            actor=actor_name(),
        )
    except PanelError as error:
        session.rollback()
        flash(error_text(error), "error")
        return _page(panel, 409)
    session.commit()
    flash(_("Het panel is geloot en het verslag is ondertekend."), "success")
    return redirect(url_for("panels_admin.show", panel_id=panel.id))


@bp.post("/burgerberaad/<int:panel_id>/afmelden/<pseudonym>")
@role_required("clerk")
def drop_out(panel_id: int, pseudonym: str) -> Response | tuple[str, int]:
    """A member drops out; the published rule picks who takes the seat."""
    panel = _panel(panel_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(panel, 400, confirm_form=form)
    session = db.session()
    try:
        replacement = drawing.drop_out(
            session, panel, pseudonym, current_app.config["SIGNING_KEY_PATH"], actor=actor_name()
        )
    except PanelError as error:
        session.rollback()
        flash(error_text(error), "error")
        return _page(panel, 409)
    session.commit()
    if replacement:
        flash(_("%(old)s is vervangen door %(new)s.", old=pseudonym, new=replacement), "success")
    else:
        flash(
            _("Niemand kan de plaats van %(old)s innemen binnen de quota.", old=pseudonym), "error"
        )
    return redirect(url_for("panels_admin.show", panel_id=panel.id))


@bp.post("/burgerberaad/<int:panel_id>/contact/<pseudonym>")
@role_required("clerk")
def read_contact(panel_id: int, pseudonym: str) -> tuple[str, int]:
    """Show one member's phone and e-mail (each reading is audit-logged)."""
    panel = _panel(panel_id)
    form = ConfirmForm()
    session = db.session()
    signup = session.scalar(
        select(PanelSignup).where(
            PanelSignup.panel_id == panel.id, PanelSignup.pseudonym == pseudonym
        )
    )
    if signup is None:
        abort(404)
    if not form.validate_on_submit():
        return _page(panel, 400, confirm_form=form)
    phone, email = service.read_contact(
        session, panel, signup, contact.contact_key(current_app.config), actor=actor_name()
    )
    session.commit()
    return _page(panel, contact_shown={"pseudonym": pseudonym, "phone": phone, "email": email})


@bp.post("/burgerberaad/<int:panel_id>/brieven")
@csrf.exempt
@role_required("clerk")
def selected_letters(panel_id: int) -> Response | tuple[str, int]:
    """Letters for the drawn members: the register again, matched by key in memory."""
    panel = _panel(panel_id)
    form = _upload_form(RegisterForm)
    if form is None:
        return _page(panel, 413)
    if not form.validate_on_submit():
        return _page(panel, 400, register_form=form)
    session = db.session()
    residents = service.selected_letters(
        session,
        panel,
        form.register.data.read(),
        current_app.config["CODE_PEPPER"],
        actor=actor_name(),
    )
    session.commit()
    return Response(
        selection_pdf(_letter_context(panel), residents),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{panel.slug}-geloot.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.post("/burgerberaad/<int:panel_id>/advies")
@role_required("clerk")
def advice(panel_id: int) -> Response | tuple[str, int]:
    """Store the panel's recommendations (fixed once a decision is about them)."""
    panel = _panel(panel_id)
    form = AdviceForm()
    if not form.validate_on_submit():
        return _page(panel, 400, advice_form=form)
    if panel.phase not in ("seated", "finished"):
        flash(_("Het advies komt als het panel aan het werk is."), "error")
        return _page(panel, 409)
    lines = [
        line.strip() for line in (form.recommendations.data or "").splitlines() if line.strip()
    ]
    session = db.session()
    if lines != panel.recommendations and tracking.panel_decisions(session, panel):
        # Decisions name recommendations by number: the advice they are about stays.
        flash(
            _("Het advies ligt vast: er is al een besluit over vastgelegd."),
            "error",
        )
        return _page(panel, 409)
    panel.recommendations_json = json.dumps(lines, ensure_ascii=False)
    audit.record(
        session, actor_name(), "panel.advice", panel=panel.slug, recommendations=len(lines)
    )
    session.commit()
    flash(_("Het advies is opgeslagen."), "success")
    return redirect(url_for("panels_admin.show", panel_id=panel.id))


_DECISION_ERRORS = {
    "panel_not_seated": lambda n: _("Een besluit over het advies komt als het panel zit."),
    "no_advice": lambda n: _("Vul eerst de aanbevelingen van het panel in."),
    "no_such_recommendation": lambda n: _(
        "Het advies heeft %(count)s aanbevelingen: kies er een van.", count=n.get("count", 0)
    ),
}


@bp.post("/burgerberaad/<int:panel_id>/besluit")
@role_required("clerk")
def add_decision(panel_id: int) -> Response | tuple[str, int]:
    """Record the council's or the college's decision on the advice or on one of its
    recommendations (a new dated entry; older ones stay as history)."""
    panel = _panel(panel_id)
    form = PanelDecisionForm()
    form.set_recommendations(panel.recommendations)
    if not form.validate_on_submit():
        return _page(panel, 400, decision_form=form)
    assert form.decided_on.data is not None
    try:
        tracking.record_panel_decision(
            db.session(),
            panel,
            recommendation=form.recommendation.data or None,
            decided_on=form.decided_on.data,
            body=form.body.data or "raad",
            outcome=form.outcome.data or "pending",
            explanation=form.explanation.data or "",
            source_url=form.source_url.data or "",
            actor=actor_name(),
        )
    except FollowUpError as error:
        db.session().rollback()
        flash(_DECISION_ERRORS[error.code](error.numbers), "error")
        return _page(panel, 409, decision_form=form)
    flash(_("Het besluit is vastgelegd en staat op de openbare pagina."), "success")
    return redirect(url_for("panels_admin.show", panel_id=panel.id), 303)


@bp.post("/burgerberaad/<int:panel_id>/referendum")
@role_required("clerk")
def referendum(panel_id: int) -> Response | tuple[str, int]:
    """Make the recommendations the options of a new referendum (draft)."""
    panel = _panel(panel_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(panel, 400, confirm_form=form)
    session = db.session()
    try:
        election = service.make_referendum(session, panel, actor=actor_name())
    except PanelError as error:
        session.rollback()
        flash(error_text(error), "error")
        return _page(panel, 409)
    session.commit()
    flash(_("Het referendum is aangemaakt als concept."), "success")
    return redirect(url_for("setup.options", election_id=election.id))
