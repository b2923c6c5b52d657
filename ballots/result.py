"""The one result type every counting rule returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from typing import Any


class ResultWarning(StrEnum):
    """Something about a count that its readers must be told before its winners."""

    # No ballot named any option (no ballots, or only blank ones): there is nothing to
    # decide, so nobody is elected or funded, rather than everyone by lot.
    NO_VOTES = "no_votes"


@dataclass(frozen=True, slots=True)
class TieBreak:
    """One tie broken by the published procedure (see :mod:`ballots.tiebreak`).

    ``purpose`` is what the tie decided (``"elect"``, ``"eliminate"``, ``"fund"``, ...),
    ``tied`` the options that were level, ``chosen`` the one the draw picked, and
    ``keys`` each tied option's draw key so anyone can check the pick.
    """

    round: int
    purpose: str
    tied: tuple[str, ...]
    chosen: str
    keys: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "round": self.round,
            "purpose": self.purpose,
            "tied": list(self.tied),
            "chosen": self.chosen,
            "keys": list(self.keys),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TieBreak:
        """The reverse of :meth:`to_dict`."""
        return cls(
            round=int(data["round"]),
            purpose=data["purpose"],
            tied=tuple(data["tied"]),
            chosen=data["chosen"],
            keys=tuple(data.get("keys", ())),
        )


@dataclass(frozen=True, slots=True)
class Round:
    """One round of a count.

    ``tallies`` maps option id to its votes (or score, or support) in this round;
    ``transfers`` maps a source option to the votes that moved from it to each other
    option (``"exhausted"`` for votes that went nowhere); ``exhausted`` is the running
    total of exhausted votes. ``note`` says in a sentence what happened. ``unit`` is
    what this round's tallies count when it is not the rule's own unit (one of
    :data:`ballots.methods.TALLY_UNITS`, e.g. ``"price"`` in an equal-shares step); empty
    means the rule's unit.
    """

    number: int
    tallies: dict[str, Fraction]
    elected: tuple[str, ...] = ()
    eliminated: tuple[str, ...] = ()
    transfers: dict[str, dict[str, Fraction]] = field(default_factory=dict)
    exhausted: Fraction = Fraction(0)
    tie_breaks: tuple[TieBreak, ...] = ()
    note: str = ""
    unit: str = ""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; exact numbers are written as fraction strings ("7/3")."""
        return {
            "number": self.number,
            "tallies": {k: str(v) for k, v in self.tallies.items()},
            "elected": list(self.elected),
            "eliminated": list(self.eliminated),
            "transfers": {
                src: {dst: str(v) for dst, v in moved.items()}
                for src, moved in self.transfers.items()
            },
            "exhausted": str(self.exhausted),
            "tie_breaks": [t.to_dict() for t in self.tie_breaks],
            "note": self.note,
            # Written only when set, so that records of rules without such rounds keep
            # their bytes (and their published hashes).
            **({"unit": self.unit} if self.unit else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Round:
        """The reverse of :meth:`to_dict`: fraction strings become exact fractions."""
        return cls(
            number=int(data["number"]),
            tallies={k: Fraction(v) for k, v in data["tallies"].items()},
            elected=tuple(data.get("elected", ())),
            eliminated=tuple(data.get("eliminated", ())),
            transfers={
                src: {dst: Fraction(v) for dst, v in moved.items()}
                for src, moved in data.get("transfers", {}).items()
            },
            exhausted=Fraction(data.get("exhausted", "0")),
            tie_breaks=tuple(TieBreak.from_dict(t) for t in data.get("tie_breaks", ())),
            note=data.get("note", ""),
            unit=data.get("unit", ""),
        )


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one count: winners in order of election, every round, every tie
    break, and the seed the tie breaks were drawn with.

    ``details`` holds rule-specific exact data that pictures and reports need (the
    pairwise matrix for Schulze, money spent for budget rules); its values are
    JSON-ready. ``warnings`` holds :class:`ResultWarning` codes that whoever shows the
    result must say first (e.g. that no ballot named any option).
    """

    method: str
    seats: int
    winners: tuple[str, ...]
    rounds: tuple[Round, ...]
    tie_breaks: tuple[TieBreak, ...] = ()
    seed: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[ResultWarning, ...] = ()

    @property
    def decided(self) -> bool:
        """False if there was nothing to decide (no ballot named any option)."""
        return ResultWarning.NO_VOTES not in self.warnings

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, the form used in records and by ``recount.py --json``."""
        return {
            "method": self.method,
            "seats": self.seats,
            "winners": list(self.winners),
            "rounds": [r.to_dict() for r in self.rounds],
            "tie_breaks": [t.to_dict() for t in self.tie_breaks],
            "seed": self.seed,
            "details": self.details,
            # only when there are any, so results without warnings keep their old form
            **({"warnings": [str(w) for w in self.warnings]} if self.warnings else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Result:
        """The reverse of :meth:`to_dict` (a stored result, or a record's ``result``):
        fraction strings become exact fractions again; ``details`` stay JSON values.

        Raises ``KeyError``, ``TypeError`` or ``ValueError`` for data that is not a
        result.
        """
        return cls(
            method=data["method"],
            seats=int(data["seats"]),
            winners=tuple(data["winners"]),
            rounds=tuple(Round.from_dict(r) for r in data["rounds"]),
            tie_breaks=tuple(TieBreak.from_dict(t) for t in data.get("tie_breaks", ())),
            seed=data.get("seed", ""),
            details=dict(data.get("details", {})),
            warnings=tuple(ResultWarning(w) for w in data.get("warnings", ())),
        )
