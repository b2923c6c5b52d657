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
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug import Response

from voting import audit, casting, codes, db, paper_entry
from voting.admin.paper_forms import PaperCodeForm
from voting.auth import actor_name, role_required
from voting.ballot_validation import (
    BLANK_SINGLE,
    BallotRefused,
    Problem,
    ballot_options,
    parse_form,
)
from voting.documents.paper_ballot import paper_ballot_pdf
from voting.models import Election, VotingCode
from voting.processes import lookup

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
    invalid = request.form.get("ongeldig") == "1"
    code_problem = codes.problem(entered)
    if code_problem is not None:
        problems.append(Problem(_code_text(code_problem), "code"))
    choices: list[str] = []
    if not invalid:
        try:
            choices = parse_form(election, request.form).choices
        except BallotRefused as refused:
            # Advice such as "choose fewer" is for a screen; on paper the cross is
            # made. The clerk enters such a ballot as invalid.
            problems.append(Problem(_spoiled_text()))
            problems.extend(refused.problems)
    if problems:
        reason = "code" if code_problem is not None else "ballot"
        return _refused(dbs, election, form, reason, problems, 422)

    # A stage of a process holds its own hash of the process letter's code.
    digest = lookup.hash_for_election(dbs, current_app.config["CODE_PEPPER"], election, entered)
    try:
        done = paper_entry.enter_paper(
            dbs,
            election,
            digest,
            choices,
            invalid=invalid,
            actor=actor_name(),
            pepper=current_app.config["CODE_PEPPER"],
        )
    except paper_entry.EntryError as error:
        dbs.rollback()
        message = (
            _("De tweede invoer moet door een andere medewerker gebeuren.")
            if error.code == "same_clerk"
            else _(
                "Invoer %(number)s verschilt tussen twee medewerkers. Bekijk het "
                "stembiljet samen en begin het opnieuw (hieronder).",
                number=error.params["number"],
            )
        )
        return _page(election, form, [Problem(message)], keep=True), 409
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
    if done.outcome is paper_entry.Outcome.PENDING:
        flash(
            _(
                "Eerste invoer bewaard als nummer %(number)s. Schrijf %(number)s op het "
                "stembiljet en geef het aan een tweede medewerker; het telt pas als die "
                "hetzelfde invoert.",
                number=done.number,
            ),
            "success",
        )
    elif done.outcome is paper_entry.Outcome.MISMATCH:
        flash(
            _(
                "Uw invoer verschilt van de eerste invoer (nummer %(number)s, door "
                "%(clerk)s). Het stembiljet telt nog niet. Bekijk het samen en begin het "
                "opnieuw.",
                number=done.number,
                clerk=done.first_clerk,
            ),
            "error",
        )
    elif invalid:
        flash(_("Het stembiljet is verwerkt als ongeldige stem."), "success")
    else:
        flash(_("Het papieren stembiljet is verwerkt. U kunt het volgende invoeren."), "success")
    return redirect(url_for("paper.enter", election_id=election.id), 303)


@bp.get("/<int:election_id>/stembiljet.pdf")
@role_required("clerk")
def ballot_pdf(election_id: int) -> Response:
    """The election's printable paper ballot (``?lang=en`` for English)."""
    election = db.session().get(Election, election_id)
    if election is None:
        abort(404)
    lang = "en" if request.args.get("lang") == "en" else "nl"
    with force_locale(lang):
        data = paper_ballot_pdf(
            election,
            municipality=election.municipality or current_app.config["MUNICIPALITY"],
            vote_url=current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/stem",
        )
    response = Response(data, mimetype="application/pdf")
    suffix = "-en" if lang == "en" else ""
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{election.slug}-stembiljet{suffix}.pdf"'
    )
    return response


@bp.post("/<int:election_id>/invoer/<entry_id>/opnieuw")
@role_required("clerk")
def discard(election_id: int, entry_id: str) -> Response:
    """Throw away a first entry (pending or disputed), so two clerks start afresh."""
    dbs = db.session()
    election = dbs.get(Election, election_id)
    if election is None or not PaperCodeForm().validate_on_submit():
        abort(404 if election is None else 400)
    if paper_entry.discard_entry(dbs, election, entry_id, actor=actor_name()):
        flash(_("De invoer is weggegooid. Voer het stembiljet opnieuw in, met twee."), "info")
    return redirect(url_for("paper.enter", election_id=election.id), 303)


@bp.post("/<int:election_id>/dubbele-invoer")
@role_required("clerk")
def double_entry(election_id: int) -> Response:
    """Switch double entry of paper ballots on or off (audited)."""
    dbs = db.session()
    election = dbs.get(Election, election_id)
    if election is None or not PaperCodeForm().validate_on_submit():
        abort(404 if election is None else 400)
    if election.phase in ("counted", "certified"):
        abort(409)
    election.double_entry = request.form.get("aan") == "1"
    audit.record(
        dbs, actor_name(), "paper.double_entry", election_id=election.id, on=election.double_entry
    )
    dbs.commit()
    return redirect(url_for("admin.election_detail", election_id=election.id), 303)


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
    prefill: dict[str, Any] = {"selected": set(), "ranks": {}, "blank": False, "amounts": {}}
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
            # split and points ballots: what the clerk typed stays, to fix
            "amounts": {
                n.removeprefix("amount-"): request.form.get(n, "")
                for n in request.form
                if n.startswith("amount-")
            },
        }
    return render_template(
        "admin/paper/enter.html",
        entries=paper_entry.open_entries(db.session(), election),
        invalid=keep and request.form.get("ongeldig") == "1",
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


def _spoiled_text() -> str:
    return _(
        "Zo kan dit stembiljet niet meetellen. Staat het zo op het papier? Vink dan "
        "'Ongeldig stembiljet' aan: de stem telt dan mee als ongeldige stem."
    )


def _closed_text() -> str:
    return _("De stemming is niet open: papieren stembiljetten invoeren kan nu niet.")
