"""Instant runoff voting (IRV, the alternative vote): one winner.

Each round every ballot counts for its highest-ranked continuing option. An option
with more than half of the ballots still in play (exhausted ballots do not count)
wins. Otherwise the option with the fewest votes is eliminated and its ballots move
to their next continuing choice; ties for last place are broken by the published
draw (:mod:`ballots.tiebreak`).
"""

from __future__ import annotations

from fractions import Fraction

from ballots.methods._ranked import (
    check_seats,
    fraction_tallies,
    indexed_groups,
    round_ties,
    tie_breaker,
)
from ballots.model import BallotError, Profile
from ballots.result import Result, Round
from ballots.tiebreak import TieBreaker


def irv(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Count ``profile`` by instant runoff and return the :class:`Result`.

    Every round records the tallies of the continuing options at the start of the
    round, the running total of exhausted ballots, and who was eliminated (with the
    votes transferred) or elected. The count stops as soon as one option has a strict
    majority of the non-exhausted ballots, or only one option is left.

    Raises :class:`BallotError` if ``seats`` is not 1 (use ``stv`` for more seats) or
    the profile is not ranked or single-choice.
    """
    tb = tie_breaker(tie_break)
    ids, groups = indexed_groups(profile, "irv")
    check_seats(seats, len(ids), "irv")
    if seats != 1:
        raise BallotError("one_winner_only", rule="irv")
    n = len(ids)
    rankings = [g[0] for g in groups]
    counts = [g[1] for g in groups]
    # position of each group's current choice in its ranking; piles hold the groups
    # whose current choice is that option, so an elimination touches only its own pile
    pos = [0] * len(groups)
    piles: list[list[int]] = [[] for _ in range(n)]
    tallies = [0] * n
    for g, ranking in enumerate(rankings):
        first = ranking[0]
        piles[first].append(g)
        tallies[first] += counts[g]
    continuing = [True] * n
    remaining = n
    exhausted = 0
    rounds: list[Round] = []
    number = 0
    while True:
        number += 1
        alive = [i for i in range(n) if continuing[i]]
        active = sum(tallies[i] for i in alive)
        shown = fraction_tallies(ids, tallies, alive)
        top = max(tallies[i] for i in alive)
        if 2 * top > active or remaining == 1:
            leaders = [ids[i] for i in alive if tallies[i] == top]
            # with one option left it wins even if it is level with nobody; a strict
            # majority is always unique, so prefer() only logs a real tie
            winner = tb.prefer(leaders, round=number, purpose="elect")
            rounds.append(
                Round(
                    number=number,
                    tallies=shown,
                    elected=(winner,),
                    exhausted=Fraction(exhausted),
                    tie_breaks=round_ties(tb, number),
                    note=(
                        f"{winner} has a majority: {top} of {active} votes"
                        if 2 * top > active
                        else f"{winner} is the last option left"
                    ),
                )
            )
            return Result(
                method="irv",
                seats=1,
                winners=(winner,),
                rounds=tuple(rounds),
                tie_breaks=tuple(tb.log),
                seed=tb.seed,
            )
        low = min(tallies[i] for i in alive)
        loser_id = tb.reject([ids[i] for i in alive if tallies[i] == low], round=number)
        loser = ids.index(loser_id)
        continuing[loser] = False
        remaining -= 1
        moved = [0] * n
        moved_out = 0
        for g in piles[loser]:
            ranking = rankings[g]
            p = pos[g] + 1
            while p < len(ranking) and not continuing[ranking[p]]:
                p += 1
            if p < len(ranking):
                pos[g] = p
                to = ranking[p]
                piles[to].append(g)
                moved[to] += counts[g]
            else:
                moved_out += counts[g]
        for i in alive:
            tallies[i] += moved[i]
        piles[loser] = []
        tallies[loser] = 0
        transfer = {ids[i]: Fraction(moved[i]) for i in alive if moved[i]}
        if moved_out:
            transfer["exhausted"] = Fraction(moved_out)
        rounds.append(
            Round(
                number=number,
                tallies=shown,
                eliminated=(loser_id,),
                transfers={loser_id: transfer},
                exhausted=Fraction(exhausted),
                tie_breaks=round_ties(tb, number),
                note=f"{loser_id} has the fewest votes ({low}) and is eliminated",
            )
        )
        exhausted += moved_out
