"""The portfolio: a lottery over quota-meeting panels, in exact whole numbers.

A portfolio panel is given as seats per profile (how many people of each profile
sit on it). Its probability is ``weight / denominator``: the weights are whole
numbers that add up to the denominator exactly, so the draw (:mod:`.draw`) and
every selection probability are exact fractions, never floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from ballots.panels.model import Profile, Quota, broken_quotas, quota_members

DENOMINATOR = 10**12  # rounding moves a probability by at most (number of panels) / 10**12


@dataclass(frozen=True)
class Portfolio:
    """Panels (seats per profile) and their whole-number weights out of ``denominator``."""

    profiles: tuple[Profile, ...]
    panels: tuple[tuple[int, ...], ...]
    weights: tuple[int, ...]
    denominator: int = DENOMINATOR

    def probability(self, profile_index: int) -> Fraction:
        """The exact selection probability of each member of a profile."""
        size = self.profiles[profile_index].size
        seats = sum(w * p[profile_index] for w, p in zip(self.weights, self.panels, strict=True))
        return Fraction(seats, self.denominator * size)

    def probabilities(self) -> dict[str, Fraction]:
        """Each respondent's exact selection probability, by respondent id."""
        result: dict[str, Fraction] = {}
        for index, profile in enumerate(self.profiles):
            p = self.probability(index)
            for member in profile.members:
                result[member] = p
        return result

    def problems(self, quotas: Sequence[Quota], size: int) -> list[str]:
        """Everything wrong with the portfolio (empty if nothing): weights that do not
        add up, a negative weight, or a panel that breaks a quota."""
        found = []
        if len(self.weights) != len(self.panels):
            found.append("one weight per panel is needed")
        if sum(self.weights) != self.denominator:
            found.append(f"weights add up to {sum(self.weights)}, not {self.denominator}")
        if any(w < 0 for w in self.weights):
            found.append("a weight is negative")
        members = quota_members(self.profiles, quotas)
        for number, panel in enumerate(self.panels, 1):
            if len(panel) != len(self.profiles):
                found.append(
                    f"panel {number}: {len(panel)} counts for {len(self.profiles)} profiles"
                )
                continue
            found += [
                f"panel {number}: {p}"
                for p in broken_quotas(panel, self.profiles, quotas, size, members)
            ]
        return found


def round_weights(
    probabilities: Sequence[float], denominator: int = DENOMINATOR
) -> tuple[int, ...]:
    """Whole-number weights adding up to ``denominator`` exactly, as close as possible
    to ``probabilities`` (largest remainder; negative or tiny values count as 0).

    Ties in the remainders go to the earlier panel, so the rounding is reproducible.
    """
    clean = [max(0.0, p) for p in probabilities]
    total = sum(clean)
    if total <= 0:
        raise ValueError("no panel has a positive probability")
    exact = [Fraction(p) / Fraction(total) * denominator for p in clean]
    weights = [int(x) for x in exact]  # floor: all values are non-negative
    left = denominator - sum(weights)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - weights[i]), i))
    for i in by_remainder[:left]:
        weights[i] += 1
    return tuple(weights)
