"""Aggregating budget splits: every resident divides the same total (a budget in euros,
or 100 points) over the themes, and a rule turns those splits into one split.

Two rules, registered as ``distribution-mean`` and ``distribution-median``:

- ``distribution-mean``: each theme gets the average of what the residents gave it.
  Easy to explain, but a resident who exaggerates moves the outcome their way, so it is
  not truthful.
- ``distribution-median``: the "independent markets" moving-phantom median of Freeman,
  Pennock, Peters and Wortman Vaughan, "Truthful aggregation of budget proposals"
  (Journal of Economic Theory 193, 2021). With ``n`` residents it places ``n + 1`` phantom splits
  ``f_k(t) = min(t * (n - k), 1)`` for ``k = 0..n`` and gives each theme the median of
  the ``2n + 1`` numbers (the residents' shares and the phantoms); ``t`` is the one
  value at which those medians add up to the whole total. No resident can move the
  outcome closer to their own split (in the sum of absolute differences) by handing in
  another split, and a group of residents who all put everything on one theme gets
  that theme its share of the group.

Everything is exact (:class:`fractions.Fraction`). Blank ballots (nothing given to any
theme) hand in no split and take no part; the result says how many there were. Whole
euros or points are handed out by largest remainder, remainders tied by the published
draw (:mod:`ballots.tiebreak`), so the amounts add up to the total exactly.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from fractions import Fraction

from ballots.model import BallotError, BallotGroup, BallotKind, Option, Profile
from ballots.result import Result, Round
from ballots.tiebreak import TieBreaker

Split = tuple[Fraction, ...]


def split_profile(
    themes: Sequence[Option], ballots: Sequence[Sequence[int]], total: int
) -> Profile:
    """A profile of split ballots: each ballot lists what it gives every theme, in the
    order of ``themes`` (all zeros is a blank ballot). Identical splits are grouped;
    :func:`splits_of` checks them when counting."""
    ids = tuple(t.id for t in themes)
    counts: dict[tuple[int, ...], int] = {}
    for ballot in ballots:
        if len(ballot) != len(ids):
            raise BallotError("split_length", given=len(ballot), themes=len(ids))
        key = tuple(ballot)
        counts[key] = counts.get(key, 0) + 1
    groups = tuple(
        BallotGroup(
            tuple(i for i, a in zip(ids, key, strict=True) if a),
            n,
            tuple(a for a in key if a),
        )
        for key, n in counts.items()
    )
    return Profile(kind=BallotKind.DISTRIBUTION, options=tuple(themes), groups=groups, budget=total)


def splits_of(profile: Profile) -> tuple[list[tuple[Split, int]], int, int]:
    """The non-blank splits of ``profile`` as shares of the total (with their counts),
    the number of blank ballots, and the total every split divides.

    Each ballot group names themes in ``choices`` and what it gives them in ``points``.
    Raises :class:`BallotError` for a ballot that gives a negative amount, names a theme
    twice or an unknown theme, or does not add up to the total.
    """
    total = profile.budget
    if total is None or total <= 0:
        raise BallotError("split_needs_total")
    index = {option_id: j for j, option_id in enumerate(profile.option_ids)}
    splits: list[tuple[Split, int]] = []
    blank = 0
    for number, group in enumerate(profile.groups, start=1):
        points = group.points or ()
        if len(points) != len(group.choices):
            raise BallotError("split_amount_missing", group=number)
        if len(set(group.choices)) != len(group.choices):
            raise BallotError("split_theme_twice", group=number)
        if sum(points) == 0:
            blank += group.count
            continue
        shares = [0] * len(index)
        for choice, amount in zip(group.choices, points, strict=True):
            if choice not in index:
                raise BallotError("split_unknown_theme", theme=choice, group=number)
            if amount < 0:
                raise BallotError("split_negative", group=number)
            shares[index[choice]] = amount
        if sum(shares) != total:
            raise BallotError("split_sum", given=sum(shares), total=total, group=number)
        splits.append((tuple(Fraction(s, total) for s in shares), group.count))
    return splits, blank, total


def mean_shares(splits: Sequence[tuple[Split, int]], themes: int) -> Split:
    """Each theme's average share over the splits (equal shares when there are none)."""
    voters = sum(count for _, count in splits)
    if voters == 0:
        return tuple(Fraction(1, themes) for _ in range(themes))
    return tuple(
        sum((split[j] * count for split, count in splits), Fraction(0)) / voters
        for j in range(themes)
    )


