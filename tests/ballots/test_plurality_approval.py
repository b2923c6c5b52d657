"""Plurality and approval: counts, several seats, ties, refused ballot kinds."""

from __future__ import annotations

import pytest

from ballots.methods import count
from ballots.methods.approval import approval
from ballots.methods.plurality import plurality
from ballots.model import BallotError, Option, Profile
from ballots.tiebreak import TieBreaker, draw_key


def test_plurality_counts_single_choices(profile):
    result = plurality(profile([(4, "a"), (6, "b"), (1, "c")], kind="single"))
    assert result.rounds[0].tallies == {"a": 4, "b": 6, "c": 1}
    assert result.winners == ("b",)
    assert result.method == "plurality"


def test_plurality_counts_first_preferences_of_rankings(profile):
    result = plurality(profile([(4, "ab"), (3, "ba"), (2, "ba")]), seats=2)
    assert result.rounds[0].tallies == {"a": 4, "b": 5}
    assert result.winners == ("b", "a")


def test_plurality_refuses_approval_ballots(profile):
    with pytest.raises(BallotError, match="approval"):
        plurality(profile([(1, "ab")], kind="approval"))


def test_approval_elects_the_top_k(profile):
    p = profile([(3, "ab"), (2, "bc"), (1, "d")], options="abcd", kind="approval")
    result = approval(p, seats=2)
    assert result.rounds[0].tallies == {"a": 3, "b": 5, "c": 2, "d": 1}
    assert result.winners == ("b", "a")


def test_approval_counts_single_choice_ballots(profile):
    result = approval(profile([(2, "a"), (1, "b")], kind="single"))
    assert result.winners == ("a",)


def test_approval_tie_for_the_last_seat_is_drawn_and_logged(profile):
    p = profile([(2, "ab"), (1, "c"), (1, "d")], kind="approval")
    result = approval(p, seats=3, tie_break=TieBreaker("z"))
    # a and b (2 each) are tied for seats 1 and 2, c and d (1 each) for seat 3
    assert set(result.winners[:2]) == {"a", "b"}
    assert result.winners[2] == min("cd", key=lambda o: draw_key("z", o))
    assert [t.tied for t in result.tie_breaks] == [("a", "b"), ("c", "d")]
    assert result.rounds[0].tie_breaks == result.tie_breaks


def test_approval_refuses_ranked_ballots_and_bad_groups(profile):
    with pytest.raises(BallotError, match="ranked"):
        approval(profile([(1, "ab")]))
    bad = Profile.build("approval", [Option("a")], [["a", "x"]], validate=False)
    with pytest.raises(BallotError, match="unknown"):
        approval(bad)


def test_registry_names_both_rules(profile):
    p = profile([(1, "a"), (2, "b")], kind="single")
    assert count(p, "plurality").winners == count(p, "approval").winners == ("b",)
