"""Stage 1: the published, seeded sample of residents who get an invitation.

The procedure, as printed on the panel's public page and written into the record:

1. Every eligible resident has a pseudonymous key (an HMAC of the register's
   person reference, so the same person always has the same key in this panel).
2. Each key gets the draw key ``SHA-256(seed + ":" + key)`` in hexadecimal, the same
   rule the tie-break of a count uses; the seed is fixed and shown before the draw.
3. With *one per household*, only the resident with the smallest draw key of each
   household (same postcode and house number, also pseudonymous) stays in.
4. The residents with the smallest draw keys are invited, as many as asked for.

Anyone holding the seed and the list of keys can redo it by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ballots.tiebreak import draw_key

PROCEDURE = (
    "Each eligible resident's pseudonymous key gets the draw key SHA-256(seed + ':' + key); "
    "with one per household only the smallest draw key of each household stays in; the "
    "residents with the smallest draw keys are invited."
)


@dataclass(frozen=True, slots=True)
class Candidate:
    """An eligible resident as the sample sees them: pseudonymous key and household."""

    key: str
    household: str = ""


def invitation_sample(
    candidates: Iterable[Candidate], size: int, seed: str, *, one_per_household: bool = False
) -> list[str]:
    """The keys of the residents to invite, in draw order (smallest draw key first).

    Fewer than ``size`` keys come back when there are fewer eligible residents (or
    households). Raises ``ValueError`` for a negative size or a repeated key.
    """
    if size < 0:
        raise ValueError("sample size must not be negative")
    people = list(candidates)
    if len({c.key for c in people}) != len(people):
        raise ValueError("a resident's key occurs twice")
    ordered = sorted(people, key=lambda c: (draw_key(seed, c.key), c.key))
    chosen: list[str] = []
    households: set[str] = set()
    for person in ordered:
        if len(chosen) == size:
            break
        if one_per_household and person.household:
            if person.household in households:
                continue
            households.add(person.household)
        chosen.append(person.key)
    return chosen
