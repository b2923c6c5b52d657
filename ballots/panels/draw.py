"""The draw: one panel from the portfolio, and replacements for drop-outs.

The procedure, as printed on the panel's public page and written into the record:

1. The ticket is ``int(SHA-256(seed + ":panel"), 16) mod denominator``. Panel *j* of
   the portfolio is drawn when the ticket falls in its share of ``0 .. denominator-1``
   (the panels' weights laid end to end, in the published order).
2. Within each profile, the members are ordered by ``SHA-256(seed + ":" + id)``
   (smallest first); the panel's seats for that profile go to the first ones.
3. A drop-out is replaced by the next unselected respondent of the same profile in
   that order; if there is none, by the first unselected respondent (same order)
   whose seat keeps every quota. Each replacement is recorded.

All of it is integer arithmetic and hashing: the same seed always gives the same
panel, on any computer.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ballots.panels.model import Quota, Respondent, members_meet_quotas
from ballots.panels.portfolio import Portfolio
from ballots.tiebreak import draw_key

PROCEDURE = (
    "Ticket = int(SHA-256(seed + ':panel'), 16) mod denominator picks the portfolio panel "
    "whose share of 0..denominator-1 holds it; within each profile the seats go to the "
    "members with the smallest SHA-256(seed + ':' + id); a drop-out is replaced by the next "
    "unselected member of the same profile, else by the first unselected respondent (same "
    "order) whose seat keeps every quota."
)


@dataclass(frozen=True, slots=True)
class Draw:
    """The drawn panel: the ticket, the portfolio panel it picked, the selected ids."""

    ticket: int
    panel_index: int
    selected: tuple[str, ...]  # sorted


@dataclass(frozen=True, slots=True)
class Replacement:
    """A drop-out and who took the seat (None: nobody keeps the quotas)."""

    dropped: str
    replacement: str | None
    same_profile: bool


def ticket(seed: str, denominator: int) -> int:
    """The draw's ticket, ``0 <= ticket < denominator``."""
    return int(hashlib.sha256(f"{seed}:panel".encode()).hexdigest(), 16) % denominator


def draw_panel(portfolio: Portfolio, seed: str) -> Draw:
    """Draw one panel from ``portfolio`` with ``seed`` by the published procedure."""
    number = ticket(seed, portfolio.denominator)
    start = 0
    index = len(portfolio.weights) - 1
    for i, weight in enumerate(portfolio.weights):
        if number < start + weight:
            index = i
            break
        start += weight
    selected: list[str] = []
    for seats, profile in zip(portfolio.panels[index], portfolio.profiles, strict=True):
        selected += sorted(profile.members, key=lambda m: draw_key(seed, m))[:seats]
    return Draw(number, index, tuple(sorted(selected)))


def replace_dropouts(
    selected: Sequence[str],
    dropouts: Sequence[str],
    respondents: Mapping[str, Respondent],
    quotas: Sequence[Quota],
    seed: str,
    *,
    unavailable: Sequence[str] = (),
) -> tuple[tuple[str, ...], list[Replacement]]:
    """Replace ``dropouts`` (in that order) in the panel ``selected``.

    ``unavailable`` respondents (who said no when asked) are never chosen. Returns the
    new panel (sorted) and one :class:`Replacement` per drop-out. Raises ``ValueError``
    for a drop-out who is not on the panel.
    """
    panel = set(selected)
    out = set(unavailable) | set(dropouts)
    order = sorted(respondents, key=lambda i: draw_key(seed, i))
    done: list[Replacement] = []
    for gone in dropouts:
        if gone not in panel:
            raise ValueError(f"{gone} is not on the panel")
        panel.discard(gone)
        answers = dict(respondents[gone].values)
        free = [i for i in order if i not in panel and i not in out]
        same = [i for i in free if dict(respondents[i].values) == answers]
        chosen = None
        for candidate in same + [i for i in free if i not in same]:
            if not members_meet_quotas(panel | {candidate}, respondents, quotas):
                chosen = candidate
                break
        if chosen is not None:
            panel.add(chosen)
            out.add(chosen)
        done.append(Replacement(gone, chosen, chosen is not None and chosen in same))
    return tuple(sorted(panel)), done
