"""Clerks and key holders: make the sealed ballot box's key, and open the box.

Making the key (before voting opens) shows every key holder's share once, on one
page to print (one holder per sheet); the shares are stored nowhere. Opening (after
closing) takes the shares of as many holders as the box needs, typed or pasted in by
the holders themselves, and writes the ballots readable in a fresh random order
(:mod:`voting.ballot_box`).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug import Response
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from voting import ballot_box, db
from voting.auth import actor_name, role_required
from voting.error_words import explain
from voting.models import Election

bp = Blueprint("box", __name__)


class MakeBoxForm(FlaskForm):
    """Who holds a share, and how many of them open the box."""

    holders = TextAreaField(
        _l("Sleutelhouders (één naam of functie per regel)"),
        default="\n".join(ballot_box.DEFAULT_HOLDERS),
        validators=[InputRequired()],
    )
    threshold = IntegerField(
        _l("Hoeveel sleutelhouders zijn nodig om de stembus te openen?"),
        default=ballot_box.DEFAULT_THRESHOLD,
        validators=[InputRequired(), NumberRange(min=1, max=255)],
    )


class OpenBoxForm(FlaskForm):
    """The shares (read from the repeated field ``share``); carries the CSRF token."""


def _election(election_id: int) -> Election:
    election = db.session().get(Election, election_id)
    if election is None:
        abort(404)
    return election


@bp.post("/<int:election_id>/maken")
@role_required("clerk")
def make(election_id: int) -> str | Response | tuple[str, int]:
    """Make the box key and show each holder's share, once."""
    election = _election(election_id)
    form = MakeBoxForm()
    if not form.validate_on_submit():
        flash(_("Vul de sleutelhouders en het aantal dat nodig is in."), "error")
        return redirect(url_for("admin.election_detail", election_id=election.id))
    session = db.session()
    try:
        shares = ballot_box.make_box(
            session,
            election,
            holder_names=(form.holders.data or "").splitlines(),
            threshold=int(form.threshold.data or 0),
            actor=actor_name(),
        )
    except ballot_box.BoxError as error:
        session.rollback()
        flash(explain(error), "error")
        return redirect(url_for("admin.election_detail", election_id=election.id))
    response = render_template(
        "admin/box/shares.html",
        election=election,
        shares=shares,
        threshold=election.box_threshold,
        fingerprint=ballot_box.box_fingerprint(election),
    )
    return response


@bp.post("/<int:election_id>/openen")
@role_required("clerk")
def open_box(election_id: int) -> Response:
    """Open the box with the holders' shares."""
    election = _election(election_id)
    if not OpenBoxForm().validate_on_submit():
        abort(400)
    session = db.session()
    try:
        opened = ballot_box.open_box(
            session, election, request.form.getlist("share"), actor=actor_name()
        )
    except ballot_box.BoxError as error:
        session.rollback()
        flash(explain(error), "error")
        return redirect(url_for("admin.election_detail", election_id=election.id))
    flash(
        _(
            "De stembus is geopend: %(count)d stembiljetten, in willekeurige volgorde. "
            "U kunt nu de stemmen tellen.",
            count=opened.count,
        ),
        "success",
    )
    if not opened.purge.done:
        _flash_not_purged(opened.purge)
    return redirect(url_for("admin.election_detail", election_id=election.id))


@bp.post("/<int:election_id>/wissen")
@role_required("clerk")
def purge(election_id: int) -> Response:
    """Try again to remove the opened box's sealed rows from the database files."""
    election = _election(election_id)
    if not OpenBoxForm().validate_on_submit():
        abort(400)
    session = db.session()
    session.commit()  # our own request must not hold the tables while we purge
    result = ballot_box.purge_sealed(db.engine())
    if result.done:
        flash(
            _("De verzegelde stembiljetten zijn nu ook uit de databasebestanden gewist."), "success"
        )
    else:
        _flash_not_purged(result)
    return redirect(url_for("admin.election_detail", election_id=election.id))


def _flash_not_purged(result: ballot_box.Purge) -> None:
    # The promise is that no sealed row survives the opening; say plainly when it
    # has not been kept yet, and why, instead of reporting the box as emptied.
    if result.error:
        flash(
            _(
                "De verzegelde stembiljetten staan nog in de databasebestanden: het wissen "
                "gaf een databasefout (%(error)s). Buurtstem probeert het steeds opnieuw "
                "(voting worker); laat de beheerder de fout verhelpen.",
                error=result.error,
            ),
            "error",
        )
        return
    flash(
        _(
            "De verzegelde stembiljetten staan nog in de databasebestanden: een andere "
            "databaseverbinding gebruikt de tabel (%(blockers)s). Zolang dat zo is, kan "
            "iemand met de bestanden en de sleuteldelen ze nog openen. Buurtstem probeert "
            "het steeds opnieuw (voting worker); vraag de beheerder die verbinding te "
            "beëindigen, of probeer het hier opnieuw.",
            blockers=result.blocker_text() or _("onbekend"),
        ),
        "error",
    )


@bp.after_request
def no_store(response: Response) -> Response:
    """The shares page must never sit in a cache: it holds the box key."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def box_helpers() -> dict[str, object]:
    """What the box panel on the clerk's election page needs."""
    return {
        "box": ballot_box,
        "make_box_form": MakeBoxForm,
        "open_box_form": OpenBoxForm,
        "sealed_count": lambda election: ballot_box.sealed_count(db.session(), election),
    }
