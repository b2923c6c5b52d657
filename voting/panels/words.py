"""Panel facts put into words for people, in the reader's language (Flask-Babel)."""

from __future__ import annotations

from flask_babel import gettext as _

from ballots.panels.quotas import QuotaProblem
from voting.panels.service import PanelError


def phase_label(phase: str) -> str:
    """The phase in the reader's language."""
    labels = {
        "draft": _("Voorbereiding"),
        "invitations": _("Uitnodigen"),
        "signup": _("Aanmelden"),
        "draw": _("Loting"),
        "seated": _("Panel aan het werk"),
        "finished": _("Afgerond"),
    }
    return labels.get(phase, phase)


def describe(problem: QuotaProblem) -> str:
    """One feasibility problem with its numbers."""
    where = f"{problem.category} = {problem.value}" if problem.value else problem.category
    n = {"where": where, "needed": problem.needed, "available": problem.available}
    if problem.code == "pool_too_small":
        return _(
            "Er zijn %(available)s aanmeldingen voor %(needed)s plaatsen: %(short)s te weinig.",
            short=problem.short,
            **n,
        )
    if problem.code == "too_few_respondents":
        return _(
            "%(where)s: minimaal %(needed)s nodig, maar %(available)s aanmeldingen: "
            "%(short)s te weinig.",
            short=problem.short,
            **n,
        )
    if problem.code == "minimums_too_high":
        return _(
            "%(where)s: de minimums tellen op tot %(needed)s, meer dan de %(available)s "
            "plaatsen: %(short)s te veel.",
            short=problem.short,
            **n,
        )
    if problem.code == "maximums_too_low":
        return _(
            "%(where)s: hooguit %(available)s van de %(needed)s plaatsen te vullen: "
            "%(short)s te weinig.",
            short=problem.short,
            **n,
        )
    if problem.short > 0:
        return _(
            "%(where)s: het minimum van %(needed)s kan niet samen met de andere quota; "
            "verlaag het met %(short)s.",
            short=problem.short,
            **n,
        )
    return _(
        "%(where)s: het maximum van %(needed)s kan niet samen met de andere quota; "
        "verhoog het met %(short)s.",
        short=-problem.short,
        **n,
    )


def error_text(error: PanelError) -> str:
    """A :class:`PanelError` in the reader's language."""
    texts = {
        "phase": _("Deze stap kan nu niet: fasen gaan alleen vooruit."),
        "categories": _("Stel eerst de vragen en quota in."),
        "no_invitations": _("Maak eerst de uitnodigingen."),
        "not_drawn": _("Loot eerst het panel."),
        "done": _("De uitnodigingen zijn al gemaakt."),
        "typo": _("Deze code klopt niet. Kijk nog eens goed op uw brief."),
        "unknown": _("Deze code kennen we niet voor dit burgerberaad."),
        "used": _("Met deze code is al iemand aangemeld."),
        "closed": _("Aanmelden kan nu niet (meer)."),
        "consent": _("Zonder uw toestemming kunnen we u niet aanmelden."),
        "exists": _("Er is al een referendum over dit advies."),
        "few": _("Een referendum heeft minstens twee aanbevelingen nodig."),
        "not_computed": _("Bereken eerst de kansen."),
        "running": _("De berekening loopt al."),
        "infeasible": _("De quota zijn niet haalbaar met deze aanmeldingen."),
    }
    if error.code == "seed_changed":  # names the seed, so not in the table above
        return _(
            "Loten kan alleen met het lotingsgetal dat vooraf bekend was: %(seed)s.",
            seed=error.params["seed"],
        )
    return texts.get(error.code, str(error))
