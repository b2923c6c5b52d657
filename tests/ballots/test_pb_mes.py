"""Method of Equal Shares and its completions: known answers worked out by hand, and
the two completions checked against pabutools on an instance where they differ."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ballots.methods import RULES, get_rule
from ballots.methods.pb_mes import mes, mes_add1, mes_add1_until_over_budget
from ballots.model import BallotError, BallotKind, Option, Profile
from ballots.result import Result
from ballots.tiebreak import TieBreaker


def approval(costs: dict[str, int], ballots: list[str], budget: int) -> Profile:
    """An approval profile; each ballot is a string of one-letter project ids."""
    options = [Option(pid, cost=cost) for pid, cost in costs.items()]
    return Profile.build(BallotKind.APPROVAL, options, [list(b) for b in ballots], budget=budget)


# Four voters, budget 80: 20 each. Y (45) is backed by voters 1-3, Z (24) by 1 and 4.
# Round 1: Y costs each backer 15 (rho 15/45 = 1/3), Z 12 (rho 1/2): Y is funded and
# voters 1-3 keep 5. Round 2: Z's equal part 12 is more than voter 1's 5, so voter 1
# gives 5 and voter 4 pays the other 19 (rho 19/24).
WATER = ({"Y": 45, "Z": 24}, ["YZ", "Y", "Y", "Z"], 80)


def test_equal_shares_with_a_voter_who_cannot_pay_the_equal_part() -> None:
    result = mes(approval(*WATER))
    assert result.winners == ("Y", "Z")
    assert result.rounds[0].tallies == {"Y": Fraction(1, 3)}
    assert result.rounds[1].tallies == {"Z": Fraction(19, 24)}
    assert result.rounds[1].note == (
        "funded Z for 24 at price rho 19/24: each supporter pays at most 19, remaining budget 11"
    )
    assert result.details["budget"] == "80"
    assert result.details["spent"] == "69"
    assert result.details["remaining"] == "11"
    assert result.details["voter_share"] == "20"
    assert result.details["unspent_voter_money"] == "11"
    assert result.details["payments"] == {"Y": "15", "Z": "19"}


def test_unaffordable_projects_are_not_funded() -> None:
    # budget 100, four voters with 25 each: A's two backers hold 50 < 60, B's one 25 < 40;
    # C's two backers hold 50: each pays 15 (rho 1/2).
    profile = approval({"A": 60, "B": 40, "C": 30}, ["A", "A", "BC", "C"], budget=100)
    result = mes(profile)
    assert result.winners == ("C",)
    assert result.rounds[0].tallies["C"] == Fraction(1, 2)
    assert result.details["remaining"] == "70"


def test_free_projects_bring_no_cost_utility() -> None:
    # F and G cost nothing: with cost utilities nobody gains from them, so equal shares
    # leaves them (as pabutools does); the greedy step of mes-add1 funds them, F (one
    # vote) before G (none).
    profile = approval({"F": 0, "G": 0, "A": 10}, ["AF", "A"], budget=10)
    assert mes(profile).winners == ("A",)
    assert mes_add1(profile).winners == ("A", "F", "G")
    assert mes_add1_until_over_budget(profile).winners == ("A",)


def test_blank_ballots_take_their_share() -> None:
    # alone, voter A could pay for A (share 10); with a blank ballot the share is 5
    assert mes(approval({"A": 10}, ["A"], budget=10)).winners == ("A",)
    assert mes(approval({"A": 10}, ["A", ""], budget=10)).winners == ()


def test_no_voters_no_winners() -> None:
    profile = Profile(BallotKind.APPROVAL, (Option("A", cost=1),), (), budget=10)
    assert mes(profile).winners == ()
    assert mes_add1_until_over_budget(profile).winners == ()
    # no shares to raise; the greedy step still spends the budget (as in pabutools)
    assert mes_add1(profile).winners == ("A",)


def test_profile_without_budget_is_refused() -> None:
    profile = Profile.build(BallotKind.APPROVAL, [Option("A", cost=1)], [["A"]])
    with pytest.raises(BallotError, match="budget"):
        mes(profile)


# Budget 90, three voters: 30 each. A (70) is backed by voters 1 and 2, C (30) by
# voter 2, B (65) by voter 3.
# - Shares 30..34: A's backers hold less than 70, voter 3 less than 65; voter 2 pays C
#   alone. Outcome {C}, and no project fits in the 60 left: exhaustive.
# - mes-add1 stops there; greedy finds nothing more that fits: C.
# - Raising on: at share 35 A becomes affordable at rho 1/2 < rho(C) = 1 and takes all
#   of voter 2's money; {A} costs 70. At share 65 C or B comes back, for 100 or 135 > 90:
#   the last share within budget is 64 and the outcome {A}.
EXHAUSTIVE = ({"A": 70, "B": 65, "C": 30}, ["A", "AC", "B"], 90)

# The same with B (20) backed by nobody (voter 3 votes blank). B is never funded by equal
# shares, but it fits in what {C} leaves, so {C} is not exhaustive and the shares rise
# (pabutools' exhaustion_by_budget_increase, equalshares.net): to 64, outcome {A}, and
# greedy then adds B for the 20 left.
SWAP = ({"A": 70, "B": 20, "C": 30}, ["A", "AC", ""], 90)


def test_add1_stops_at_the_first_exhaustive_outcome_then_greedy() -> None:
    result = mes_add1(approval(*EXHAUSTIVE))
    assert result.winners == ("C",)
    assert result.details["voter_share"] == "30"
    assert result.details["equal_shares_runs"] == 1
    assert result.details["equal_shares_winners"] == ["C"]
    assert result.details["completion_winners"] == []
    assert result.details["spent"] == "30"
    assert mes_add1_until_over_budget(approval(*EXHAUSTIVE)).winners == ("A",)


def test_a_project_without_votes_that_still_fits_keeps_the_shares_rising() -> None:
    result = mes_add1(approval(*SWAP))
    assert result.winners == ("A", "B")
    assert result.details["voter_share"] == "64"
    assert result.details["equal_shares_runs"] == 36  # shares 30, 31, ..., 65
    assert result.details["equal_shares_winners"] == ["A"]
    assert result.details["completion_winners"] == ["B"]
    assert result.details["spent"] == "90"
    # greedy tries C (1 vote, 30 > 20: skipped) before B (no votes, 20 fits)
    assert [r.elected for r in result.rounds] == [("A",), (), ("B",)]


def test_equal_shares_steps_say_their_tallies_are_prices() -> None:
    """The results page heads a round's table by its unit: an equal-shares step's tallies
    are prices per supporter, the greedy completion's are votes again. The unit is in
    the round itself (and survives the record), not guessed from the note's words."""
    result = mes_add1(approval(*SWAP))
    assert [r.unit for r in result.rounds] == ["price", "", ""]
    assert result.rounds[0].tallies["A"] < 1  # a price per unit of cost, not a vote count
    again = Result.from_dict(result.to_dict())
    assert [r.unit for r in again.rounds] == ["price", "", ""]
    assert "unit" not in result.rounds[1].to_dict()


