"""The public: certified results, downloads, the receipt check and the public key."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template
from flask_babel import gettext as _
from sqlalchemy import select

from voting import db, signing
from voting.documents.report import proces_verbaal
from voting.models import Election
from voting.results.forms import ReceiptForm, normalise_receipt
from voting.results.view import ballots_file, result_csv, result_view
from voting.tally import private_key_path, published_record

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


def _certified(slug: str) -> tuple[Election, dict[str, Any]]:
    """The certified election ``slug`` and its signed record; 404 otherwise (a result
    that is not certified is not public)."""
    election = db.session().scalar(select(Election).where(Election.slug == slug))
    record = published_record(election) if election is not None else None
    if election is None or record is None:
        abort(404, description=_("Er is (nog) geen vastgestelde uitslag met dit adres."))
    return election, record


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


@bp.get("/<slug>")
def election(slug: str) -> str:
    """The result page: what was decided, binding or not, what happens next, pictures
    with tables, rounds, tie breaks, hashes and downloads."""
    pending = _not_yet(slug)
    if pending is not None:
        return pending
    found, record = _certified(slug)
    _kind, ballots_ext = _ballots_kind(record)
    return render_template(
        "results/election.html",
        election=found,
        view=result_view(record),
        ballots_ext=ballots_ext,
        form=ReceiptForm(),
    )


@bp.get("/<slug>/record.json")
def record_json(slug: str) -> Response:
    """The signed election record, byte for byte as certified."""
    found, _record = _certified(slug)
    return _download(found.record_json or "", "application/json", f"{slug}-record.json")


def _ballots_kind(record: dict[str, Any]) -> tuple[str, str]:
    ranked = record["election"]["ballot_type"] in ("ranked", "single")
    return ("blt", "blt") if ranked else ("pb", "pb")


@bp.get("/<slug>/stembiljetten.<ext>")
def ballots(slug: str, ext: str) -> Response:
    """The ballots as BLT (ranked, single) or pabulib ``.pb`` (approval, budget)."""
    _found, record = _certified(slug)
    if ext != _ballots_kind(record)[1]:
        abort(
            404,
            description=_(
                "Deze stembiljetten zijn er alleen als .%(ext)s.", ext=_ballots_kind(record)[1]
            ),
        )
    kind, text = ballots_file(record)
    return _download(text, "text/plain", f"{slug}.{kind}")


@bp.get("/<slug>/uitslag.csv")
def result_csv_download(slug: str) -> Response:
    """The result per option and per round as CSV."""
    _found, record = _certified(slug)
    return _download(result_csv(record), "text/csv", f"{slug}-uitslag.csv")


@bp.get("/<slug>/proces-verbaal.pdf")
def report(slug: str) -> Response:
    """The printable official report of the count (proces-verbaal)."""
    found, record = _certified(slug)
    return _download(
        proces_verbaal(result_view(record), certified_at=found.certified_at),
        "application/pdf",
        f"{slug}-proces-verbaal.pdf",
    )


@bp.route("/<slug>/bon", methods=["GET", "POST"])
def receipt(slug: str) -> tuple[str, int] | str:
    """A resident enters their receipt and learns that their ballot is in the count --
    never what it said: the record lists receipts apart from the ballots, so no
    receipt can show a buyer or a coercer how someone voted. POST (with CSRF) so
    receipts stay out of addresses and server logs."""
    pending = _not_yet(slug)
    if pending is not None:
        return pending
    found, record = _certified(slug)
    view = result_view(record)
    form = ReceiptForm()
    counted = None
    status = 200
    if form.validate_on_submit():
        wanted = normalise_receipt(form.receipt.data or "")
        counted = next((r for r in record["receipts"] if normalise_receipt(r) == wanted), None)
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
            receipts=len(record["receipts"]),
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
