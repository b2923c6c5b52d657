"""Panel letters: the invitation with its one-time sign-up code and QR code, and the
letter to residents drawn for the panel. Same window envelope, fonts, QR and code
style as the voting letters (:mod:`voting.documents.letters`, fonts from
:mod:`voting.documents.fonts`); the text is the
panel's. Made from the register in memory and streamed out: no name or address is
stored."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from fpdf import FPDF

from voting import codes
from voting.documents.fonts import close_fonts, use_fonts
from voting.documents.letters import (
    ADDRESS_X,
    FOLD,
    TEXT_LINE,
    TEXT_PT,
    TITLE_LINE,
    TITLE_PT,
    _csv_line,
    draw_code_box,
    draw_letterhead,
)
from voting.formatting import format_day
from voting.roll import Letter
from voting.roll_import import Resident

MAIL_MERGE_COLUMNS = (
    "volgnummer",
    "naam",
    "adres",
    "postcode",
    "woonplaats",
    "aanmeldcode",
    "qr_url",
    "burgerberaad",
)


@dataclass(frozen=True)
class PanelLetterContext:
    """Everything the same on every letter of one panel."""

    municipality: str
    title: str
    topic: str
    base_url: str
    slug: str
    seats: int
    meeting_dates: tuple[str, ...]
    letter_date: date

    @property
    def signup_url(self) -> str:
        """Where residents sign up."""
        return f"{self.base_url.rstrip('/')}/burgerberaad/{self.slug}/aanmelden"

    def qr_url(self, code: str) -> str:
        """The QR link: the code sits in the fragment, which browsers never send."""
        return f"{self.signup_url}#{codes.normalise(code)}"


def _dates(ctx: PanelLetterContext) -> str:
    return ", ".join(format_day(date.fromisoformat(d), locale="nl") for d in ctx.meeting_dates)


class _PanelPDF:
    def __init__(self, ctx: PanelLetterContext) -> None:
        self.ctx = ctx
        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(ADDRESS_X, 15, 20)
        self.pdf.set_creator("Buurtstem")
        fonts = use_fonts(self.pdf, "auto", families=("sans",))
        self.sans, self.clean = fonts.sans, fonts.clean

    def page(self, resident: Resident, title: str, paragraphs: list[str]) -> float:
        pdf, ctx, clean = self.pdf, self.ctx, self.clean
        pdf.add_page()
        draw_letterhead(
            pdf,
            self.sans,
            clean,
            municipality=ctx.municipality,
            sender=ctx.municipality,
            resident=resident,
            date_text=format_day(ctx.letter_date, locale="nl"),
        )
        pdf.set_xy(ADDRESS_X, 96)
        pdf.set_font(self.sans, "B", TITLE_PT)
        pdf.multi_cell(170, TITLE_LINE, clean(title), align="L")  # ragged right, as every letter
        pdf.set_font(self.sans, "", TEXT_PT)
        for paragraph in paragraphs:
            pdf.ln(1)
            pdf.multi_cell(170, TEXT_LINE, clean(paragraph), align="L")
        return pdf.get_y()

    def output(self) -> bytes:
        data = bytes(self.pdf.output())
        close_fonts(self.pdf)
        return data


def invitation_pdf(ctx: PanelLetterContext, letters: Iterable[Letter]) -> bytes:
    """One PDF with one invitation per page."""
    doc = _PanelPDF(ctx)
    for letter in letters:
        y = doc.page(
            letter.resident,
            f"Uitnodiging: doe mee met het burgerberaad '{ctx.title}'",
            [
                f"U bent door loting gekozen. U mag zich aanmelden voor het burgerberaad over: "
                f"{ctx.topic or ctx.title}",
                f"Het burgerberaad heeft {ctx.seats} leden. Uit iedereen die zich aanmeldt, "
                "loten we de leden zo dat het panel lijkt op alle inwoners (leeftijd, wijk, "
                "opleiding en meer).",
                f"De bijeenkomsten zijn op: {_dates(ctx)}." if ctx.meeting_dates else "",
                f"Aanmelden: ga naar {ctx.signup_url} of scan de QR-code. Typ uw code en "
                "beantwoord een paar korte vragen. Liever op papier? Bel de gemeente: wij "
                "sturen u een antwoordformulier.",
            ],
        )
        top = max(y + 4, FOLD + 60)
        draw_code_box(
            doc.pdf,
            doc.sans,
            top=top,
            heading="Uw aanmeldcode",
            code=letter.code,
            note=["Deze code is alleen voor u en werkt één keer."],
            qr=ctx.qr_url(letter.code),
        )
    return doc.output()


def selection_pdf(ctx: PanelLetterContext, residents: Iterable[Resident]) -> bytes:
    """One PDF with a letter for each resident drawn for the panel."""
    doc = _PanelPDF(ctx)
    for resident in residents:
        doc.page(
            resident,
            f"U bent geloot voor het burgerberaad '{ctx.title}'",
            [
                "Bedankt voor uw aanmelding. Bij de loting bent u gekozen als lid van het "
                "burgerberaad.",
                f"De bijeenkomsten zijn op: {_dates(ctx)}." if ctx.meeting_dates else "",
                "Kunt u toch niet? Laat het de gemeente snel weten: dan loten we volgens de "
                "gepubliceerde regels iemand anders.",
            ],
        )
    return doc.output()


def mail_merge(ctx: PanelLetterContext, letters: Iterable[Letter]) -> bytes:
    """The print house's CSV (semicolons, UTF-8 with BOM)."""
    rows = [b"\xef\xbb\xbf" + _csv_line(MAIL_MERGE_COLUMNS)]
    for letter in letters:
        r = letter.resident
        rows.append(
            _csv_line(
                (
                    str(r.line),
                    r.name,
                    r.address,
                    r.postcode_printed,
                    r.town.upper(),
                    codes.formatted(letter.code),
                    ctx.qr_url(letter.code),
                    ctx.title,
                )
            )
        )
    return b"".join(rows)


def invitations_zip(ctx: PanelLetterContext, letters: list[Letter]) -> bytes:
    """A ZIP with the invitation letters (PDF) and the mail-merge CSV."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("uitnodigingen.pdf", invitation_pdf(ctx, letters))
        archive.writestr("drukkerij.csv", mail_merge(ctx, letters))
    return out.getvalue()
