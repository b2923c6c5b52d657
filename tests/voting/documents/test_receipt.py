"""The receipt PDF: the receipt number and the promise, in the reader's language -- never
the choices (a receipt must prove nothing to someone buying or forcing a vote)."""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import Flask
from pypdf import PdfReader

from tests.voting.pdf_text import text_sizes
from voting.documents.receipt import receipt_pdf
from voting.models import Election


def _text(data: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages)


def test_english_receipt_says_what_the_number_shows(
    app: Flask, make_election: Callable[..., Election]
) -> None:
    election = make_election(title="Centrumplan Duiven")
    with app.test_request_context("/?lang=en"):
        data = receipt_pdf(
            municipality="Gemeente Duiven",
            election=election,
            receipt="ABCDE-FGHJK",
            results_url="http://localhost/uitslag/centrum/bon",
        )
    text = _text(data)
    assert text.startswith("Gemeente Duiven")  # the house style's header
    assert "Voting receipt" in text
    assert "ABCDE-FGHJK" in text
    assert "This receipt does not say how you voted" in text
    assert "check on the results page with this receipt number that your vote was counted" in text
    assert "1/1" in text  # the footer's page number
    page = PdfReader(io.BytesIO(data)).pages[0]
    sizes = text_sizes(page, top=18, bottom=280)  # all but the header and footer
    assert "ABCDE-FGHJK" in sizes
    assert {line: size for line, size in sizes.items() if size < 11} == {}
