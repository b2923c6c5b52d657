"""Schulze: the classic 45-voter example (Schulze 2011, also on Wikipedia), partial
rankings, full rankings for several seats, JSON-ready details."""

from __future__ import annotations

import json

from ballots.methods.schulze import schulze
from ballots.tiebreak import TieBreaker, draw_key

CLASSIC = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]


def test_classic_example_pairwise_and_strongest_paths(profile):
    result = schulze(profile(CLASSIC))
    d = result.details["pairwise"]
    assert d["A"] == {"B": "20", "C": "26", "D": "30", "E": "22"}
    assert d["B"] == {"A": "25", "C": "16", "D": "33", "E": "18"}
    assert d["C"] == {"A": "19", "B": "29", "D": "17", "E": "24"}
    assert d["D"] == {"A": "15", "B": "12", "C": "28", "E": "14"}
    assert d["E"] == {"A": "23", "B": "27", "C": "21", "D": "31"}
    p = result.details["strongest_paths"]
    assert p["A"] == {"B": "28", "C": "28", "D": "30", "E": "24"}
    assert p["B"] == {"A": "25", "C": "28", "D": "33", "E": "24"}
    assert p["C"] == {"A": "25", "B": "29", "D": "29", "E": "24"}
    assert p["D"] == {"A": "25", "B": "28", "C": "28", "E": "24"}
    assert p["E"] == {"A": "25", "B": "28", "C": "28", "D": "31"}
    assert result.winners == ("E",)
    assert result.details["ranking"] == ["E", "A", "C", "B", "D"]
    assert result.tie_breaks == ()
    json.dumps(result.to_dict())  # JSON-ready throughout


def test_several_seats_take_the_top_of_the_full_ranking(profile):
    result = schulze(profile(CLASSIC), seats=3)
    assert result.winners == ("E", "A", "C")
    assert [r.elected for r in result.rounds] == [("E",), ("A",), ("C",), (), ()]
    # round 1: E beats all four others by strongest path, D beats nobody
    assert result.rounds[0].tallies["E"] == 4 and result.rounds[0].tallies["D"] == 0


def test_ranked_options_beat_unranked_ones(profile):
    # 2 rank only a, 1 ranks b then c: a over b and c by 2 to 1, b over c 1 to 0
    result = schulze(profile([(2, "a"), (1, "bc")]))
    d = result.details["pairwise"]
    assert d["a"] == {"b": "2", "c": "2"}
    assert d["b"] == {"a": "1", "c": "1"}
    assert d["c"] == {"a": "1", "b": "0"}
    assert result.details["ranking"] == ["a", "b", "c"]


def test_a_perfect_tie_goes_to_the_draw(profile):
    result = schulze(profile([(1, "ab"), (1, "ba")]), tie_break=TieBreaker("t"))
    first = min("ab", key=lambda o: draw_key("t", o))
    assert result.winners == (first,)
    (tie,) = result.tie_breaks
    assert tie.tied == ("a", "b") and tie.purpose == "elect"
    # the second place needs no draw: only one option is left
    assert result.rounds[1].tie_breaks == ()
