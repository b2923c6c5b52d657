"""The panel's invitation letter: the code, the QR link and the text, large enough for
every resident drawn to read (the sample is of all ages)."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from tests.voting.pdf_text import text_sizes
from voting import codes
from voting.panels.letters import PanelLetterContext, invitation_pdf
from voting.roll import Letter
from voting.roll_import import Resident

CONTEXT = PanelLetterContext(
    municipality="Gemeente Zeist",
    title="Burgerberaad Klimaat",
    topic="Hoe wordt Zeist in 2050 klimaatneutraal?",
    base_url="https://stem.zeist.nl",
    slug="klimaat",
    seats=150,
    meeting_dates=("2027-01-16", "2027-01-30"),
    letter_date=date(2026, 12, 1),
)


def test_invitation_carries_the_code_and_reads_at_eleven_points_or_more() -> None:
    resident = Resident(1, "X", "J. de Boer", "Slotlaan 12", "3701GB", "Zeist", date(1950, 1, 1))
    code = codes.generate()
    page = PdfReader(io.BytesIO(invitation_pdf(CONTEXT, [Letter(resident, code, 1)]))).pages[0]
    text = " ".join(page.extract_text().split())
    assert codes.formatted(code) in text
    assert "3701 GB ZEIST" in text
    assert "16 januari 2027, 30 januari 2027" in text
    assert "https://stem.zeist.nl/burgerberaad/klimaat/aanmelden" in text
    sizes = text_sizes(page, top=90, bottom=284)
    assert "Uw aanmeldcode" in sizes
    assert {line: size for line, size in sizes.items() if size < 11} == {}
