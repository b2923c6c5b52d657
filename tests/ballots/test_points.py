"""Points (cumulative) ballots: greedy and equal shares take the points as utilities,
as pabutools does (``Additive_Cardinal_Sat``); ``.pb`` files with ``vote_type
cumulative`` are read and written with their points.

pabutools is the oracle: its selection is computed in the test, never written down.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ballots.formats.pabulib import PbElection, read_pb, write_pb
from ballots.methods import count, names, rules_for
from ballots.model import BallotError, BallotKind, Option, Profile

REPO = Path(__file__).resolve().parents[2]
TOULOUSE = REPO.parent / "shared" / "data" / "pabulib" / "france_toulouse_2019_.pb"
PROJECTS = [Option("a", cost=40), Option("b", cost=30), Option("c", cost=30), Option("d", cost=20)]


def oracle(profile: Profile, rule: str) -> list[str]:
    """pabutools' selection for a points profile, points as utilities."""
    from pabutools.election import (
        Additive_Cardinal_Sat,
        CumulativeBallot,
        CumulativeProfile,
        Instance,
        Project,
    )
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    projects = {o.id: Project(o.id, o.cost) for o in profile.options}
    instance = Instance(projects.values(), budget_limit=profile.budget)
    ballots = []
    for group in profile.groups:
        given = dict(zip(group.choices, group.points or (), strict=True))
        ballots += [CumulativeBallot({projects[k]: v for k, v in given.items()})] * group.count
    pb_profile = CumulativeProfile(ballots, instance=instance)
    run = greedy_utilitarian_welfare if rule == "greedy" else method_of_equal_shares
    return [p.name for p in run(instance, pb_profile, sat_class=Additive_Cardinal_Sat)]


def points_profile(ballots: list[dict[str, int]], budget: int = 100) -> Profile:
    return Profile.build_weighted("points", PROJECTS, ballots, budget=budget, max_points=10)


def test_points_are_utilities_not_approvals() -> None:
    # Two residents put all 10 points on a; four spread 1 point each over b, c, d.
    # By approvals b, c and d lead (4 votes to 2); by points a leads (20 to 4 each).
    ballots = [{"a": 10}] * 2 + [{"b": 1, "c": 1, "d": 1}] * 4
    greedy = count(points_profile(ballots, budget=60), "greedy")
    assert greedy.winners[0] == "a"  # 20 points / 40 = 1/2 per euro; b and c 4/30
    assert greedy.details["points"] == {"a": 20, "b": 4, "c": 4, "d": 4}
    assert list(greedy.winners) == oracle(points_profile(ballots, budget=60), "greedy")
    mes = count(points_profile(ballots, budget=60), "mes")
    assert list(mes.winners) == oracle(points_profile(ballots, budget=60), "mes")
    assert mes.details["utilities"] == "points"


def test_equal_shares_charges_supporters_by_their_points() -> None:
    # Budget 100 over 4 ballots: 25 each. b costs 30 and has 5 + 5 points: rho 3, each
    # pays 15. a costs 40 and has 3 + 1 points: at rho 10 the first would pay 30, more
    # than its 25, so it pays 25 and the other the remaining 15: rho 15 per point.
    ballots = [{"a": 3}, {"a": 1}, {"b": 5}, {"b": 5}]
    result = count(points_profile(ballots), "mes")
    assert result.winners == ("b", "a")
    a_round = next(r for r in result.rounds if r.elected == ("a",))
    assert a_round.tallies["a"] == Fraction(15)
    assert result.details["price_per_point"]["a"] == "15"
    assert list(result.winners) == oracle(points_profile(ballots), "mes")


def test_points_ballots_are_checked() -> None:
    with pytest.raises(BallotError, match="11 points, at most 10"):
        points_profile([{"a": 6, "b": 5}])
    with pytest.raises(BallotError, match="not a whole number above 0"):
        Profile.build_weighted("points", PROJECTS, [{"a": -2}], budget=100, max_points=10)


def test_greedy_and_equal_shares_count_points_the_completions_do_not() -> None:
    assert names(rules_for("points")) == ("greedy", "mes")


ballot = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d"]), st.integers(min_value=1, max_value=4), max_size=3
).filter(lambda b: sum(b.values()) <= 10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ballot, min_size=1, max_size=7), st.sampled_from([50, 70, 100]))
def test_same_selection_as_pabutools_on_small_elections(
    ballots: list[dict[str, int]], budget: int
) -> None:
    pytest.importorskip("pabutools")
    profile = points_profile(ballots, budget)
    for rule in ("greedy", "mes"):
        result = count(profile, rule, seed="klein")
        if result.tie_breaks or not result.decided:
            continue  # pabutools breaks ties by name, we by the published draw
        assert list(result.winners) == oracle(profile, rule), rule


@pytest.fixture(scope="module")
def toulouse() -> PbElection:
    if not TOULOUSE.exists():
        pytest.skip(f"{TOULOUSE} not found")
    return read_pb(TOULOUSE)


def test_toulouse_is_read_as_points(toulouse: PbElection) -> None:
    assert toulouse.vote_type == "cumulative"
    assert toulouse.profile.kind is BallotKind.POINTS
    assert toulouse.profile.max_points == 7  # META max_sum_points
    assert toulouse.profile.total == 1494


@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_toulouse_gives_pabutools_selection(toulouse: PbElection, rule: str) -> None:
    pytest.importorskip("pabutools")
    from pabutools.election import Additive_Cardinal_Sat, parse_pabulib
    from pabutools.rules import greedy_utilitarian_welfare, method_of_equal_shares

    instance, profile = parse_pabulib(str(TOULOUSE))
    run = greedy_utilitarian_welfare if rule == "greedy" else method_of_equal_shares
    theirs = [p.name for p in run(instance, profile, sat_class=Additive_Cardinal_Sat)]
    result = count(toulouse.profile, rule)
    assert result.tie_breaks == ()  # no tie decided anything: the comparison is fair
    assert list(result.winners) == theirs
    assert sum(toulouse.profile.option(w).cost for w in result.winners) <= toulouse.budget


def test_cumulative_files_are_written_with_their_points(toulouse: PbElection) -> None:
    text = write_pb(toulouse)
    assert "vote_type;cumulative" in text and "voter_id;vote;points" in text
    again = read_pb("again.pb", text=text)
    assert again.profile.kind is BallotKind.POINTS
    theirs: dict[Any, int] = {}
    for group in again.profile.groups:
        key = (group.choices, group.points)
        theirs[key] = theirs.get(key, 0) + group.count
    ours = {(g.choices, g.points): g.count for g in toulouse.profile.groups}
    assert theirs == ours
    assert list(count(again.profile, "mes").winners) == list(count(toulouse.profile, "mes").winners)
