"""The proces-verbaal: the printable official report of a count, as a PDF (fpdf2).

It holds what a council member or a sceptical resident needs on paper: the election's
settings (times on the town hall's clock), turnout against the threshold, whether the
result is valid and binding, the ballots per channel (online, paper) and kind (blank,
invalid), the votes per option or proposal, the winners, every round, every tie break
with its draw keys, who opened the box, entered paper ballots, counted and certified
(names from the audit log), the record's hashes and the signing key's fingerprint, how
to check it all with ``tools/verify.py``, and lines for the signatures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from voting.documents.page import DocumentPDF
from voting.formatting import format_moment, format_money, format_number, format_percent
from voting.labels import BALLOT_TYPE_LABELS
from voting.labels import label as readable
from voting.models import AuditEvent, Election, StaffUser
from voting.results.view import ResultView, first_preferences, votes_per_option


@dataclass(frozen=True)
class Act:
    """One step of the count as the audit log has it: who (a readable name) and when."""

    who: str
    at: datetime | None = None


@dataclass
class ReportPeople:
    """Who did what in the count, for the proces-verbaal."""

    box_opened: Act | None = None
    counted: Act | None = None
    certified: Act | None = None
    paper_clerks: list[str] = field(default_factory=list)


# Audit actions that enter (or half-enter, under double entry) a paper ballot.
PAPER_ACTIONS = ("paper.ballot", "paper.first_entry")


def report_people(session: Session, election: Election) -> ReportPeople:
    """Who opened the box, entered paper ballots, counted and certified ``election``,
    from its audit log; staff are named by their display name and login."""
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.election_id == election.id,
            AuditEvent.action.in_(
                ("box.open", "election.count", "election.certify", *PAPER_ACTIONS)
            ),
        )
        .order_by(AuditEvent.id)
    ).all()
    logins = {e.actor for e in events}
    names = {
        user.username: user.display_name
        for user in session.scalars(select(StaffUser).where(StaffUser.username.in_(logins)))
    }

    def person(login: str) -> str:
        shown = names.get(login) or ""
        return f"{shown} ({login})" if shown and shown != login else login

    people = ReportPeople()
    clerks: list[str] = []
    for event in events:
        # The last of each: a recount after a fixed box would be the one that stands.
        act = Act(person(event.actor), event.at)
        if event.action == "box.open":
            people.box_opened = act
        elif event.action == "election.count":
            people.counted = act
        elif event.action == "election.certify":
            people.certified = act
        elif act.who not in clerks:
            # Paper entries keep only their day, so no time is shown for them.
            clerks.append(act.who)
    people.paper_clerks = sorted(clerks)
    return people


def proces_verbaal(
    view: ResultView,
    *,
    certified_at: datetime | None = None,
    people: ReportPeople | None = None,
    font_dir: Path | str | None = "auto",
) -> bytes:
    """The proces-verbaal of ``view`` as PDF bytes; ``people`` (see
    :func:`report_people`) names who counted and certified (``font_dir``: see
    :func:`voting.documents.fonts.use_fonts`)."""
    people = people or ReportPeople()
    meta = view.election
    turnout = view.turnout
    pdf = DocumentPDF(
        municipality=meta.get("municipality", ""),
        title=_("Proces-verbaal") + f": {meta['title']}",
        footer_text=f"{meta['title']} · " + _("proces-verbaal"),
        font_dir=font_dir,
    )
    pdf.add_page()

    pdf.heading(_("Proces-verbaal van de telling"), 18)
    pdf.heading(meta["title"], 14)
    if meta.get("question"):
        pdf.para(meta["question"])
    if not view.signed:
        pdf.para(_("CONCEPT: deze uitslag is nog niet vastgesteld."), bold=True, size=12)

    pdf.heading(_("Uitslag"))
    pdf.para(view.status, bold=True)
    pdf.para(view.decided)
    pdf.para(_("Wat gebeurt er nu?") + " " + view.next_line)
    if view.announced:
        before = _("Vooraf aangekondigd, voor het geval van een geldige uitslag:") + " "
        pdf.para((before if view.announced_before else "") + view.announced)

    # A count that is not valid chose nobody: its list is headed as what the count did.
    if not view.valid:
        pdf.heading(_("Uitkomst van de telling (ongeldig)"))
    elif view.is_split:
        pdf.heading(_("De verdeling"))
    else:
        pdf.heading(_("Voorstellen die geld krijgen") if view.is_budget else _("Gekozen"))
    if view.is_split:
        # a split gives every theme an amount: the table is the outcome
        pdf.grid(
            [_("Thema"), _("Bedrag"), _("Deel")],
            [[name, amount, share] for name, amount, share in view.split] or [["–", "", ""]],
            (104, 40, 30),
        )
        if view.split_how:
            pdf.para(view.split_how)
    elif view.is_budget:
        rows = [
            [str(n), name, format_money(cost)] for n, (_w, name, cost) in enumerate(view.winners, 1)
        ]
        rows.append(["", _("Samen"), format_money(view.spent)])
        rows.append(["", _("Budget"), format_money(view.budget or 0)])
        pdf.grid(["#", _("Voorstel"), _("Bedrag")], rows, (10, 124, 40))
        for theme, budget, spent, left, names in view.themes:
            pdf.para(
                _(
                    "Thema %(theme)s: budget %(budget)s, besteed %(spent)s, over %(left)s "
                    "(%(names)s).",
                    theme=theme,
                    budget=budget,
                    spent=spent,
                    left=left,
                    names=names,
                )
            )
        if view.leftover_note:
            pdf.para(view.leftover_note)
        if view.blank_note:
            pdf.para(view.blank_note)
    else:
        pdf.grid(
            ["#", _("Optie")],
            [[str(n), name] for n, (_w, name, _c) in enumerate(view.winners, 1)] or [["", "–"]],
            (10, 164),
        )

    pdf.heading(_("Opkomst"))
    pdf.facts(
        [
            (_("Uitgebrachte stemmen"), str(turnout.ballots)),
            (_("Kiezers op de kiezerslijst"), str(turnout.roll_size)),
            (
                _("Opkomst"),
                _(
                    "%(percent)s (%(ballots)s van %(roll)s)",
                    percent=format_percent(turnout.percent),
                    ballots=turnout.ballots,
                    roll=turnout.roll_size,
                ),
            ),
            (_("Opkomstdrempel"), format_percent(turnout.threshold_percent)),
            (_("Drempel gehaald"), _("ja") if turnout.threshold_met else _("nee")),
            (_("Geldig"), _("ja") if turnout.valid else _("nee")),
            (_("Bindend"), _binding_text(bool(meta.get("binding")), turnout.valid)),
        ]
    )

    pdf.heading(_("Stembiljetten"))
    pdf.grid(
        [_("Stembiljetten"), _("Aantal"), _("Wat het betekent")],
        [[what, format_number(number), meaning] for what, number, meaning in view.counts_rows],
        (54, 22, 98),
    )
    pdf.ln(1)
    pdf.para(view.counts_sentence, size=9)

    _votes_per_option(pdf, view)

    pdf.heading(_("Verkiezing"))
    settings = [
        (_("Soort"), _("Buurtbudget") if view.is_budget else _("Referendum")),
        (_("Telregel"), f"{view.rule_text} ({view.rule})"),
        (_("Stembiljet"), readable(BALLOT_TYPE_LABELS, meta["ballot_type"])),
    ]
    if view.is_budget:
        settings.append((_("Budget"), format_money(meta.get("budget") or 0)))
    else:
        settings.append((_("Aantal te kiezen"), str(meta["seats"])))
    settings += [
        (_("Stemmen geopend"), format_moment(meta.get("voting_opens")) or "–"),
        (_("Stemmen gesloten"), format_moment(meta.get("voting_closes")) or "–"),
        (_("Seed voor loting"), meta["tie_break_seed"] or "–"),
    ]
    for name, value in view.extra.items():
        settings.append((name, value))
    pdf.facts(settings)

    pdf.heading(_("Wie telde en wie stelde vast"))
    pdf.para(_("Tijden in de tijdzone van het gemeentehuis (Europe/Amsterdam)."), size=9)
    certified = people.certified or (Act("–", certified_at) if certified_at else None)
    pdf.facts(
        [
            (_("Stembus geopend door"), _act_text(people.box_opened)),
            (
                _("Papieren stembiljetten ingevoerd door"),
                ", ".join(people.paper_clerks) or _("niemand (geen papieren stembiljetten)"),
            ),
            (_("Geteld door"), _act_text(people.counted)),
            (
                _("Vastgesteld door"),
                _act_text(certified) if certified else _("nog niet vastgesteld"),
            ),
        ]
    )

    pdf.heading(_("Rondes"))
    for round_ in view.rounds:
        pdf.para(_("Ronde %(number)s", number=round_.number) + ". " + round_.summary, bold=True)
        rows = [[name, value] for name, value in round_.tallies]
        if rows:
            pdf.grid(
                [_("Voorstel") if view.is_budget else _("Optie"), round_.unit],
                rows,
                (124, 50),
            )
        if round_.transfers:
            pdf.grid(
                [_("Van"), _("Naar"), _("Stemmen")],
                [list(t) for t in round_.transfers],
                (67, 67, 40),
            )
        pdf.ln(1)

    pdf.heading(_("Loting bij gelijke stand"))
    if not view.ties:
        pdf.para(_("Er was geen gelijke stand; er is niet geloot."))
    else:
        pdf.para(
            _(
                "Elke optie krijgt de sleutel SHA-256(seed + ':' + optiecode). Bij gelijke "
                "stand gaat de kleinste sleutel voor: die wordt eerst gekozen en als laatste "
                "weggestreept. Seed: %(seed)s",
                seed=meta["tie_break_seed"],
            )
        )
        for tie in view.ties:
            pdf.para(
                _(
                    "Ronde %(round)s, gelijke stand over %(purpose)s. Uitkomst van de loting: "
                    "%(chosen)s.",
                    round=tie.round,
                    purpose=tie.purpose,
                    chosen=tie.chosen,
                ),
                bold=True,
            )
            for label, key in tie.tied:
                pdf.para(label)
                pdf.code(key)

    pdf.heading(_("Controle"))
    pdf.para(_("SHA-256 van het record (zonder handtekening)"))
    pdf.code(view.sha256)
    pdf.para(_("SHA-256 over alle stembiljetten"))
    pdf.code(str(view.record.get("ballots_sha256", "")))
    pdf.para(_("Vingerafdruk van de ondertekeningssleutel (Ed25519)"))
    pdf.code(view.fingerprint or _("(nog niet ondertekend)"))
    pdf.para(
        _(
            "Iedereen kan deze uitslag narekenen: download het record (JSON) en de publieke "
            "sleutel van de website en voer uit: python tools/verify.py record.json --key "
            "sleutel.pem"
        )
    )

    _signatures(pdf, view, people)
    return pdf.finish()


def _act_text(act: Act | None) -> str:
    """``Name (login), 14 december 2026, 20:00`` on the town hall's clock."""
    if act is None:
        return "–"
    return f"{act.who}, {format_moment(act.at)}" if act.at else act.who


