"""The fonts of every printed document: letters, receipts, paper ballots, the proces-verbaal.

DejaVu (Debian's ``fonts-dejavu-core``, in the base image of our machines) when it is
installed, so names like Çelik, Łukasz or Zoë print as written. Without it the PDF
core fonts (Helvetica, Courier) in Windows-1252, which still has é, ë, € and the
typographic dashes and quotes; other characters lose their accents (Ł -> L) or
become a plain stand-in (✓ -> v), never a blank or an error.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu")
# family -> style -> file; fpdf2 embeds only the characters a document uses.
FONT_FILES = {
    "sans": {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"},
    "mono": {"": "DejaVuSansMono.ttf", "B": "DejaVuSansMono-Bold.ttf"},
}
# What the core fonts print for characters Windows-1252 lacks and NFKD cannot strip.
_STAND_INS = {"Ł": "L", "ł": "l", "ı": "i", "Ø": "O", "ø": "o", "✓": "v", "✗": "x", "→": "->"}


def find_font_dir(extra: Path | str | None = None) -> Path | None:
    """The first folder (``extra`` first) that holds every DejaVu file we use, or None."""
    for folder in ((extra,) if extra else ()) + FONT_DIRS:
        path = Path(folder)
        if all(
            (path / name).is_file() for styles in FONT_FILES.values() for name in styles.values()
        ):
            return path
    return None


def latin(text: str) -> str:
    """``text`` as the core fonts can print it (Windows-1252): what that code page has
    stays, accents are stripped from the rest, a few signs get a stand-in, else '?'."""
    out = []
    for char in text:
        try:
            char.encode("cp1252")
            out.append(char)
        except UnicodeEncodeError:
            plain = unicodedata.normalize("NFKD", char).encode("cp1252", "ignore").decode("cp1252")
            out.append(_STAND_INS.get(char) or plain or "?")
    return "".join(out)


@dataclass(frozen=True)
class Fonts:
    """The font families registered on one PDF and how its text must be cleaned."""

    sans: str
    mono: str
    unicode: bool

    def clean(self, text: str) -> str:
        """``text`` as these fonts can print it."""
        return text if self.unicode else latin(text)


def use_fonts(
    pdf: FPDF, folder: Path | str | None = "auto", *, families: tuple[str, ...] = ("sans", "mono")
) -> Fonts:
    """Register the document fonts on ``pdf``: DejaVu from ``folder`` ("auto": where
    :func:`find_font_dir` finds it; None: the core fonts). Only ``families`` are
    registered (fpdf2 embeds every registered font, used or not); a family left out
    is the core font (Courier for ``mono``)."""
    pdf.core_fonts_encoding = "windows-1252"
    where = find_font_dir() if folder == "auto" else folder
    if not where:
        return Fonts("helvetica", "courier", unicode=False)
    for family in families:
        for style, name in FONT_FILES[family].items():
            pdf.add_font(family, style, str(Path(where) / name))
    return Fonts("sans", "mono" if "mono" in families else "courier", unicode=True)


def close_fonts(pdf: FPDF) -> None:
    """Close the TrueType files fpdf2 opened (through fontTools) and never closes."""
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.close()
