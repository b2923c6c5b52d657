"""Split and points ballots in the web app: how their amounts are stored, and in which
unit they are shown.

A split (``distribution``) ballot divides the election's total (``budget``: euros or
points, see :attr:`voting.models.Election.split_unit`) over the themes; a ``points``
ballot spreads at most ``max_points`` points over the proposals. Everywhere a ballot
is a list of strings -- sealed in the box, opened, entered on paper -- such a ballot is
stored as its amounts, ``"KEY:AMOUNT"`` per option given more than 0, sorted by key
(option keys are letters and digits, so a colon never belongs to one). ``[]`` stays
the blank ballot. :func:`amounts` reads them back for the count and the record, which
publishes them as choices with their points.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_babel import ngettext

from voting.formatting import format_money, format_number
from voting.models import Election

WEIGHTED_TYPES = ("distribution", "points")
SEPARATOR = ":"


def is_weighted(election: Election) -> bool:
    """True for split and points ballots (an amount per option)."""
    return election.ballot_type in WEIGHTED_TYPES


def encode(amounts: Mapping[str, int]) -> list[str]:
    """The stored form of a ballot's amounts: ``["A:60", "B:40"]`` (zeros left out,
    sorted by option key)."""
    return [f"{key}{SEPARATOR}{amount}" for key, amount in sorted(amounts.items()) if amount]


def amounts(choices: Sequence[str]) -> dict[str, int]:
    """The reverse of :func:`encode`. Raises ``ValueError`` for an entry that is not
    ``KEY:AMOUNT`` with a whole amount."""
    result: dict[str, int] = {}
    for entry in choices:
        key, sep, amount = entry.partition(SEPARATOR)
        if not sep or not key or not amount.isdigit() or key in result:
            raise ValueError(f"not a stored amount: {entry!r}")
        result[key] = int(amount)
    return result


def total(election: Election) -> int:
    """What a ballot may hand out: the whole total of a split ballot (which must be
    given out exactly), or the points of a points ballot (at most)."""
    if election.ballot_type == "points":
        return election.max_points or 0
    return election.budget or 0


def pad_keys(election: Election, keys: Sequence[str]) -> list[str]:
    """The longest stored ballot possible, for the box's padding: every option given
    the largest amount, so no ballot's sealed length says what is in it."""
    widest = str(max(total(election), 1))
    return [f"{key}{SEPARATOR}{widest}" for key in keys]


def in_euros(election: Election) -> bool:
    """True if the split's amounts are euros (else points)."""
    return election.ballot_type == "distribution" and election.split_unit == "euro"


def format_amount(election: Election, amount: int) -> str:
    """An amount as residents read it: euros (``€ 12.500``) or points (``30 punten``)."""
    if in_euros(election):
        return format_money(amount)
    return ngettext("%(shown)s punt", "%(shown)s punten", amount, shown=format_number(amount))
