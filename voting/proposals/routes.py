"""Organisers and residents: proposals of a buurtbudget."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from voting import db
from voting.auth import role_required
from voting.models import Election, Option

bp = Blueprint("proposals", __name__)


@bp.get("/<slug>")
def listing(slug: str) -> str:
    """The accepted proposals of a buurtbudget, public."""
    election = db.session().scalar(select(Election).where(Election.slug == slug))
    if election is None or not election.is_budget:
        abort(404)
    return render_template(
        "proposals/listing.html", election=election, proposals=election.accepted_options()
    )


@bp.get("/mijn")
@role_required("organiser")
def mine() -> str:
    """The proposals the logged-in organiser submitted."""
    proposals = (
        db.session()
        .scalars(select(Option).where(Option.organiser_id == current_user.id).order_by(Option.id))
        .all()
    )
    return render_template("proposals/mine.html", proposals=proposals)
