"""A record's ballots as a :class:`~ballots.model.Profile`, each checked by position."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from ballots.model import (
    WEIGHTED_KINDS,
    BallotError,
    BallotGroup,
    BallotKind,
    Option,
    Profile,
    min_spend_of,
)


def profile_from_record(record: Mapping[str, Any]) -> Profile:
    """The :class:`Profile` of the record's ballots, with its options, budget and
    choice limits. Raises :class:`BallotError` naming a bad ballot by its position.

    A record read from its file (or built) shares one entry among the copies of a
    ballot: the distinct entries are grouped, checked and counted once each, in the
    order each first appears, so the first entry that fails holds the first bad
    ballot, and the error names that entry's first place."""
    meta = record["election"]
    options = [Option(o["id"], o.get("name", ""), o.get("cost", 0)) for o in meta["options"]]
    kind = BallotKind(meta["ballot_type"])
    allow_blank = meta.get("allow_blank", True)
    ballots = record["ballots"]
    # Copies by identity, counted in C, in the order each entry first appears.
    copies = Counter(map(id, ballots))
    entries = {id(b): b for b in ballots}
    weighted = kind in WEIGHTED_KINDS
    if weighted:
        empty = Profile.build_weighted(
            kind,
            options,
            (),
            budget=meta.get("budget"),
            max_points=meta.get("max_points"),
            max_choices=meta.get("max_choices"),
            validate=False,
        )
    else:
        empty = Profile.build(
            kind,
            options,
            (),
            budget=meta.get("budget"),
            max_choices=meta.get("max_choices"),
            min_choices=meta.get("min_choices"),
            validate=False,
        )
        if meta.get("min_spend_percent"):
            empty = replace(
                empty, min_spend=min_spend_of(meta.get("budget"), meta["min_spend_percent"])
            )
    counter: Counter[tuple[Any, ...]] = Counter()
    for key_id, number in copies.items():
        entry = entries[key_id]
        choices = entry["choices"]
        points = (entry.get("points") or []) if weighted else None
        try:
            check_ballot(empty, 1, choices, allow_blank=allow_blank, points=points)
        except BallotError:
            # Only now is the place worth finding: check again to name it.
            place = next(i for i, b in enumerate(ballots, start=1) if b is entry)
            check_ballot(empty, place, choices, allow_blank=allow_blank, points=points)
            raise
        if points is not None:
            pairs = tuple(
                sorted((k, v) for k, v in dict(zip(choices, points, strict=False)).items() if v)
            )
            key: tuple[Any, ...] = (tuple(k for k, _ in pairs), tuple(v for _, v in pairs))
        else:
            key = tuple(choices) if kind is BallotKind.RANKED else tuple(sorted(choices))
        counter[key] += number
    if weighted:
        groups = tuple(BallotGroup(k[0], n, k[1]) for k, n in counter.items())
    else:
        groups = tuple(BallotGroup(k, n) for k, n in counter.items())
    return replace(empty, groups=groups)


def check_ballot(
    profile: Profile,
    number: int,
    choices: Sequence[str],
    *,
    allow_blank: bool,
    points: Sequence[int] | None = None,
) -> None:
    """Raise :class:`BallotError` naming ballot ``number`` (its place, from 1) if
    ``choices`` (with ``points``, for split and points ballots) is not a valid ballot
    of ``profile`` (a blank one only where ``allow_blank``). Ballots carry no receipt,
    so their place names them."""
    if not choices and not allow_blank:
        raise BallotError("blank_not_allowed", ballot=number)
    if profile.kind in WEIGHTED_KINDS:
        profile.check_points(choices, points or (), ballot=number)
    else:
        profile.check_ballot(choices, ballot=number)
