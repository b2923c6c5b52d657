"""The pure parts of the civic lottery: the invitation sample, quotas from shares and
their checks, the exact portfolio, the draw and replacements."""

from __future__ import annotations

import hashlib
from fractions import Fraction

import pytest

from ballots.panels.draw import draw_panel, replace_dropouts, ticket
from ballots.panels.model import Profile, Quota, Respondent
from ballots.panels.portfolio import Portfolio, round_weights
from ballots.panels.quotas import quotas_from_shares, simple_problems
from ballots.panels.sampling import Candidate, invitation_sample


def test_sample_is_the_smallest_draw_keys_and_can_be_redone_by_hand() -> None:
    people = [Candidate(f"key{i}") for i in range(50)]
    chosen = invitation_sample(people, 10, "seed-1")
    by_hand = sorted(
        (c.key for c in people), key=lambda k: hashlib.sha256(f"seed-1:{k}".encode()).hexdigest()
    )
    assert chosen == by_hand[:10]
    assert (
        invitation_sample(reversed(people), 10, "seed-1") == chosen
    )  # order of the file is irrelevant
    assert invitation_sample(people, 10, "seed-2") != chosen


def test_one_per_household_keeps_only_the_first_drawn_of_each_household() -> None:
    people = [Candidate(f"k{i}", f"house{i % 5}") for i in range(20)]
    chosen = invitation_sample(people, 20, "s", one_per_household=True)
    assert len(chosen) == 5
    houses = {c.key: c.household for c in people}
    assert len({houses[k] for k in chosen}) == 5
    without = invitation_sample(people, 20, "s")
    assert len(without) == 20


def test_sample_refuses_a_repeated_key() -> None:
    with pytest.raises(ValueError):
        invitation_sample([Candidate("a"), Candidate("a")], 1, "s")


def test_quotas_from_shares_round_outwards() -> None:
    quotas = quotas_from_shares(
        "age", {"young": Fraction(1, 3), "old": Fraction(2, 3)}, 10, Fraction(1)
    )
    assert quotas == [Quota("age", "young", 2, 5), Quota("age", "old", 5, 8)]
    with pytest.raises(ValueError):
        quotas_from_shares("age", {"young": Fraction(1, 2)}, 10, Fraction(1))


def test_simple_problems_name_the_quota_and_the_shortfall() -> None:
    people = [Respondent(str(i), {"age": "old"}) for i in range(8)] + [
        Respondent("y", {"age": "young"})
    ]
    quotas = [Quota("age", "young", 3, 5), Quota("age", "old", 0, 4)]
    problems = {p.code: p for p in simple_problems(people, quotas, 6)}
    assert problems["too_few_respondents"].value == "young"
    assert problems["too_few_respondents"].short == 2  # needs 3, has 1
    assert problems["maximums_too_low"].short == 1  # at most 1 + 4 = 5 seats for 6
    assert simple_problems(people, quotas, 20)[0].code == "pool_too_small"


def test_round_weights_add_up_exactly() -> None:
    weights = round_weights([1 / 3, 1 / 3, 1 / 3], 10)
    assert sum(weights) == 10 and sorted(weights) == [3, 3, 4]
    assert round_weights([0.5, -1e-12, 0.5], 4) == (2, 0, 2)


def small_portfolio() -> tuple[Portfolio, list[Quota]]:
    profiles = (
        Profile((("g", "f"),), ("a", "b", "c")),
        Profile((("g", "m"),), ("d", "e")),
    )
    quotas = [Quota("g", "f", 1, 2), Quota("g", "m", 1, 2)]
    portfolio = Portfolio(profiles, ((2, 1), (1, 2)), (600, 400), 1000)
    return portfolio, quotas


def test_portfolio_probabilities_are_exact_and_sum_to_the_panel_size() -> None:
    portfolio, quotas = small_portfolio()
    probabilities = portfolio.probabilities()
    assert probabilities["a"] == Fraction(2 * 600 + 400, 3000)
    assert probabilities["d"] == Fraction(600 + 800, 2000)
    assert sum(probabilities.values()) == 3
    assert portfolio.problems(quotas, 3) == []
    broken = Portfolio(portfolio.profiles, ((3, 0), (1, 2)), (600, 400), 1000)
    assert any("g=m" in p for p in broken.problems(quotas, 3))


def test_draw_is_reproducible_and_follows_the_ticket() -> None:
    portfolio, _ = small_portfolio()
    first = draw_panel(portfolio, "notary-1234")
    assert draw_panel(portfolio, "notary-1234") == first
    assert first.ticket == ticket("notary-1234", 1000)
    assert first.panel_index == (0 if first.ticket < 600 else 1)
    assert len(first.selected) == 3
    # Over many seeds both panels come up, roughly 60:40.
    indexes = [draw_panel(portfolio, f"s{i}").panel_index for i in range(400)]
    assert 190 < indexes.count(0) < 290


def test_replacement_prefers_the_same_profile_and_keeps_quotas() -> None:
    people = {
        "a": Respondent("a", {"g": "f"}),
        "b": Respondent("b", {"g": "f"}),
        "c": Respondent("c", {"g": "m"}),
        "d": Respondent("d", {"g": "m"}),
    }
    quotas = [Quota("g", "f", 1, 1), Quota("g", "m", 1, 1)]
    panel, done = replace_dropouts(["a", "c"], ["a"], people, quotas, "s")
    assert panel == ("b", "c") and done[0].replacement == "b" and done[0].same_profile
    panel, done = replace_dropouts(panel, ["b"], people, quotas, "s", unavailable=["a"])
    assert done[0].replacement is None  # no woman left: the seat stays empty
    with pytest.raises(ValueError):
        replace_dropouts(["a"], ["c"], people, quotas, "s")
