"""A record's ballots in an exchange format other tools read: BLT for ranked and
single-choice ballots, pabulib ``.pb`` for approval, budget and points ballots, and a
plain CSV table (one row per ballot, one column per theme) for split ballots, which no
common format holds.

``tools/recount.py`` counts either file again: a ``.pb`` file names its rule in META
(the registry's pabulib name, so the recount picks the same rule); a BLT file carries
no rule, so the recount needs ``--method`` (and ``--seed``) for anything but STV.
"""

from __future__ import annotations

from typing import Any

from ballots.formats.blt import BltElection, write_blt
from ballots.formats.pabulib import PbElection, write_pb
from ballots.methods import rule
from ballots.model import BallotGroup, BallotKind, Option, Profile
from ballots.record.profile import profile_from_record

RANKED_KINDS = (BallotKind.RANKED, BallotKind.SINGLE)


def exchange_file(record: dict[str, Any]) -> tuple[str, str]:
    """The record's ballots as ``("blt", text)`` for ranked and single ballots,
    ``("csv", text)`` for split ballots (:func:`splits_csv`), or ``("pb", text)`` for
    approval, budget and points ballots.

    Raises :class:`~ballots.methods.UnknownRule` for a rule the registry does not know
    and ``ValueError`` for a ``.pb`` election whose rule has no pabulib name.
    """
    return exchange_file_of(record["election"], profile_from_record(record))


def exchange_file_of(meta: dict[str, Any], profile: Profile) -> tuple[str, str]:
    """:func:`exchange_file` of a record with election metadata ``meta`` whose ballots
    are ``profile`` (:func:`~ballots.record.profile_from_record`, or the profile
    :func:`~ballots.record.stream.stream_record` made while writing the record)."""
    if BallotKind(meta["ballot_type"]) in RANKED_KINDS:
        return "blt", write_blt(blt_election(meta, profile))
    if profile.kind is BallotKind.DISTRIBUTION:
        return "csv", splits_csv(profile)
    return "pb", write_pb(pb_election(meta, profile))


def splits_csv(profile: Profile) -> str:
    """Split ballots as CSV: a header of theme ids in the election's order, then one
    row per ballot with what it gives each theme (0 where it gives nothing; a blank
    ballot is all zeros)."""
    ids = profile.option_ids
    lines = [",".join(ids)]
    for group in profile.groups:
        given = dict(zip(group.choices, group.points or (), strict=True))
        row = ",".join(str(given.get(i, 0)) for i in ids)
        lines.extend([row] * group.count)
    return "\n".join(lines) + "\n"


def blt_election(meta: dict[str, Any], profile: Profile) -> BltElection:
    """The BLT form of a ranked or single-choice ``profile``: candidates numbered in the
    election's option order, named by the options' names."""
    number = {o.id: str(i) for i, o in enumerate(profile.options, start=1)}
    # Renumbered group by group (the renumbering is one to one, so the groups stay
    # distinct and in their order), never one list per ballot.
    numbered = Profile(
        kind=BallotKind.RANKED,
        options=tuple(Option(number[o.id], o.name) for o in profile.options),
        groups=tuple(
            BallotGroup(tuple(number[c] for c in group.choices), group.count)
            for group in profile.groups
        ),
    )
    return BltElection(
        title=meta["title"],
        seats=meta["seats"],
        candidates=tuple(o.name or o.id for o in profile.options),
        withdrawn=(),
        profile=numbered,
    )


def pb_election(meta: dict[str, Any], profile: Profile) -> PbElection:
    """The pabulib form of an approval or budget ``profile``, with the rule's pabulib
    name in META. A budget rule keeps the costs and the budget; a rule that fills seats
    (k-winner approval) is written as pabulib writes it: every option costs 1 and the
    budget is the number of seats, which a recount reads back as the seats."""
    counted_by = rule(meta["rule"])
    if counted_by.pabulib is None:
        raise ValueError(f"rule {counted_by.name!r} has no pabulib name")
    if counted_by.budget:
        options = list(profile.options)
        budget = int(meta["budget"])
    else:
        options = [Option(o.id, o.name, 1) for o in profile.options]
        budget = int(meta["seats"])
    pb_profile = Profile(
        kind=profile.kind,
        options=tuple(options),
        groups=profile.groups,
        budget=budget,
        max_points=profile.max_points,
    )
    # Points ballots are pabulib's cumulative votes, their points in the points column.
    vote_type = "cumulative" if profile.kind is BallotKind.POINTS else "approval"
    extra = {"max_sum_points": str(profile.max_points)} if profile.max_points else {}
    return PbElection(
        meta={
            "description": meta["title"],
            "country": "Netherlands",
            "unit": meta.get("municipality", ""),
            "instance": (meta.get("voting_closes") or "")[:4],
            "num_projects": str(len(options)),
            "num_votes": str(profile.total),
            "budget": str(budget),
            "vote_type": vote_type,
            **extra,
            "rule": counted_by.pabulib,
            # Not a pabulib key (readers keep unknown META keys): without it a recount
            # of this file breaks a tie another way than the certified count did.
            "tie_break_seed": str(meta.get("tie_break_seed", "")),
        },
        projects={o.id: {"name": o.name} for o in options},
        profile=pb_profile,
        vote_type=vote_type,
        budget=budget,
    )


def seats_from_pb(rule_name: str, budget: int) -> int:
    """The seats a recount of a ``.pb`` file fills with ``rule_name``: the budget for a
    rule that fills seats (each option costs 1, see :func:`pb_election`), else 1."""
    return budget if rule(rule_name).uses_seats else 1
