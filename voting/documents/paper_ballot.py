"""The printable paper ballot of an election: the same options and the same rules as
the online ballot, in plain Dutch (B1) or English, in the house style (:mod:`.page`).

Paper is an equal way to vote: a resident fills it in with the code from their
letter and returns it by post or at the desk, where a clerk enters it
(``voting.paper_entry``). Each option has a box to cross (or, on a ranked ballot,
to write a number in); there is a box for a blank vote where the election allows one.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext

from voting import weighted
from voting.ballot_validation import ballot_options
from voting.documents.page import READING_SIZE, DocumentPDF
from voting.formatting import format_money
from voting.models import Election

BOX = 7.0  # mm: the square to cross or number


def paper_ballot_pdf(
    election: Election, *, municipality: str, vote_url: str, font_dir: Path | str | None = "auto"
) -> bytes:
    """The paper ballot of ``election`` as PDF bytes (in the current locale)."""
    pdf = DocumentPDF(
        municipality=municipality,
        title=_("Stembiljet"),
        footer_text=_("Stembiljet") + f" · {election.title}",
        font_dir=font_dir,
        body_size=READING_SIZE,
    )
    pdf.add_page()
    pdf.heading(_("Stembiljet: %(title)s", title=election.title), 16)
    if election.question:
        pdf.para(election.question, bold=True, size=12)
    pdf.ln(2)
    pdf.heading(_("Zo vult u het in"), 12)
    for line in instructions(election):
        pdf.para("• " + line)
    pdf.ln(3)
    options = ballot_options(election)
    for option in options:
        _option_row(pdf, option.key, option.title, option.summary, _cost(election, option.cost))
    if election.allow_blank:
        _option_row(pdf, "", _("Ik stem blanco"), _("Kies dan verder niets."), "")
    pdf.ln(4)
    pdf.heading(_("Uw stemcode"), 12)
    pdf.para(
        _(
            "Schrijf hier de stemcode uit uw brief over (17 tekens). Zonder stemcode telt "
            "het stembiljet niet."
        )
    )
    pdf.ln(1)
    _code_boxes(pdf)
    pdf.ln(4)
    pdf.heading(_("Inleveren"), 12)
    pdf.para(
        _(
            "Stuur het stembiljet in de antwoordenvelop terug of geef het af bij de balie "
            "van het gemeentehuis. Een medewerker voert uw keuzes in. Met uw code kunt u "
            "maar één keer stemmen: heeft u al online gestemd, dan telt dit stembiljet niet."
        )
    )
    pdf.para(_("Liever online stemmen? Ga naar %(url)s.", url=vote_url))
    return pdf.finish()


def instructions(election: Election) -> list[str]:
    """The rules of this ballot in plain words, as on the online ballot."""
    kind = election.ballot_type
    lines: list[str] = []
    if kind == "ranked":
        lines.append(
            _(
                "Schrijf een 1 in het vakje van de keuze die u het liefst wilt, een 2 bij "
                "uw tweede keuze, enzovoort."
            )
        )
        lines.append(
            _("U hoeft niet alle keuzes een nummer te geven. Gebruik elk nummer één keer.")
        )
    elif kind == "single":
        lines.append(_("Zet een kruisje in het vakje van één keuze."))
    elif kind == "approval":
        lines.append(_("Zet een kruisje in het vakje van elke keuze die u goed vindt."))
    elif kind == "distribution":
        lines.append(
            _(
                "Schrijf in het vakje van elk thema hoeveel het volgens u krijgt. Samen "
                "precies %(total)s; een leeg vakje telt als 0.",
                total=weighted.format_amount(election, weighted.total(election)),
            )
        )
    elif kind == "points":
        lines.append(
            _(
                "Schrijf in het vakje van elk voorstel dat u wilt hoeveel punten u het "
                "geeft. Samen hoogstens %(total)s; een leeg vakje telt als 0.",
                total=weighted.format_amount(election, weighted.total(election)),
            )
        )
    else:
        lines.append(_("Zet een kruisje in het vakje van elk voorstel dat u wilt."))
        lines.append(
            _(
                "De voorstellen die u kiest, mogen samen niet meer kosten dan %(budget)s.",
                budget=format_money(election.budget or 0),
            )
        )
    if kind == "budget" and election.min_spend_percent:
        lines.append(
            _(
                "Kies voor minstens %(percent)d%% van het budget aan voorstellen, of stem blanco.",
                percent=election.min_spend_percent,
            )
        )
    if election.max_choices:
        lines.append(
            ngettext(
                "Kies hoogstens %(num)d keuze.",
                "Kies hoogstens %(num)d keuzes.",
                election.max_choices,
            )
        )
    if election.min_choices:
        lines.append(
            ngettext(
                "Kies minstens %(num)d keuze.",
                "Kies minstens %(num)d keuzes.",
                election.min_choices,
            )
        )
    lines.append(
        _(
            "Vergist u zich? Vraag dan een nieuw stembiljet aan. Een stembiljet dat niet "
            "duidelijk is, telt als ongeldige stem."
        )
    )
    return lines


def _cost(election: Election, cost: int) -> str:
    return format_money(cost) if election.is_budget else ""


def _option_row(pdf: DocumentPDF, key: str, title: str, summary: str, cost: str) -> None:
    """One option: a box to mark, then its letter, title, summary and cost."""
    if pdf.will_page_break(BOX + 6):
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_draw_color(0)
    pdf.set_line_width(0.4)
    pdf.rect(pdf.l_margin, top, BOX, BOX)
    pdf.set_xy(pdf.l_margin + BOX + 4, top)
    pdf.set_font(pdf.faces.sans, "B", READING_SIZE + 1)
    label = f"{key}. {title}" if key else title
    if cost:
        label += f" – {cost}"
    pdf.multi_cell(pdf.width - BOX - 4, 6.5, pdf.clean(label), new_x="LMARGIN", new_y="NEXT")
    if summary:
        pdf.set_x(pdf.l_margin + BOX + 4)
        pdf.set_font(pdf.faces.sans, "", READING_SIZE - 1)
        pdf.multi_cell(pdf.width - BOX - 4, 6, pdf.clean(summary), new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), top + BOX) + 3)
    pdf.set_font(pdf.faces.sans, "", READING_SIZE)


def _code_boxes(pdf: DocumentPDF) -> None:
    """Seventeen boxes in groups of four and one, like the code on the letter."""
    size, gap = 7.0, 1.2
    x, y = pdf.l_margin, pdf.get_y()
    pdf.set_line_width(0.3)
    for group in (4, 4, 4, 4, 1):
        for _box in range(group):
            pdf.rect(x, y, size, size)
            x += size + gap
        x += 4
    pdf.set_y(y + size + 2)
