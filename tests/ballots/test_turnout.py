"""Turnout: exact figures, the threshold, valid and binding."""

from __future__ import annotations

from fractions import Fraction

from ballots.record.layout import TURNOUT_FIELDS
from ballots.turnout import Turnout


def test_turnout_is_exact() -> None:
    turnout = Turnout(
        ballots=1, roll_size=3, threshold_percent=Fraction(100, 3), election_binding=True
    )
    assert turnout.percent == Fraction(100, 3)
    assert turnout.threshold_met and turnout.valid and turnout.binding
    below = Turnout(ballots=2, roll_size=7, threshold_percent=Fraction(30), election_binding=True)
    assert below.percent == Fraction(200, 7)
    assert not below.valid and not below.binding
    advisory = Turnout(
        ballots=5, roll_size=7, threshold_percent=Fraction(30), election_binding=False
    )
    assert advisory.valid and not advisory.binding


def test_empty_roll_never_meets_a_threshold() -> None:
    empty = Turnout(ballots=0, roll_size=0, threshold_percent=Fraction(0))
    assert empty.percent == 0 and not empty.threshold_met


def test_record_block_round_trip() -> None:
    turnout = Turnout(5, 12, Fraction(30), True)
    block = turnout.to_dict()
    assert set(block) == set(TURNOUT_FIELDS)
    assert (block["percent"], block["threshold_percent"]) == ("125/3", "30")
    assert block["threshold_met"] and block["valid"] and block["binding"]
    assert Turnout.from_record({"turnout": block, "election": {"binding": True}}) == turnout
