"""An election where no ballot names any option has no result: ``count`` says so
instead of electing or funding by lot."""

from __future__ import annotations

import pytest

from ballots.methods import RULES, count
from ballots.model import BallotKind, Option, Profile
from ballots.result import Result, ResultWarning


def empty_election(rule: str, ballots: int) -> Profile:
    """No ballots, or only blank ones (single-choice ballots cannot be blank)."""
    spec = RULES[rule]
    kind = spec.ballot_kinds[0]
    blanks = [] if kind is BallotKind.SINGLE else [[]] * ballots
    options = [Option("a", cost=10), Option("b", cost=0), Option("c", cost=20)]
    # a split ballot divides a total, as a budget ballot spends one
    total = 25 if spec.budget or spec.splits else None
    return Profile.build(kind, options, blanks, budget=total)


@pytest.mark.parametrize("ballots", [0, 3])
@pytest.mark.parametrize("rule", sorted(RULES))
def test_nothing_to_decide_elects_and_funds_nobody(rule: str, ballots: int) -> None:
    result = count(empty_election(rule, ballots), rule, seed="x")
    assert result.warnings == (ResultWarning.NO_VOTES,)
    assert not result.decided
    assert result.winners == () and result.rounds == () and result.tie_breaks == ()
    data = result.to_dict()
    assert data["warnings"] == ["no_votes"]
    assert Result.from_dict(data) == result


def test_one_vote_is_a_result_and_keeps_the_old_form() -> None:
    profile = Profile.build("ranked", [Option("a"), Option("b")], [[], ["b"]])
    result = count(profile, "irv")
    assert result.decided and result.winners == ("b",)
    assert "warnings" not in result.to_dict()
