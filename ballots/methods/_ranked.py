"""Shared plumbing for the ranked rules (irv, stv, schulze, borda) and plurality/approval.

Rules count with option *indices* (0..n-1, in the profile's option order) and plain
ints, and only turn them back into option ids and ``Fraction`` when they write a
``Round``: that keeps the inner loops cheap and the published numbers exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from operator import attrgetter

from ballots._gc import without_gc_pauses
from ballots.model import BallotError, BallotKind, Profile
from ballots.result import Result, Round, TieBreak
from ballots.tiebreak import TieBreaker

# An indexed ballot group: the ranking as option indices, and how many voters cast it.
IndexedGroup = tuple[tuple[int, ...], int]

_RANKED_KINDS = (BallotKind.RANKED, BallotKind.SINGLE)


def tie_breaker(tie_break: TieBreaker | None) -> TieBreaker:
    """The tie breaker to use: the given one, or the published procedure with seed ""."""
    return tie_break if tie_break is not None else TieBreaker("")


def check_seats(seats: int, n_options: int, method: str) -> None:
    """Raise :class:`BallotError` unless ``1 <= seats <= n_options``."""
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise BallotError("bad_seats", rule=method, seats=seats)
    if seats > n_options:
        raise BallotError("too_many_seats", rule=method, seats=seats, options=n_options)


@without_gc_pauses
def indexed_groups(profile: Profile, method: str) -> tuple[tuple[str, ...], list[IndexedGroup]]:
    """The option ids and the profile's ballot groups as option indices.

    Accepts ranked and single-choice profiles (a single choice is a ranking of length
    one). Blank ballots and groups with a count of zero are dropped: they can never
    count for anyone. Raises :class:`BallotError` for any other ballot kind or for a
    ballot naming an unknown option or ranking one twice (profiles built with
    ``validate=False`` are not trusted here).
    """
    if profile.kind not in _RANKED_KINDS:
        raise BallotError(
            "wrong_ballot_kind", rule=method, wanted="ranked", kind=profile.kind.value
        )
    ids = profile.option_ids
    index = {option_id: i for i, option_id in enumerate(ids)}
    if profile.__dict__.get(_CHECKED):
        lookup = index.__getitem__
        return ids, [
            (tuple(map(lookup, group.choices)), group.count)
            for group in profile.groups
            if group.count and group.choices
        ]
    out: list[IndexedGroup] = []
    append, lookup = out.append, index.__getitem__
    for number, group in enumerate(profile.groups, start=1):
        count, choices = group.count, group.choices
        if count <= 0 or not choices:
            if count < 0:
                raise BallotError("negative_count", count=count, group=number)
            continue
        try:
            ranking = tuple(map(lookup, choices))
        except KeyError as error:
            raise BallotError("unknown_option", option=error.args[0], group=number) from None
        if len(ranking) > 1 and len(set(ranking)) != len(ranking):
            raise BallotError("duplicate_rank", group=number)
        append((ranking, count))
    return ids, out


def ranked_groups(
    profile: Profile, method: str
) -> tuple[tuple[str, ...], list[tuple[str, ...]], list[int]]:
    """The option ids, and the rankings (as option ids) and counts of the profile's
    groups that count for anyone, checked as :func:`indexed_groups` checks them.

    For a rule that can keep its per-option state by option id: mapping every ranking
    to indices costs more than all the lookups by id that a count of a large BLT file
    makes (most groups never move, or move once or twice).
    """
    if not profile.__dict__.get(_CHECKED):
        ids, groups = indexed_groups(profile, method)  # refuses what it must
        return (
            ids,
            [tuple(ids[i] for i in ranking) for ranking, _ in groups],
            [count for _, count in groups],
        )
    if profile.kind not in _RANKED_KINDS:
        raise BallotError(
            "wrong_ballot_kind", rule=method, wanted="ranked", kind=profile.kind.value
        )
    # a checked profile has only positive counts; blank ballots count for no one
    kept = list(filter(_choices, profile.groups))
    return profile.option_ids, list(map(_choices, kept)), list(map(_count, kept))


_choices = attrgetter("choices")
_count = attrgetter("count")


# Set on a profile by a reader that checked every ranking itself (known options, none
# twice, positive counts); the frozen dataclass keeps it in its ``__dict__``, outside
# the fields that equality and ``repr`` compare.
_CHECKED = "_rankings_checked"


def trust_rankings(profile: Profile) -> Profile:
    """Mark ``profile`` as checked ranking by ranking, so that :func:`indexed_groups`
    maps its rankings to indices without checking them a second time. Only a reader
    that refuses unknown options, repeated ones and non-positive counts may call it."""
    object.__setattr__(profile, _CHECKED, True)
    return profile


def fraction_tallies(
    ids: tuple[str, ...], values: list[int], which: Iterable[int] | None = None, scale: int = 1
) -> dict[str, Fraction]:
    """``{id: Fraction(value, scale)}`` for every option, or for the indices in ``which``."""
    indices = range(len(ids)) if which is None else which
    return {ids[i]: Fraction(values[i], scale) for i in indices}


def round_ties(tb: TieBreaker, number: int) -> tuple[TieBreak, ...]:
    """The tie breaks ``tb`` logged in round ``number``."""
    return tuple(t for t in tb.log if t.round == number)


def top_by_score(
    ids: tuple[str, ...], scores: list[int], seats: int, tb: TieBreaker, *, number: int = 1
) -> list[str]:
    """The ``seats`` options with the highest scores, best first.

    Options with equal scores are ordered by the published draw, and each draw that
    decides an order is logged in round ``number``.
    """
    remaining = list(range(len(ids)))
    chosen: list[str] = []
    while len(chosen) < seats:
        best = max(scores[i] for i in remaining)
        tied = [ids[i] for i in remaining if scores[i] == best]
        pick = tb.prefer(tied, round=number, purpose="elect")
        chosen.append(pick)
        remaining.remove(ids.index(pick))
    return chosen


def score_result(
    method: str, ids: tuple[str, ...], scores: list[int], seats: int, tb: TieBreaker, note: str
) -> Result:
    """The one-round result of a scoring rule (plurality, approval, Borda): the
    ``seats`` highest scores win, ties by the published draw."""
    winners = top_by_score(ids, scores, seats, tb)
    return Result(
        method=method,
        seats=seats,
        winners=tuple(winners),
        rounds=(
            Round(
                number=1,
                tallies=fraction_tallies(ids, scores),
                elected=tuple(winners),
                tie_breaks=round_ties(tb, 1),
                note=note,
            ),
        ),
        tie_breaks=tuple(tb.log),
        seed=tb.seed,
    )
