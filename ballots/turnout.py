"""Turnout: ballots cast against the roll, and what that means for the result.

The one place turnout is worked out: the record builder writes it, the record checker
recomputes it, the web app shows it. All numbers are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any


@dataclass(frozen=True, slots=True)
class Turnout:
    """``ballots`` cast (blank ones included) out of ``roll_size`` residents, against a
    threshold of ``threshold_percent`` of the roll.

    ``valid`` means the threshold was met; ``binding`` means valid *and* the election
    was binding (``election_binding``).
    """

    ballots: int
    roll_size: int
    threshold_percent: Fraction = Fraction(0)
    election_binding: bool = False

    @property
    def percent(self) -> Fraction:
        """Ballots as an exact percentage of the roll (0 for an empty roll)."""
        if self.roll_size <= 0:
            return Fraction(0)
        return Fraction(100 * self.ballots, self.roll_size)

    @property
    def threshold_met(self) -> bool:
        """True if the turnout reached the threshold (equal counts as reached); never
        for an empty roll, whose turnout cannot be known."""
        return self.roll_size > 0 and self.percent >= self.threshold_percent

    @property
    def valid(self) -> bool:
        """True if the result counts at all: the threshold was met."""
        return self.threshold_met

    @property
    def binding(self) -> bool:
        """True if the result binds the council: a valid result of a binding election."""
        return self.election_binding and self.valid

    def to_dict(self) -> dict[str, Any]:
        """The record's ``turnout`` block (exact numbers as fraction strings)."""
        return {
            "ballots": self.ballots,
            "roll_size": self.roll_size,
            "percent": str(self.percent),
            "threshold_percent": str(self.threshold_percent),
            "threshold_met": self.threshold_met,
            "valid": self.valid,
            "binding": self.binding,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Turnout:
        """The turnout a record states: its ballots, roll and threshold, and whether the
        election was binding (``valid`` and ``binding`` follow from those)."""
        block = record["turnout"]
        return cls(
            ballots=int(block["ballots"]),
            roll_size=int(block["roll_size"]),
            threshold_percent=Fraction(block["threshold_percent"]),
            election_binding=bool(record["election"]["binding"]),
        )
