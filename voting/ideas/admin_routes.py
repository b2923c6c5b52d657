"""Clerks: merge duplicate ideas (the feasibility verdict with its public reason and the
cost correction with its public note are the proposal review and edit screens)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from werkzeug import Response

from voting import db
from voting.auth import actor_name, role_required
from voting.error_words import explain
from voting.ideas import service
from voting.ideas.forms import MergeForm
from voting.models import Election, Option

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
        flash(_("Kies het voorstel om mee samen te voegen."), "error")
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
