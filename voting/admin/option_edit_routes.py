"""Clerks correct an option or proposal before voting (title, text, cost) with a note
residents read, and confirm before deleting one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug import Response
from wtforms import TextAreaField
from wtforms.validators import Length

from voting import audit, db, elections
from voting.admin.setup_forms import OptionForm, option_values
from voting.auth import actor_name, role_required
from voting.models import Election, Option

bp = Blueprint("option_edit", __name__)


class OptionEditForm(OptionForm):
    """An option as the clerk corrects it, with a public note."""

    public_note = TextAreaField(
        _l("Toelichting voor inwoners (bijv. waarom de kosten zijn aangepast)"),
        validators=[Length(max=2000)],
    )


def _option(election_id: int, option_id: int) -> tuple[Election, Option]:
    session = db.session()
    election = session.get(Election, election_id)
    option = session.get(Option, option_id)
    if election is None or option is None or option.election_id != election.id:
        abort(404)
    return election, option


@bp.route("/verkiezing/<int:election_id>/opties/<int:option_id>/bewerken", methods=["GET", "POST"])
@role_required("clerk")
def edit(election_id: int, option_id: int) -> str | Response | tuple[str, int]:
    """Correct an option or proposal; a changed cost needs a note for residents."""
    election, option = _option(election_id, option_id)
    if elections.options_locked(election):
        flash(_("De stemming is begonnen: de opties liggen vast."), "error")
        return redirect(url_for("setup.options", election_id=election.id))
    form = OptionEditForm(obj=option)
    if form.validate_on_submit():
        values = option_values(form)
        note = (form.public_note.data or "").strip()
        if election.is_budget and values["cost"] != option.cost and not note:
            form.public_note.errors = [
                _("Leg uit waarom de kosten veranderen; inwoners en de indiener lezen dit.")
            ]
        else:
            session = db.session()
            old_cost = option.cost
            try:
                elections.update_option(session, option, **values, actor=actor_name())  # type: ignore[arg-type]
            except elections.SetupError as error:
                session.rollback()
                form.cost.errors = [*form.cost.errors, str(error)]
            else:
                if note != option.public_note:
                    option.public_note = note
                    audit.record(
                        session,
                        actor_name(),
                        "option.public_note",
                        election_id=election.id,
                        key=option.key,
                        note=note,
                        old_cost=old_cost,
                        new_cost=option.cost,
                    )
                session.commit()
                flash(_("De wijziging is opgeslagen."), "success")
                return redirect(url_for("setup.options", election_id=election.id))
    return render_template(
        "admin/setup/option_edit.html", election=election, option=option, form=form
    ), (400 if form.is_submitted() else 200)


@bp.route(
    "/verkiezing/<int:election_id>/opties/<int:option_id>/verwijderen-bevestigen",
    methods=["GET"],
)
@role_required("clerk")
def confirm_remove(election_id: int, option_id: int) -> str:
    """Ask before an option or proposal is deleted (that cannot be undone)."""
    election, option = _option(election_id, option_id)
    return render_template("admin/setup/option_remove.html", election=election, option=option)


def removal_confirmed() -> bool:
    """True if the delete form carried the confirmation (used by ``setup.remove``)."""
    return request.form.get("confirm") == "ja"
