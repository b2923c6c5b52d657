"""Plurality: every ballot is one vote for its (first) choice; the most votes win."""

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


def plurality(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Count single-choice ballots (or the first preferences of ranked ballots) and elect
    the ``seats`` options with the most votes, best first; ties by the published draw.

    The one round holds every option's votes. Raises :class:`BallotError` for other
    ballot kinds or if ``seats`` is not between 1 and the number of options.
    """
    tb = tie_breaker(tie_break)
    ids, groups = indexed_groups(profile, "plurality")
    check_seats(seats, len(ids), "plurality")
    votes = [0] * len(ids)
    for ranking, count in groups:
        votes[ranking[0]] += count
    return score_result("plurality", ids, votes, seats, tb, "votes per option; the most votes win")
