"""Approval voting: every ballot approves a set of options; the ``seats`` options with
the most approvals win."""

from __future__ import annotations

from ballots.methods._ranked import (
    check_seats,
    score_result,
    tie_breaker,
)
from ballots.model import BallotError, BallotKind, Profile
from ballots.result import Result
from ballots.tiebreak import TieBreaker


def approval(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Count approval ballots (single-choice ballots approve their one option) and elect
    the ``seats`` options with the most approvals, best first; ties by the published draw.

    The one round holds every option's approvals. Raises :class:`BallotError` for other
    ballot kinds, for a ballot naming an unknown option or one option twice, or if
    ``seats`` is not between 1 and the number of options.
    """
    tb = tie_breaker(tie_break)
    if profile.kind not in (BallotKind.APPROVAL, BallotKind.SINGLE):
        raise BallotError(
            "wrong_ballot_kind", rule="approval", wanted="approval", kind=profile.kind.value
        )
    ids = profile.option_ids
    check_seats(seats, len(ids), "approval")
    index = {option_id: i for i, option_id in enumerate(ids)}
    approvals = [0] * len(ids)
    for number, group in enumerate(profile.groups, start=1):
        if len(set(group.choices)) != len(group.choices):
            raise BallotError("duplicate_choice", group=number)
        for choice in group.choices:
            if choice not in index:
                raise BallotError("unknown_option", option=choice, group=number)
            approvals[index[choice]] += group.count
    return score_result(
        "approval", ids, approvals, seats, tb, "approvals per option; the most approvals win"
    )
