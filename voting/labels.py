"""Words people read for the codes the database stores (phases, rules, ballot types)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PHASE_LABELS = {
    "draft": _l("in voorbereiding"),
    "proposals": _l("voorstellen indienen"),
    "review": _l("voorstellen beoordelen"),
    "voting": _l("stemmen"),
    "closed": _l("gesloten"),
    "counted": _l("geteld"),
    "certified": _l("vastgesteld"),
}

RULE_LABELS = {
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
}

BALLOT_TYPE_LABELS = {
    "ranked": _l("Rangschikken"),
    "single": _l("Eén keuze"),
    "approval": _l("Meerdere keuzes"),
    "budget": _l("Voorstellen binnen het budget"),
}


def label(table: dict[str, object], code: str) -> str:
    """The readable word for ``code`` in ``table``, or the code itself if unknown."""
    return str(table.get(code, code))
