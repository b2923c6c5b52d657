"""The budget rules and the .pb reader on real elections from pabulib, checked against
the files themselves (vote counts, official results) and against pabutools.

The files live outside the repository, in ``<repo>/../shared/data/pabulib``; without
them these tests are skipped.

pabutools (1.2.3, with gmpy2) is the oracle, configured as the rules' docstrings say,
on its multi-profile (identical ballots merged: the same outcome, several times
faster). Oracle runs measured on a busy 2-core machine (load 2-4): greedy and mes take
under 0.5 s per file except Łódź (10-16 s and 6-14 s, plus 3-6 s to parse); mes-add1
takes 0.1 s on Poznań, 6-11 s on Toulouse and 5-10 s on Wieliczka, but 23-47 s on
Wesoła and 53-129 s on Łódź; the until-over-budget completion
(``exhaustion_by_budget_increase``) takes 0.4 s on Poznań, 20-34 s on Wieliczka, 22-34 s
on Toulouse, 44 s on Wesoła and 9-11 minutes on Łódź. The default run keeps the
cheap ones (about a minute in all); ``BUURTSTEM_FULL_ORACLE=1`` adds the six heavy
ones (13 minutes).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from ballots.formats.pabulib import PbElection, read_pb
from ballots.methods import count

REPO = Path(__file__).resolve().parents[2]
DATA = REPO.parent / "shared" / "data" / "pabulib"
FULL_ORACLE = os.environ.get("BUURTSTEM_FULL_ORACLE") == "1"

FILES = {
    "toulouse": "france_toulouse_2019_.pb",
    "lodz": "poland_lodz_2022_.pb",
    "poznan": "poland_poznan_2023_9-stare-miasto.pb",
    "wesola": "poland_warszawa_2023_wesola.pb",
    "wieliczka": "poland_wieliczka_2023.pb",
}
RULES = ("greedy", "mes", "mes-add1", "mes-add1-until-over-budget")
# pabutools runs too slow for the default test run (see the module docstring); the
# two mes-add1 runs on Toulouse and Wieliczka took pabutools 96 s and 58 s on the
# 2-core machine of 1 December 2026, a fifth of CI's time. mes-add1 is still checked
# against pabutools on Poznań and on random elections (test_properties_pb.py); its
# sibling mes-add1-until-over-budget against Wieliczka's official result. Greedy on
# Łódź (28 s of pabutools) is checked against Łódź's official greedy result below.
HEAVY = {
    ("lodz", "greedy"),
    ("toulouse", "mes-add1"),
    ("wieliczka", "mes-add1"),
    ("wesola", "mes-add1"),
    ("lodz", "mes-add1"),
    ("toulouse", "mes-add1-until-over-budget"),
    ("wieliczka", "mes-add1-until-over-budget"),
    ("wesola", "mes-add1-until-over-budget"),
    ("lodz", "mes-add1-until-over-budget"),
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"real pabulib files not found in {DATA}"),
]


@cache
def election(name: str) -> PbElection:
    return read_pb(DATA / FILES[name])


@cache
def pabutools_election(name: str) -> tuple[Any, Any]:
    """pabutools' instance and multi-profile of a file."""
    from pabutools.election import parse_pabulib

    instance, profile = parse_pabulib(str(DATA / FILES[name]))
    return instance, profile.as_multiprofile()


def pabutools_winners(name: str, rule: str) -> list[str]:
    """The projects pabutools funds, in its order of selection."""
    from pabutools.election import Additive_Cardinal_Sat, Cost_Sat
    from pabutools.rules import (
        completion_by_rule_combination,
        exhaustion_by_budget_increase,
        greedy_utilitarian_welfare,
        method_of_equal_shares,
    )

    instance, profile = pabutools_election(name)
    # Points (cumulative) ballots: greedy and equal shares take the points as utilities
    # (tests/ballots/test_points.py); the completions count approvals with cost utility.
    points = Additive_Cardinal_Sat if election(name).vote_type == "cumulative" else Cost_Sat
    if rule == "greedy":
        outcome = greedy_utilitarian_welfare(instance, profile, sat_class=points)
    elif rule == "mes":
        outcome = method_of_equal_shares(instance, profile, sat_class=points)
    elif rule == "mes-add1":
        # raise the budget by one unit per voter until exhaustive (over all projects),
        # then greedy: what equalshares.net calls add1eu
        outcome = completion_by_rule_combination(
            instance,
            profile,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [
                {
                    "rule": method_of_equal_shares,
                    "rule_params": {"sat_class": Cost_Sat},
                    "budget_step": profile.num_ballots(),
                },
                {"sat_class": Cost_Sat},
            ],
        )
    else:
        outcome = exhaustion_by_budget_increase(
            instance,
            profile,
            method_of_equal_shares,
            {"sat_class": Cost_Sat},
            exhaustive_stop=False,
            budget_step=profile.num_ballots(),
        )
    return [p.name for p in outcome]


