"""Checks that keep a new clerk from mistakes the screens used to allow: letters
printed before the ballot is fixed, voting closed before its announced end."""

from __future__ import annotations

from flask_babel import gettext as _

from voting.models import Election, aware, utcnow


def letters_refusal(election: Election) -> str | None:
    """Why letters cannot be printed yet (the letter would name a ballot that is still
    changing), or None."""
    if election.is_budget and election.phase in ("draft", "proposals"):
        return _(
            "Maak de brieven pas als de voorstellen vastliggen: zet het buurtbudget eerst "
            "in de fase 'beoordelen' en beoordeel alle voorstellen. De brief noemt het "
            "aantal voorstellen."
        )
    if any(o.review_status == "submitted" for o in election.options):
        return _(
            "Er zijn nog voorstellen die niet zijn beoordeeld. Beoordeel ze eerst: de "
            "brief noemt het aantal voorstellen op het stembiljet."
        )
    if not election.accepted_options():
        return _("Er staan nog geen opties op het stembiljet. Voeg ze eerst toe.")
    return None


def letters_warning(election: Election) -> str | None:
    """A reminder while the ballot can still change after letters are printed."""
    if election.phase in ("draft", "review"):
        count = len(election.accepted_options())
        return _(
            "Het stembiljet heeft nu %(n)d opties. Verandert u daarna nog iets aan de "
            "opties, dan klopt de brief niet meer: maak de brieven als laatste stap "
            "voordat de stemming opent.",
            n=count,
        )
    return None


def early_close_warning(election: Election) -> str | None:
    """A warning when closing now would end voting before the announced end."""
    if election.phase != "voting" or election.closes_at is None:
        return None
    if utcnow() < aware(election.closes_at):
        from voting.formatting import format_moment

        return _(
            "Let op: de stemming is aangekondigd tot %(moment)s. Als u nu sluit, kunnen "
            "bewoners niet meer stemmen, ook al staat in hun brief een latere datum.",
            moment=format_moment(election.closes_at),
        )
    return None
