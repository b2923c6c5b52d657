"""Residents: the front page, code entry and the ballot."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from voting import db
from voting.models import Election

bp = Blueprint("vote", __name__)


@bp.get("/")
def index() -> str:
    """The front page: elections open for voting and recent results."""
    elections = db.session().scalars(select(Election).order_by(Election.opens_at)).all()
    open_now = [e for e in elections if e.phase == "voting"]
    published = [e for e in elections if e.phase == "certified"]
    return render_template("vote/index.html", open_now=open_now, published=published)
