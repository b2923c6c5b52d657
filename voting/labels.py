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

# What each kind of audit-log entry records (the ``action`` codes of voting.audit.record),
# for the clerk's log page; the CSV export keeps the codes. A test checks that every
# code recorded anywhere in the app has a label here.
AUDIT_ACTION_LABELS = {
    "box.create": _l("Stembus gemaakt"),
    "box.open": _l("Stembus geopend"),
    "demo.create": _l("Demo aangemaakt"),
    "election.create": _l("Verkiezing aangemaakt"),
    "election.update": _l("Verkiezing gewijzigd"),
    "election.phase": _l("Fase van de verkiezing gewijzigd"),
    "election.count": _l("Stemmen geteld"),
    "election.certify": _l("Uitslag vastgesteld en gepubliceerd"),
    "option.add": _l("Keuze toegevoegd"),
    "option.update": _l("Keuze gewijzigd"),
    "option.remove": _l("Keuze verwijderd"),
    "option.public_note": _l("Openbare toelichting bij een voorstel"),
    "proposal.review": _l("Voorstel beoordeeld"),
    "proposal.merge": _l("Voorstellen samengevoegd"),
    "follow_up.decision": _l("Besluit van de raad vastgelegd"),
    "follow_up.panel_decision": _l("Besluit over het advies van het burgerberaad vastgelegd"),
    "follow_up.progress": _l("Voortgang van een project bijgewerkt"),
    "follow_up.milestone": _l("Mijlpaal van een project vastgelegd"),
    "paper.first_entry": _l("Papieren stembiljet: eerste invoer"),
    "paper.double_entry": _l("Dubbele invoer aan- of uitgezet"),
    "paper.mismatch": _l("Papieren stembiljet: invoer verschilt"),
    "paper.entry_discarded": _l("Papieren stembiljet: invoer vervallen"),
    "paper.ballot": _l("Papieren stembiljet in de stembus gedaan"),
    "paper.refused": _l("Papieren stembiljet geweigerd"),
    "roll.import.start": _l("Kiezersregister: import begonnen"),
    "roll.import.finish": _l("Kiezersregister: import klaar"),
    "roll.check": _l("Kiezersregister gecontroleerd"),
    "roll.lookup": _l("Bewoner opgezocht in het register"),
    "roll.reissue": _l("Nieuwe stemcode uitgegeven"),
    "process.create": _l("Traject aangemaakt"),
    "process.update": _l("Traject gewijzigd"),
    "process.stage.add": _l("Stap toegevoegd aan een traject"),
    "process.stage.move": _l("Stap van een traject verplaatst"),
    "process.stage.remove": _l("Stap uit een traject gehaald"),
    "process.stage.ideas": _l("Ideeënstap van een traject ingesteld"),
    "process.stage.theme_split": _l("Budgetverdeling als bron van de themabudgetten gekozen"),
    "process.carry_winners": _l("Winnaars van een stap doorgegeven aan de volgende"),
    "process.roll.import.start": _l("Brieven voor een traject: import begonnen"),
    "process.roll.import.finish": _l("Brieven voor een traject: import klaar"),
    "process.roll.lookup": _l("Bewoner opgezocht in het register van een traject"),
    "process.roll.reissue": _l("Nieuwe code voor een traject uitgegeven"),
    "panel.create": _l("Burgerberaad aangemaakt"),
    "panel.edit": _l("Burgerberaad gewijzigd"),
    "panel.phase": _l("Fase van het burgerberaad gewijzigd"),
    "panel.invitations": _l("Uitnodigingen voor het burgerberaad gemaakt"),
    "panel.paper_signup": _l("Papieren aanmelding ingevoerd"),
    "panel.contact_read": _l("Contactgegevens van een lid bekeken"),
    "panel.compute": _l("Berekening van de lotingskansen gestart"),
    "panel.draw": _l("Leden van het burgerberaad geloot"),
    "panel.replacement": _l("Vervanger geloot"),
    "panel.selected_letters": _l("Brieven aan de gelote leden gemaakt"),
    "panel.advice": _l("Advies van het burgerberaad vastgelegd"),
    "panel.referendum": _l("Advies aan alle bewoners voorgelegd"),
    "retention.purge": _l("Persoonsgegevens gewist na de bewaartermijn"),
    "retention.purge_panel": _l("Gegevens van het burgerberaad gewist na de bewaartermijn"),
    "settings.two_factor_required": _l("Instelling gewijzigd: verplichte tweestapsverificatie"),
    "staff.create": _l("Medewerker aangemaakt"),
    "staff.invite": _l("Medewerker uitgenodigd"),
    "staff.invite_accepted": _l("Uitnodiging aanvaard"),
    "staff.reset_link": _l("Link om het wachtwoord te herstellen gemaakt"),
    "staff.password_reset": _l("Wachtwoord hersteld"),
    "staff.password_changed": _l("Wachtwoord gewijzigd"),
    "staff.enable": _l("Account aangezet"),
    "staff.disable": _l("Account uitgezet"),
    "staff.login": _l("Ingelogd"),
    "staff.logout": _l("Uitgelogd"),
    "staff.two_factor_on": _l("Tweestapsverificatie aangezet"),
    "staff.two_factor_off": _l("Tweestapsverificatie uitgezet"),
    "staff.two_factor_reset": _l("Tweestapsverificatie van een ander teruggezet"),
    "staff.recovery_codes_new": _l("Nieuwe herstelcodes gemaakt"),
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
