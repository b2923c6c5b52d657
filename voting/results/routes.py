"""The public: certified results."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from voting import db
from voting.models import Election

bp = Blueprint("results", __name__)


@bp.get("/")
def index() -> str:
    """Every certified election."""
    published = (
        db.session()
        .scalars(
            select(Election).where(Election.phase == "certified").order_by(Election.certified_at)
        )
        .all()
    )
    return render_template("results/index.html", published=published)
