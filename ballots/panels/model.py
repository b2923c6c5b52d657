"""Respondents, quotas and profiles: the data a panel draw works on.

A *profile* groups the respondents who gave the same answer to every category and
share no household with another respondent. They are interchangeable for the
quotas, so a fair draw gives them the same selection probability; the algorithms
work on profiles, which makes them fast (1,000 respondents fall into a few hundred
profiles), and the draw picks the people within a profile uniformly.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Respondent:
    """One resident who signed up: a pseudonymous id, an answer per category, and a
    pseudonymous household (empty when households are not checked)."""

    id: str
    values: Mapping[str, str]
    household: str = ""


@dataclass(frozen=True, slots=True)
class Quota:
    """At least ``min`` and at most ``max`` seats for people whose answer to
    ``category`` is ``value``."""

    category: str
    value: str
    min: int
    max: int

    def holds(self, count: int) -> bool:
        """True if ``count`` seats for this value meet the quota."""
        return self.min <= count <= self.max


@dataclass(frozen=True, slots=True)
class Profile:
    """Respondents who are interchangeable for the quotas: same answers, and none
    shares a household with another respondent (those get a profile of their own)."""

    values: tuple[tuple[str, str], ...]  # (category, value), sorted by category
    members: tuple[str, ...]  # respondent ids, sorted
    household: str = ""  # set only for a one-person profile of a shared household

    @property
    def size(self) -> int:
        """How many respondents the profile holds."""
        return len(self.members)

    def value(self, category: str) -> str:
        """This profile's answer to ``category`` ('' if it has none)."""
        for name, answer in self.values:
            if name == category:
                return answer
        return ""


def group_profiles(
    respondents: Iterable[Respondent], categories: Sequence[str], *, households: bool = False
) -> list[Profile]:
    """Group ``respondents`` into profiles, in a fixed order (by answers, then ids).

    With ``households``, respondents who share a household each get a profile of
    their own, so the draw can seat at most one of them.
    """
    people = list(respondents)
    shared: set[str] = set()
    if households:
        counts = Counter(r.household for r in people if r.household)
        shared = {h for h, n in counts.items() if n > 1}
    groups: dict[tuple[tuple[str, str], ...], list[str]] = defaultdict(list)
    singles: list[Profile] = []
    for person in people:
        values = tuple((c, person.values.get(c, "")) for c in sorted(categories))
        if person.household in shared:
            singles.append(Profile(values, (person.id,), person.household))
        else:
            groups[values].append(person.id)
    profiles = [Profile(v, tuple(sorted(ids))) for v, ids in groups.items()] + singles
    profiles.sort(key=lambda p: (p.values, p.members))
    return profiles


def quota_members(profiles: Sequence[Profile], quotas: Iterable[Quota]) -> list[list[int]]:
    """Per quota, the indexes of the profiles whose members count for it."""
    return [[t for t, p in enumerate(profiles) if p.value(q.category) == q.value] for q in quotas]


def panel_counts(
    counts: Sequence[int], profiles: Sequence[Profile], quotas: Sequence[Quota]
) -> dict[tuple[str, str], int]:
    """Seats per (category, value) quota for a panel given as seats per profile."""
    members = quota_members(profiles, quotas)
    return {
        (q.category, q.value): sum(counts[t] for t in index)
        for q, index in zip(quotas, members, strict=True)
    }


def broken_quotas(
    counts: Sequence[int],
    profiles: Sequence[Profile],
    quotas: Sequence[Quota],
    size: int,
    members: Sequence[Sequence[int]] | None = None,
) -> list[str]:
    """What is wrong with a panel given as seats per profile (empty if nothing is):
    wrong size, more seats than a profile has people, a quota not met, two people of
    one household. ``members`` (from :func:`quota_members`) saves recomputing it
    for many panels."""
    problems = []
    if sum(counts) != size:
        problems.append(f"panel has {sum(counts)} seats, not {size}")
    for c, p in zip(counts, profiles, strict=True):
        if not 0 <= c <= p.size:
            problems.append(f"{c} seats for a profile of {p.size}")
    if members is None:
        members = quota_members(profiles, quotas)
    for quota, index in zip(quotas, members, strict=True):
        n = sum(counts[t] for t in index)
        if not quota.holds(n):
            problems.append(
                f"{quota.category}={quota.value}: {n} seats, quota {quota.min}-{quota.max}"
            )
    households = Counter(
        p.household for c, p in zip(counts, profiles, strict=True) if c and p.household
    )
    problems += [f"household {h} has {n} seats" for h, n in households.items() if n > 1]
    return problems


def members_meet_quotas(
    selected: Iterable[str], respondents: Mapping[str, Respondent], quotas: Sequence[Quota]
) -> list[str]:
    """The quotas a set of selected respondents breaks, in words (empty if none)."""
    chosen = [respondents[i] for i in selected]
    problems = []
    for quota in quotas:
        n = sum(1 for r in chosen if r.values.get(quota.category) == quota.value)
        if not quota.holds(n):
            problems.append(
                f"{quota.category}={quota.value}: {n} seats, quota {quota.min}-{quota.max}"
            )
    households = Counter(r.household for r in chosen if r.household)
    problems += [f"household {h} has {n} seats" for h, n in households.items() if n > 1]
    return problems
