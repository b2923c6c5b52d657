"""The audit log page for clerks and admins: who did what when, filtered, in pages,
and as a streamed CSV download."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext as _

from voting import audit_log, db
from voting.auth import role_required
from voting.labels import AUDIT_ACTION_LABELS, label

bp = Blueprint("audit_log", __name__)


def _filter() -> tuple[audit_log.AuditFilter, list[str]]:
    """The filter from the query string, and a message per value that was not
    understood (that part of the filter is left out)."""
    args = request.args
    errors: list[str] = []

    def day(name: str) -> date | None:
        raw = args.get(name, "").strip()
        if not raw:
            return None
        try:
            return date.fromisoformat(raw)
        except ValueError:
            errors.append(_("De datum %(value)s is niet te lezen (jjjj-mm-dd).", value=raw[:20]))
            return None

    election = args.get("verkiezing", "").strip()
    election_id = int(election) if election.isdigit() else None
    wanted = audit_log.AuditFilter(
        election_id=election_id,
        actor=args.get("persoon", "").strip()[:100] or None,
        action=args.get("soort", "").strip()[:100] or None,
        day_from=day("van"),
        day_to=day("tot"),
    )
    return wanted, errors


def action_words(action: str) -> str:
    """What an audit-log code means, in the reader's language; the code itself for one
    without a label (entries written by an older version)."""
    return label(AUDIT_ACTION_LABELS, action)


@bp.get("/logboek")
@role_required("clerk")
def index() -> tuple[str, int]:
    """The log, newest first, 50 a page."""
    wanted, errors = _filter()
    session = db.session()
    number = request.args.get("pagina", "1")
    events, pages = audit_log.page(session, wanted, int(number) if number.isdigit() else 1)
    elections, actors, actions = audit_log.choices(session)
    current = min(max(1, int(number) if number.isdigit() else 1), pages)
    args = {k: v for k, v in request.args.items() if k != "pagina" and v}
    return render_template(
        "admin/audit_log.html",
        events=events,
        page=current,
        pages=pages,
        wanted=wanted,
        errors=errors,
        elections=elections,
        titles=dict(elections),
        actors=actors,
        # The kinds in the log, by their words in the reader's language.
        actions=sorted(((a, action_words(a)) for a in actions), key=lambda pair: pair[1]),
        action_words=action_words,
        args=args,
    ), 400 if errors else 200


@bp.get("/logboek.csv")
@role_required("clerk")
def export() -> Response:
    """The filtered log as CSV, streamed a batch at a time."""
    wanted, _errors = _filter()

    def rows() -> Iterator[str]:
        # A session of its own, closed after the last batch: the request's session is
        # closed (and would silently start a new transaction that nobody ends) before
        # the first batch is sent.
        with db.new_session() as session:
            yield from audit_log.csv_rows(session, wanted)

    return Response(
        stream_with_context(rows()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=logboek.csv"},
    )
