"""The receipt as a one-page PDF (fpdf2) a resident can keep or print."""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF

from voting.models import Election

# A Unicode font where the system has one (Debian's fonts-dejavu-core), so names with
# accents print right; otherwise the core Helvetica, which covers Latin-1.
_DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
_MONO = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")


def _fonts(pdf: FPDF) -> tuple[str, str]:
    """(text font, code font) names registered on ``pdf``."""
    if _DEJAVU.exists() and _DEJAVU_BOLD.exists():
        pdf.add_font("DejaVu", "", str(_DEJAVU))
        pdf.add_font("DejaVu", "B", str(_DEJAVU_BOLD))
        mono = "DejaVu"
        if _MONO.exists():
            pdf.add_font("DejaVuMono", "B", str(_MONO))
            mono = "DejaVuMono"
        return "DejaVu", mono
    return "Helvetica", "Courier"


def _latin1(text: str, font: str) -> str:
    # The core fonts only know Latin-1; replace what they cannot print.
    if font != "Helvetica":
        return text
    return text.encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(
    *, municipality: str, election: Election, receipt: str, chosen: list[str], results_url: str
) -> bytes:
    """A PDF with the receipt code, the election, what was voted and where to check
    it after the count. Returns the file's bytes."""
    pdf = FPDF(format="A4")
    pdf.set_title(_("Stembewijs"))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    text, mono = _fonts(pdf)

    def line(value: str, size: int = 12, style: str = "", height: float = 7) -> None:
        pdf.set_font(text, style, size)
        pdf.multi_cell(0, height, _latin1(value, text), new_x="LMARGIN", new_y="NEXT")

    line(municipality, 11)
    line(_("Stembewijs"), 22, "B", 12)
    line(election.title, 14, "B", 8)
    pdf.ln(4)
    line(_("Uw bewijscode:"), 12)
    pdf.set_font(mono, "B", 26)
    pdf.cell(0, 16, receipt, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if chosen:
        line(_("U heeft gestemd op:"), 12, "B")
        for number, title in enumerate(chosen, start=1):
            prefix = f"{number}. " if election.ballot_type == "ranked" else "• "
            line(prefix + title, 12)
    else:
        line(_("U heeft blanco gestemd."), 12, "B")
    pdf.ln(4)
    line(
        _(
            "Bewaar dit bewijs. Na de uitslag kunt u uw stem terugvinden op de "
            "uitslagpagina met deze code:"
        ),
        11,
    )
    line(results_url, 11)
    pdf.ln(2)
    line(
        _(
            "Met de code ziet u alleen hoe er gestemd is, niet wie er gestemd heeft. "
            "Niemand kan uw naam aan deze code koppelen."
        ),
        10,
    )
    return bytes(pdf.output())
