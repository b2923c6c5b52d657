"""The proces-verbaal PDF: every figure a council needs, readable text, Unicode."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from ballots.record import record_sha256
from tests.voting.tally_helpers import add_ballots, add_roll, make_key
from voting import audit
from voting.documents import report as report_pdf
from voting.formatting import TIME_ZONE, format_moment
from voting.models import AuditEvent, Election, StaffUser
from voting.results.view import result_view
from voting.tally import certify_election, count_election, published_record


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
    certify_election(
        db_session, election, "griffie", make_key(tmp_path), municipality="Gemeente Duiven"
    )
    signed = published_record(election)
    assert signed is not None
    return election, signed


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


@pytest.fixture
def counted_by_staff(
    make_election: Callable[..., Election],
    make_staff: Callable[..., StaffUser],
    db_session: Session,
    tmp_path: Path,
) -> Election:
    """A certified IRV election with online, paper, blank and invalid ballots, counted by
    one clerk and certified by another, with paper ballots entered by a third."""
    for username, name in (
        ("griffie", "Anna de Vries"),
        ("controleur", "Bram Jansen"),
        ("balie1", "Chris Peters"),
    ):
        make_staff("clerk", username).display_name = name
    db_session.commit()
    election = make_election(phase="closed", title="Plein Duiven", allow_blank=True, slug="plein")
    add_roll(db_session, election, 10)
    add_ballots(db_session, election, [["A", "B"], ["B"], [], ["A"]])
    add_ballots(db_session, election, [["B", "A"], ["C"]], channel="paper", invalid=1)
    audit.record(db_session, "balie1", "paper.ballot", election_id=election.id)
    db_session.commit()
    count_election(db_session, election, "griffie")
    certify_election(
        db_session, election, "controleur", make_key(tmp_path), municipality="Gemeente Duiven"
    )
    return election


def _event_time(session: Session, election: Election, action: str) -> datetime:
    return session.scalars(
        select(AuditEvent.at).where(
            AuditEvent.election_id == election.id, AuditEvent.action == action
        )
    ).one()


def test_report_a_council_can_sign(
    app: Flask, counted_by_staff: Election, db_session: Session, tmp_path: Path
) -> None:
    election = counted_by_staff
    response = app.test_client().get(f"/uitslag/{election.slug}/proces-verbaal.pdf")
    assert response.status_code == 200
    text = " ".join(_pdf_text(response.data).split())
    # Ballots per channel and kind.
    for row in (
        "Online uitgebracht 4",
        "Op papier uitgebracht 3",
        "Samen uitgebracht 7",
        "Met een keuze 5",
        "Blanco 1",
        "Ongeldig 1",
    ):
        assert row in text, row
    assert "Er zijn 7 stembiljetten uitgebracht: 4 online en 3 op papier." in text
    # Votes per option: first preferences and ballots naming it; the lot is told.
    assert "Stemmen per optie" in text
    assert re.search(r"\bA A 2 3 (Gekozen|–)", text), text
    assert re.search(r"\bC C 1 1 –", text), text
    assert "mede door loting bepaald" in text
    # Who counted, who certified, who entered paper ballots: names from the audit log,
    # times on the town hall's clock (Europe/Amsterdam, never UTC).
    with app.test_request_context():
        counted_local = format_moment(_event_time(db_session, election, "election.count"))
        certified_local = format_moment(_event_time(db_session, election, "election.certify"))
    assert f"Geteld door Anna de Vries (griffie), {counted_local}" in text
    assert f"Vastgesteld door Bram Jansen (controleur), {certified_local}" in text
    assert "Chris Peters (balie1)" in text
    utc = _event_time(db_session, election, "election.count")
    utc = utc if utc.tzinfo else utc.replace(tzinfo=UTC)
    assert utc.astimezone(UTC).strftime("%H:%M") != utc.astimezone(TIME_ZONE).strftime("%H:%M")
    assert f", {utc.astimezone(UTC).strftime('%H:%M')}" not in text.split("Wie telde")[1][:400]
    # Lines to sign on, for the counter, the certifier and the council's chair.
    signing = text.split("Ondertekening")[-1]
    for part in ("Anna de Vries (griffie)", "Bram Jansen (controleur)"):
        assert part in signing
    assert "De voorzitter van de gemeenteraad" in signing
    assert signing.count("Handtekening:") == 3 and signing.count("Datum en plaats:") == 3
    english = " ".join(
        _pdf_text(
            app.test_client().get(f"/uitslag/{election.slug}/proces-verbaal.pdf?lang=en").data
        ).split()
    )
    assert "Cast on paper 3" in english and "Counted by Anna de Vries (griffie)" in english
    assert "The chair of the municipal council" in english


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_report_renders_with_signature_lines(
    app: Flask, counted_by_staff: Election, tmp_path: Path
) -> None:
    election = counted_by_staff
    pdf = tmp_path / "pv.pdf"
    pdf.write_bytes(app.test_client().get(f"/uitslag/{election.slug}/proces-verbaal.pdf").data)
    pages = len(PdfReader(pdf).pages)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "p")], check=True)
    images = sorted(tmp_path.glob("p*.png"))
    assert len(images) == pages
    with Image.open(images[-1]) as last:
        gray = last.convert("L")
        width, height = gray.size
        # The signature lines: long horizontal runs of dark pixels on the last page.
        lines = 0
        for y in range(height):
            dark = sum(1 for x in range(width) if gray.getpixel((x, y)) < 160)
            # A signature line is 110 mm of the 210 mm page; a table's border is wider.
            if width * 0.45 < dark < width * 0.6:
                lines += 1
        assert lines >= 9  # three signatories, three lines each (a line may take 2 px)


def test_invalid_report_names_nobody_chosen(app: Flask, record: tuple[Election, dict]) -> None:
    election, signed = record  # 3 of 20 voted: below the 30% threshold
    with app.test_request_context():
        text = _pdf_text(
            report_pdf.proces_verbaal(result_view(signed), certified_at=election.certified_at)
        )
    text = " ".join(text.split())
    assert "Uitkomst van de telling (ongeldig)" in text
    assert "Aangewezen" in text
    assert "Gekozen" not in text and "Krijgt geld" not in text
    assert "Deze uitslag telt niet" in text
    assert "Vooraf aangekondigd, voor het geval van een geldige uitslag: De raad besluit" in text