def test_add1_until_over_budget_goes_past_exhaustive_outcomes() -> None:
    result = mes_add1_until_over_budget(approval(*SWAP))
    assert result.winners == ("A",)
    assert result.details["voter_share"] == "64"
    assert result.details["equal_shares_runs"] == 36  # shares 30, 31, ..., 65
    assert result.details["completion_winners"] == []
    assert result.method == "mes-add1-until-over-budget"


def pabutools_completions(costs: dict[str, int], ballots: list[str], budget: int) -> tuple:
    """pabutools' mes-add1 (raise until exhaustive over every project, then greedy) and
    mes-add1-until-over-budget selections, as sorted lists."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    projects = {pid: Project(pid, cost) for pid, cost in costs.items()}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot(projects[c] for c in b) for b in ballots])
    mes_params = {"sat_class": Cost_Sat}
    add1 = completion_by_rule_combination(
        instance,
        profile,
        [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
        [
            {
                "rule": method_of_equal_shares,
                "rule_params": mes_params,
                "budget_step": len(ballots),
            },
            {"sat_class": Cost_Sat},
        ],
    )
    raised = exhaustion_by_budget_increase(
        instance,
        profile,
        method_of_equal_shares,
        mes_params,
        exhaustive_stop=False,
        budget_step=len(ballots),
    )
    return sorted(p.name for p in add1), sorted(p.name for p in raised)


@pytest.mark.parametrize(
    "case",
    [
        EXHAUSTIVE,
        SWAP,
        # issue 10: p0 (no votes) still fits at share 16, so {p2} is not exhaustive; at
        # 17, {p1} spends all 33 (pabutools and equalshares.net fund p1)
        ({"p0": 16, "p1": 33, "p2": 16, "p3": 45}, ["3", "1", "12"], 33),
        # a project that costs nothing always fits: raise until over budget, then greedy
        ({"A": 10, "B": 0, "C": 10}, ["A", "AC"], 15),
    ],
)
def test_completions_agree_with_pabutools(case: tuple) -> None:
    pytest.importorskip("pabutools")
    costs, ballots, budget = case
    if "p0" in costs:
        ballots = [[f"p{c}" for c in b] for b in ballots]
    ours = approval(costs, ballots, budget=budget)
    add1, raised = pabutools_completions(costs, ballots, budget)
    assert sorted(mes_add1(ours).winners) == add1
    assert sorted(mes_add1_until_over_budget(ours).winners) == raised


def test_mes_add1_counts_every_project_when_it_asks_whether_money_is_left() -> None:
    costs = {"p0": 16, "p1": 33, "p2": 16, "p3": 45}
    result = mes_add1(approval(costs, [["p3"], ["p1"], ["p1", "p2"]], budget=33))
    assert result.winners == ("p1",)
    assert result.details["voter_share"] == "17"
    assert result.details["spent"] == "33"


def test_ties_are_logged_only_for_the_run_that_is_kept() -> None:
    # Budget 19, two voters backing P and Q (10 each), voter 1 also R (5).
    # Share 9.5: P and Q tie at rho 1/2; the draw funds one, and R (voter 1 has 4.5 left)
    # is out of reach while 9 is left: not exhaustive. Share 10.5: the same tie, then
    # the other one too, 20 > 19: the share-9.5 outcome is kept and greedy adds R.
    profile = approval({"P": 10, "Q": 10, "R": 5}, ["PQR", "PQ"], budget=19)
    for seed in ("a", "b", "c", "d"):
        first = TieBreaker(seed).order(["P", "Q"])[0]
        result = mes_add1(profile, tie_break=TieBreaker(seed))
        assert result.winners == (first, "R")
        assert result.details["equal_shares_runs"] == 2
        assert len(result.tie_breaks) == 1
        assert result.rounds[0].tie_breaks == result.tie_breaks
        assert result.tie_breaks[0].tied == ("P", "Q")
        assert result.tie_breaks[0].chosen == first


def test_tied_projects_of_different_cost_each_charge_their_own_price() -> None:
    # One voter holds the whole budget, 10, and backs X (5) and Y (10): both cost them
    # rho = 1 per unit of utility. The draw picks one; it is paid in full (5 or 10) and
    # the other no longer fits.
    profile = approval({"X": 5, "Y": 10}, ["XY"], budget=10)
    picked = set()
    for seed in map(str, range(8)):
        first = TieBreaker(seed).order(["X", "Y"])[0]
        result = mes(profile, tie_break=TieBreaker(seed))
        assert result.winners == (first,)
        assert result.details["spent"] == str(profile.option(first).cost)
        picked.add(first)
    assert picked == {"X", "Y"}


def test_registry_names() -> None:
    assert get_rule("mes") is mes
    assert get_rule("mes-add1") is mes_add1
    assert get_rule("mes-add1-until-over-budget") is mes_add1_until_over_budget
    assert RULES["mes-add1-until-over-budget"].module == "ballots.methods.pb_mes"
