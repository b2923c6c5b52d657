"""Clerks: enter a paper ballot that came back by post or at the desk.

The clerk types the code printed on the returned ballot and the choices on it. The
ballot goes through the same check and the same one-transaction cast as an online
vote (channel ``paper``), so a code votes once, whichever way it is used first. The
audit log records that a paper ballot was entered or refused and by whom -- never the
code or the choices.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug import Response

from voting import audit, casting, codes, db
from voting.admin.paper_forms import PaperCodeForm
from voting.auth import actor_name, role_required
from voting.ballot_validation import (
    BLANK_SINGLE,
    BallotRefused,
    Problem,
    ballot_options,
    parse_form,
)
from voting.models import Election, VotingCode, utcnow

bp = Blueprint("paper", __name__)


@bp.app_context_processor
def paper_helpers() -> dict[str, Any]:
    """``paper_ballot_count(election)`` for the panel on the clerk's election page."""
    return {"paper_ballot_count": paper_ballot_count}


def paper_ballot_count(election: Election) -> int:
    """How many paper ballots ``election`` has (codes used on paper)."""
    return int(
        db.session().scalar(
            select(func.count())
            .select_from(VotingCode)
            .where(VotingCode.election_id == election.id, VotingCode.used_channel == "paper")
        )
        or 0
    )


@bp.errorhandler(CSRFError)
def csrf_failed(_error: CSRFError) -> tuple[str, int]:
    """A paper-ballot form without a valid CSRF token (left open too long)."""
    description = _(
        "Het formulier was verlopen. Er is niets verwerkt. Open het formulier opnieuw en "
        "voer het stembiljet nog eens in."
    )
    return render_template(
        "error.html", status=400, title=_("Formulier verlopen"), description=description
    ), 400


@bp.route("/<int:election_id>", methods=["GET", "POST"])
@role_required("clerk")
def enter(election_id: int) -> str | Response | tuple[str, int]:
    """Show the paper-ballot form, or cast the ballot it describes."""
    dbs = db.session()
    election = dbs.get(Election, election_id)
    if election is None:
        abort(404)
    form = PaperCodeForm()
    if request.method == "GET":
        return _page(election, form)
    if not election.is_open():
        return _refused(dbs, election, form, "closed", [Problem(_closed_text())], 403)

    problems: list[Problem] = []
    entered = form.code.data or ""
    code_problem = codes.problem(entered)
    if code_problem is not None:
        problems.append(Problem(_code_text(code_problem), "code"))
    try:
        parsed = parse_form(election, request.form)
    except BallotRefused as refused:
        problems.extend(refused.problems)
        parsed = None
    if problems or parsed is None:
        reason = "code" if code_problem is not None else "ballot"
        return _refused(dbs, election, form, reason, problems, 422)

    digest = codes.code_hash(current_app.config["CODE_PEPPER"], entered)
    actor = actor_name()
    try:
        casting.cast_ballot(
            dbs,
            election,
            digest,
            parsed.choices,
            "paper",
            # Who entered a paper ballot, and on which day -- not the moment, which
            # could be lined up with other rows.
            also=lambda s: audit.record(
                s, actor, "paper.ballot", election_id=election.id, at=casting.day_of(utcnow())
            ),
        )
    except casting.AlreadyUsed:
        message = _(
            "Met deze code is al gestemd (online of op papier). Het papieren stembiljet "
            "telt daarom niet mee. Leg het apart."
        )
        return _refused(dbs, election, form, "used", [Problem(message, "code")], 409)
    except casting.Revoked:
        message = _(
            "Deze code is vervangen door een nieuwe brief. Het stembiljet hoort bij een "
            "oude code en telt niet mee. Leg het apart."
        )
        return _refused(dbs, election, form, "revoked", [Problem(message, "code")], 409)
    except casting.UnknownCode:
        message = _("Deze code hoort niet bij deze stemming. Kijk de code nog eens na.")
        return _refused(dbs, election, form, "unknown", [Problem(message, "code")], 422)
    except casting.ElectionNotOpen:
        return _refused(dbs, election, form, "closed", [Problem(_closed_text())], 403)
    flash(_("Het papieren stembiljet is verwerkt. U kunt het volgende invoeren."), "success")
    return redirect(url_for("paper.enter", election_id=election.id), 303)


def _refused(
    dbs: Session,
    election: Election,
    form: PaperCodeForm,
    reason: str,
    problems: list[Problem],
    status: int,
) -> tuple[str, int]:
    """Audit the refusal (reason only) and show the form again with its problems."""
    dbs.rollback()
    audit.record(dbs, actor_name(), "paper.refused", election_id=election.id, reason=reason)
    dbs.commit()
    return _page(election, form, problems, keep=True), status


def _page(
    election: Election,
    form: PaperCodeForm,
    problems: list[Problem] | None = None,
    keep: bool = False,
) -> str:
    prefill: dict[str, Any] = {"selected": set(), "ranks": {}, "blank": False}
    if keep:
        values = request.form.getlist("choice")
        prefill = {
            "selected": set(values),
            "ranks": {
                n.removeprefix("rank-"): request.form.get(n, "")
                for n in request.form
                if n.startswith("rank-")
            },
            "blank": request.form.get("blank") == "1" or values == [BLANK_SINGLE],
        }
    return render_template(
        "admin/paper/enter.html",
        election=election,
        form=form,
        options=ballot_options(election),
        problems=problems or [],
        prefill=prefill,
        blank_single=BLANK_SINGLE,
        count=paper_ballot_count(election),
    )


def _code_text(problem: codes.CodeProblem) -> str:
    if problem is codes.CodeProblem.EMPTY:
        return _("Vul de stemcode van het papieren stembiljet in.")
    if problem is codes.CodeProblem.CHECK_FAILED:
        return _("Er zit een tikfout in de code: het controleteken klopt niet.")
    return _("Dit is geen geldige stemcode: een stemcode heeft 17 tekens (cijfers en letters).")


def _closed_text() -> str:
    return _("De stemming is niet open: papieren stembiljetten invoeren kan nu niet.")