def _votes_per_option(pdf: DocumentPDF, view: ResultView) -> None:
    """Every option or proposal with the ballots that name it (and, for ranked
    ballots, its first preferences), and what the count did with it."""
    meta = view.election
    named = votes_per_option(view.record)
    ranked = meta["ballot_type"] == "ranked"
    first = first_preferences(view.record) if ranked else None
    winners = {w for w, _n, _c in view.winners}
    if view.valid:
        outcome = _("Krijgt geld") if view.is_budget else _("Gekozen")
    else:
        outcome = _("Aangewezen (ongeldig)")
    pdf.heading(_("Stemmen per voorstel") if view.is_budget else _("Stemmen per optie"))
    headings = [_("Code"), _("Voorstel") if view.is_budget else _("Optie")]
    if view.is_budget:
        headings.append(_("Kosten"))
    if first is not None:
        headings.append(_("Eerste voorkeur"))
    headings += [_("Op stembiljetten"), _("Uitkomst")]
    rows = []
    for option in meta["options"]:
        oid = option["id"]
        row = [oid, option.get("name", oid)]
        if view.is_budget:
            row.append(format_money(option.get("cost", 0)))
        if first is not None:
            row.append(format_number(first[oid]))
        row += [format_number(named[oid]), outcome if oid in winners else "–"]
        rows.append(row)
    widths: tuple[float, ...]
    if view.is_budget:
        widths = (16, 56, 26, 36, 40)
    elif first is not None:
        widths = (16, 58, 30, 36, 34)
    else:
        widths = (16, 88, 36, 34)
    pdf.grid(headings, rows, widths)
    pdf.para(
        _(
            "Op stembiljetten: hoeveel stembiljetten de optie noemen, op welke plaats ook. "
            "Blanco en ongeldige stembiljetten noemen geen optie."
        ),
        size=8,
    )


