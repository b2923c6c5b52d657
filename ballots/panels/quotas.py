"""Quotas: derived from population shares, and checked before the draw.

The checks here need no solver; they name the quotas that cannot be met whatever
the draw does, and by how much. :func:`ballots.panels.leximin.relaxation` adds the
exact check of all quotas together (one integer program).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from ballots.panels.model import Quota, Respondent


@dataclass(frozen=True, slots=True)
class QuotaProblem:
    """Why the quotas cannot be met, as data; the edge puts it into words.

    ``code`` is one of:

    - ``pool_too_small``: fewer respondents (``available``) than seats (``needed``);
    - ``too_few_respondents``: a minimum of ``needed`` for ``category``/``value`` but
      only ``available`` respondents have that value;
    - ``minimums_too_high``: the minimums of ``category`` add up to ``needed``, more
      than the ``available`` seats;
    - ``maximums_too_low``: within ``category`` at most ``available`` seats can be
      filled (maximums, or fewer respondents), fewer than the ``needed`` seats;
    - ``joint``: each quota can be met alone but not all together; meeting them
      needs ``category``/``value``'s minimum lowered (``short`` > 0) or maximum
      raised (``short`` < 0) by ``abs(short)`` seats.

    ``short`` is always how many seats are missing (``needed - available`` for the
    first four codes).
    """

    code: str
    category: str = ""
    value: str = ""
    needed: int = 0
    available: int = 0
    short: int = 0


def quotas_from_shares(
    category: str, shares: Mapping[str, Fraction], size: int, tolerance: Fraction
) -> list[Quota]:
    """Quotas for ``category`` from population shares (fractions adding up to 1):
    each value gets ``share × size`` seats, give or take ``tolerance`` seats, rounded
    outwards (the minimum down, the maximum up) and kept within ``0 .. size``.

    Raises ``ValueError`` if the shares do not add up to 1 or the tolerance is negative.
    """
    if sum(shares.values(), Fraction(0)) != 1:
        raise ValueError(f"shares of {category} add up to {sum(shares.values())}, not 1")
    if tolerance < 0:
        raise ValueError("tolerance must not be negative")
    quotas = []
    for value, share in shares.items():
        target = Fraction(share) * size
        low = max(0, math.floor(target - tolerance))
        high = min(size, math.ceil(target + tolerance))
        quotas.append(Quota(category, value, low, high))
    return quotas


def simple_problems(
    respondents: Iterable[Respondent], quotas: Sequence[Quota], size: int
) -> list[QuotaProblem]:
    """The quotas that cannot be met with these respondents, whatever the draw does.

    Necessary conditions only (each quota on its own, each category on its own); an
    empty list does not yet prove that all quotas hold together.
    """
    people = list(respondents)
    problems: list[QuotaProblem] = []
    if len(people) < size:
        problems.append(
            QuotaProblem(
                "pool_too_small", needed=size, available=len(people), short=size - len(people)
            )
        )
    have = Counter((c, v) for r in people for c, v in r.values.items())
    by_category: dict[str, list[Quota]] = {}
    for quota in quotas:
        by_category.setdefault(quota.category, []).append(quota)
        available = have[(quota.category, quota.value)]
        if quota.min > available:
            problems.append(
                QuotaProblem(
                    "too_few_respondents",
                    quota.category,
                    quota.value,
                    needed=quota.min,
                    available=available,
                    short=quota.min - available,
                )
            )
    for category, group in by_category.items():
        minimums = sum(q.min for q in group)
        if minimums > size:
            problems.append(
                QuotaProblem(
                    "minimums_too_high",
                    category,
                    needed=minimums,
                    available=size,
                    short=minimums - size,
                )
            )
        # Respondents whose value has no quota are not limited by this category.
        limited = {q.value for q in group}
        free = sum(n for (c, v), n in have.items() if c == category and v not in limited)
        fillable = free + sum(min(q.max, have[(category, q.value)]) for q in group)
        if fillable < size:
            problems.append(
                QuotaProblem(
                    "maximums_too_low",
                    category,
                    needed=size,
                    available=fillable,
                    short=size - fillable,
                )
            )
    return problems