class _Theme:
    """One theme's shares, largest first, expanded per voter, for the phantom median."""

    def __init__(self, values: list[Fraction]) -> None:
        self.desc = sorted(values, reverse=True)
        self.n = len(values)
        # ratios[c-1] = q(c) / c is non-increasing in c: the moment phantom ``n - c``
        # reaches the c-th largest share. Negated so that bisect can search it.
        self.neg_ratios = [-(q / c) for c, q in enumerate(self.desc, start=1)]

    def q(self, c: int) -> Fraction:
        """The c-th largest share (1-based); 0 past the last voter."""
        return self.desc[c - 1] if c <= self.n else Fraction(0)

    def median(self, t: Fraction) -> Fraction:
        """The median of the voters' shares and the phantoms ``min(t * c, 1)``.

        With shares sorted largest first, ``q(1) >= ... >= q(n)``, the median of the
        ``2n + 1`` numbers is ``max over c of min(c * t, q(c))``: the largest value that
        ``c`` shares and ``n + 1 - c`` phantoms all reach. Those terms rise with ``c``
        while ``q(c) > c * t``, so the maximum is ``max(c* * t, q(c* + 1))`` with
        ``c*`` the last such ``c``.
        """
        # c* = how many c have q(c) / c > t: a prefix, since q(c) / c never rises.
        c_star = bisect_left(self.neg_ratios, -t)
        return max(c_star * t, self.q(c_star + 1))

    def breakpoints(self) -> list[Fraction]:
        """Every ``t`` where this theme's median can change slope."""
        points = []
        for c in range(1, self.n + 1):
            points.append(self.desc[c - 1] / c)
            points.append(self.q(c + 1) / c)
        return points


def phantom_median(splits: Sequence[tuple[Split, int]], themes: int) -> tuple[Split, Fraction]:
    """The independent-markets outcome (shares adding up to exactly 1) and its ``t``.

    ``t`` is found exactly: the sum of the medians is continuous, non-decreasing and
    piecewise linear in ``t``, with its kinks among the ``q(c) / c`` and
    ``q(c + 1) / c`` of every theme; between the last kink below 1 and the first at or
    above it the sum is linear, so ``t`` is solved from two points.
    """
    values: list[list[Fraction]] = [[] for _ in range(themes)]
    for split, count in splits:
        for j in range(themes):
            values[j].extend([split[j]] * count)
    n = len(values[0]) if themes else 0
    if n == 0:
        return tuple(Fraction(1, themes) for _ in range(themes)), Fraction(0)
    markets = [_Theme(v) for v in values]

    def total_at(t: Fraction) -> Fraction:
        return sum((m.median(t) for m in markets), Fraction(0))

    kinks = sorted({Fraction(0), Fraction(1)} | {p for m in markets for p in m.breakpoints()})
    kinks = [k for k in kinks if 0 <= k <= 1]
    lo, hi = 0, len(kinks) - 1  # total_at(kinks[lo]) < 1 <= total_at(kinks[hi])
    if total_at(kinks[0]) >= 1:
        t = kinks[0]
    else:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if total_at(kinks[mid]) >= 1:
                hi = mid
            else:
                lo = mid
        a, b = kinks[lo], kinks[hi]
        sa, sb = total_at(a), total_at(b)
        t = b if sb == sa else a + (1 - sa) * (b - a) / (sb - sa)
    shares = tuple(m.median(t) for m in markets)
    if sum(shares) != 1:  # pragma: no cover - guards the reasoning above
        raise ArithmeticError("phantom median did not add up to the whole")
    return shares, t


