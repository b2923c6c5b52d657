"""Clerks and admins: login, the election overview and phase changes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug import Response

from voting import audit, db, elections, setup_checks, staff_accounts, staff_login
from voting.admin.forms import LoginForm
from voting.auth import actor_name, role_required
from voting.error_words import explain
from voting.extensions import limiter
from voting.models import Election, Receipt, RollEntry, StaffUser, VotingCode

bp = Blueprint("admin", __name__)


@bp.route("/inloggen", methods=["GET", "POST"])
# Failed tries only, per address as per account: a town hall's clerks share one
# address, and their right passwords must never lock each other out.
@limiter.limit(
    "10 per minute",
    methods=["POST"],
    deduct_when=staff_login.failed_try,
    error_message=staff_login.address_locked_message,
)
@limiter.limit(
    staff_login.account_limit,
    key_func=staff_login.account_key,
    methods=["POST"],
    deduct_when=staff_login.failed_try,
    error_message=staff_login.locked_message,
)
def login() -> str | Response | tuple[str, int]:
    """Staff login, step one: the password. A wrong name or password gets one message
    for both. Users with a second factor (or who must enrol one) go on to that step;
    the others get a fresh session at once."""
    form = LoginForm()
    if form.validate_on_submit():
        session = db.session()
        user = session.scalar(select(StaffUser).where(StaffUser.username == form.username.data))
        if user is None or not user.active or not user.check_password(form.password.data or ""):
            staff_login.mark_failed()
            flash(_("Onbekende gebruikersnaam of verkeerd wachtwoord."), "error")
            return render_template("admin/login.html", form=form), 401
        if staff_accounts.needs_two_factor(session, user):
            staff_login.set_pending(user)
            if user.has_two_factor:
                return redirect(url_for("accounts.login_code"))
            return redirect(url_for("accounts.enrol"))
        staff_login.finish(user, "password")
        return redirect(_home(user))
    if form.is_submitted():  # a field left empty or too long: the form says which
        return render_template("admin/login.html", form=form), 400
    return render_template("admin/login.html", form=form)


def _home(user: StaffUser) -> str:
    """Where a user lands after logging in."""
    if user.role == "organiser":
        return url_for("proposals.mine")
    return url_for("admin.dashboard")


@bp.post("/uitloggen")
def logout() -> Response:
    """End the staff session, on the server too: the cookie stops working."""
    if current_user.is_authenticated:
        session = db.session()
        audit.record(session, current_user.username, "staff.logout")
        session.commit()
    staff_login.log_out()
    return redirect(url_for("vote.index"))


@bp.get("/")
@role_required("clerk")
def dashboard() -> str:
    """Every election with its phase, roll size, codes used and ballots."""
    session = db.session()
    rows = []
    for election in session.scalars(select(Election).order_by(Election.id)).all():
        roll = session.scalar(
            select(func.count()).select_from(RollEntry).where(RollEntry.election_id == election.id)
        )
        used = session.scalar(
            select(func.count())
            .select_from(VotingCode)
            .where(VotingCode.election_id == election.id, VotingCode.used_at.is_not(None))
        )
        # Ballots in the box (sealed or opened): one receipt each.
        ballots = session.scalar(
            select(func.count()).select_from(Receipt).where(Receipt.election_id == election.id)
        )
        rows.append((election, roll, used, ballots, elections.manual_next_phase(election)))
    return render_template("admin/dashboard.html", rows=rows)


@bp.get("/verkiezing/<int:election_id>")
@role_required("clerk")
def election_detail(election_id: int) -> str:
    """One election: its settings, and a panel per task (roll and letters, paper
    ballots, count and certification)."""
    election = db.session().get(Election, election_id)
    if election is None:
        abort(404)
    next_phase = elections.manual_next_phase(election)
    return render_template(
        "admin/election.html",
        election=election,
        next_phase=next_phase,
        early_close=setup_checks.early_close_warning(election) if next_phase == "closed" else None,
    )


@bp.post("/verkiezing/<int:election_id>/fase")
@role_required("clerk")
def change_phase(election_id: int) -> Response:
    """Move an election to its next phase (the form names the phase it expects)."""
    session = db.session()
    election = session.get(Election, election_id)
    if election is None:
        abort(404)
    target = request.form.get("to", "")
    if request.form.get("confirm") != "ja":
        # Opening or closing a vote by one stray click would be hard to explain.
        flash(_("Vink aan dat u de fase echt wilt wijzigen."), "error")
        return redirect(url_for("admin.election_detail", election_id=election.id))
    if (
        target == "closed"
        and setup_checks.early_close_warning(election)
        and request.form.get("confirm_early") != "ja"
    ):
        flash(
            _(
                "De stemming is nog niet gesloten: de aangekondigde eindtijd is nog niet "
                "voorbij. Vink aan dat u bewust eerder sluit."
            ),
            "error",
        )
        return redirect(url_for("admin.election_detail", election_id=election.id))
    if target in elections.COUNT_SCREEN_PHASES:
        flash(_("Tellen en vaststellen gaat via het blok 'Tellen en vaststellen'."), "error")
        return redirect(url_for("admin.election_detail", election_id=election.id))
    try:
        elections.advance(session, election, target, actor=actor_name())
    except elections.PhaseError as error:
        session.rollback()
        flash(explain(error), "error")
        return redirect(url_for("admin.election_detail", election_id=election.id))
    session.commit()
    flash(_("De fase is gewijzigd."), "success")
    return redirect(url_for("admin.election_detail", election_id=election.id))
