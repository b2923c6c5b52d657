"""Greedy and equal shares on points (cumulative) ballots: the points a resident gives
a proposal are their utility for it, as pabutools counts cumulative ballots with
``Additive_Cardinal_Sat``.

- greedy: proposals by points per euro (total points / cost), most first; each is
  funded if it still fits in the money left (pabutools' ``greedy_utilitarian_welfare``).
  A proposal that costs nothing and has points comes first; one without points last.
- equal shares: every ballot gets budget / ballots (blank ones included). A proposal's
  price ``rho`` is per point: a supporter who gave it ``u`` points pays ``rho * u``, or
  all they have left if that is less. The proposal with the lowest ``rho`` its
  supporters can pay is funded, until none can be paid (pabutools'
  ``method_of_equal_shares`` with ``Additive_Cardinal_Sat``; proposals that cost
  nothing and have points are funded first, as pabutools does).

Ties (equal points per euro, equal ``rho``) are broken by the published draw. Money is
exact (:class:`~fractions.Fraction`). Residents with identical ballots always hold the
same money, so the count works per distinct ballot.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from ballots.methods._pb import budget_result, money
from ballots.model import BallotError, Profile
from ballots.result import Result, Round
from ballots.tiebreak import TieBreaker


@dataclass(frozen=True, slots=True)
class PointsElection:
    """A points profile prepared for the budget rules: per distinct ballot its count
    and its points per project (by project number)."""

    ids: tuple[str, ...]
    costs: tuple[int, ...]
    budget: int
    voters: int
    counts: tuple[int, ...]
    points: tuple[dict[int, int], ...]
    supporters: tuple[tuple[tuple[int, int], ...], ...]  # project -> (ballot, points)
    totals: tuple[int, ...]  # project -> total points over all ballots


def prepare_points(profile: Profile) -> PointsElection:
    """Prepare ``profile``; :class:`BallotError` without a budget."""
    if profile.budget is None:
        raise BallotError("budget_rule_needs_budget")
    ids = profile.option_ids
    index = {pid: j for j, pid in enumerate(ids)}
    counts: list[int] = []
    points: list[dict[int, int]] = []
    for group in profile.groups:
        given = {
            index[c]: p for c, p in zip(group.choices, group.points or (), strict=True) if p > 0
        }
        counts.append(group.count)
        points.append(given)
    supporters: list[list[tuple[int, int]]] = [[] for _ in ids]
    totals = [0] * len(ids)
    for g, given in enumerate(points):
        for j, p in given.items():
            supporters[j].append((g, p))
            totals[j] += p * counts[g]
    return PointsElection(
        ids=ids,
        costs=tuple(o.cost for o in profile.options),
        budget=profile.budget,
        voters=profile.total,
        counts=tuple(counts),
        points=tuple(points),
        supporters=tuple(tuple(s) for s in supporters),
        totals=tuple(totals),
    )


def _density(election: PointsElection, j: int) -> tuple[int, Fraction]:
    """Greedy's order key (higher first): (1, 0) for a free proposal with points,
    (0, points per euro) otherwise."""
    if election.totals[j] > 0 and election.costs[j] == 0:
        return (1, Fraction(0))
    if election.totals[j] == 0:
        return (0, Fraction(0))
    return (0, Fraction(election.totals[j], election.costs[j]))


def greedy_points(profile: Profile, seats: int, tie_break: TieBreaker) -> Result:
    """The greedy rule on points ballots (see the module docstring)."""
    election = prepare_points(profile)
    logged = len(tie_break.log)
    ids, costs = election.ids, election.costs
    tiers: dict[tuple[int, Fraction], list[int]] = {}
    for j in range(len(ids)):
        tiers.setdefault(_density(election, j), []).append(j)
    remaining = election.budget
    funded: list[int] = []
    rounds: list[Round] = []
    number = 1
    for level in sorted(tiers, reverse=True):
        pending = tiers[level]
        while pending:
            for j in [j for j in pending if costs[j] > remaining]:
                rounds.append(
                    Round(
                        number=number,
                        tallies={ids[j]: Fraction(election.totals[j])},
                        note=(
                            f"skipped {ids[j]}: costs {costs[j]}, does not fit in the "
                            f"remaining budget {remaining}"
                        ),
                    )
                )
                number += 1
            fitting = [j for j in pending if costs[j] <= remaining]
            if not fitting:
                break
            before = len(tie_break.log)
            chosen_id = tie_break.prefer([ids[j] for j in fitting], round=number, purpose="fund")
            chosen = next(j for j in fitting if ids[j] == chosen_id)
            remaining -= costs[chosen]
            funded.append(chosen)
            rounds.append(
                Round(
                    number=number,
                    tallies={ids[chosen]: Fraction(election.totals[chosen])},
                    elected=(ids[chosen],),
                    tie_breaks=tuple(tie_break.log[before:]),
                    note=(
                        f"funded {ids[chosen]} ({election.totals[chosen]} points, "
                        f"{money(level[1])} per unit of cost) for {costs[chosen]}, "
                        f"remaining budget {remaining}"
                    ),
                )
            )
            number += 1
            pending = [j for j in fitting if j != chosen]
    points = {ids[j]: election.totals[j] for j in range(len(ids))}
    scores = {"points": points, "utilities": "points"}
    winners = tuple(ids[j] for j in funded)
    spent = election.budget - remaining
    return budget_result(
        "greedy", seats, winners, rounds, tie_break, logged, election.budget, spent, scores
    )


def _price(
    election: PointsElection, j: int, money_left: list[Fraction]
) -> tuple[Fraction, Fraction] | None:
    """The lowest ``rho`` at which the supporters of project ``j`` pay its cost (each
    ``min(money, rho * points)``), with what the richest pay per point; None if all
    their money is not enough."""
    cost = Fraction(election.costs[j])
    payers = [(money_left[g] / p, g, p) for g, p in election.supporters[j] if money_left[g] > 0]
    if sum((money_left[g] * election.counts[g] for _, g, _ in payers), Fraction(0)) < cost:
        return None
    payers.sort()
    paid = Fraction(0)
    weight = sum(p * election.counts[g] for _, g, p in payers)
    for ratio, g, p in payers:
        rho = (cost - paid) / weight
        if rho <= ratio:
            return rho, rho
        # this ballot's money runs out before the price: it pays everything it has
        paid += money_left[g] * election.counts[g]
        weight -= p * election.counts[g]
    return None  # pragma: no cover - the sum check above makes this unreachable


def mes_points(profile: Profile, seats: int, tie_break: TieBreaker) -> Result:
    """Equal shares on points ballots (see the module docstring)."""
    election = prepare_points(profile)
    logged = len(tie_break.log)
    ids, costs = election.ids, election.costs
    n = election.voters
    share = Fraction(election.budget, n) if n else Fraction(0)
    money_left = [share] * len(election.counts)
    rounds: list[Round] = []
    spent = 0
    funded: list[int] = []
    payments: dict[str, str] = {}
    # Free proposals with points cost nobody anything: funded first, as pabutools does.
    for j in range(len(ids)):
        if costs[j] == 0 and election.totals[j] > 0:
            funded.append(j)
            rounds.append(
                Round(
                    number=len(rounds) + 1,
                    tallies={ids[j]: Fraction(election.totals[j])},
                    elected=(ids[j],),
                    note=f"funded {ids[j]}: it costs nothing and has points",
                )
            )
    candidates = {j for j in range(len(ids)) if costs[j] > 0 and election.totals[j] > 0}
    # A project's price only rises as money is spent, so its last price is a lower
    # bound: projects are tried cheapest-last-price first, and the search stops at the
    # first whose last price is above the best found (exact comparisons throughout).
    last: dict[int, Fraction] = {j: Fraction(costs[j], election.totals[j]) for j in candidates}
    while candidates and n:
        prices: dict[int, Fraction] = {}
        best: Fraction | None = None
        for j in sorted(candidates, key=lambda k: (last[k], k)):
            if best is not None and last[j] > best:
                break
            found = _price(election, j, money_left)
            if found is None:
                # its supporters cannot pay it now, so they never will: money only goes down
                candidates.discard(j)
                continue
            prices[j] = last[j] = found[0]
            if best is None or found[0] < best:
                best = found[0]
        if best is None:
            break
        tied = [j for j in sorted(prices) if prices[j] == best]
        before = len(tie_break.log)
        if len(tied) > 1:
            chosen_id = tie_break.prefer(
                [ids[j] for j in tied], round=len(rounds) + 1, purpose="fund"
            )
            chosen = next(j for j in tied if ids[j] == chosen_id)
        else:
            chosen = tied[0]
        for g, p in election.supporters[chosen]:
            money_left[g] -= min(money_left[g], best * p)
        candidates.discard(chosen)
        funded.append(chosen)
        spent += costs[chosen]
        payments[ids[chosen]] = money(best)
        rounds.append(
            Round(
                number=len(rounds) + 1,
                tallies={ids[j]: price for j, price in prices.items()},
                elected=(ids[chosen],),
                tie_breaks=tuple(tie_break.log[before:]),
                note=(
                    f"funded {ids[chosen]} for {costs[chosen]} at price rho {best} per point: "
                    f"each supporter pays rho times their points, at most what they have; "
                    f"remaining budget {election.budget - spent}"
                ),
                unit="price",
            )
        )
    unspent = sum((m * c for m, c in zip(money_left, election.counts, strict=True)), Fraction(0))
    winners = tuple(ids[j] for j in funded)
    return budget_result(
        "mes",
        seats,
        winners,
        rounds,
        tie_break,
        logged,
        election.budget,
        spent,
        {
            "voter_share": money(share),
            "voters": n,
            "unspent_voter_money": money(unspent),
            "price_per_point": payments,
            "points": {ids[j]: election.totals[j] for j in range(len(ids))},
            "utilities": "points",
        },
    )
