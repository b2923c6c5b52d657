"""The Method of Equal Shares (MES) for participatory budgeting, with cost utilities.

Every voter gets an equal share of the budget. In each step the proposal funded is the
one its supporters can pay for at the lowest *price per unit of utility* ``rho``: with
cost utilities a supporter of proposal ``p`` pays ``rho * cost(p)``, or all the money
they have left if that is less. The step stops when no proposal can be paid for by its
supporters. See https://equalshares.net and pabutools' ``method_of_equal_shares``
(``Cost_Sat``), whose selections these functions reproduce exactly.

- :func:`mes`: equal shares, no completion.
- :func:`mes_add1`: raise every voter's share by one unit at a time (starting from
  budget / voters) while the outcome still fits the budget and is not exhaustive (some
  project, any project, still fits in the money left), then fund greedily (by votes)
  what the remaining money allows; equalshares.net's "add1eu".
- :func:`mes_add1_until_over_budget`: the "add1" completion of equalshares.net, as
  counted in Wieliczka 2023: raise the shares until the outcome would exceed the budget,
  whether or not an outcome on the way is exhaustive; no greedy step.

Proposals that cost nothing bring no cost utility and are never funded by equal shares
itself (as in pabutools); the greedy step of :func:`mes_add1` funds them.

Every run of a completion may break ties, and each of them decides where the raising
stops (drawn the other way, a run might cost too much, or be exhaustive). The ties of
the run that is kept are published with its rounds; those of the other runs follow in
the result's tie breaks with the purpose ``"raise"``, each tied set once.

How it is fast, and still exact: voters with the same approval set always hold the same
money, and so do voters who approve the same subset of the funded proposals (they paid
the same prices). Such voters share a *budget class*. A proposal's price is found by
counting its supporters per class and sorting a handful of classes instead of thousands
of voters. Money is held as integers over a common denominator that grows when a
payment needs it (exact, like :class:`~fractions.Fraction`, but much cheaper). Proposals
are tried in the order of their previous price, which can only have risen, and the
search stops as soon as no later proposal can beat the best one found. The add1
completions rerun this for every share they try; each run reuses the prepared approval
groups.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import gcd
from typing import Any

from ballots.methods._pb import Election, budget_result, greedy_pass, money, prepare
from ballots.methods.pb_points import mes_points
from ballots.model import BallotKind, Profile
from ballots.result import Result, Round, TieBreak
from ballots.tiebreak import TieBreaker

# The purpose of a tie broken in a run with a higher share that is not the run kept:
# it decides how far the shares are raised.
RAISE_PURPOSE = "raise"


@dataclass(slots=True)
class _Step:
    """One funding step of an equal-shares run."""

    project: int
    pays: Fraction  # what each supporter who can afford it pays
    rho: Fraction  # price per unit of utility: pays / cost
    computed: dict[int, tuple[int, int]]  # price of every project tried, as (num, den)
    tied: tuple[int, ...] = ()  # the projects tied at the best price, if more than one


@dataclass(slots=True)
class _Run:
    """The outcome of one equal-shares run with a given share per voter."""

    share: Fraction
    funded: list[int] = field(default_factory=list)
    steps: list[_Step] = field(default_factory=list)


def _equal_shares(
    election: Election, share: Fraction, candidates: list[int], tie_break: TieBreaker
) -> _Run:
    """One run of equal shares with ``share`` money per voter over ``candidates``
    (projects with a positive cost and at least one supporter).

    All money is counted in integers of a common unit 1/``scale``: a payment
    ``a / left`` is made whole by multiplying every amount (and ``scale``) by ``left``.
    This is exact, like :class:`~fractions.Fraction`, at a fraction of its cost. Prices
    are kept as (numerator, denominator) pairs and compared by cross-multiplying.

    Ties are broken with ``tie_break.order`` without logging: a completion may throw
    this run away, so ties are logged only for the run that is kept (see
    :func:`_rounds`).
    """
    ids, costs, counts, supporters, votes = (
        election.ids,
        election.costs,
        election.counts,
        election.supporters,
        election.votes,
    )
    run = _Run(share)
    scale = share.denominator
    # Budget classes: voters who hold the same money. Class 0 has nothing left (and is
    # never stored); class 1 is the untouched share. value: class -> money in 1/scale.
    value: dict[int, int] = {1: share.numerator}
    members: dict[int, int] = {1: len(counts)}  # class -> number of approval groups
    group_class = [1] * len(counts)
    next_class = 2
    # Previous price of each candidate (per unit of utility; with cost utilities the
    # first one is 1/votes). Prices only rise as money is spent, so the previous price
    # is a lower bound for the current one.
    prev: dict[int, tuple[int, int]] = {}
    prev_f: dict[int, float] = {}
    for j in candidates:
        prev[j] = (1, votes[j])
        prev_f[j] = 1.0 / votes[j]
    remaining = set(candidates)

    while remaining:
        best_num = best_den = 0
        best_f = 0.0
        # what each paying supporter of a tried project pays: (amount, payers); the
        # amount is in 1/scale and still to be divided by the number of payers
        share_of: dict[int, tuple[int, int]] = {}
        tied: list[int] = []
        computed: dict[int, tuple[int, int]] = {}
        # Floats only choose the order of the search; every decision is exact. The
        # stop test leaves a margin far above float rounding, so no project whose
        # exact previous price could still tie or win is left out.
        for j in sorted(remaining, key=prev_f.__getitem__):
            if tied:
                if prev_f[j] > best_f * (1 + 1e-9):
                    break
                pn, pd = prev[j]
                if pn * best_den > best_num * pd:
                    continue
            target = costs[j] * scale
            # supporters per budget class
            tally: dict[int, int] = {}
            for g in supporters[j]:
                k = group_class[g]
                if k:
                    tally[k] = tally.get(k, 0) + counts[g]
            items = sorted([(value[k], n) for k, n in tally.items()])
            if sum(v * n for v, n in items) < target:
                # its supporters cannot pay for it now, so they never will
                remaining.discard(j)
                continue
            paid = 0
            left = sum(n for _, n in items)
            for v, n in items:
                if target - paid <= v * left:
                    break  # these and all richer supporters can pay the equal part
                # these supporters cannot pay the equal part: they give all they have
                paid += v * n
                left -= n
            # each remaining supporter pays (target - paid) / left; rho = that / cost
            num, den = target - paid, left * scale * costs[j]
            computed[j] = prev[j] = (num, den)
            share_of[j] = (target - paid, left)
            f = prev_f[j] = num / den
            if not tied or num * best_den < best_num * den:
                best_num, best_den, best_f = num, den, f
                tied = [j]
            elif num * best_den == best_num * den:
                tied.append(j)
        if not tied:
            break
        if len(tied) > 1:
            first = tie_break.order(ids[j] for j in tied)[0]
            chosen = next(j for j in tied if ids[j] == first)
        else:
            chosen = tied[0]
        remaining.discard(chosen)
        # tied projects share the price per unit of utility, not the payment
        best_pay, best_left = share_of[chosen]
        run.funded.append(chosen)
        run.steps.append(
            _Step(
                chosen,
                Fraction(best_pay, best_left * scale),
                Fraction(best_num, best_den),
                computed,
                tuple(tied) if len(tied) > 1 else (),
            )
        )
        # Make the payment whole: count money in 1/(scale * left) from now on.
        if best_left != 1:
            scale *= best_left
            for k in value:
                value[k] *= best_left
        # Charge the supporters, class by class: each class moves to a new class with
        # its money minus the payment (or to class 0 if that takes all it had).
        moved: dict[int, int] = {}
        for g in supporters[chosen]:
            k = group_class[g]
            if not k:
                continue
            nk = moved.get(k)
            if nk is None:
                rest = value[k] - best_pay
                if rest > 0:
                    nk = next_class
                    next_class += 1
                    value[nk] = rest
                    members[nk] = 0
                else:
                    nk = 0
                moved[k] = nk
            group_class[g] = nk
            members[k] -= 1
            if nk:
                members[nk] += 1
        for k in moved:
            if not members[k]:
                del members[k], value[k]
        # keep the integers small
        common = gcd(scale, *value.values())
        if common > 1:
            scale //= common
            for k in value:
                value[k] //= common
    return run


def _setup(profile: Profile) -> tuple[Election, list[int]]:
    """The prepared election and the equal-shares candidates.

    Candidates are the projects with a positive cost and at least one supporter. With
    cost utilities a project that costs nothing brings nobody any utility, so equal
    shares never funds it (as in pabutools); a greedy completion does.
    """
    election = prepare(profile)
    candidates = [j for j, c in enumerate(election.costs) if c > 0 and election.votes[j] > 0]
    return election, candidates


def _rounds(
    election: Election, run: _Run, tie_break: TieBreaker, first: int, spent: int
) -> tuple[list[Round], int]:
    """The rounds of the run that is kept, logging its ties with ``tie_break.prefer``
    (which draws exactly what the silent ``order`` drew). Returns them and the money
    spent after them."""
    ids, costs = election.ids, election.costs
    rounds: list[Round] = []
    for number, step in enumerate(run.steps, start=first):
        breaks: tuple[TieBreak, ...] = ()
        if step.tied:
            logged = len(tie_break.log)
            chosen = tie_break.prefer([ids[j] for j in step.tied], round=number, purpose="fund")
            if chosen != ids[step.project]:  # pragma: no cover - the draw is deterministic
                raise RuntimeError("tie-break replay disagrees with the count")
            breaks = tuple(tie_break.log[logged:])
        spent += costs[step.project]
        pid = ids[step.project]
        rounds.append(
            Round(
                number=number,
                tallies={ids[j]: Fraction(*price) for j, price in step.computed.items()},
                elected=(pid,),
                tie_breaks=breaks,
                unit="price",
                note=(
                    f"funded {pid} for {costs[step.project]} at price rho {step.rho}: each "
                    f"supporter pays at most {step.pays}, remaining budget "
                    f"{election.budget - spent}"
                ),
            )
        )
    return rounds, spent


def _payments(election: Election, run: _Run) -> dict[str, str]:
    """What each supporter who could afford it paid for each funded project."""
    return {election.ids[step.project]: money(step.pays) for step in run.steps}


def _result(
    method: str,
    seats: int,
    election: Election,
    rounds: list[Round],
    tie_break: TieBreaker,
    logged: int,
    details: dict[str, Any],
) -> Result:
    winners = tuple(r.elected[0] for r in rounds if r.elected)
    spent = sum(election.costs[election.ids.index(w)] for w in winners)
    return budget_result(
        method, seats, winners, rounds, tie_break, logged, election.budget, spent, details
    )


def mes(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Count ``profile`` (with a budget) by the Method of Equal Shares, cost utilities,
    without completion.

    Each voter's share is budget / number of ballots (blank ballots included, as in
    pabutools). Proposals nobody supports are never funded, and neither are proposals
    that cost nothing: with cost utilities they are worth nothing to anyone. On points
    (cumulative) ballots the points are the utilities instead
    (:func:`ballots.methods.pb_points.mes_points`). ``seats`` is ignored. Raises
    :class:`~ballots.model.BallotError` if the profile has no budget.
    """
    tie_break = tie_break if tie_break is not None else TieBreaker("")
    if profile.kind is BallotKind.POINTS:
        return mes_points(profile, seats, tie_break)
    logged = len(tie_break.log)
    election, candidates = _setup(profile)
    if election.voters == 0:
        return _result("mes", seats, election, [], tie_break, logged, {"voter_share": "0"})
    share = Fraction(election.budget, election.voters)
    run = _equal_shares(election, share, candidates, tie_break)
    rounds, spent = _rounds(election, run, tie_break, 1, 0)
    return _result(
        "mes",
        seats,
        election,
        rounds,
        tie_break,
        logged,
        {
            "voter_share": money(share),
            "voters": election.voters,
            "unspent_voter_money": money(share * election.voters - spent),
            "payments": _payments(election, run),
        },
    )


