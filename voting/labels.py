"""Words people read for the codes the database stores (phases, rules, ballot types)."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ballots.methods import RULES

PHASE_LABELS = {
    "draft": _l("in voorbereiding"),
    "proposals": _l("voorstellen indienen"),
    "review": _l("voorstellen beoordelen"),
    "voting": _l("stemmen"),
    "closed": _l("gesloten"),
    "counted": _l("geteld"),
    "certified": _l("vastgesteld"),
}

# Keyed by each rule's label key in the registry (ballots.methods.RULES), which says
# everything else about a rule; a test checks that every registered rule has both.
RULE_LABEL_TEXTS = {
    "irv": _l("Instant runoff (één winnaar, rangschikken)"),
    "stv": _l("STV, Schotse regels (meer winnaars, rangschikken)"),
    "schulze": _l("Schulze (rangschikken, paarsgewijs)"),
    "borda": _l("Aangepaste Borda (rangschikken, punten)"),
    "plurality": _l("Meeste stemmen (één keuze)"),
    "approval": _l("Goedkeuring: de opties met de meeste stemmen"),
    "greedy": _l("Budget: meeste stemmen eerst, zolang het past"),
    "mes": _l("Budget: Method of Equal Shares"),
    "mes-add1": _l("Budget: Method of Equal Shares, aangevuld (add1)"),
    "mes-add1-until-over-budget": _l(
        "Budget: Method of Equal Shares, aangevuld tot over het budget (Wieliczka)"
    ),
    "distribution-mean": _l("Verdeling: het gemiddelde per thema"),
    "distribution-median": _l("Verdeling: mediaan met fantoomstemmen (onafhankelijke markten)"),
}

# The same rules in a sentence, for results pages and the proces-verbaal.
RULE_DESCRIPTIONS = {
    "irv": _l("Alternatieve stem (instant runoff): wie de minste stemmen heeft valt af"),
    "stv": _l("Enkelvoudig overdraagbare stem (STV, Schotse regels)"),
    "schulze": _l("Schulze-methode: elk plan wordt met elk ander plan vergeleken"),
    "borda": _l("Borda-telling: punten voor elke plek op het stembiljet"),
    "plurality": _l("Meeste stemmen"),
    "approval": _l("Meeste goedkeuringen"),
    "greedy": _l("Meeste stemmen eerst, zolang het budget het toelaat"),
    "mes": _l("Methode van gelijke delen (Method of Equal Shares)"),
    "mes-add1": _l("Methode van gelijke delen, aangevuld tot het budget op is"),
    "mes-add1-until-over-budget": _l(
        "Methode van gelijke delen, aangevuld tot het budget overschreden zou worden"
    ),
    "distribution-mean": _l("Elk thema krijgt het gemiddelde van wat de bewoners het gaven"),
    "distribution-median": _l(
        "Elk thema krijgt de mediaan van de verdelingen en de fantoomstemmen "
        "(Freeman e.a. 2021): overdrijven helpt niemand"
    ),
}

# What a round's tallies count (ballots.methods.TALLY_UNITS), as a column heading.
TALLY_UNIT_LABELS = {
    "votes": _l("Stemmen"),
    "approvals": _l("Goedkeuringen"),
    "points": _l("Punten"),
    "price": _l("Deel van de kosten per voorstander"),
    "amounts": _l("Bedrag"),
}

BALLOT_TYPE_LABELS = {
    "ranked": _l("Rangschikken"),
    "single": _l("Eén keuze"),
    "approval": _l("Meerdere keuzes"),
    "budget": _l("Voorstellen binnen het budget"),
    "distribution": _l("Budget verdelen over thema's"),
    "points": _l("Punten verdelen over voorstellen"),
}


# Why a row of a register file was refused (voting.roll_import.Reason values).
REASON_LABELS = {
    "bad_file": _l("bestand onleesbaar"),
    "bad_row": _l("regel onleesbaar"),
    "missing_field": _l("veld ontbreekt"),
    "bad_postcode": _l("ongeldige postcode"),
    "bad_date": _l("ongeldige geboortedatum"),
    "duplicate": _l("dubbele persoon"),
    "not_eligible": _l("niet stemgerechtigd"),
}


# How a register file was encoded (voting.roll_import.decode's codes).
ENCODING_LABELS = {
    "utf-8-bom": _l("UTF-8 met BOM"),
    "utf-8": "UTF-8",
    "cp1252": "Windows-1252",
}


def label(table: dict[str, object], code: str) -> str:
    """The readable word for ``code`` in ``table``, or the code itself if unknown."""
    return str(table.get(code, code))


def rule_label(name: str) -> LazyString | str:
    """The short name of counting rule ``name`` (setup forms, admin pages), translated
    when shown; the name itself for a rule the registry does not know."""
    known = RULES.get(name)
    return RULE_LABEL_TEXTS[known.label_key] if known else name


def rule_description(name: str) -> LazyString | str:
    """Counting rule ``name`` in a sentence (results pages, proces-verbaal)."""
    known = RULES.get(name)
    return RULE_DESCRIPTIONS[known.label_key] if known else name


def tally_unit_label(name: str, round_unit: str = "") -> LazyString:
    """The column heading for the tallies of rule ``name`` ("Stemmen", "Punten", ...),
    or of a round that names its own unit (``Round.unit``)."""
    if round_unit in TALLY_UNIT_LABELS:
        return TALLY_UNIT_LABELS[round_unit]
    known = RULES.get(name)
    return TALLY_UNIT_LABELS[known.tally_unit if known else "votes"]
