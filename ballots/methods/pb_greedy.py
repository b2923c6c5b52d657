"""Greedy participatory budgeting: proposals by number of votes, most first; each is
funded if it still fits in the remaining budget, otherwise skipped (DESIGN.md).

This is pabutools' ``greedy_utilitarian_welfare`` with ``Cost_Sat``: its order is total
satisfaction per unit of cost, and with cost satisfaction that is the number of voters
naming the project. Projects nobody voted for come last and are funded if money is
left, as in pabutools.

On points (cumulative) ballots the points are the utilities, as pabutools counts them
(``Additive_Cardinal_Sat``): proposals go by points per euro, see
:mod:`ballots.methods.pb_points`.
"""

from __future__ import annotations

from ballots.methods._pb import budget_result, greedy_pass, prepare
from ballots.methods.pb_points import greedy_points
from ballots.model import BallotKind, Profile
from ballots.result import Result
from ballots.tiebreak import TieBreaker


def greedy(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Count ``profile`` (with a budget) by the greedy rule.

    ``seats`` is ignored (the budget decides how many proposals win). Ties in votes are
    broken by ``tie_break`` (default: the procedure with seed ""). Raises
    :class:`~ballots.model.BallotError` if the profile has no budget.
    """
    tie_break = tie_break if tie_break is not None else TieBreaker("")
    if profile.kind is BallotKind.POINTS:
        return greedy_points(profile, seats, tie_break)
    election = prepare(profile)
    logged = len(tie_break.log)  # a reused tie-breaker may hold earlier ties
    funded, rounds, remaining = greedy_pass(
        election, list(range(len(election.ids))), election.budget, tie_break, 1
    )
    ids = election.ids
    winners = tuple(ids[j] for j in funded)
    spent = election.budget - remaining
    scores = {"votes": {ids[j]: election.votes[j] for j in range(len(ids))}}
    return budget_result(
        "greedy", seats, winners, rounds, tie_break, logged, election.budget, spent, scores
    )