def _exhaustive(election: Election, funded: set[int], spent: int) -> bool:
    """True if no project outside ``funded`` fits in the money left: every project,
    also one nobody voted for or one that costs nothing (pabutools' ``is_exhaustive``
    and equalshares.net look at all of them)."""
    room = election.budget - spent
    return all(j in funded or cost > room for j, cost in enumerate(election.costs))


def _tied_sets(election: Election, run: _Run, into: dict[tuple[str, ...], int]) -> None:
    """Add the ties ``run`` broke to ``into`` (tied ids, sorted -> first step number)."""
    for number, step in enumerate(run.steps, start=1):
        if step.tied:
            into.setdefault(tuple(sorted(election.ids[j] for j in step.tied)), number)


def _complete(
    method: str,
    profile: Profile,
    seats: int,
    tie_break: TieBreaker | None,
    *,
    exhaustive_stop: bool,
    greedy_completion: bool,
) -> Result:
    """Equal shares with every voter's share raised one unit at a time.

    Runs with shares budget/n, budget/n + 1, ... and keeps the last outcome that fits
    the budget. ``exhaustive_stop``: also stop at the first outcome that is exhaustive
    (pabutools). ``greedy_completion``: then spend what is left greedily by votes.
    """
    tie_break = tie_break if tie_break is not None else TieBreaker("")
    logged = len(tie_break.log)
    election, candidates = _setup(profile)
    budget, costs = election.budget, election.costs
    n = election.voters
    if n:
        share = Fraction(budget, n)
        kept = _equal_shares(election, share, candidates, tie_break)
        runs = 1
    else:
        # no voters, no shares: equal shares funds nothing (greedy may still)
        share = Fraction(0)
        kept = _Run(share)
        runs = 0
    spent = sum(costs[j] for j in kept.funded)
    # Every run's ties decide where the raising stops (drawn the other way, a run could
    # cost more than the budget, or be exhaustive, and stop it earlier or later), so
    # all of them are published, not only those of the run that is kept.
    trial_ties: dict[tuple[str, ...], int] = {}
    _tied_sets(election, kept, trial_ties)
    while n and not (exhaustive_stop and _exhaustive(election, set(kept.funded), spent)):
        if len(kept.funded) == len(candidates):
            break  # every supported project is funded: more money changes nothing
        trial = _equal_shares(election, kept.share + 1, candidates, tie_break)
        _tied_sets(election, trial, trial_ties)
        runs += 1
        trial_spent = sum(costs[j] for j in trial.funded)
        if trial_spent > budget:
            break
        kept, spent = trial, trial_spent
    rounds, spent = _rounds(election, kept, tie_break, 1, 0)
    completed: list[Round] = []
    if greedy_completion:
        funded = set(kept.funded)
        rest = [j for j in range(len(election.ids)) if j not in funded]
        _, completed, _ = greedy_pass(election, rest, budget - spent, tie_break, len(rounds) + 1)
        rounds += completed
    # Ties of the other runs not already published with the rounds: the draw picks the
    # same option from the same tied set every time, so each set is published once.
    published = {t.tied for t in tie_break.log[logged:]}
    for tied, number in trial_ties.items():
        if tied not in published:
            tie_break.prefer(tied, round=number, purpose=RAISE_PURPOSE)
    return _result(
        method,
        seats,
        election,
        rounds,
        tie_break,
        logged,
        {
            "voter_share": money(kept.share),
            "start_share": money(share),
            "voters": n,
            "equal_shares_runs": runs,
            "equal_shares_winners": [election.ids[j] for j in kept.funded],
            "payments": _payments(election, kept),
            "completion_winners": [r.elected[0] for r in completed if r.elected],
        },
    )


