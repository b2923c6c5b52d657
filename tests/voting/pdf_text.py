"""What a printed page says and at what size: for the tests that residents' documents
(letters, paper ballots, receipts) are large enough to read."""

from __future__ import annotations

from typing import Any

MM = 72 / 25.4  # points per millimetre


def text_sizes(page: Any, top: float = 0.0, bottom: float = 297.0) -> dict[str, float]:
    """Each line of text on the pypdf ``page`` whose baseline lies between ``top`` and
    ``bottom`` (millimetres from the top of an A4 page), with its size in points."""
    sizes: dict[str, float] = {}

    def visit(text: str, _cm: Any, tm: Any, _font: Any, size: float) -> None:
        if text.strip() and top < 297 - tm[5] / MM < bottom:
            sizes.setdefault(text.strip(), size * tm[0] if tm[0] else size)

    page.extract_text(visitor_text=visit)
    return sizes
