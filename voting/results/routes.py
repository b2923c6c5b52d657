"""The public: certified results, downloads, the receipt check and the public key."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from voting import db, published, retention, signing
from voting.bilingual import english_option_names
from voting.documents.report import proces_verbaal, report_people
from voting.models import Election, PublishedResult
from voting.results.forms import ReceiptForm, normalise_receipt
from voting.results.view import result_csv, result_view
from voting.tally import private_key_path

bp = Blueprint("results", __name__)


@bp.get("/")
def index() -> str:
    """Every certified election."""
    published = (
        db.session()
        .scalars(
            select(Election)
            .where(Election.phase == "certified")
            .order_by(Election.certified_at.desc())
        )
        .all()
    )
    return render_template("results/index.html", published=published)


def _certified(slug: str) -> tuple[Election, PublishedResult]:
    """The certified election ``slug`` and its published form (worked out once, at
    certification); 404 otherwise (a result that is not certified is not public)."""
    session = db.session()
    election = session.scalar(select(Election).where(Election.slug == slug))
    row = published.published(session, election) if election is not None else None
    if election is None or row is None:
        abort(404, description=_("Er is (nog) geen vastgestelde uitslag met dit adres."))
    return election, row


def _cached(row: PublishedResult, *parts: str) -> tuple[str, Response | None]:
    """The ETag of this answer, and ``304 Not Modified`` when the client has it
    already: a certified result never changes, so nothing needs to be read or drawn."""
    tag = published.etag(row, *parts)
    if tag in request.if_none_match:
        response = Response(status=304)
        _cache_headers(response, tag)
        return tag, response
    return tag, None


def _cache_headers(response: Response, tag: str) -> Response:
    response.set_etag(tag)
    # A result is public and final; "no-cache" still makes a cache ask (cheaply, with
    # the ETag) so a page in the other language or after a fix is never stale.
    response.headers["Cache-Control"] = "public, no-cache"
    return response


def _language() -> str:
    return str(get_locale() or "nl")


def _not_yet(slug: str) -> str | None:
    """The 'result comes later' page for a public election without a certified result
    (the receipt links there from the moment of voting); None otherwise. It tells
    only the phase and its dates: nothing of a count that is not yet certified."""
    election = db.session().scalar(select(Election).where(Election.slug == slug))
    if election is None or election.phase in ("draft", "certified"):
        return None
    return render_template("results/pending.html", election=election)


def _download(body: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _streamed(column: Any, where: Any, size: int, mimetype: str, filename: str) -> Response:
    """A stored text streamed in slices from its own session (the request's session
    is gone before the last slice is sent)."""
    own_session = current_app.extensions["db_sessionmaker"]()
    chunks = published.stream_text(own_session, column, where)
    response = Response(chunks, mimetype=mimetype, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.content_length = size
    return response


@bp.get("/<slug>")
def election(slug: str) -> Response | str:
    """The result page: what was decided, binding or not, what happens next, pictures
    with tables, rounds, tie breaks, hashes and downloads."""
    pending = _not_yet(slug)
    if pending is not None:
        return pending
    found, row = _certified(slug)
    tag, not_modified = _cached(row, "page", _language())
    if not_modified is not None and not current_user.is_authenticated:
        return not_modified
    body = render_template(
        "results/election.html",
        election=found,
        view=result_view(published.summary(row), english_names=english_option_names(found)),
        ballots_ext=row.ballots_ext,
        form=ReceiptForm(),
    )
    if current_user.is_authenticated:
        # a staff member's page has their name and menu in it: not one for caches
        return Response(body)
    return _cache_headers(Response(body), tag)


@bp.get("/<slug>/record.json")
def record_json(slug: str) -> Response:
    """The signed election record, byte for byte as certified, streamed."""
    found, row = _certified(slug)
    tag, not_modified = _cached(row, "record")
    if not_modified is not None:
        return not_modified
    response = _streamed(
        Election.record_json,
        Election.id == found.id,
        row.record_bytes,
        "application/json",
        f"{slug}-record.json",
    )
    return _cache_headers(response, tag)


@bp.get("/<slug>/stembiljetten.<ext>")
def ballots(slug: str, ext: str) -> Response:
    """The ballots as BLT (ranked, single) or pabulib ``.pb`` (approval, budget),
    streamed from the file made at certification."""
    found, row = _certified(slug)
    if ext != row.ballots_ext:
        abort(
            404,
            description=_("Deze stembiljetten zijn er alleen als .%(ext)s.", ext=row.ballots_ext),
        )
    tag, not_modified = _cached(row, "ballots")
    if not_modified is not None:
        return not_modified
    response = _streamed(
        PublishedResult.ballots_text,
        PublishedResult.election_id == found.id,
        row.ballots_bytes,
        "text/plain",
        f"{slug}.{ext}",
    )
    return _cache_headers(response, tag)


@bp.get("/<slug>/uitslag.csv")
def result_csv_download(slug: str) -> Response:
    """The result per option and per round as CSV (from the stored summary: one row
    per option, small at any number of ballots)."""
    _found, row = _certified(slug)
    tag, not_modified = _cached(row, "csv")
    if not_modified is not None:
        return not_modified
    response = _download(result_csv(published.summary(row)), "text/csv", f"{slug}-uitslag.csv")
    return _cache_headers(response, tag)


@bp.get("/<slug>/proces-verbaal.pdf")
def report(slug: str) -> Response:
    """The printable official report of the count (proces-verbaal)."""
    found, row = _certified(slug)
    tag, not_modified = _cached(row, "report", _language())
    if not_modified is not None:
        return not_modified
    response = _download(
        proces_verbaal(
            result_view(published.summary(row)),
            certified_at=found.certified_at,
            people=report_people(db.session(), found),
        ),
        "application/pdf",
        f"{slug}-proces-verbaal.pdf",
    )
    return _cache_headers(response, tag)


@bp.route("/<slug>/bon", methods=["GET", "POST"])
def receipt(slug: str) -> tuple[str, int] | str:
    """A resident enters their receipt and learns that their ballot is in the count --
    never what it said: the record lists receipts apart from the ballots, so no
    receipt can show a buyer or a coercer how someone voted. POST (with CSRF) so
    receipts stay out of addresses and server logs."""
    pending = _not_yet(slug)
    if pending is not None:
        return pending
    found, row = _certified(slug)
    record = published.summary(row)
    view = result_view(record, english_names=english_option_names(found))
    form = ReceiptForm()
    counted = None
    status = 200
    purged = retention.receipts_purged(db.session(), found)
    if purged:
        # After the retention period the check is in the signed record only.
        status = 410 if form.is_submitted() else 200
    elif form.validate_on_submit():
        wanted = normalise_receipt(form.receipt.data or "")
        # one indexed look-up, not a walk through a million receipts
        counted = published.find_receipt(db.session(), found, wanted)
        if counted is None:
            form.receipt.errors = [
                _(
                    "Dit bonnummer staat niet in de uitslag. Kijk of u het goed hebt "
                    "overgenomen. Klopt het echt niet? Neem dan contact op met de gemeente."
                )
            ]
            status = 404
    elif form.is_submitted():
        status = 400
    return (
        render_template(
            "results/receipt.html",
            election=found,
            view=view,
            form=form,
            counted=counted,
            purged=purged,
            receipts=record[published.FIGURES]["receipts"],
        ),
        status,
    )


def _public_key() -> tuple[bytes, str] | None:
    try:
        key = signing.load_private_key(private_key_path(current_app.config["SIGNING_KEY_PATH"]))
    except (OSError, ValueError):
        return None
    return signing.public_key_pem(key), signing.fingerprint(key)


@bp.get("/sleutel")
def public_key() -> str:
    """The municipality's public key and its fingerprint, to check signed records."""
    return render_template("results/key.html", key=_public_key())


@bp.get("/sleutel.pem")
def public_key_file() -> Response:
    """The public key as a PEM file, for ``tools/verify.py --key``."""
    key = _public_key()
    if key is None:
        abort(404, description=_("Er is nog geen sleutel gemaakt."))
    return _download(key[0], "application/x-pem-file", "buurtstem-public-key.pem")
