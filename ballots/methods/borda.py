"""Modified Borda count for partial rankings.

A ballot that ranks m options gives m points to its first choice, m - 1 to its second,
..., 1 to its last, and 0 to every option it leaves out: ranking more options never
lowers the points a ballot gives to its favourites relative to one another, and a
short ballot cannot hand out the full n points.
"""

from __future__ import annotations

from ballots.methods._ranked import (
    check_seats,
    indexed_groups,
    score_result,
    tie_breaker,
)
from ballots.model import Profile
from ballots.result import Result
from ballots.tiebreak import TieBreaker


def borda(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Score ``profile`` by the modified Borda count and elect the ``seats`` options with
    the most points, best first; ties by the published draw.

    The one round holds every option's points. Raises :class:`BallotError` if the
    profile is not ranked or single-choice, or ``seats`` is out of range.
    """
    tb = tie_breaker(tie_break)
    ids, groups = indexed_groups(profile, "borda")
    check_seats(seats, len(ids), "borda")
    points = [0] * len(ids)
    for ranking, count in groups:
        m = len(ranking)
        for place, option in enumerate(ranking):
            points[option] += (m - place) * count
    return score_result(
        "borda", ids, points, seats, tb, "modified Borda points per option; the most points win"
    )
