"""The proces-verbaal: the printable official report of a count, as a PDF (fpdf2).

It holds what a council member or a sceptical resident needs on paper: the election's
settings, turnout against the threshold, whether the result is valid and binding, the
winners, every round, every tie break with its draw keys, the record's hashes and the
signing key's fingerprint, and how to check it all with ``tools/verify.py``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _

from voting.documents.page import DocumentPDF
from voting.formatting import format_moment, format_money, format_percent
from voting.labels import BALLOT_TYPE_LABELS
from voting.labels import label as readable
from voting.results.view import ResultView


def proces_verbaal(
    view: ResultView,
    *,
    certified_at: datetime | None = None,
    font_dir: Path | str | None = "auto",
) -> bytes:
    """The proces-verbaal of ``view`` as PDF bytes (``font_dir``: see
    :func:`voting.documents.fonts.use_fonts`)."""
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
    if meta.get("next_steps"):
        pdf.para(_("Wat gebeurt er nu?") + " " + meta["next_steps"])

    pdf.heading(_("Gekozen") if not view.is_budget else _("Voorstellen die geld krijgen"))
    if view.is_budget:
        rows = [
            [str(n), name, format_money(cost)] for n, (_w, name, cost) in enumerate(view.winners, 1)
        ]
        rows.append(["", _("Samen"), format_money(view.spent)])
        rows.append(["", _("Budget"), format_money(view.budget or 0)])
        pdf.grid(["#", _("Voorstel"), _("Bedrag")], rows, (10, 124, 40))
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
    if certified_at is not None:
        settings.append((_("Vastgesteld op"), format_moment(certified_at)))
    for name, value in view.extra.items():
        settings.append((name, value))
    pdf.facts(settings)
    options = [
        [o["id"], o.get("name", ""), format_money(o.get("cost", 0))] for o in meta["options"]
    ]
    pdf.ln(2)
    if view.is_budget:
        pdf.grid([_("Code"), _("Voorstel"), _("Kosten")], options, (20, 114, 40))
    else:
        pdf.grid([_("Code"), _("Optie")], [row[:2] for row in options], (20, 154))

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
                    "Ronde %(round)s, over %(purpose)s: gekozen %(chosen)s.",
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
    return pdf.finish()


def _binding_text(binding: bool, valid: bool) -> str:
    """Whether the result binds the council, told apart from whether it is valid."""
    if not binding:
        return _("nee (raadgevend)")
    return _("ja") if valid else _("ja, maar de uitslag is ongeldig (drempel niet gehaald)")
