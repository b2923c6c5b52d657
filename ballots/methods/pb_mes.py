"""The Method of Equal Shares (MES) for participatory budgeting, with cost utilities.

Every voter gets an equal share of the budget. In each step the proposal funded is the
one its supporters can pay for at the lowest *price per unit of utility* ``rho``: with
cost utilities a supporter of proposal ``p`` pays ``rho * cost(p)``, or all the money
they have left if that is less. The step stops when no proposal can be paid for by its
supporters. See https://equalshares.net and pabutools' ``method_of_equal_shares``
(``Cost_Sat``), whose selections these functions reproduce exactly.

- :func:`mes`: equal shares, no completion.
- :func:`mes_add1`: pabutools' completion: raise every voter's share by one unit at a
  time (starting from budget / voters) while the outcome still fits the budget and is
  not exhaustive, then fund greedily (by votes) what the remaining money allows.
- :func:`mes_add1_equalshares`: the completion of the reference implementation on
  equalshares.net, as used in Wieliczka 2023: see its docstring.

How it is fast, and still exact: voters with the same approval set always hold the same
money, and so do voters who approve the same subset of the funded proposals (they paid
the same prices). Such voters share a *budget class*; for every unfunded proposal we keep
the number of its supporters in each class. Computing a proposal's price then sorts a
handful of classes instead of thousands of voters, all in :class:`~fractions.Fraction`.
Proposals are tried in the order of their previous price, which can only have risen, and
the search stops as soon as no later proposal can beat the best one found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ballots.methods._pb import Election, greedy_pass, money, prepare
from ballots.model import Profile
from ballots.result import Result, Round, TieBreak
from ballots.tiebreak import TieBreaker


@dataclass(slots=True)
class _Step:
    """One funding step of an equal-shares run."""

    project: int
    pays: Fraction  # what each supporter who can afford it pays
    rho: Fraction  # price per unit of utility: pays / cost
    computed: dict[int, Fraction]  # every price computed in this step
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

    Ties are broken with ``tie_break.order`` without logging: a completion may throw
    this run away, so ties are logged only for the run that is kept (see
    :func:`_rounds`).
    """
    ids, costs, counts, sets, supporters = (
        election.ids,
        election.costs,
        election.counts,
        election.sets,
        election.supporters,
    )
    run = _Run(share)
    # class 0 is "no money left"; class 1 is the untouched share
    value: list[Fraction] = [Fraction(0), share]
    group_class = [1] * len(counts)
    alive = [False] * len(ids)
    # project -> {budget class: number of its supporters in that class}
    in_class: list[dict[int, int]] = [{} for _ in ids]
    previous: dict[int, Fraction] = {}
    previous_f: dict[int, float] = {}
    for j in candidates:
        alive[j] = True
        in_class[j] = {1: election.votes[j]}
        # the first price: cost shared by all supporters, per unit of utility (= cost)
        previous[j] = Fraction(1, election.votes[j])
        previous_f[j] = 1.0 / election.votes[j]
    remaining = set(candidates)

    while remaining:
        best: Fraction | None = None
        best_f = 0.0
        best_pays = Fraction(0)
        tied: list[int] = []
        computed: dict[int, Fraction] = {}
        # Floats only choose the order of the search; every decision is exact. The
        # stop test leaves a margin far above float rounding, so no project whose
        # exact previous price could still tie or win is left out.
        for j in sorted(remaining, key=previous_f.__getitem__):
            if best is not None:
                if previous_f[j] > best_f * (1 + 1e-9):
                    break
                if previous[j] > best:
                    continue
            cost = costs[j]
            items = [(value[k], n) for k, n in in_class[j].items() if k]
            total = sum(v * n for v, n in items)
            if total < cost:
                # its supporters cannot pay for it now, so they never will
                remaining.discard(j)
                alive[j] = False
                continue
            items.sort()
            paid: Fraction | int = 0
            left = sum(n for _, n in items)
            pays = Fraction(cost)
            for v, n in items:
                pays = (cost - paid) / left
                if pays <= v:
                    break
                # these supporters cannot pay the equal part: they give all they have
                paid += v * n
                left -= n
            rho = pays / cost
            computed[j] = rho
            previous[j] = rho
            previous_f[j] = float(rho)
            if best is None or rho < best:
                best, best_f, best_pays, tied = rho, float(rho), pays, [j]
            elif rho == best:
                tied.append(j)
        if best is None:
            break
        if len(tied) > 1:
            first = tie_break.order(ids[j] for j in tied)[0]
            chosen = next(j for j in tied if ids[j] == first)
        else:
            chosen = tied[0]
        run.funded.append(chosen)
        run.steps.append(
            _Step(chosen, best_pays, best, computed, tuple(tied) if len(tied) > 1 else ())
        )
        remaining.discard(chosen)
        alive[chosen] = False
        # Charge the supporters, class by class: each class moves to a new class with
        # its money minus the payment (or to class 0 if that takes all it had).
        moved: dict[int, int] = {}
        for g in supporters[chosen]:
            k = group_class[g]
            if not k:
                continue
            nk = moved.get(k)
            if nk is None:
                rest = value[k] - best_pays
                if rest > 0:
                    nk = len(value)
                    value.append(rest)
                else:
                    nk = 0
                moved[k] = nk
            group_class[g] = nk
            m = counts[g]
            for p in sets[g]:
                if alive[p]:
                    tally = in_class[p]
                    n = tally[k] - m
                    if n:
                        tally[k] = n
                    else:
                        del tally[k]
                    if nk:
                        tally[nk] = tally.get(nk, 0) + m
    return run


