"""Instant runoff: hand-counted examples, exhaustion, ties, errors."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ballots.methods import count
from ballots.methods.irv import irv
from ballots.model import BallotError, Option, Profile
from ballots.tiebreak import TieBreaker, draw_key


def test_elimination_transfers_to_the_next_choice(profile):
    # a 4, b 3, c 2: c goes, its 2 ballots go to b, who wins 5 to 4
    p = profile([(4, "ab"), (3, "bc"), (2, "cb")])
    result = irv(p)
    assert result.winners == ("b",)
    first, second = result.rounds
    assert first.tallies == {"a": 4, "b": 3, "c": 2}
    assert first.eliminated == ("c",)
    assert first.transfers == {"c": {"b": Fraction(2)}}
    assert second.tallies == {"a": 4, "b": 5}
    assert second.elected == ("b",)
    assert result.tie_breaks == ()


def test_majority_in_the_first_round_ends_the_count(profile):
    result = irv(profile([(5, "a"), (2, "b"), (2, "c")]))
    assert result.winners == ("a",)
    assert len(result.rounds) == 1
    assert result.rounds[0].elected == ("a",)


def test_exhausted_ballots_leave_the_majority_base(profile):
    # a 4, b 3, c 2 (c ranks nobody else): after c goes, a has 4 of 7 live votes
    result = irv(profile([(4, "a"), (3, "b"), (2, "c")]))
    assert result.winners == ("a",)
    assert result.rounds[0].transfers == {"c": {"exhausted": Fraction(2)}}
    assert result.rounds[1].exhausted == 2
    assert result.rounds[1].tallies == {"a": 4, "b": 3}


def test_exactly_half_is_not_a_majority(profile):
    # a has 4 of 8: not more than half, so b (2) and c (2) tie for last place
    p = profile([(4, "a"), (2, "bc"), (2, "cb")])
    tb = TieBreaker("2026-gemeente")
    result = irv(p, tie_break=tb)
    assert result.rounds[0].elected == ()
    loser = max(["b", "c"], key=lambda o: draw_key("2026-gemeente", o))
    survivor = ({"b", "c"} - {loser}).pop()
    assert result.rounds[0].eliminated == (loser,)
    # the survivor then has 4 of 8 too: a tie for last place again, decided by the draw
    assert result.rounds[1].tallies == {"a": 4, survivor: 4}
    assert len(result.tie_breaks) == 2
    final_loser = max(["a", survivor], key=lambda o: draw_key("2026-gemeente", o))
    assert result.winners == (({"a", survivor} - {final_loser}).pop(),)


def test_tie_breaks_are_logged_with_the_seed(profile):
    p = profile([(3, "a"), (2, "b"), (2, "c")])
    result = irv(p, tie_break=TieBreaker("seed-1"))
    assert result.seed == "seed-1"
    (tie,) = result.rounds[0].tie_breaks
    assert tie.tied == ("b", "c") and tie.purpose == "eliminate" and tie.round == 1
    assert tie.keys == (draw_key("seed-1", "b"), draw_key("seed-1", "c"))
    assert tie.chosen == max("bc", key=lambda o: draw_key("seed-1", o))
    assert result.tie_breaks == (tie,)


def test_without_a_tie_breaker_the_seed_is_empty(profile):
    result = irv(profile([(3, "a"), (2, "b"), (2, "c")]))
    assert result.seed == ""
    assert result.tie_breaks[0].keys[0] == draw_key("", "b")


def test_single_choice_ballots_are_rankings_of_length_one(profile):
    p = profile([(3, "a"), (4, "b"), (2, "c")], kind="single")
    result = irv(p)
    # c out (exhausts), then b has 4 of 7
    assert result.winners == ("b",)
    assert result.rounds[1].exhausted == 2


def test_an_option_nobody_ranks_is_eliminated_first(profile):
    p = profile([(3, "ab"), (2, "ba")], options="abc")
    result = irv(p)
    assert result.winners == ("a",)
    assert result.rounds[0].tallies["c"] == 0


def test_the_last_option_left_wins_even_without_votes():
    p = Profile.build("ranked", [Option("a"), Option("b")], [[], []])
    result = irv(p, tie_break=TieBreaker("x"))
    assert len(result.winners) == 1
    assert result.rounds[-1].note.endswith("last option left")


def test_more_than_one_seat_is_refused(profile):
    with pytest.raises(BallotError, match="stv"):
        irv(profile([(1, "ab")]), seats=2)


def test_approval_ballots_are_refused(profile):
    with pytest.raises(BallotError, match="approval"):
        irv(profile([(1, "ab")], kind="approval"))


def test_unvalidated_profiles_are_checked():
    p = Profile.build("ranked", [Option("a"), Option("b")], [["a", "a"]], validate=False)
    with pytest.raises(BallotError, match="duplicate"):
        irv(p)


def test_registry_counts_with_the_seed(profile):
    p = profile([(3, "a"), (2, "b"), (2, "c")])
    result = count(p, "irv", seed="s")
    assert result == irv(p, tie_break=TieBreaker("s"))
    assert result.to_dict()["rounds"][0]["tallies"] == {"a": "3", "b": "2", "c": "2"}