def _signatures(pdf: DocumentPDF, view: ResultView, people: ReportPeople) -> None:
    """A block per signatory: who counted, who certified, and the council's chair, each
    with a name, a line to sign on and the date and place."""
    # Keep the whole block on one page: a signature apart from its text proves little.
    # Heading and text about 30 mm, each signatory's block about 40 mm.
    if pdf.get_y() + 30 + 40 * 3 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.heading(_("Ondertekening"))
    pdf.para(
        _(
            "Aldus opgemaakt en ondertekend. De ondertekenaars verklaren dat dit "
            "proces-verbaal de telling juist weergeeft."
        )
    )
    if not view.signed:
        pdf.para(_("CONCEPT: niet ondertekenen voordat de uitslag is vastgesteld."), bold=True)
    blocks = [
        (_("Geteld door"), people.counted.who if people.counted else ""),
        (_("Vastgesteld door"), people.certified.who if people.certified else ""),
        (_("De voorzitter van de gemeenteraad"), ""),
    ]
    for role, name in blocks:
        pdf.ln(3)
        pdf.set_font(pdf.faces.sans, "B", 10)
        pdf.cell(0, 6, pdf.clean(role), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.faces.sans, "", 10)
        _line(pdf, _("Naam"), name)
        _line(pdf, _("Handtekening"), "", height=14)
        _line(pdf, _("Datum en plaats"), "")


def _line(pdf: DocumentPDF, label: str, value: str, height: float = 8) -> None:
    """A label with a value (if known) on a line to write or sign on."""
    top = pdf.get_y()
    pdf.set_xy(pdf.l_margin, top + height - 6)
    pdf.cell(40, 6, pdf.clean(label + ":"))
    if value:
        pdf.cell(0, 6, pdf.clean(value))
    pdf.set_draw_color(90)
    pdf.set_line_width(0.3)
    bottom = top + height
    pdf.line(pdf.l_margin + 40, bottom, pdf.l_margin + 150, bottom)
    pdf.set_xy(pdf.l_margin, bottom + 1)


def _binding_text(binding: bool, valid: bool) -> str:
    """Whether the result binds the council, told apart from whether it is valid."""
    if not binding:
        return _("nee (raadgevend)")
    return _("ja") if valid else _("ja, maar de uitslag is ongeldig (drempel niet gehaald)")
