"""Properties of the budget rules and the .pb format (hypothesis), and a cross-check of
every budget rule against pabutools on many seeded random elections."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.formats.pabulib import PbElection, read_pb, write_pb
from ballots.methods.pb_greedy import greedy
from ballots.methods.pb_mes import mes, mes_add1, mes_add1_until_over_budget
from ballots.model import BallotGroup, BallotKind, Option, Profile
from ballots.result import Result
from ballots.tiebreak import TieBreaker

RULES: dict[str, Callable[..., Result]] = {
    "greedy": greedy,
    "mes": mes,
    "mes-add1": mes_add1,
    "mes-add1-until-over-budget": mes_add1_until_over_budget,
}


class LexicographicTieBreaker(TieBreaker):
    """Prefers the smallest project id, as pabutools' default tie-breaking does."""

    def key(self, option_id: str) -> str:
        return option_id


@st.composite
def budget_elections(draw: st.DrawFn) -> tuple[list[Option], list[list[str]], int]:
    """A few projects (some free), a few approval ballots (some blank) and a budget."""
    m = draw(st.integers(1, 6))
    options = [
        Option(f"p{i}", cost=draw(st.sampled_from([0, 5, 10, 15, 20, 40]))) for i in range(m)
    ]
    ids = [o.id for o in options]
    ballots = draw(st.lists(st.lists(st.sampled_from(ids), unique=True), max_size=10))
    budget = draw(st.integers(0, 100))
    return options, ballots, budget


def build(options: list[Option], ballots: list[list[str]], budget: int) -> Profile:
    return Profile.build(BallotKind.APPROVAL, options, ballots, budget=budget)


def cost_of(profile: Profile, winners: tuple[str, ...]) -> int:
    return sum(profile.option(w).cost for w in winners)


@settings(max_examples=150, deadline=None)
@given(budget_elections(), st.sampled_from(sorted(RULES)), st.text(max_size=4))
def test_never_over_budget_and_details_add_up(
    election: tuple[list[Option], list[list[str]], int], rule: str, seed: str
) -> None:
    profile = build(*election)
    result = RULES[rule](profile, tie_break=TieBreaker(seed))
    spent = cost_of(profile, result.winners)
    assert spent <= profile.budget
    assert len(set(result.winners)) == len(result.winners)
    assert result.details["spent"] == str(spent)
    assert result.details["remaining"] == str(profile.budget - spent)
    assert tuple(w for r in result.rounds for w in r.elected) == result.winners
    assert all(t.chosen in t.tied for t in result.tie_breaks)


@settings(max_examples=100, deadline=None)
@given(budget_elections(), st.sampled_from(sorted(RULES)), st.randoms(use_true_random=False))
def test_order_of_ballots_never_matters(
    election: tuple[list[Option], list[list[str]], int], rule: str, rnd: random.Random
) -> None:
    options, ballots, budget = election
    shuffled = [list(b) for b in ballots]
    rnd.shuffle(shuffled)
    for ballot in shuffled:
        rnd.shuffle(ballot)
    first = RULES[rule](build(options, ballots, budget), tie_break=TieBreaker("s"))
    second = RULES[rule](build(options, shuffled, budget), tie_break=TieBreaker("s"))
    assert first.winners == second.winners
    assert [r.to_dict() for r in first.rounds] == [r.to_dict() for r in second.rounds]


@settings(max_examples=100, deadline=None)
@given(budget_elections(), st.sampled_from(["greedy", "mes-add1"]))
def test_greedy_and_add1_leave_nothing_that_fits(
    election: tuple[list[Option], list[list[str]], int], rule: str
) -> None:
    profile = build(*election)
    result = RULES[rule](profile)
    room = profile.budget - cost_of(profile, result.winners)
    assert all(o.cost > room for o in profile.options if o.id not in result.winners)


@settings(max_examples=100, deadline=None)
@given(budget_elections())
def test_equal_shares_funds_only_what_its_supporters_can_pay(
    election: tuple[list[Option], list[list[str]], int],
) -> None:
    options, ballots, budget = election
    profile = build(options, ballots, budget)
    voters = len(ballots)
    for winner in mes(profile).winners:
        backers = sum(1 for b in ballots if winner in b)
        # each backer holds budget/voters at most
        assert backers > 0
        assert profile.option(winner).cost * voters <= backers * budget


@settings(max_examples=100, deadline=None)
@given(budget_elections(), st.integers(1, 8), st.text(max_size=4))
def test_equal_shares_with_everyone_approving_everything(
    election: tuple[list[Option], list[list[str]], int], voters: int, seed: str
) -> None:
    # All voters hold the same money at every step, so every affordable project has the
    # same price (1/voters): the draw order decides, and a project is funded exactly
    # when it still fits. Free projects are worth nothing with cost utilities.
    options, _, budget = election
    ids = [o.id for o in options]
    profile = build(options, [ids] * voters, budget)
    order = TieBreaker(seed).order(ids)
    expected = []
    room = budget
    for pid in order:
        cost = profile.option(pid).cost
        if 0 < cost <= room:
            expected.append(pid)
            room -= cost
    assert mes(profile, tie_break=TieBreaker(seed)).winners == tuple(expected)


