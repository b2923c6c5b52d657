"""The receipt as a one-page PDF a resident can keep or print (house style: :mod:`.page`)."""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _

from voting.documents.page import READING_SIZE, DocumentPDF
from voting.models import Election


def receipt_pdf(
    *,
    municipality: str,
    election: Election,
    receipt: str,
    results_url: str,
    font_dir: Path | str | None = "auto",
) -> bytes:
    """A PDF with the receipt code, the election and where to check after the count
    that the ballot was counted -- never what was voted, so the receipt proves
    nothing to someone buying or forcing a vote. Returns the file's bytes."""
    pdf = DocumentPDF(
        municipality=municipality,
        title=_("Stembewijs"),
        footer_text=_("Stembewijs") + f" · {election.title}",
        font_dir=font_dir,
        body_size=READING_SIZE,
    )
    pdf.add_page()
    pdf.heading(_("Stembewijs"), 22)
    pdf.heading(election.title, 14)
    pdf.ln(2)
    pdf.para(_("Uw bonnummer:"), size=12)
    pdf.code(receipt, size=26, bold=True)
    pdf.ln(2)
    pdf.ln(4)
    pdf.para(
        _(
            "Bewaar dit bewijs. Na de uitslag kunt u op de uitslagpagina met dit "
            "bonnummer nagaan dat uw stem is meegeteld:"
        )
    )
    pdf.para(results_url)
    pdf.ln(2)
    pdf.para(
        _(
            "Op dit bewijs staat niet wat u heeft gestemd, en met het bonnummer is dat ook "
            "niet terug te vinden. Uw stem is verzegeld opgeslagen, los van uw naam en uw "
            "stemcode."
        )
    )
    return pdf.finish()