def mes_add1(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Equal shares completed by raising the shares until exhaustive, then greedy:
    pabutools' ``completion_by_rule_combination`` of ``exhaustion_by_budget_increase(
    method_of_equal_shares(Cost_Sat), budget_step=n)`` and greedy; equalshares.net's
    "add1eu".

    Equal shares runs with shares budget/n, budget/n + 1, budget/n + 2, ... (n = number
    of ballots). It stops at the first outcome that is exhaustive (no project left fits
    in the money left: every project counts, also one without votes or one that costs
    nothing) and keeps it, or at the first that costs more than the budget and keeps the
    one before. (pabutools' ``method_of_equal_shares(voter_budget_increment=1)`` asks
    only about projects with votes and a cost, and stops too early.) The money left is
    then spent greedily by votes, as :func:`~ballots.methods.pb_greedy.greedy` does.
    ``seats`` is ignored.
    """
    return _complete(
        "mes-add1", profile, seats, tie_break, exhaustive_stop=True, greedy_completion=True
    )


def mes_add1_until_over_budget(
    profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None
) -> Result:
    """Equal shares with the "add1" completion of equalshares.net, as counted in
    Wieliczka 2023 (Green Million; the pabulib file's rule ``equalshares/add1``).

    Equal shares runs with shares budget/n, budget/n + 1, budget/n + 2, ... until an
    outcome would cost more than the budget; the last outcome within the budget wins.
    Unlike :func:`mes_add1`, an exhaustive outcome does not stop the raising (a higher
    share can still swap projects and spend more), and no greedy step follows. This
    is pabutools' ``exhaustion_by_budget_increase(method_of_equal_shares, Cost_Sat,
    exhaustive_stop=False, budget_step=n)``. ``seats`` is ignored.
    """
    return _complete(
        "mes-add1-until-over-budget",
        profile,
        seats,
        tie_break,
        exhaustive_stop=False,
        greedy_completion=False,
    )
