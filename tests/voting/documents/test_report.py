"""The proces-verbaal PDF: every figure a council needs, readable text, Unicode."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy.orm import Session

from ballots.record import record_sha256
from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from voting.documents import report as report_pdf
from voting.models import Election
from voting.results.view import result_view
from voting.tally import certify_election, count_election


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join((page.extract_text() or "") for page in reader.pages).replace("\n", " ")


@pytest.fixture
def record(
    make_election: Callable[..., Election], db_session: Session, tmp_path: Path
) -> tuple[Election, dict]:
    """A certified IRV election with a tie, below its threshold."""
    election = make_election(
        phase="closed",
        title="Centrumplan Düiven – €",
        turnout_threshold_percent=30,
        binding=True,
        next_steps="De raad besluit op 12 maart.",
    )
    add_roll(db_session, election, 20)
    add_ballots(db_session, election, [["A", "B"], ["B", "C"], ["C", "A"]])
    count_election(db_session, election, "griffie")
    return election, certify_election(
        db_session, election, "griffie", make_key(tmp_path), municipality="Gemeente Duiven"
    )


def test_report_holds_result_turnout_hashes_and_fingerprint(
    app: Flask, record: tuple[Election, dict]
) -> None:
    election, signed = record
    with app.test_request_context():
        data = report_pdf.proces_verbaal(result_view(signed), certified_at=election.certified_at)
    assert data.startswith(b"%PDF")
    text = _pdf_text(data)
    assert "Proces-verbaal van de telling" in text
    assert "Centrumplan Düiven – €" in text
    assert "De uitslag is ongeldig" in text and "15%" in text
    assert "De raad besluit op 12 maart." in text
    assert "Ronde 1" in text and "Loting bij gelijke stand" in text
    compact = text.replace(" ", "")
    assert record_sha256(signed) in compact
    assert signed["signature"]["key_fingerprint"] in compact
    assert signed["ballots_sha256"] in compact
    for key in signed["result"]["tie_breaks"][0]["keys"]:
        assert key in compact


def test_report_without_unicode_font(app: Flask, record: tuple[Election, dict]) -> None:
    _election, signed = record
    with app.test_request_context():
        data = report_pdf.proces_verbaal(result_view(signed), font_dir=None)
    text = _pdf_text(data)
    assert "Centrumplan Düiven – €" in text  # Windows-1252 has both
    assert b"DejaVu" not in data


def test_draft_is_marked(app: Flask, record: tuple[Election, dict]) -> None:
    _election, signed = record
    unsigned = json.loads(json.dumps({k: v for k, v in signed.items() if k != "signature"}))
    with app.test_request_context():
        text = _pdf_text(report_pdf.proces_verbaal(result_view(unsigned, signed=False)))
    assert "CONCEPT" in text


def test_download_route(app: Flask, record: tuple[Election, dict]) -> None:
    election, _signed = record
    response = app.test_client().get(f"/uitslag/{election.slug}/proces-verbaal.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "Proces-verbaal" in _pdf_text(response.data)
