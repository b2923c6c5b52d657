"""Greedy budget rule: known answers worked out by hand."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from ballots.methods import count, get_rule
from ballots.methods.pb_greedy import greedy
from ballots.model import BallotError, BallotGroup, BallotKind, Option, Profile
from ballots.tiebreak import TieBreaker


def approval(costs: dict[str, int], ballots: list[str], budget: int) -> Profile:
    """An approval profile; each ballot is a string of one-letter project ids."""
    options = [Option(pid, cost=cost) for pid, cost in costs.items()]
    return Profile.build(BallotKind.APPROVAL, options, [list(b) for b in ballots], budget=budget)


def test_funds_by_votes_and_skips_what_does_not_fit() -> None:
    # votes: A 4, B 3, C 2, D 1; budget 100
    profile = approval({"A": 50, "B": 60, "C": 30, "D": 20}, ["AB", "AB", "ABC", "ACD"], budget=100)
    result = greedy(profile)
    # A (50) fits, B (60) does not fit in 50, C (30) fits, D (20) fits exactly
    assert result.winners == ("A", "C", "D")
    assert [r.elected for r in result.rounds] == [("A",), (), ("C",), ("D",)]
    assert result.rounds[1].note.startswith("skipped B")
    assert result.rounds[0].tallies == {"A": Fraction(4)}
    assert result.rounds[0].note == "funded A (4 votes) for 50, remaining budget 50"
    assert result.details["budget"] == "100"
    assert result.details["spent"] == "100"
    assert result.details["remaining"] == "0"
    assert result.details["votes"] == {"A": 4, "B": 3, "C": 2, "D": 1}
    assert result.tie_breaks == ()


def test_registry_and_seats_ignored() -> None:
    profile = approval({"A": 10, "B": 10}, ["A", "A", "B"], budget=10)
    assert get_rule("greedy") is greedy
    assert count(profile, "greedy", seats=5).winners == ("A",)


def test_tie_that_matters_is_broken_by_the_draw_and_logged() -> None:
    # A and B both have 2 votes, only one of them fits
    profile = approval({"A": 60, "B": 60}, ["A", "A", "B", "B"], budget=100)
    for seed in ("x", "y", "z", "2026"):
        result = greedy(profile, tie_break=TieBreaker(seed))
        expected = TieBreaker(seed).order(["A", "B"])[0]
        assert result.winners == (expected,)
        assert len(result.tie_breaks) == 1
        tie = result.tie_breaks[0]
        assert (tie.tied, tie.chosen, tie.purpose) == (("A", "B"), expected, "fund")
        assert result.seed == seed


def test_tie_where_only_one_fits_is_no_tie() -> None:
    # A and B tie in votes, but B (120) never fits, so there is nothing to draw
    profile = approval({"A": 50, "B": 120, "C": 40}, ["AB", "AB", "C"], budget=100)
    result = greedy(profile)
    assert result.winners == ("A", "C")
    assert result.tie_breaks == ()


def test_project_without_votes_is_funded_last_if_it_fits() -> None:
    profile = approval({"A": 50, "Z": 10}, ["A"], budget=100)
    assert greedy(profile).winners == ("A", "Z")


def test_points_and_order_do_not_count_only_voters_naming_a_project() -> None:
    # cumulative ballots: A gets 2 voters with 1 point each, B 1 voter with 5 points
    options = (Option("A", cost=60), Option("B", cost=60))
    groups = (BallotGroup(("A",), 2, (1,)), BallotGroup(("B",), 1, (5,)))
    profile = Profile(BallotKind.APPROVAL, options, groups, budget=100)
    assert greedy(profile).winners == ("A",)


def test_reused_tie_breaker_reports_only_its_own_ties() -> None:
    tie_break = TieBreaker("s")
    profile = approval({"A": 60, "B": 60}, ["A", "B"], budget=100)
    greedy(profile, tie_break=tie_break)
    again = greedy(profile, tie_break=tie_break)
    assert len(again.tie_breaks) == 1
    assert len(tie_break.log) == 2


def test_profile_without_budget_is_refused() -> None:
    profile = Profile.build(BallotKind.APPROVAL, [Option("A", cost=1)], [["A"]])
    with pytest.raises(BallotError, match="budget"):
        greedy(profile)


def test_to_dict_is_json_ready() -> None:
    profile = approval({"A": 50, "B": 60}, ["A", "AB"], budget=100)
    text = json.dumps(greedy(profile).to_dict())
    assert '"spent": "50"' in text
