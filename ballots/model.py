"""Options, ballots and profiles: the data every counting rule reads.

A profile groups identical ballots with a count, so that counting cost grows with the
number of *distinct* ballots rather than the number of voters.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import repeat
from typing import Any

from ballots.errors import BallotError

__all__ = [
    "WEIGHTED_KINDS",
    "BallotError",
    "BallotGroup",
    "BallotKind",
    "Option",
    "Profile",
    "ballot_groups",
]


class BallotKind(StrEnum):
    """The ballot types of DESIGN.md."""

    RANKED = "ranked"  # an order of options, best first, no ties
    APPROVAL = "approval"  # any subset of options
    BUDGET = "budget"  # a subset of proposals whose total cost fits the budget
    SINGLE = "single"  # exactly one option
    DISTRIBUTION = "distribution"  # a total (budget or points) split over themes
    POINTS = "points"  # cumulative: up to N points spread over the proposals


# Ballot kinds whose ballots give every option they name an amount (``points``).
WEIGHTED_KINDS = frozenset({BallotKind.DISTRIBUTION, BallotKind.POINTS})


@dataclass(frozen=True, slots=True)
class Option:
    """One option or proposal. ``id`` is what ballots refer to; ``cost`` is in whole
    euros (or the file's unit) and only matters for budget elections."""

    id: str
    name: str = ""
    cost: int = 0

    @property
    def label(self) -> str:
        """The name if there is one, otherwise the id."""
        return self.name or self.id


@dataclass(frozen=True, slots=True)
class BallotGroup:
    """``count`` identical ballots.

    ``choices`` holds option ids: in order of preference for ranked ballots, sorted for
    approval and budget ballots. ``points`` holds what the ballot gives each choice,
    aligned with ``choices``: the points of a points (cumulative) ballot, the amounts
    of a split (distribution) ballot, or the scores of a pabulib scoring ballot.
    """

    choices: tuple[str, ...]
    count: int
    points: tuple[int, ...] | None = None


def ballot_groups(
    choices: Collection[tuple[str, ...]], counts: Collection[int]
) -> tuple[BallotGroup, ...]:
    """``tuple(map(BallotGroup, choices, counts))``, in well under half the time.

    A frozen dataclass's ``__init__`` is Python code that sets each field through
    ``object.__setattr__``; for the 40,000 groups of a large BLT file that was a sixth
    of reading it. Here the groups are made and their slots filled by C-level loops.
    Raises ``ValueError`` unless there is one count for every choice.
    """
    if len(choices) != len(counts):
        # map() would stop early and leave groups without a count
        raise ValueError(f"{len(choices)} choices but {len(counts)} counts")
    groups = list(map(object.__new__, repeat(BallotGroup, len(choices))))
    fill = deque(maxlen=0).extend  # runs an iterator to its end, keeps nothing
    fill(map(_SET_CHOICES, groups, choices))
    fill(map(_SET_COUNT, groups, counts))
    fill(map(_SET_POINTS, groups, repeat(None)))
    return tuple(groups)


# The slots' own setters: they bypass the frozen dataclass's refusing ``__setattr__``.
_SET_CHOICES = BallotGroup.choices.__set__  # type: ignore[attr-defined]
_SET_COUNT = BallotGroup.count.__set__  # type: ignore[attr-defined]
_SET_POINTS = BallotGroup.points.__set__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Profile:
    """All ballots of one election, grouped, with the options they may name.

    Build one with :meth:`Profile.build` (or :meth:`Profile.build_weighted` for split
    and points ballots), which validate and group; the constructor trusts its
    arguments. ``budget`` is the money to spend (budget ballots) or the total every
    split divides (distribution ballots); ``max_points`` is how many points a points
    ballot may hand out; ``min_spend`` is the least a budget ballot that names anything
    must spend (Decidim's "at least X% of the budget").
    """

    kind: BallotKind
    options: tuple[Option, ...]
    groups: tuple[BallotGroup, ...]
    budget: int | None = None
    max_choices: int | None = None
    min_choices: int | None = None
    max_points: int | None = None
    min_spend: int | None = None
    _by_id: dict[str, Option] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {o.id: o for o in self.options})

    @classmethod
    def build(
        cls,
        kind: BallotKind | str,
        options: Sequence[Option],
        ballots: Iterable[Sequence[str]],
        *,
        budget: int | None = None,
        max_choices: int | None = None,
        min_choices: int | None = None,
        validate: bool = True,
    ) -> Profile:
        """Validate ``ballots`` (each a sequence of option ids) and group identical ones.

        Raises :class:`BallotError` naming the first bad ballot by its position
        (1-based) and what is wrong with it.
        """
        kind = BallotKind(kind)
        ids = [o.id for o in options]
        if len(set(ids)) != len(ids):
            raise BallotError("duplicate_option_id")
        if kind is BallotKind.BUDGET and budget is None:
            raise BallotError("budget_missing")
        ordered = kind is BallotKind.RANKED
        counter: Counter[tuple[str, ...]] = Counter()
        for ballot in ballots:
            key = tuple(ballot) if ordered else tuple(sorted(ballot))
            counter[key] += 1
        profile = cls(
            kind=kind,
            options=tuple(options),
            groups=tuple(BallotGroup(k, n) for k, n in counter.items()),
            budget=budget,
            max_choices=max_choices,
            min_choices=min_choices,
        )
        if validate:
            for number, group in enumerate(profile.groups, start=1):
                profile.check_ballot(group.choices, group=number)
        return profile

    @classmethod
    def build_weighted(
        cls,
        kind: BallotKind | str,
        options: Sequence[Option],
        ballots: Iterable[Mapping[str, int]],
        *,
        budget: int | None = None,
        max_points: int | None = None,
        max_choices: int | None = None,
        validate: bool = True,
    ) -> Profile:
        """Group split or points ballots, each a mapping option id -> amount (options
        given 0 may be left out; an empty mapping is a blank ballot), and validate them
        with :meth:`check_points`. Raises :class:`BallotError` naming the first bad
        group by its position (1-based)."""
        kind = BallotKind(kind)
        if kind not in WEIGHTED_KINDS:
            raise BallotError(
                "wrong_ballot_kind", rule="build_weighted", wanted="points", kind=kind.value
            )
        ids = [o.id for o in options]
        if len(set(ids)) != len(ids):
            raise BallotError("duplicate_option_id")
        counter: Counter[tuple[tuple[str, int], ...]] = Counter()
        for ballot in ballots:
            counter[tuple(sorted((k, v) for k, v in ballot.items() if v != 0))] += 1
        profile = cls(
            kind=kind,
            options=tuple(options),
            groups=tuple(
                BallotGroup(tuple(k for k, _ in key), n, tuple(v for _, v in key))
                for key, n in counter.items()
            ),
            budget=budget,
            max_choices=max_choices,
            max_points=max_points,
        )
        if validate:
            for number, group in enumerate(profile.groups, start=1):
                profile.check_points(group.choices, group.points or (), group=number)
        return profile

    def option(self, option_id: str) -> Option:
        """The option with this id; :class:`BallotError` if there is none."""
        try:
            return self._by_id[option_id]
        except KeyError:
            raise BallotError("unknown_option", option=option_id) from None

    @property
    def option_ids(self) -> tuple[str, ...]:
        """Option ids in the order the election lists them."""
        return tuple(o.id for o in self.options)

    @property
    def total(self) -> int:
        """The number of ballots (voters), blank ballots included."""
        return sum(g.count for g in self.groups)

    def check_ballot(self, choices: Sequence[str], **where: Any) -> None:
        """Raise :class:`BallotError` if ``choices`` is not a valid ballot here.

        An empty ballot is a valid blank vote for every kind but ``single``, unless a
        minimum number of choices is set. ``where`` (``group=3`` or ``receipt="R1"``)
        names the ballot in the error. Codes: ``unknown_option`` (option),
        ``duplicate_rank``/``duplicate_choice``, ``several_on_single``,
        ``too_many_choices``/``too_few_choices`` (given, limit), ``over_budget``
        (spent, budget), ``under_min_spend`` (spent, minimum).
        """
        for choice in choices:
            if choice not in self._by_id:
                raise BallotError("unknown_option", option=choice, **where)
        if len(set(choices)) != len(choices):
            code = "duplicate_rank" if self.kind is BallotKind.RANKED else "duplicate_choice"
            raise BallotError(code, **where)
        if self.kind is BallotKind.SINGLE and len(choices) > 1:
            raise BallotError("several_on_single", **where)
        if self.max_choices is not None and len(choices) > self.max_choices:
            raise BallotError(
                "too_many_choices", given=len(choices), limit=self.max_choices, **where
            )
        if self.min_choices is not None and 0 < len(choices) < self.min_choices:
            raise BallotError(
                "too_few_choices", given=len(choices), limit=self.min_choices, **where
            )
        if self.kind is BallotKind.BUDGET:
            assert self.budget is not None
            spent = sum(self._by_id[c].cost for c in choices)
            if spent > self.budget:
                raise BallotError("over_budget", spent=spent, budget=self.budget, **where)
            if choices and self.min_spend is not None and spent < self.min_spend:
                raise BallotError("under_min_spend", spent=spent, minimum=self.min_spend, **where)

    def check_points(self, choices: Sequence[str], points: Sequence[int], **where: Any) -> None:
        """Raise :class:`BallotError` if ``choices`` with these ``points`` (aligned) is
        not a valid split or points ballot here. A blank ballot names nothing.

        Every amount is a whole number above 0 (an option given 0 is left out). A split
        (distribution) ballot gives out exactly ``budget``; a points ballot at most
        ``max_points``. Codes: those of :meth:`check_ballot`, ``split_amount_missing``,
        ``amount_not_positive`` (amount), ``split_sum`` (given, total), ``too_many_points`` (given,
        limit).
        """
        self.check_ballot(choices, **where)
        if len(points) != len(choices):
            raise BallotError("split_amount_missing", **where)
        for amount in points:
            if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
                raise BallotError("amount_not_positive", amount=amount, **where)
        given = sum(points)
        if self.kind is BallotKind.DISTRIBUTION and choices:
            if self.budget is None or self.budget <= 0:
                raise BallotError("split_needs_total")
            if given != self.budget:
                raise BallotError("split_sum", given=given, total=self.budget, **where)
        if (
            self.kind is BallotKind.POINTS
            and self.max_points is not None
            and given > self.max_points
        ):
            raise BallotError("too_many_points", given=given, limit=self.max_points, **where)


def min_spend_of(budget: int | None, percent: int | None) -> int | None:
    """The least a budget ballot must spend for "at least ``percent``% of the budget",
    in whole euros rounded up (so the ballot really reaches the percentage); None
    without a budget or a percentage."""
    if not budget or not percent:
        return None
    return -(-budget * percent // 100)
