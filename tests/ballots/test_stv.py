"""Scottish STV: hand-counted examples of quota, weighted inclusive Gregory transfers
with five-decimal truncation, exclusions, look-back tie breaks and errors."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

from ballots.methods.stv import stv
from ballots.model import BallotError, Option, Profile
from ballots.tiebreak import TieBreaker, draw_key


def test_inclusive_gregory_with_truncation(profile):
    # 26 valid ballots, 3 seats: quota floor(26/4) + 1 = 7.
    p = profile([(12, "ABC"), (5, "BD"), (2, "C"), (4, "D"), (3, "ED")])
    result = stv(p, seats=3)
    assert result.details["quota"] == "7"
    r1, r2, r3, r4 = result.rounds
    assert r1.tallies == {"A": 12, "B": 5, "C": 2, "D": 4, "E": 3}
    assert r1.elected == ("A",)
    # A's surplus 5 over 12 ballots: 5/12 = 0.41666|6.. -> 0.41666 each, 12 x = 4.99992
    assert r2.transfers == {"A": {"B": F("4.99992")}}
    assert r2.tallies["A"] == 7 and r2.tallies["B"] == F("9.99992")
    assert r2.elected == ("B",)
    # B's surplus 2.99992 over 9.99992: the 5 BD ballots (value 1) get
    # 1 x 2.99992 / 9.99992 = 0.29999|4.. -> 0.29999, the 12 ABC ballots (value 0.41666)
    # get 0.41666 x 2.99992 / 9.99992 = 0.12499|5.. -> 0.12499; B keeps exactly the quota
    assert r3.transfers == {"B": {"C": 12 * F("0.12499"), "D": 5 * F("0.29999")}}
    assert r3.tallies == {"A": 7, "B": 7, "C": F("3.49988"), "D": F("5.49995"), "E": 3}
    assert r3.elected == ()
    # no surplus left: E (3) is excluded and its ballots go to D at full value
    assert r4.eliminated == ("E",)
    assert r4.transfers == {"E": {"D": F(3)}}
    assert r4.elected == ("D",)
    assert result.winners == ("A", "B", "D")
    # what truncation dropped: 0.00008 from A's surplus, 0.00009 from B's
    assert result.details["rounding_loss"] == str(F("0.00017"))


def test_an_elected_candidate_receives_no_further_transfers(profile):
    # 21 ballots, 3 seats: quota 6. A (11) and B (6) are elected at once; A's ABC
    # ballots skip B and go to C at 5/11 -> 0.45454 each.
    p = profile([(11, "ABC"), (6, "B"), (2, "C"), (2, "D")])
    result = stv(p, seats=3)
    assert result.rounds[0].elected == ("A", "B")
    assert result.rounds[1].transfers == {"A": {"C": 11 * F("0.45454")}}
    assert result.rounds[1].tallies["B"] == 6
    assert result.winners == ("A", "B", "C")


def test_surplus_exhausts_at_its_transfer_value(profile):
    # 10 ballots, 1 seat: quota 6. A has 8 ballots that rank nobody else.
    p = profile([(8, "A"), (2, "B"), (0, "C")], options="ABC")
    result = stv(p, seats=1)
    assert result.winners == ("A",)
    assert len(result.rounds) == 1


def test_largest_surplus_is_transferred_first(profile):
    # 30 ballots, 3 seats: quota 8. A 10 and B 12 are both elected; B's surplus (4, at
    # 4/12 -> 0.33333 a ballot) goes before A's (2, at exactly 0.2).
    p = profile([(10, "AC"), (12, "BD"), (5, "C"), (3, "D")])
    result = stv(p, seats=3)
    assert result.rounds[0].elected == ("B", "A")
    assert result.rounds[1].transfers == {"B": {"D": 12 * F("0.33333")}}
    assert result.rounds[2].transfers == {"A": {"C": F(2)}}
    assert result.rounds[2].tallies["C"] == 7
    # D (6.99996) is then excluded and C is the last one standing
    assert result.rounds[3].eliminated == ("D",)
    assert result.winners == ("B", "A", "C")


def test_exclusion_ties_look_back_to_the_latest_stage_where_they_differed(profile):
    # 11 ballots, 1 seat: quota 6. D goes first; then B and C have 3 each, but at
    # stage 1 C had fewer (2 < 3), so C is excluded without a draw. Then A and B
    # have 5 each; at stage 2 B had fewer, so B is excluded and A is elected.
    p = profile([(5, "A"), (3, "B"), (2, "CB"), (1, "DC")])
    result = stv(p, seats=1, tie_break=TieBreaker("s"))
    assert [r.eliminated for r in result.rounds[1:4]] == [("D",), ("C",), ("B",)]
    assert result.winners == ("A",)
    assert result.tie_breaks == ()


def test_ties_at_every_stage_go_to_the_draw(profile):
    p = profile([(4, "A"), (2, "B"), (2, "C")])
    result = stv(p, seats=1, tie_break=TieBreaker("draw"))
    loser = max("BC", key=lambda o: draw_key("draw", o))
    assert result.rounds[1].eliminated == (loser,)
    (tie,) = result.tie_breaks
    assert tie.purpose == "eliminate" and tie.round == 2 and tie.chosen == loser
    assert result.seed == "draw"
    assert result.rounds[1].tie_breaks == (tie,)


def test_last_candidates_standing_fill_the_remaining_seats(profile):
    # 10 ballots, 2 seats: quota 4. A (5) elected; surplus 1 exhausts. Then B 3, C 2:
    # C is excluded, and B is the last continuing candidate for the last seat.
    p = profile([(5, "A"), (3, "B"), (2, "C")])
    result = stv(p, seats=2)
    assert result.winners == ("A", "B")
    assert result.rounds[-1].elected == ("B",)
    assert result.rounds[-1].note.startswith("as many candidates")
    assert result.rounds[1].transfers == {"A": {"exhausted": F(1)}}


def test_blank_ballots_do_not_count_towards_the_quota():
    options = [Option(x) for x in "AB"]
    ballots = [["A"]] * 3 + [["B"]] * 2 + [[]] * 5
    result = stv(Profile.build("ranked", options, ballots), seats=1)
    assert result.details["valid_ballots"] == "5"
    assert result.details["quota"] == "3"
    assert result.winners == ("A",)


def test_seats_equal_to_candidates_elects_everyone(profile):
    result = stv(profile([(3, "AB"), (1, "B")]), seats=2)
    assert set(result.winners) == {"A", "B"}


def test_every_stage_accounts_for_every_valid_vote(profile):
    p = profile([(12, "ABC"), (5, "BD"), (2, "C"), (4, "D"), (3, "ED")])
    result = stv(p, seats=3)
    lost = F(0)
    for r in result.rounds:
        lost += _loss(r)
        assert sum(r.tallies.values()) + r.exhausted + lost == 26


def _loss(round_) -> F:
    """Rounding loss of one surplus stage: the surplus minus what moved on."""
    if not round_.transfers or round_.eliminated:
        return F(0)
    (moved,) = round_.transfers.values()
    surplus = F(round_.note.split("(")[1].split(")")[0])
    return surplus - sum(moved.values())


@pytest.mark.parametrize("seats", [0, 4, -1])
def test_seats_out_of_range_are_refused(profile, seats):
    with pytest.raises(BallotError, match="seats"):
        stv(profile([(1, "ABC")]), seats=seats)


def test_budget_ballots_are_refused():
    p = Profile.build("budget", [Option("a", cost=1)], [["a"]], budget=5)
    with pytest.raises(BallotError, match="budget"):
        stv(p, seats=1)


def test_more_seats_than_candidates_reads_in_the_right_number() -> None:
    # every candidate withdrawn: no "1 seats", whatever the counts
    profile = Profile.build("ranked", [], [])
    with pytest.raises(BallotError, match=r"^stv: more seats \(1\) than options \(0\)$"):
        stv(profile)
