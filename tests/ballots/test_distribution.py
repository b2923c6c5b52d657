"""Budget splits over themes: the mean and the independent-markets phantom median."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.methods import RULES, count, names, rules_for
from ballots.methods.distribution import (
    independent_markets,
    mean,
    phantom_median,
    split_profile,
    splits_of,
)
from ballots.model import BallotError, BallotKind, Option
from ballots.tiebreak import TieBreaker

THEMES = [Option("groen"), Option("spelen"), Option("verkeer")]


def splits_for(total: int, themes: int) -> list[tuple[int, ...]]:
    """Every way to split ``total`` whole points over ``themes`` themes."""
    if themes == 1:
        return [(total,)]
    return [(a, *rest) for a in range(total + 1) for rest in splits_for(total - a, themes - 1)]


def outcome(ballots: list[tuple[int, ...]], total: int) -> tuple[Fraction, ...]:
    profile = split_profile(THEMES[: len(ballots[0])], ballots, total)
    splits, _, _ = splits_of(profile)
    return phantom_median(splits, len(profile.options))[0]


def distance(a: tuple[Fraction, ...], b: tuple[Fraction, ...]) -> Fraction:
    return sum((abs(x - y) for x, y in zip(a, b, strict=True)), Fraction(0))


def test_single_minded_groups_get_their_share_of_the_budget() -> None:
    # Proportionality: 1 of 3 residents wants everything for green, 2 for play.
    profile = split_profile(THEMES, [(50_000, 0, 0), (0, 50_000, 0), (0, 50_000, 0)], 50_000)
    result = independent_markets(profile)
    assert result.details["shares"] == {"groen": "1/3", "spelen": "2/3", "verkeer": "0"}
    assert sum(result.details["amounts"].values()) == 50_000
    assert result.winners[0] == "spelen"


def test_phantoms_and_t_are_published_and_reproduce_each_median() -> None:
    profile = split_profile(THEMES, [(60, 40, 0), (20, 30, 50)], 100)
    result = independent_markets(profile)
    t = Fraction(result.details["t"])
    phantoms = [Fraction(p) for p in result.details["phantoms"]]
    assert phantoms == [min(t * (2 - k), 1) for k in range(3)]
    ballots = [
        (Fraction(60, 100), Fraction(40, 100), 0),
        (Fraction(20, 100), Fraction(30, 100), Fraction(50, 100)),
    ]
    for j, option in enumerate(THEMES):
        values = sorted([b[j] for b in ballots] + phantoms)
        assert Fraction(result.details["shares"][option.id]) == values[2]


def test_two_themes_is_the_median_with_uniform_phantoms() -> None:
    # With two themes the rule is Moulin's uniform-phantom median (phantoms at k/n).
    ballots = [(9, 1), (3, 7), (6, 4), (0, 10)]
    shares = outcome(ballots, 10)
    n = len(ballots)
    values = sorted([Fraction(b[0], 10) for b in ballots] + [Fraction(k, n) for k in range(n + 1)])
    assert shares[0] == values[n]
    assert sum(shares) == 1


def test_mean_averages_and_blank_ballots_take_no_part() -> None:
    profile = split_profile(THEMES, [(60, 40, 0), (20, 30, 50), (0, 0, 0)], 100)
    result = mean(profile)
    assert result.details["shares"] == {"groen": "2/5", "spelen": "7/20", "verkeer": "1/4"}
    assert result.details["blank"] == 1 and result.details["splits"] == 2


def test_only_blank_ballots_say_there_is_no_result() -> None:
    result = independent_markets(split_profile(THEMES, [(0, 0, 0)], 100))
    assert result.details["no_result"] is True


def test_whole_amounts_add_up_and_ties_are_published() -> None:
    # Three equal thirds of 100: one theme gets the extra euro by the published draw.
    profile = split_profile(THEMES, [(100, 0, 0), (0, 100, 0), (0, 0, 100)], 100)
    first = independent_markets(profile, tie_break=TieBreaker("a"))
    assert sorted(first.details["amounts"].values()) == [33, 33, 34]
    assert first.tie_breaks and first.tie_breaks[0].purpose == "round up"
    assert first.tie_breaks[0].chosen == max(
        first.details["amounts"], key=first.details["amounts"].get
    )


@pytest.mark.parametrize(
    ("ballot", "message"),
    [((60, 30, 0), "add up to 90, not 100"), ((120, -20, 0), "negative")],
)
def test_bad_splits_are_refused(ballot: tuple[int, ...], message: str) -> None:
    with pytest.raises(BallotError, match=message):
        mean(split_profile(THEMES, [ballot], 100))


split = st.sampled_from(splits_for(6, 3))


@settings(max_examples=60, deadline=None)
@given(st.lists(split, min_size=1, max_size=3))
def test_outcome_always_adds_up_to_the_total(ballots: list[tuple[int, ...]]) -> None:
    shares = outcome(ballots, 6)
    assert sum(shares) == 1 and all(s >= 0 for s in shares)


@settings(max_examples=15, deadline=None)
@given(st.lists(split, min_size=1, max_size=3), st.data())
def test_no_resident_gains_by_handing_in_another_split(
    ballots: list[tuple[int, ...]], data: st.DataObject
) -> None:
    # Truthfulness under l1 preferences: whatever resident 0 hands in instead of their
    # true split, the outcome is never closer to that true split.
    truth = tuple(Fraction(a, 6) for a in ballots[0])
    honest = distance(outcome(ballots, 6), truth)
    for lie in splits_for(6, 3):
        assert distance(outcome([lie, *ballots[1:]], 6), truth) >= honest


# --- through the registry, as elections count them ------------------------------------

euros = st.lists(st.integers(min_value=0, max_value=9), min_size=3, max_size=3).filter(any)


@settings(max_examples=40, deadline=None)
@given(st.lists(euros, min_size=1, max_size=6), st.sampled_from([50_000, 12_345, 100]))
def test_registered_rules_hand_out_exactly_the_budget(weights: list[list[int]], total: int) -> None:
    # Splits of an odd total in whole euros: the exact shares add up to 1 and the whole
    # amounts to the total, for both rules, whatever the draw.
    ballots = []
    for w in weights:
        amounts = [total * x // sum(w) for x in w]
        amounts[w.index(max(w))] += total - sum(amounts)
        ballots.append(tuple(amounts))
    profile = split_profile(THEMES, ballots, total)
    for name in ("distribution-mean", "distribution-median"):
        result = count(profile, name, seed="x")
        assert sum(Fraction(s) for s in result.details["shares"].values()) == 1
        assert sum(result.details["amounts"].values()) == total
        assert set(result.winners) == {t.id for t in THEMES}


def test_one_theme_gets_the_whole_total() -> None:
    # With one theme every split gives it everything, and so does the median.
    profile = split_profile(THEMES[:1], [(70,), (70,)], 70)
    result = count(profile, "distribution-median")
    assert result.details["amounts"] == {"groen": 70}
    assert result.details["shares"] == {"groen": "1"}


def test_exaggerating_moves_the_mean_but_not_the_median() -> None:
    # Resident 2 wants 40 for play. Under the mean, claiming 100 moves play towards
    # 40 from below; under the median it gains nothing.
    honest = [(80, 20, 0), (70, 10, 20), (30, 40, 30)]
    liar = [*honest[:2], (0, 100, 0)]
    mean_honest = count(split_profile(THEMES, honest, 100), "distribution-mean")
    mean_lie = count(split_profile(THEMES, liar, 100), "distribution-mean")
    assert Fraction(mean_lie.details["shares"]["spelen"]) > Fraction(
        mean_honest.details["shares"]["spelen"]
    )
    truth = tuple(Fraction(a, 100) for a in honest[2])
    median_honest = outcome(honest, 100)
    median_lie = outcome(liar, 100)
    assert distance(median_lie, truth) >= distance(median_honest, truth)


def test_the_rules_are_registered_for_split_ballots() -> None:
    for name in ("distribution-mean", "distribution-median"):
        entry = RULES[name]
        assert entry.ballot_kinds == (BallotKind.DISTRIBUTION,)
        assert entry.splits and not entry.budget and not entry.uses_seats
    assert names(rules_for("distribution")) == ("distribution-mean", "distribution-median")


# --- worked examples --------------------------------------------------------------------


def test_the_median_reproduces_the_three_voter_example_of_the_paper() -> None:
    # Three residents, three themes: (0, 1/2, 1/2), (1/3, 2/3, 0) and (9/10, 0, 1/10);
    # the independent-markets outcome is (1/3, 4/9, 2/9). Source: the unit test
    # test_independent_markets_paper_example in DominikPeters/pref-tools-vote-app
    # (tests/Unit/DistributionAggregationTest.php, commit 5b1d222), by one of the
    # paper's authors, which gives it as the example of Freeman, Pennock, Peters and
    # Wortman Vaughan, "Truthful aggregation of budget proposals" (it names no section;
    # the paper's own text was not at hand to check the number).
    #
    # By hand, at t = 2/9 the phantoms min(t(3 - k), 1) are 2/3, 4/9, 2/9, 0, and the
    # median is the 4th of 7 numbers: theme 1 has 0, 0, 2/9, [1/3], 4/9, 2/3, 9/10;
    # theme 2 has 0, 0, 2/9, [4/9], 1/2, 2/3, 2/3; theme 3 has 0, 0, 1/10, [2/9], 4/9,
    # 1/2, 2/3. They add up to 1, so t* = 2/9. (A total of 90 makes every split whole.)
    profile = split_profile(THEMES, [(0, 45, 45), (30, 60, 0), (81, 0, 9)], 90)
    result = independent_markets(profile)
    assert result.details["shares"] == {"groen": "1/3", "spelen": "4/9", "verkeer": "2/9"}
    assert result.details["t"] == "2/9"
    assert result.details["phantoms"] == ["2/3", "4/9", "2/9", "0"]
    assert result.details["amounts"] == {"groen": 30, "spelen": 40, "verkeer": 20}


# --- a published profile from a later paper ----------------------------------------------
#
# Caragiannis, Christodoulou and Protopapas, "Truthful aggregation of budget proposals
# with proportionality guarantees" (AAAI 2022, arXiv 2203.09971), section 1, in the
# model of Freeman et al.: 80,000 residents split a budget over three schools; 20,000
# hand in (20%, 0%, 80%), 20,000 (40%, 40%, 20%) and 40,000 (100%, 0%, 0%), and the
# mean gives (65%, 10%, 25%). The passage read gives no independent-markets outcome for
# it; the one below is derived by hand (an independent floating-point implementation,
# tanhl30/FYP's ``independent_market_mechanism``, gives the same 0.5 / 0.25 / 0.25 at
# t = 0.125 for 8 residents).
SCHOOLS = [Option("school1"), Option("school2"), Option("school3")]


def schools_profile(per_10_000: int) -> list[tuple[int, ...]]:
    """The three-schools profile with ``per_10_000`` residents for every 10,000."""
    return (
        [(20, 0, 80)] * (2 * per_10_000)
        + [(40, 40, 20)] * (2 * per_10_000)
        + [(100, 0, 0)] * (4 * per_10_000)
    )


def test_the_mean_reproduces_the_published_three_schools_example() -> None:
    result = mean(split_profile(SCHOOLS, schools_profile(1), 100))
    assert result.details["shares"] == {"school1": "13/20", "school2": "1/10", "school3": "1/4"}
    assert result.details["amounts"] == {"school1": 65, "school2": 10, "school3": 25}


@pytest.mark.parametrize("per_10_000", [1, 10])
def test_the_median_on_the_three_schools_example(per_10_000: int) -> None:
    # With n residents, at t = 1/n the phantoms min(t(n - k), 1) are Moulin's uniform
    # phantoms (n - k)/n, and the median is the (n + 1)-th of the 2n + 1 numbers.
    # School 1: n/2 shares (0.2 and 0.4) and n/2 phantoms lie below 1/2, so the median
    # is the phantom at 1/2. School 2: 3n/4 zero shares, the phantom at 0 and the n/4
    # phantoms up to 1/4 make n + 1, so the median is 1/4. School 3: n/2 zero shares,
    # the phantom at 0, n/4 shares of 0.2 and the n/4 phantoms up to 1/4 make n + 1:
    # again 1/4. These add up to 1, so t* = 1/n and the outcome is (50%, 25%, 25%).
    ballots = schools_profile(per_10_000)
    n = len(ballots)
    result = independent_markets(split_profile(SCHOOLS, ballots, 100))
    assert result.details["t"] == str(Fraction(1, n))
    assert result.details["phantoms"] == [str(Fraction(n - k, n)) for k in range(n + 1)]
    assert result.details["shares"] == {"school1": "1/2", "school2": "1/4", "school3": "1/4"}
    assert result.details["amounts"] == {"school1": 50, "school2": 25, "school3": 25}