def whole_amounts(
    shares: Split, total: int, ids: Sequence[str], tie_break: TieBreaker
) -> dict[str, int]:
    """Whole amounts that add up to ``total``: each theme gets the floor of its exact
    amount, and the units left go to the largest remainders, ties by the draw."""
    exact = [share * total for share in shares]
    amounts = [int(x) for x in exact]  # shares are non-negative: int() is floor
    left = total - sum(amounts)
    by_remainder: dict[Fraction, list[str]] = {}
    for option_id, x, whole in zip(ids, exact, amounts, strict=True):
        by_remainder.setdefault(x - whole, []).append(option_id)
    position = {option_id: j for j, option_id in enumerate(ids)}
    for remainder in sorted(by_remainder, reverse=True):
        if left == 0:
            break
        tied = by_remainder[remainder]
        if remainder == 0:
            break
        if len(tied) <= left:
            chosen = tied
        else:
            order = tie_break.order(tied)
            for pick in range(left):
                tie_break.prefer(order[pick:], round=1, purpose="round up")
            chosen = order[:left]
        for option_id in chosen:
            amounts[position[option_id]] += 1
        left -= len(chosen)
    return dict(zip(ids, amounts, strict=True))


def _result(
    method: str,
    profile: Profile,
    shares: Split,
    total: int,
    voters: int,
    blank: int,
    tb: TieBreaker,
    note: str,
    extra: dict[str, object],
    seats: int,
) -> Result:
    ids = profile.option_ids
    amounts = whole_amounts(shares, total, ids, tb)
    # Every theme gets its amount whatever the order: equal shares are listed in the
    # election's order, which decides nothing (so no draw is needed, or published).
    ranking = sorted(ids, key=lambda i: (-shares[ids.index(i)], ids.index(i)))
    round_ = Round(
        number=1,
        tallies={i: s * total for i, s in zip(ids, shares, strict=True)},
        tie_breaks=tuple(tb.log),
        note=note,
    )
    details: dict[str, object] = {
        "total": total,
        "shares": {i: str(s) for i, s in zip(ids, shares, strict=True)},
        "amounts": amounts,
        "splits": voters,
        "blank": blank,
        **extra,
    }
    if voters == 0:
        details["no_result"] = True
    return Result(
        method=method,
        seats=seats,
        winners=tuple(ranking),
        rounds=(round_,),
        tie_breaks=tuple(tb.log),
        seed=tb.seed,
        details=details,
    )


def mean(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Aggregate split ballots by the mean share per theme.

    ``winners`` lists every theme, largest share first; ``details`` holds each theme's
    exact share, its whole amount and the number of splits and blank ballots.
    ``seats`` is only passed on to the result. Raises :class:`BallotError` for a bad
    split.
    """
    tb = tie_break or TieBreaker()
    splits, blank, total = splits_of(profile)
    themes = len(profile.options)
    shares = mean_shares(splits, themes)
    voters = sum(c for _, c in splits)
    note = "average share per theme"
    return _result("distribution-mean", profile, shares, total, voters, blank, tb, note, {}, seats)


def independent_markets(
    profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None
) -> Result:
    """Aggregate split ballots by the independent-markets phantom median.

    ``details`` holds each theme's exact share and whole amount, the ``t`` at which the
    medians add up to the total, and the ``n + 1`` phantom positions at that ``t``
    (as shares), so anyone can check each theme's median by hand. ``seats`` is
    ignored. Raises :class:`BallotError` for a bad split.
    """
    tb = tie_break or TieBreaker()
    splits, blank, total = splits_of(profile)
    themes = len(profile.options)
    shares, t = phantom_median(splits, themes)
    voters = sum(c for _, c in splits)
    phantoms = [str(min(t * (voters - k), Fraction(1))) for k in range(voters + 1)]
    return _result(
        "distribution-median",
        profile,
        shares,
        total,
        voters,
        blank,
        tb,
        "each theme gets the median of the residents' shares and the phantoms at t",
        {"t": str(t), "phantoms": phantoms},
        seats,
    )