# --- the .pb format --------------------------------------------------------------

project_text = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), exclude_characters="\u2028\u2029\x85"),
    max_size=12,
).map(str.strip)


@st.composite
def pb_elections(draw: st.DrawFn) -> PbElection:
    """A random election in any of the vote types, with awkward project names."""
    vote_type = draw(st.sampled_from(["approval", "cumulative", "ordinal", "scoring"]))
    m = draw(st.integers(1, 6))
    ids = [f"{i}" for i in draw(st.lists(st.integers(1, 999), min_size=m, max_size=m, unique=True))]
    options = tuple(Option(pid, draw(project_text), draw(st.integers(0, 10**9))) for pid in ids)
    projects = {o.id: {"name": o.name, "votes": str(draw(st.integers(0, 50)))} for o in options}
    counts: dict[tuple, int] = {}
    for _ in range(draw(st.integers(0, 8))):
        chosen = draw(st.lists(st.sampled_from(ids), unique=True))
        if vote_type != "ordinal":
            chosen = sorted(chosen)
        points = tuple(draw(st.integers(1, 9)) for _ in chosen)
        key = (tuple(chosen), points if vote_type in ("cumulative", "scoring") else None)
        counts[key] = counts.get(key, 0) + draw(st.integers(1, 3))
    groups = tuple(BallotGroup(choices, n, points) for (choices, points), n in counts.items())
    kind = {"ordinal": BallotKind.RANKED, "cumulative": BallotKind.POINTS}.get(
        vote_type, BallotKind.APPROVAL
    )
    budget = draw(st.integers(0, 10**12))
    meta = {"description": draw(project_text), "budget": str(budget), "vote_type": vote_type}
    profile = Profile(kind, options, groups, budget=budget)
    return PbElection(meta, projects, profile, vote_type, budget)


@settings(max_examples=150, deadline=None)
@given(pb_elections())
def test_pb_round_trip_is_lossless(election: PbElection) -> None:
    text = write_pb(election)
    again = read_pb("round-trip.pb", text=text)
    assert again == election
    assert write_pb(again) == text


# --- cross-check against pabutools on seeded random elections --------------------


def random_election(seed: int) -> tuple[list[Option], list[list[str]], int]:
    """An approval election from ``seed``: 3-9 projects, 0-25 voters, a budget that
    funds some but not all."""
    rnd = random.Random(seed)
    m = rnd.randint(3, 9)
    options = [Option(f"p{i}", cost=rnd.choice([0, 1, 5, 10, 20, 25, 50])) for i in range(m)]
    density = rnd.uniform(0.1, 0.6)
    ballots = [[o.id for o in options if rnd.random() < density] for _ in range(rnd.randint(0, 25))]
    budget = rnd.randint(10, max(10, sum(o.cost for o in options)))
    return options, ballots, budget


def pabutools_winners(rule: str, election: tuple[list[Option], list[list[str]], int]) -> list[str]:
    """The projects pabutools funds, in its order of selection."""
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    options, ballots, budget = election
    projects = {o.id: Project(o.id, o.cost) for o in options}
    instance = Instance(projects.values(), budget_limit=budget)
    profile = ApprovalProfile([ApprovalBallot(projects[c] for c in b) for b in ballots])
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes":
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat)
    elif rule == "mes-add1":
        # Without voters the budget cannot be raised (a step of 0): greedy alone.
        first: list[Any] = [exhaustion_by_budget_increase] if ballots else []
        params: list[dict[str, Any]] = (
            [
                {
                    "rule": method_of_equal_shares,
                    "rule_params": {"sat_class": Cost_Sat},
                    "budget_step": len(ballots),
                }
            ]
            if ballots
            else []
        )
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [*first, greedy_utilitarian_welfare],
            [*params, {"sat_class": Cost_Sat}],
        )
    else:
        if not ballots:
            return []
        outcome = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": Cost_Sat},
            exhaustive_stop=False,
            budget_step=len(ballots),
        )
    return [p.name for p in outcome]


@pytest.mark.parametrize("rule", sorted(RULES))
def test_same_selection_as_pabutools_on_random_elections(rule: str) -> None:
    # With pabutools' tie-breaking (smallest id first) the selections must agree even
    # where ties decide. The order must agree too, except that greedy places a free
    # project by its votes where pabutools (cost satisfaction 0) places it last.
    pytest.importorskip("pabutools")
    disagreements = []
    for seed in range(300):
        election = random_election(seed)
        ours = list(RULES[rule](build(*election), tie_break=LexicographicTieBreaker()).winners)
        theirs = pabutools_winners(rule, election)
        free = any(o.cost == 0 for o in election[0])
        if (sorted(ours), ours) != (sorted(theirs), ours if free else theirs):
            disagreements.append((seed, ours, theirs))
    assert disagreements == []
