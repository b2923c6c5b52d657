"""Seeded, published, reproducible tie-breaking.

The procedure, as written into every result: each option gets the draw key
``SHA-256(seed + ":" + option id)`` in lower-case hex. When options are tied, the one
with the *smallest* key is preferred: it is elected or funded first, and it is the
last to be eliminated. The seed is published before the count, so nobody can choose
it after seeing the ballots, and anyone can recompute every key by hand.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from ballots.result import TieBreak

PROCEDURE = (
    "Each option gets the key SHA-256(seed + ':' + option id) in hexadecimal; among tied "
    "options the smallest key is preferred (elected first, eliminated last)."
)


def draw_key(seed: str, option_id: str) -> str:
    """The draw key of ``option_id`` under ``seed`` (64 hex characters)."""
    return hashlib.sha256(f"{seed}:{option_id}".encode()).hexdigest()


class TieBreaker:
    """Breaks ties by the published procedure and remembers every tie it broke."""

    def __init__(self, seed: str = "") -> None:
        self.seed = seed
        self.log: list[TieBreak] = []
        self._keys: dict[str, str] = {}

    def key(self, option_id: str) -> str:
        """The draw key of an option (cached)."""
        k = self._keys.get(option_id)
        if k is None:
            k = self._keys[option_id] = draw_key(self.seed, option_id)
        return k

    def order(self, option_ids: Iterable[str]) -> list[str]:
        """The options from most to least preferred by the draw."""
        return sorted(option_ids, key=self.key)

    def prefer(self, tied: Iterable[str], *, round: int, purpose: str) -> str:
        """Pick the preferred option among ``tied`` (to elect or fund) and log it.

        A single option is returned without logging: that is no tie.
        """
        return self._pick(list(tied), round=round, purpose=purpose, last=False)

    def reject(self, tied: Iterable[str], *, round: int, purpose: str = "eliminate") -> str:
        """Pick the least preferred option among ``tied`` (to eliminate) and log it."""
        return self._pick(list(tied), round=round, purpose=purpose, last=True)

    def _pick(self, tied: list[str], *, round: int, purpose: str, last: bool) -> str:
        if not tied:
            raise ValueError("no options to choose from")
        if len(tied) == 1:
            return tied[0]
        ranked = self.order(tied)
        chosen = ranked[-1] if last else ranked[0]
        self.log.append(
            TieBreak(
                round=round,
                purpose=purpose,
                tied=tuple(sorted(tied)),
                chosen=chosen,
                keys=tuple(self.key(t) for t in sorted(tied)),
            )
        )
        return chosen