def _setup(profile: Profile) -> tuple[Election, list[int], list[int]]:
    """The prepared election, the projects funded for free (supported, cost 0) and the
    equal-shares candidates (supported, positive cost)."""
    election = prepare(profile)
    free = [j for j, c in enumerate(election.costs) if c == 0 and election.votes[j] > 0]
    candidates = [j for j, c in enumerate(election.costs) if c > 0 and election.votes[j] > 0]
    return election, free, candidates


def _free_rounds(election: Election, free: list[int], tie_break: TieBreaker) -> list[Round]:
    """Rounds for the supported projects that cost nothing: funded first, in the
    tie-break order (the order cannot change anything, so it is no tie)."""
    ids = election.ids
    ordered = tie_break.order(ids[j] for j in free)
    return [
        Round(
            number=i,
            tallies={pid: Fraction(0)},
            elected=(pid,),
            note=f"funded {pid}: it costs nothing and has supporters",
        )
        for i, pid in enumerate(ordered, start=1)
    ]


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
                tallies={ids[j]: rho for j, rho in step.computed.items()},
                elected=(pid,),
                tie_breaks=breaks,
                note=(
                    f"funded {pid} for {costs[step.project]} at price rho {step.rho}: each "
                    f"supporter pays at most {step.pays}, remaining budget "
                    f"{election.budget - spent}"
                ),
            )
        )
    return rounds, spent


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
    return Result(
        method=method,
        seats=seats,
        winners=winners,
        rounds=tuple(rounds),
        tie_breaks=tuple(tie_break.log[logged:]),
        seed=tie_break.seed,
        details={
            "budget": money(election.budget),
            "spent": money(spent),
            "remaining": money(election.budget - spent),
            **details,
        },
    )


def mes(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Count ``profile`` (with a budget) by the Method of Equal Shares, cost utilities,
    without completion.

    Each voter's share is budget / number of ballots (blank ballots included, as in
    pabutools). Supported proposals that cost nothing are funded first; proposals nobody
    supports are never funded. ``seats`` is ignored. Raises
    :class:`~ballots.model.BallotError` if the profile has no budget.
    """
    tie_break = tie_break if tie_break is not None else TieBreaker("")
    logged = len(tie_break.log)
    election, free, candidates = _setup(profile)
    if election.voters == 0:
        return _result("mes", seats, election, [], tie_break, logged, {"voter_share": "0"})
    share = Fraction(election.budget, election.voters)
    run = _equal_shares(election, share, candidates, tie_break)
    rounds = _free_rounds(election, free, tie_break)
    more, spent = _rounds(election, run, tie_break, len(rounds) + 1, 0)
    rounds += more
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
        },
    )


def _exhaustive(election: Election, funded: set[int], pool: list[int], spent: int) -> bool:
    """True if no project of ``pool`` outside ``funded`` fits in the money left."""
    room = election.budget - spent
    return all(j in funded or election.costs[j] > room for j in pool)


def _complete(
    method: str,
    profile: Profile,
    seats: int,
    tie_break: TieBreaker | None,
    official: bool,
) -> Result:
    """Equal shares completed by raising every voter's share one unit at a time, then
    greedy. ``official`` selects the equalshares.net variant of the share sequence."""
    tie_break = tie_break if tie_break is not None else TieBreaker("")
    logged = len(tie_break.log)
    election, free, candidates = _setup(profile)
    budget, costs = election.budget, election.costs
    if election.voters == 0:
        return _result(method, seats, election, [], tie_break, logged, {"voter_share": "0"})
    n = election.voters
    share = Fraction(budget, n)
    kept = _equal_shares(election, share, candidates, tie_break)
    runs = 1
    spent = sum(costs[j] for j in kept.funded)
    # pabutools raises B/n, B/n + 1, ...; equalshares.net restarts from the whole part
    # of B/n: B/n, floor(B/n) + 1, floor(B/n) + 2, ...
    step_share = Fraction(budget // n) if official else share
    while not _exhaustive(election, set(kept.funded), candidates, spent):
        step_share += 1
        trial = _equal_shares(election, step_share, candidates, tie_break)
        runs += 1
        trial_spent = sum(costs[j] for j in trial.funded)
        if trial_spent > budget:
            break
        kept, spent = trial, trial_spent
    rounds = _free_rounds(election, free, tie_break)
    more, spent = _rounds(election, kept, tie_break, len(rounds) + 1, 0)
    rounds += more
    funded = set(free) | set(kept.funded)
    rest = [j for j in range(len(election.ids)) if j not in funded]
    _, greedy_rounds, _ = greedy_pass(election, rest, budget - spent, tie_break, len(rounds) + 1)
    rounds += greedy_rounds
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
            "completion_winners": [r.elected[0] for r in greedy_rounds if r.elected],
        },
    )


def mes_add1(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Equal shares completed as in pabutools (``completion_by_rule_combination`` of
    ``method_of_equal_shares(Cost_Sat, voter_budget_increment=1)`` and greedy).

    Equal shares runs with shares budget/n, budget/n + 1, budget/n + 2, ... It keeps the
    last outcome that fits the budget: it stops at the first outcome that is exhaustive
    (nothing more fits) or costs more than the budget (then it keeps the one before).
    The money left is then spent greedily by votes (:mod:`ballots.methods.pb_greedy`).
    ``seats`` is ignored.
    """
    return _complete("mes-add1", profile, seats, tie_break, official=False)


def mes_add1_equalshares(
    profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None
) -> Result:
    """Equal shares completed as in the reference implementation on equalshares.net.

    The same as :func:`mes_add1` except for the shares tried: after the first run with
    budget/n, the share restarts from the whole part of budget/n, plus one unit at a
    time (floor(budget/n) + 1, + 2, ...). Then greedy by votes for the money left.
    ``seats`` is ignored.
    """
    return _complete("mes-add1-equalshares", profile, seats, tie_break, official=True)
