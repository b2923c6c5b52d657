"""Buurtstem's counting library.

Pure Python, standard library only: no web framework, no database. Everything that
counts lives here, so that a third party can recount a published election with a
checkout of this package and nothing else.
"""

from ballots.model import BallotError, BallotGroup, BallotKind, Option, Profile
from ballots.result import Result, Round, TieBreak
from ballots.tiebreak import TieBreaker

__all__ = [
    "BallotError",
    "BallotGroup",
    "BallotKind",
    "Option",
    "Profile",
    "Result",
    "Round",
    "TieBreak",
    "TieBreaker",
]
