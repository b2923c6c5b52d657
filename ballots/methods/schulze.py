"""The Schulze method (beatpath), with winning votes as the strength of a defeat.

``d[a][b]`` is the number of voters who rank ``a`` above ``b``; a ranked option is
above every option the ballot leaves out, and two left-out options are not compared.
The strength of the path a -> b is its weakest link, links being the pairwise wins
``d[x][y] > d[y][x]`` weighted by ``d[x][y]``; ``p[a][b]`` is the strongest path. ``a``
beats ``b`` if ``p[a][b] > p[b][a]``: that relation is transitive, so repeatedly
taking an unbeaten option gives a full ranking, and ties between unbeaten options are
broken by the published draw.
"""

from __future__ import annotations

from fractions import Fraction

from ballots.methods._ranked import check_seats, indexed_groups, round_ties, tie_breaker
from ballots.model import Profile
from ballots.result import Result, Round
from ballots.tiebreak import TieBreaker


def schulze(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Rank the options by the Schulze method and elect the first ``seats`` of them.

    Round k places the k-th option of the ranking; its tallies give, for every option
    not yet placed, how many other unplaced options it beats. ``details`` holds
    ``"pairwise"`` (``d``), ``"strongest_paths"`` (``p``), both as nested dicts of
    option id to option id to a string of an int, and ``"ranking"``, the full order.

    Raises :class:`BallotError` if the profile is not ranked or single-choice, or
    ``seats`` is out of range.
    """
    tb = tie_breaker(tie_break)
    ids, groups = indexed_groups(profile, "schulze")
    n = len(ids)
    check_seats(seats, n, "schulze")
    d = [[0] * n for _ in range(n)]
    everyone = set(range(n))
    for ranking, count in groups:
        unranked = everyone.difference(ranking)
        for place, a in enumerate(ranking):
            row = d[a]
            for b in ranking[place + 1 :]:
                row[b] += count
            for b in unranked:
                row[b] += count
    p = [[d[i][j] if d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    for k in range(n):
        pk = p[k]
        for i in range(n):
            if i == k:
                continue
            pik = p[i][k]
            if not pik:
                continue
            pi = p[i]
            for j in range(n):
                if j != i and j != k:
                    via = pik if pik < pk[j] else pk[j]
                    if via > pi[j]:
                        pi[j] = via

    remaining = list(range(n))
    order: list[str] = []
    rounds: list[Round] = []
    number = 0
    while remaining:
        number += 1
        wins = {i: sum(1 for j in remaining if p[i][j] > p[j][i]) for i in remaining}
        unbeaten = [ids[i] for i in remaining if all(p[j][i] <= p[i][j] for j in remaining)]
        purpose = "elect" if number <= seats else "rank"
        chosen = tb.prefer(unbeaten, round=number, purpose=purpose)
        order.append(chosen)
        remaining.remove(ids.index(chosen))
        rounds.append(
            Round(
                number=number,
                tallies={ids[i]: Fraction(w) for i, w in wins.items()},
                elected=(chosen,) if number <= seats else (),
                tie_breaks=round_ties(tb, number),
                note=f"{chosen} is unbeaten among the options left and is placed {number}",
            )
        )

    def matrix(m: list[list[int]]) -> dict[str, dict[str, str]]:
        return {ids[i]: {ids[j]: str(m[i][j]) for j in range(n) if j != i} for i in range(n)}

    return Result(
        method="schulze",
        seats=seats,
        winners=tuple(order[:seats]),
        rounds=tuple(rounds),
        tie_breaks=tuple(tb.log),
        seed=tb.seed,
        details={"pairwise": matrix(d), "strongest_paths": matrix(p), "ranking": order},
    )