@pytest.mark.parametrize("name", sorted(FILES))
def test_reader_agrees_with_the_file(name: str) -> None:
    e = election(name)
    assert e.profile.total == int(e.meta["num_votes"])
    assert len(e.profile.options) == int(e.meta["num_projects"])
    assert e.budget == int(e.meta["budget"])
    # the file's own per-project vote counts
    for option in e.profile.options:
        named = sum(g.count for g in e.profile.groups if option.id in g.choices)
        assert named == int(e.projects[option.id]["votes"]), option.id


@pytest.mark.parametrize("name", sorted(FILES))
def test_reader_agrees_with_pabutools(name: str) -> None:
    pytest.importorskip("pabutools")
    instance, profile = pabutools_election(name)
    e = election(name)
    assert e.budget == instance.budget_limit
    assert {p.name: p.cost for p in instance} == {o.id: o.cost for o in e.profile.options}
    assert profile.num_ballots() == e.profile.total
    # approval sets with their number of voters (cumulative ballots with the same set
    # but other points are separate ballots in both, hence the sums)
    theirs: dict[tuple[str, ...], int] = {}
    for ballot in profile:
        key = tuple(sorted(p.name for p in ballot))
        theirs[key] = theirs.get(key, 0) + profile.multiplicity(ballot)
    ours: dict[tuple[str, ...], int] = {}
    for group in e.profile.groups:
        key = tuple(sorted(group.choices))
        ours[key] = ours.get(key, 0) + group.count
    assert ours == theirs
    if e.vote_type == "cumulative":
        # points too: pabutools keeps them per ballot
        points = {
            tuple(sorted((p.name, int(ballot[p])) for p in ballot)): profile.multiplicity(ballot)
            for ballot in profile
        }
        mine = {
            tuple(zip(g.choices, g.points or (), strict=True)): g.count for g in e.profile.groups
        }
        assert mine == points


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("name", sorted(FILES))
def test_same_selection_as_pabutools(name: str, rule: str) -> None:
    if (name, rule) in HEAVY and not FULL_ORACLE:
        pytest.skip("heavy pabutools oracle run: set BUURTSTEM_FULL_ORACLE=1")
    pytest.importorskip("pabutools")
    result = count(election(name).profile, rule)
    # pabutools breaks ties by project name, we by the seeded draw: the comparison is
    # fair only where no tie decided anything, which holds on every one of these files
    assert result.tie_breaks == ()
    assert list(result.winners) == pabutools_winners(name, rule)


@pytest.mark.parametrize("name", ["lodz", "poznan", "wesola"])
def test_greedy_reproduces_the_official_greedy_results(name: str) -> None:
    e = election(name)
    assert e.meta["rule"] == "greedy"
    # Poznań marks projects funded later from other districts' leftovers with 2
    official = {pid for pid, extra in e.projects.items() if extra["selected"] == "1"}
    assert set(count(e.profile, "greedy").winners) == official


def test_wieliczka_official_result_is_add1_until_over_budget() -> None:
    e = election("wieliczka")
    assert e.meta["rule"] == "equalshares/add1"
    official = {pid for pid, extra in e.projects.items() if extra["selected"] == "1"}
    assert len(official) == 30
    result = count(e.profile, "mes-add1-until-over-budget")
    assert set(result.winners) == official
    assert result.details["completion_winners"] == []
    # pabutools' add1 stops at an exhaustive outcome one share too early: 66 and 67
    # instead of 46; equal shares alone also funds 66
    add1 = count(e.profile, "mes-add1")
    assert set(add1.winners) - official == {"66", "67"}
    assert official - set(add1.winners) == {"46"}
    assert "66" in count(e.profile, "mes").winners
