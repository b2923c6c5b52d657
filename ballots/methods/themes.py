"""Per-theme budgets: a proposal vote whose budget is split over themes (by a
certified split, or amounts the municipality sets) funds proposals theme by theme.

Each theme is counted on its own, with the election's budget rule, over that theme's
proposals and that theme's money: every ballot takes part (with only its choices in
the theme, so a resident's equal share under equal shares is the theme's budget /
ballots). Themes are counted in the order given. What a theme does not spend is the
*leftover*, an election setting:

- ``unspent``: it stays unspent;
- ``pooled``: all themes' leftovers together fund the proposals not yet funded (any
  theme, and proposals without one), by the same rule, as one more count.

Proposals whose theme has no budget can only be funded from the pool. The rounds of
all counts follow one another (renumbered, each note saying its theme); one
tie-breaker serves them all, so every tie is in the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ballots.model import BallotError, BallotGroup, Profile
from ballots.result import Result, Round
from ballots.tiebreak import TieBreaker

LEFTOVER = ("unspent", "pooled")


@dataclass(frozen=True)
class ThemeBudgets:
    """The money per theme (whole euros, in counting order), each proposal's theme
    (option id -> theme; proposals left out have none) and the leftover setting."""

    budgets: Mapping[str, int]
    theme_of: Mapping[str, str] = field(default_factory=dict)
    leftover: str = "unspent"

    def check(self, profile: Profile) -> None:
        """Raise :class:`BallotError` if the budgets do not add up to the election's
        budget, an amount is negative, or the leftover setting is unknown."""
        if self.leftover not in LEFTOVER:
            raise BallotError("leftover_unknown", leftover=self.leftover)
        if any(a < 0 for a in self.budgets.values()):
            raise BallotError("theme_budget_negative")
        total = sum(self.budgets.values())
        if profile.budget is None or total != profile.budget:
            raise BallotError("theme_budgets_sum", given=total, budget=profile.budget)


def _part(profile: Profile, ids: Sequence[str], budget: int) -> Profile:
    """``profile`` with only the options ``ids`` and ``budget``: every ballot stays
    (with its choices among ``ids``), so shares are divided over all ballots."""
    keep = set(ids)
    groups: dict[tuple[tuple[str, ...], tuple[int, ...] | None], int] = {}
    for group in profile.groups:
        if group.points is None:
            key: tuple[tuple[str, ...], tuple[int, ...] | None] = (
                tuple(c for c in group.choices if c in keep),
                None,
            )
        else:
            pairs = [(c, p) for c, p in zip(group.choices, group.points, strict=True) if c in keep]
            key = (tuple(c for c, _ in pairs), tuple(p for _, p in pairs))
        groups[key] = groups.get(key, 0) + group.count
    return replace(
        profile,
        options=tuple(o for o in profile.options if o.id in keep),
        groups=tuple(BallotGroup(c, n, p) for (c, p), n in groups.items()),
        budget=budget,
        # the limits are the whole ballot's: a part never breaks them
        max_choices=None,
        min_choices=None,
        min_spend=None,
    )


def count_by_theme(
    profile: Profile,
    rule: str,
    function: Any,
    themes: ThemeBudgets,
    *,
    seats: int,
    tie_break: TieBreaker,
) -> Result:
    """Count ``profile`` theme by theme with the budget rule ``function`` (named
    ``rule``); see the module docstring. Raises :class:`BallotError` for budgets that
    do not fit the election."""
    themes.check(profile)
    logged = len(tie_break.log)
    rounds: list[Round] = []
    winners: list[str] = []
    per_theme: dict[str, dict[str, Any]] = {}
    left = 0

    def add(part: Result, label: str) -> None:
        for r in part.rounds:
            note = f"{label}: {r.note}" if r.note else label
            rounds.append(replace(r, number=len(rounds) + 1, note=note))
        winners.extend(part.winners)

    for theme, budget in themes.budgets.items():
        ids = [o.id for o in profile.options if themes.theme_of.get(o.id) == theme]
        part = function(_part(profile, ids, budget), seats=seats, tie_break=tie_break)
        spent = sum(profile.option(w).cost for w in part.winners)
        add(part, f"theme {theme}")
        per_theme[theme] = {
            "budget": str(budget),
            "spent": str(spent),
            "left": str(budget - spent),
            "winners": list(part.winners),
        }
        left += budget - spent
    pool_winners: list[str] = []
    if themes.leftover == "pooled" and left > 0:
        funded = set(winners)
        rest = [o.id for o in profile.options if o.id not in funded]
        part = function(_part(profile, rest, left), seats=seats, tie_break=tie_break)
        add(part, "pooled leftover")
        pool_winners = list(part.winners)
    spent = sum(profile.option(w).cost for w in winners)
    return Result(
        method=rule,
        seats=seats,
        winners=tuple(winners),
        rounds=tuple(rounds),
        tie_breaks=tuple(tie_break.log[logged:]),
        seed=tie_break.seed,
        details={
            "budget": str(profile.budget),
            "spent": str(spent),
            "remaining": str((profile.budget or 0) - spent),
            "themes": per_theme,
            "leftover": themes.leftover,
            "pool": str(left if themes.leftover == "pooled" else 0),
            "pool_winners": pool_winners,
        },
    )
