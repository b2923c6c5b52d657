"""The house style of receipts, paper ballots and the proces-verbaal."""

from __future__ import annotations

import io

from pypdf import PdfReader

from voting.documents.page import DocumentPDF


def _document() -> DocumentPDF:
    pdf = DocumentPDF(municipality="Gemeente Voorbeeld", title="Proces-verbaal")
    pdf.add_page()
    return pdf


def test_a_heading_near_the_foot_of_a_page_starts_the_next_page() -> None:
    """A heading is never the last line of a page with what it heads overleaf (the
    proces-verbaal's 'Stemmen per optie' stood alone at the bottom of page 1)."""
    pdf = _document()
    pdf.set_y(pdf.page_break_trigger - 12)
    pdf.heading("Stemmen per optie")
    pdf.para("Schommel: 4")
    assert pdf.page_no() == 2
    pages = PdfReader(io.BytesIO(pdf.finish())).pages
    assert "Stemmen per optie" not in pages[0].extract_text()
    assert "Stemmen per optie" in pages[1].extract_text()


def test_a_heading_with_room_below_stays_on_its_page() -> None:
    pdf = _document()
    pdf.set_y(pdf.page_break_trigger - 40)
    pdf.heading("Opkomst")
    assert pdf.page_no() == 1
    pdf.finish()  # closes the font files (an open one is a ResourceWarning, an error here)
