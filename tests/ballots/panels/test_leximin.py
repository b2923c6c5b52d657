"""Leximin: every portfolio panel meets the quotas, the probabilities add up to the
panel size, and they equal an independent brute force on tiny pools."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from ballots.panels.leximin import leximin, relaxation
from ballots.panels.model import Quota, Respondent, group_profiles
from tests.ballots.panels.brute_force import brute_force_leximin

CATEGORIES = {"gender": ["f", "m"], "age": ["young", "mid", "old"], "area": ["n", "s"]}


def random_pool(rng: random.Random, size: int, *, households: bool = False) -> list[Respondent]:
    """``size`` respondents with skewed answers (more old and 'n' than not)."""
    people = []
    for i in range(size):
        values = {
            "gender": rng.choices(["f", "m"], [2, 1])[0],
            "age": rng.choices(["young", "mid", "old"], [1, 2, 4])[0],
            "area": rng.choices(["n", "s"], [3, 1])[0],
        }
        # A few shared households: about one in four people lives with another.
        household = f"h{rng.randrange(size * 2)}" if households else ""
        people.append(Respondent(f"p{i:02d}", values, household))
    return people


def quotas_for(size: int) -> list[Quota]:
    """Quotas that pull against the pool's skew."""
    third = size // 3
    return [
        Quota("gender", "f", size // 2 - 1, size // 2 + 1),
        Quota("gender", "m", size // 2 - 1, size // 2 + 1),
        Quota("age", "young", max(1, third - 1), third + 1),
        Quota("age", "mid", max(1, third - 1), third + 1),
        Quota("age", "old", max(1, third - 1), third + 1),
        Quota("area", "n", size // 2 - 1, size // 2 + 1),
        Quota("area", "s", size // 2 - 1, size // 2 + 1),
    ]


def solve(people, quotas, size, households=False):
    profiles = group_profiles(people, list(CATEGORIES), households=households)
    return leximin(profiles, quotas, size)


@pytest.mark.parametrize("seed", [0, 1, 4, 5])  # pools where the quotas can hold
def test_tiny_pools_equal_the_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    people = random_pool(rng, 12, households=seed % 2 == 1)
    size, quotas = 4, quotas_for(4)
    assert (
        relaxation(group_profiles(people, list(CATEGORIES), households=seed % 2 == 1), quotas, size)
        == []
    )
    result = solve(people, quotas, size, households=seed % 2 == 1)
    ours = result.portfolio.probabilities()
    expected = brute_force_leximin(people, quotas, size)
    for person in people:
        assert float(ours[person.id]) == pytest.approx(expected[person.id], abs=1e-6), person


def test_every_panel_meets_every_quota_and_probabilities_add_up() -> None:
    rng = random.Random(7)
    people = random_pool(rng, 60)
    size, quotas = 12, quotas_for(12)
    portfolio = solve(people, quotas, size).portfolio
    assert portfolio.problems(quotas, size) == []
    assert sum(portfolio.weights) == portfolio.denominator
    probabilities = portfolio.probabilities()
    assert sum(probabilities.values()) == size  # exact: Fractions, no float
    assert all(isinstance(p, Fraction) for p in probabilities.values())
    # Leximin raises the lowest probability above what a plain uniform lottery over the
    # quota group would give nobody: everyone who can sit has a chance.
    assert min(probabilities.values()) > 0


def test_one_per_household_holds_in_every_panel() -> None:
    people = [
        Respondent("a", {"gender": "f", "age": "old", "area": "n"}, "h1"),
        Respondent("b", {"gender": "m", "age": "old", "area": "n"}, "h1"),
        Respondent("c", {"gender": "f", "age": "young", "area": "s"}, "h2"),
        Respondent("d", {"gender": "m", "age": "young", "area": "s"}, ""),
        Respondent("e", {"gender": "f", "age": "mid", "area": "n"}, ""),
        Respondent("f", {"gender": "m", "age": "mid", "area": "s"}, ""),
    ]
    quotas = [Quota("gender", "f", 1, 2), Quota("gender", "m", 1, 2)]
    portfolio = solve(people, quotas, 3, households=True).portfolio
    for panel in portfolio.panels:
        seated = {m for c, p in zip(panel, portfolio.profiles, strict=True) if c for m in p.members}
        assert not {"a", "b"} <= seated
    assert portfolio.problems(quotas, 3) == []


def test_quotas_that_cannot_hold_together_are_named_with_the_shortfall() -> None:
    # Every woman in the pool is old: at least 2 women and at most 1 old cannot both hold.
    people = [
        Respondent("a", {"gender": "f", "age": "old"}),
        Respondent("b", {"gender": "f", "age": "old"}),
        Respondent("c", {"gender": "m", "age": "young"}),
        Respondent("d", {"gender": "m", "age": "young"}),
    ]
    quotas = [Quota("gender", "f", 2, 2), Quota("age", "old", 0, 1)]
    profiles = group_profiles(people, ["gender", "age"])
    problems = relaxation(profiles, quotas, 3)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.code == "joint" and abs(problem.short) == 1
    assert (problem.category, problem.value) in {("gender", "f"), ("age", "old")}


def test_both_ways_to_the_leximin_agree(monkeypatch) -> None:
    """The fast way (the relaxation's leximin, then panels that reach it; also with a
    master LP so small that it must drop panels and find them again) and the
    stage-by-stage column generation (forced here) give the same probabilities."""
    import ballots.panels.leximin as module
    from tools.panel_pool import benchmark_problem, population_shares

    people, quotas = benchmark_problem(150, 25)
    size = 25
    profiles = group_profiles(people, list(population_shares()))
    fast = leximin(profiles, quotas, size)
    assert fast.path == "relaxation"
    monkeypatch.setattr(module, "KEEP_PANELS", 0.0)  # the floor: profiles + 20 columns
    # Without the head start the column generation finds many panels: they must go.
    monkeypatch.setattr(module, "_caratheodory", lambda search, target: [])
    dropping = leximin(profiles, quotas, size)
    assert dropping.path == "relaxation"
    assert dropping.dropped_panels > 0  # the small master really dropped panels
    monkeypatch.setattr(module, "DECOMPOSE_EPS", -1.0)  # never "reached": by stages
    staged = leximin(profiles, quotas, size)
    assert staged.path == "stages"
    for result in (staged, dropping):
        assert result.portfolio.problems(quotas, size) == []
        assert result.float_probabilities == pytest.approx(fast.float_probabilities, abs=1e-7)
        lowest = min(result.portfolio.probabilities().values())
        assert float(lowest) == pytest.approx(
            float(min(fast.portfolio.probabilities().values())), abs=1e-7
        )
