"""The receipt as a one-page PDF (fpdf2) a resident can keep or print."""

from __future__ import annotations

from flask_babel import gettext as _
from fpdf import FPDF

from voting.documents.letters import find_font_dir
from voting.models import Election


def _fonts(pdf: FPDF) -> tuple[str, str]:
    """(text font, code font) registered on ``pdf``: DejaVu where the letters find it
    (the same fonts as the letter the code came in), else the core fonts."""
    folder = find_font_dir()
    if folder is None:
        pdf.core_fonts_encoding = "windows-1252"
        return "Helvetica", "Courier"
    pdf.add_font("DejaVu", "", str(folder / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(folder / "DejaVuSans-Bold.ttf"))
    pdf.add_font("DejaVuMono", "B", str(folder / "DejaVuSansMono-Bold.ttf"))
    return "DejaVu", "DejaVuMono"


def _printable(text: str, font: str) -> str:
    # The core fonts only know Windows-1252; replace what they cannot print.
    if font != "Helvetica":
        return text
    return text.encode("cp1252", "replace").decode("cp1252")


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
        pdf.multi_cell(0, height, _printable(value, text), new_x="LMARGIN", new_y="NEXT")

    line(municipality, 11)
    line(_("Stembewijs"), 22, "B", 12)
    line(election.title, 14, "B", 8)
    pdf.ln(4)
    line(_("Uw bonnummer:"), 12)
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
            "uitslagpagina met dit bonnummer:"
        ),
        11,
    )
    line(results_url, 11)
    pdf.ln(2)
    line(
        _(
            "Met het bonnummer ziet u alleen hoe er gestemd is, niet wie er gestemd heeft. "
            "Uw stem is niet opgeslagen bij uw naam of uw stemcode."
        ),
        10,
    )
    return bytes(pdf.output())
