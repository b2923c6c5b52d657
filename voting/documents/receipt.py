"""The receipt as a one-page PDF a resident can keep or print (house style: :mod:`.page`)."""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _

from voting.documents.page import DocumentPDF
from voting.models import Election


def receipt_pdf(
    *,
    municipality: str,
    election: Election,
    receipt: str,
    chosen: list[str],
    results_url: str,
    font_dir: Path | str | None = "auto",
) -> bytes:
    """A PDF with the receipt code, the election, what was voted and where to check
    it after the count. Returns the file's bytes."""
    pdf = DocumentPDF(
        municipality=municipality,
        title=_("Stembewijs"),
        footer_text=_("Stembewijs") + f" · {election.title}",
        font_dir=font_dir,
    )
    pdf.add_page()
    pdf.heading(_("Stembewijs"), 22)
    pdf.heading(election.title, 14)
    pdf.ln(2)
    pdf.para(_("Uw bonnummer:"), size=12)
    pdf.code(receipt, size=26, bold=True)
    pdf.ln(2)
    if chosen:
        pdf.para(_("U heeft gestemd op:"), bold=True, size=12)
        for number, title in enumerate(chosen, start=1):
            prefix = f"{number}. " if election.ballot_type == "ranked" else "• "
            pdf.para(prefix + title, size=12)
    else:
        pdf.para(_("U heeft blanco gestemd."), bold=True, size=12)
    pdf.ln(4)
    pdf.para(
        _(
            "Bewaar dit bewijs. Na de uitslag kunt u uw stem terugvinden op de "
            "uitslagpagina met dit bonnummer:"
        ),
        size=11,
    )
    pdf.para(results_url, size=11)
    pdf.ln(2)
    pdf.para(
        _(
            "Met het bonnummer ziet u alleen hoe er gestemd is, niet wie er gestemd heeft. "
            "Uw stem is niet opgeslagen bij uw naam of uw stemcode."
        )
    )
    return pdf.finish()
