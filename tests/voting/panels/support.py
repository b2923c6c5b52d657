"""Helpers of the panel tests: a panel set up by a clerk, codes from the letters ZIP."""

from __future__ import annotations

import csv
import io
import zipfile

from tools.fake_register import register_csv

CATEGORIES = (
    "Leeftijd: jong = 2-4; midden = 2-4; oud = 2-4\n"
    "Wijk: Centrum = 1-4; Horst = 1-4; Droesem = 0-4; Eltingerhof = 0-4"
)
DATES = ["2027-02-06", "2027-03-06"]


def panel_form(**overrides: object) -> dict[str, object]:
    """The set-up form of a small panel (8 seats, 60 invitations)."""
    data: dict[str, object] = {
        "title": "Burgerberaad Afval",
        "slug": "afval",
        "topic": "Hoe halen we het afval op?",
        "seats": 8,
        "invitations": 60,
        "min_age": 16,
        "postcode_filter": "",
        "neighbourhood_filter": "",
        "one_per_household": "y",
        "meeting_dates": "\n".join(DATES),
        "categories": CATEGORIES,
        "tolerance": "1",
        "ask_phone": "y",
        "ask_email": "y",
    }
    data.update(overrides)
    return data


def register_bytes(count: int = 200) -> bytes:
    """A fake register of ``count`` residents of Duiven."""
    return register_csv(count, seed=3).encode()


def codes_from_zip(data: bytes) -> list[dict[str, str]]:
    """The rows of the print house's CSV in an invitations ZIP."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert set(archive.namelist()) == {"uitnodigingen.pdf", "drukkerij.csv"}
        text = archive.read("drukkerij.csv").decode("utf-8-sig")
        assert archive.read("uitnodigingen.pdf").startswith(b"%PDF")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))
