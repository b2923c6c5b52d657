"""Modified Borda count for partial rankings, counted by hand."""

from __future__ import annotations

import pytest

from ballots.methods.borda import borda
from ballots.model import BallotError
from ballots.tiebreak import TieBreaker, draw_key


def test_partial_rankings_give_points_by_their_own_length(profile):
    # 3 x abc: a 3, b 2, c 1; 2 x b: b 1; 2 x ca: c 2, a 1
    p = profile([(3, "abc"), (2, "b"), (2, "ca")], options="abcd")
    result = borda(p, seats=2)
    assert result.rounds[0].tallies == {"a": 11, "b": 8, "c": 7, "d": 0}
    assert result.winners == ("a", "b")
    assert result.rounds[0].elected == ("a", "b")


def test_ties_for_a_seat_go_to_the_draw(profile):
    result = borda(profile([(1, "ab"), (1, "ba")]), tie_break=TieBreaker("k"))
    assert result.winners == (min("ab", key=lambda o: draw_key("k", o)),)
    assert len(result.tie_breaks) == 1 and result.tie_breaks[0].round == 1


def test_single_choice_ballots_give_one_point(profile):
    result = borda(profile([(2, "a"), (3, "b")], kind="single"))
    assert result.rounds[0].tallies == {"a": 2, "b": 3}
    assert result.winners == ("b",)


def test_approval_ballots_are_refused(profile):
    with pytest.raises(BallotError):
        borda(profile([(1, "ab")], kind="approval"))
