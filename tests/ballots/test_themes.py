"""Per-theme budgets: greedy and equal shares fund proposals within each theme's money;
the leftover stays unspent or is pooled and funded by the same rule; the record holds
it all and a recount reproduces it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.methods import count
from ballots.methods.themes import ThemeBudgets
from ballots.model import BallotError, Option, Profile
from ballots.record import RECORD_CHECKS, build_record, read_record, recount_record, write_record

# Groen: g1 30, g2 15; Spelen: s1 25, s2 20; and one proposal without a theme.
OPTIONS = [
    Option("g1", "Bomen", 30),
    Option("g2", "Geveltuinen", 15),
    Option("s1", "Speeltuin", 25),
    Option("s2", "Skatebaan", 20),
    Option("x", "Bankjes", 10),
]
THEME_OF = {"g1": "Groen", "g2": "Groen", "s1": "Spelen", "s2": "Spelen"}
BALLOTS = [["g1", "s1"], ["g1"], ["s1", "s2"], ["s2", "x"], ["g2", "x"], ["s1"]]


def profile(budget: int = 100) -> Profile:
    return Profile.build("budget", OPTIONS, BALLOTS, budget=budget)


def themes(leftover: str = "unspent", groen: int = 40, spelen: int = 60) -> ThemeBudgets:
    return ThemeBudgets({"Groen": groen, "Spelen": spelen}, THEME_OF, leftover)


@pytest.mark.parametrize("rule", ["greedy", "mes"])
def test_each_theme_spends_only_its_own_money(rule: str) -> None:
    result = count(profile(), rule, themes=themes())
    spent = {t: int(d["spent"]) for t, d in result.details["themes"].items()}
    assert spent["Groen"] <= 40 and spent["Spelen"] <= 60
    for theme, data in result.details["themes"].items():
        assert all(THEME_OF[w] == theme for w in data["winners"])
    assert "x" not in result.winners  # no theme, no pool: it cannot be funded
    assert result.details["leftover"] == "unspent"


def test_greedy_per_theme_by_hand() -> None:
    # Groen 40: g1 (2 votes, 30) fits, g2 (15) no longer fits: 10 left.
    # Spelen 60: s1 (3 votes, 25) and s2 (2 votes, 20): 15 left.
    result = count(profile(), "greedy", themes=themes())
    assert result.winners == ("g1", "s1", "s2")
    assert result.details["themes"]["Groen"]["left"] == "10"
    assert result.details["themes"]["Spelen"]["left"] == "15"
    assert result.rounds[0].note.startswith("theme Groen: funded g1")
    # Pooled: the 25 left fund g2 (1 vote, 15) and then x (2 votes, 10) goes first.
    pooled = count(profile(), "greedy", themes=themes("pooled"))
    assert pooled.details["pool"] == "25"
    assert pooled.details["pool_winners"] == ["x", "g2"]
    assert pooled.winners == ("g1", "s1", "s2", "x", "g2")
    assert pooled.details["spent"] == "100"


def test_without_themes_the_count_is_unchanged() -> None:
    plain = count(profile(), "mes")
    one_theme = count(
        profile(),
        "mes",
        themes=ThemeBudgets({"Alles": 100}, dict.fromkeys(THEME_OF, "Alles") | {"x": "Alles"}),
    )
    assert one_theme.winners == plain.winners


def test_budgets_must_add_up_to_the_election_budget() -> None:
    with pytest.raises(BallotError, match="add up to 90, not the budget 100"):
        count(profile(), "greedy", themes=themes(spelen=50))
    with pytest.raises(BallotError, match="only a budget rule"):
        count(Profile.build("approval", OPTIONS, BALLOTS), "approval", themes=themes())


def record_of(result: Any, leftover: str) -> dict[str, Any]:
    return build_record(
        election={
            "title": "Buurtbudget per thema",
            "kind": "budget",
            "ballot_type": "budget",
            "rule": result.method,
            "budget": 100,
            "options": [
                {"id": o.id, "name": o.name, "cost": o.cost, "theme": THEME_OF.get(o.id, "")}
                for o in OPTIONS
            ],
            "theme_budgets": [["Spelen", 60], ["Groen", 40]],
            "theme_budgets_from": "verdeling-2026",
            "leftover": leftover,
            "roll_size": 10,
            "tie_break_seed": "",
        },
        ballots=BALLOTS,
        receipts=[f"R{i}" for i in range(len(BALLOTS))],
        result=result,
        turnout={},
    )


@pytest.mark.parametrize("leftover", ["unspent", "pooled"])
def test_the_record_holds_the_theme_budgets_and_recounts(leftover: str) -> None:
    # Spelen first, as the record lists it: the order is kept, not sorted away.
    ordered = ThemeBudgets({"Spelen": 60, "Groen": 40}, THEME_OF, leftover)
    result = count(profile(), "mes", themes=ordered)
    record = read_record("r.json", text=write_record(record_of(result, leftover)))
    meta = record["election"]
    assert meta["theme_budgets"] == [["Spelen", 60], ["Groen", 40]]
    assert meta["leftover"] == leftover and meta["theme_budgets_from"] == "verdeling-2026"
    assert {o["id"]: o.get("theme") for o in meta["options"]}["g1"] == "Groen"
    for what, check in RECORD_CHECKS:
        assert check(record) == [], what
    again = recount_record(record)
    assert again.to_dict() == result.to_dict()
    assert list(again.details["themes"]) == ["Spelen", "Groen"]


proposal = st.tuples(st.sampled_from(["Groen", "Spelen", ""]), st.integers(0, 40))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(proposal, min_size=1, max_size=5),
    st.lists(st.lists(st.integers(0, 4), unique=True, max_size=3), max_size=8),
    st.integers(0, 100),
    st.sampled_from(["greedy", "mes"]),
    st.sampled_from(["unspent", "pooled"]),
)
def test_no_theme_spends_more_than_its_money_and_one_theme_is_the_plain_count(
    proposals: list[tuple[str, int]],
    picks: list[list[int]],
    groen: int,
    rule: str,
    leftover: str,
) -> None:
    options = [Option(f"p{i}", cost=c) for i, (_t, c) in enumerate(proposals)]
    ids = [o.id for o in options]
    ballots = [[ids[i] for i in pick if i < len(ids)] for pick in picks]
    election = Profile.build("approval", options, ballots, budget=100)
    theme_of = {ids[i]: t for i, (t, _c) in enumerate(proposals) if t}
    result = count(
        election,
        rule,
        seed="s",
        themes=ThemeBudgets({"Groen": groen, "Spelen": 100 - groen}, theme_of, leftover),
    )
    cost = {o.id: o.cost for o in options}
    if not result.decided:  # no ballot names a proposal: nothing is funded, not by theme
        assert result.winners == ()
        return
    for theme, data in result.details["themes"].items():
        assert sum(cost[w] for w in data["winners"]) <= int(data["budget"])
        assert all(theme_of.get(w) == theme for w in data["winners"])
    assert sum(cost[w] for w in result.winners) <= 100
    assert len(set(result.winners)) == len(result.winners)
    if leftover == "unspent":
        assert all(w in theme_of for w in result.winners)
    # One theme holding every proposal and the whole budget is the count without themes;
    # "pooled" then adds what one more count of the money left funds (for greedy nothing:
    # it already funded everything that fit; equal shares hands the rest out again).
    whole = ThemeBudgets({"Alles": 100}, dict.fromkeys(ids, "Alles"), leftover)
    themed = count(election, rule, seed="s", themes=whole)
    plain = count(election, rule, seed="s").winners
    pooled = tuple(themed.details["pool_winners"])
    assert themed.winners == plain + pooled
    assert leftover == "pooled" or not pooled
    assert rule == "mes" or not pooled


def test_pooled_money_is_counted_again_with_fresh_equal_shares() -> None:
    # Found by the property above: three blank ballots and one for both proposals. Equal
    # shares gives each of the four 25; the supporter pays 2 for p0 and has 23 left, too
    # little for p1 (24). Pooled, the 98 left is shared out again (24.50 each), and then
    # the supporter can pay for p1: the results page says the pool was one more count.
    options = [Option("p0", cost=2), Option("p1", cost=24)]
    election = Profile.build("approval", options, [[], [], [], ["p0", "p1"]], budget=100)
    assert count(election, "mes", seed="s").winners == ("p0",)
    for leftover, winners in (("unspent", ("p0",)), ("pooled", ("p0", "p1"))):
        whole = ThemeBudgets({"Alles": 100}, {"p0": "Alles", "p1": "Alles"}, leftover)
        assert count(election, "mes", seed="s", themes=whole).winners == winners
