"""Shared pieces of the budget rules (greedy, equal shares): the prepared election and
the greedy pass that both the greedy rule and the equal-shares completion use."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ballots.model import BallotError, Profile
from ballots.result import Result, Round
from ballots.tiebreak import TieBreaker


@dataclass(frozen=True, slots=True)
class Election:
    """A profile prepared for budget rules.

    Projects are numbered by their position in ``profile.options``. Ballots are merged
    into *approval groups*: voters who name the same set of projects (order and points
    do not matter to these rules) form one group with ``counts[g]`` voters. ``voters``
    counts every ballot, blank ones included.
    """

    ids: tuple[str, ...]
    costs: tuple[int, ...]
    budget: int
    voters: int
    counts: tuple[int, ...]
    sets: tuple[tuple[int, ...], ...]
    supporters: tuple[tuple[int, ...], ...]  # project -> approval groups naming it
    votes: tuple[int, ...]  # project -> number of voters naming it


def prepare(profile: Profile) -> Election:
    """Merge ``profile`` into approval groups; :class:`BallotError` without a budget."""
    if profile.budget is None:
        raise BallotError("budget_rule_needs_budget")
    ids = profile.option_ids
    index = {pid: j for j, pid in enumerate(ids)}
    merged: dict[tuple[int, ...], int] = {}
    for group in profile.groups:
        key = tuple(sorted({index[c] for c in group.choices}))
        merged[key] = merged.get(key, 0) + group.count
    sets = tuple(merged)
    counts = tuple(merged.values())
    supporters: list[list[int]] = [[] for _ in ids]
    votes = [0] * len(ids)
    for g, (members, count) in enumerate(zip(sets, counts, strict=True)):
        for j in members:
            supporters[j].append(g)
            votes[j] += count
    return Election(
        ids=ids,
        costs=tuple(o.cost for o in profile.options),
        budget=profile.budget,
        voters=profile.total,
        counts=counts,
        sets=sets,
        supporters=tuple(tuple(s) for s in supporters),
        votes=tuple(votes),
    )


def greedy_pass(
    election: Election,
    candidates: list[int],
    remaining: int,
    tie_break: TieBreaker,
    first_round: int,
) -> tuple[list[int], list[Round], int]:
    """Go through ``candidates`` by number of votes, most first, funding each one that
    still fits in ``remaining``.

    Among projects with equal votes, the tie-break procedure picks which fitting one is
    funded first (a tie is logged only when more than one of them fits: otherwise the
    order cannot matter). A project that does not fit now never fits later, since money
    only goes down. Returns the funded projects in order, one round per project
    considered, and the money left.
    """
    ids, costs, votes = election.ids, election.costs, election.votes
    tiers: dict[int, list[int]] = {}
    for j in candidates:
        tiers.setdefault(votes[j], []).append(j)
    funded: list[int] = []
    rounds: list[Round] = []
    number = first_round
    for level in sorted(tiers, reverse=True):
        pending = tiers[level]
        while pending:
            fitting = [j for j in pending if costs[j] <= remaining]
            for j in pending:
                if costs[j] > remaining:
                    rounds.append(
                        Round(
                            number=number,
                            tallies={ids[j]: Fraction(level)},
                            note=(
                                f"skipped {ids[j]}: costs {costs[j]}, does not fit in the "
                                f"remaining budget {remaining}"
                            ),
                        )
                    )
                    number += 1
            if not fitting:
                break
            logged = len(tie_break.log)
            chosen_id = tie_break.prefer([ids[j] for j in fitting], round=number, purpose="fund")
            chosen = next(j for j in fitting if ids[j] == chosen_id)
            remaining -= costs[chosen]
            funded.append(chosen)
            rounds.append(
                Round(
                    number=number,
                    tallies={ids[chosen]: Fraction(level)},
                    elected=(ids[chosen],),
                    tie_breaks=tuple(tie_break.log[logged:]),
                    note=(
                        f"funded {ids[chosen]} ({level} votes) for {costs[chosen]}, "
                        f"remaining budget {remaining}"
                    ),
                )
            )
            number += 1
            pending = [j for j in fitting if j != chosen]
    return funded, rounds, remaining


def budget_result(
    method: str,
    seats: int,
    winners: tuple[str, ...],
    rounds: list[Round],
    tie_break: TieBreaker,
    logged: int,
    budget: int,
    spent: int | Fraction,
    details: dict[str, object],
) -> Result:
    """The :class:`Result` of a budget rule (greedy or equal shares, on approval or
    points ballots): the ``winners`` in funding order, the ``rounds``, the ties drawn
    since ``tie_break`` held ``logged`` of them, the money, and the rule's own
    ``details`` (each project's votes or points, shares, what the utilities were)."""
    return Result(
        method=method,
        seats=seats,
        winners=winners,
        rounds=tuple(rounds),
        tie_breaks=tuple(tie_break.log[logged:]),
        seed=tie_break.seed,
        details={
            "budget": money(budget),
            "spent": money(spent),
            "remaining": money(budget - spent),
            **details,
        },
    )


def money(value: int | Fraction) -> str:
    """An exact amount as text: "12", or "37/3" for a fraction."""
    return str(value)
