"""The receipt PDF: the receipt number, the choices and the promise, in the reader's language."""

from __future__ import annotations

import io
from collections.abc import Callable

from flask import Flask
from pypdf import PdfReader

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
            chosen=["Winkelhart", "Groen plein"],
            results_url="http://localhost/uitslag/centrum/bon",
        )
    text = _text(data)
    assert text.startswith("Gemeente Duiven")  # the house style's header
    assert "Voting receipt" in text
    assert "1. Winkelhart 2. Groen plein" in text
    assert "only how the votes were cast, not who cast them" in text
    assert "how was voted" not in text
    assert "1/1" in text  # the footer's page number
