"""Single transferable vote by the Scottish rules (Scottish Local Government Elections
Order 2007, schedule 1, rules 45-52).

- Quota (Droop): ``floor(valid ballots / (seats + 1)) + 1``; a candidate whose votes
  reach the quota is elected at the end of that stage and receives no more transfers.
- Surpluses are transferred one at a time, the largest first, by the weighted
  inclusive Gregory method: *every* ballot the elected candidate holds moves on to
  its next continuing preference with the value ``surplus x its value / total``,
  calculated to five decimal places with the remainder ignored (rule 48(3)).
  Ballots with no next preference become non-transferable at that value; what the
  truncation drops is recorded as the rounding loss.
- When no surplus is left, the continuing candidate with the fewest votes is
  excluded and all its ballots move on at their current value, in one stage.
- When as many candidates continue as seats remain, they are all elected.
- Ties (equal surpluses, equal lowest) are decided by the votes at the end of the
  most recent preceding stage at which the tied candidates had unequal votes, and
  where they were equal at every stage by the published draw (:mod:`ballots.tiebreak`)
  instead of a lot.

The count works in integers scaled by 10^5: five-decimal truncation is then integer
floor division, which is exact and much faster than ``Fraction``. Tallies in the
result are exact ``Fraction`` values.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ballots.methods._ranked import (
    check_seats,
    fraction_tallies,
    ranked_groups,
    round_ties,
    tie_breaker,
)
from ballots.model import Profile
from ballots.result import Result, Round
from ballots.tiebreak import TieBreaker

SCALE = 100_000  # one vote; values are kept in units of 10^-5 votes (five decimal places)

_CONTINUING, _ELECTED, _EXCLUDED = 0, 1, 2


def stv(profile: Profile, *, seats: int = 1, tie_break: TieBreaker | None = None) -> Result:
    """Count ``profile`` by Scottish STV for ``seats`` seats and return the :class:`Result`.

    Round 1 holds the first preferences; every later round is one stage: a surplus
    transfer or an exclusion, the tallies at the end of the stage, the candidates
    elected at its end and the running total of non-transferable (exhausted) votes.
    ``details`` holds the quota, the number of valid ballots and the total value lost
    to the five-decimal truncation.

    Raises :class:`BallotError` if ``seats`` is not between 1 and the number of options
    or the profile is not ranked or single-choice.
    """
    tb = tie_breaker(tie_break)
    # Rankings stay option ids: the moves look candidates up by id (piles, the
    # continuing set), which is cheaper than turning every ranking into indices first.
    # Everything per stage (tallies, status, history, ties) is by option index.
    ids, rankings, counts = ranked_groups(profile, "stv")
    n = len(ids)
    check_seats(seats, n, "stv")
    valid = sum(counts)
    quota = valid // (seats + 1) + 1
    full = quota * SCALE

    pos = [0] * len(rankings)
    value = [SCALE] * len(rankings)
    piles: dict[str, list[int]] = {option_id: [] for option_id in ids}
    for g, ranking in enumerate(rankings):
        piles[ranking[0]].append(g)
    weight = counts.__getitem__
    tallies = [sum(map(weight, piles[option_id])) * SCALE for option_id in ids]
    status = [_CONTINUING] * n
    hopeful = set(ids)  # the ids of the continuing candidates: status _CONTINUING
    history: list[list[int]] = []  # tallies at the end of every stage, for ties
    winners: list[str] = []
    pending: list[int] = []  # elected with a surplus still to transfer
    exhausted = 0
    lost = 0
    rounds: list[Round] = []

    def pick(tied_pool: Sequence[int], *, highest: bool, number: int, purpose: str) -> int:
        """The candidate with the most (or fewest) votes; ties by history, then draw."""
        best = max if highest else min
        target = best(tallies[i] for i in tied_pool)
        tied = [i for i in tied_pool if tallies[i] == target]
        # look back, most recent preceding stage first, for a stage where they differed
        for snapshot in reversed(history[:-1]):
            if len(tied) == 1:
                break
            target = best(snapshot[i] for i in tied)
            tied = [i for i in tied if snapshot[i] == target]
        if len(tied) == 1:
            return tied[0]
        names = [ids[i] for i in tied]
        if highest:
            chosen = tb.prefer(names, round=number, purpose=purpose)
        else:
            chosen = tb.reject(names, round=number, purpose=purpose)
        return ids.index(chosen)

    def elect_in_order(candidates: list[int], number: int) -> list[int]:
        """Elect ``candidates``, most votes first (ties as the rules say)."""
        order: list[int] = []
        while candidates:
            i = pick(candidates, highest=True, number=number, purpose="elect")
            candidates.remove(i)
            order.append(i)
            status[i] = _ELECTED
            hopeful.discard(ids[i])
            winners.append(ids[i])
        return order

    def elect_reached(number: int) -> list[int]:
        """Elect, in order of votes, every continuing candidate at or above the quota;
        those above it have a surplus to transfer."""
        reached = [i for i in range(n) if status[i] == _CONTINUING and tallies[i] >= full]
        order = elect_in_order(reached, number)
        pending.extend(i for i in order if tallies[i] > full)
        return order

    def shown() -> dict[str, Fraction]:
        """Exact tallies of every candidate not excluded."""
        return fraction_tallies(
            ids, tallies, [i for i in range(n) if status[i] != _EXCLUDED], SCALE
        )

    number = 1
    history.append(tallies[:])
    first = elect_reached(number)
    rounds.append(
        Round(
            number=1,
            tallies=shown(),
            elected=tuple(ids[i] for i in first),
            tie_breaks=round_ties(tb, 1),
            note=f"first preferences; {valid} valid ballots, quota {quota}",
        )
    )

    while len(winners) < seats:
        number += 1
        continuing = [i for i in range(n) if status[i] == _CONTINUING]
        if len(continuing) <= seats - len(winners):
            # as many candidates left as seats: all of them are elected (rule 52)
            order = elect_in_order(continuing, number)
            history.append(tallies[:])
            rounds.append(
                Round(
                    number=number,
                    tallies=shown(),
                    elected=tuple(ids[i] for i in order),
                    exhausted=Fraction(exhausted, SCALE),
                    tie_breaks=round_ties(tb, number),
                    note="as many candidates continue as seats remain: all are elected",
                )
            )
            break

        moved = dict.fromkeys(ids, 0)
        moved_out = 0
        eliminated: tuple[str, ...] = ()
        if pending:
            source = pick(pending, highest=True, number=number, purpose="surplus")
            pending.remove(source)
            total = tallies[source]
            surplus = total - full
            for g in piles[ids[source]]:
                # rule 48(3): surplus x value / total, to five decimals, remainder ignored
                v = value[g] * surplus // total
                ranking = rankings[g]
                p = pos[g] + 1
                while p < len(ranking) and ranking[p] not in hopeful:
                    p += 1
                if p < len(ranking):
                    pos[g] = p
                    value[g] = v
                    to = ranking[p]
                    piles[to].append(g)
                    moved[to] += counts[g] * v
                else:
                    moved_out += counts[g] * v
            piles[ids[source]] = []
            tallies[source] = full
            loss = surplus - sum(moved.values()) - moved_out
            lost += loss
            note = (
                f"surplus of {ids[source]} ({_decimal(surplus)}) transferred; "
                f"{_decimal(loss)} lost to rounding"
            )
        else:
            source = pick(continuing, highest=False, number=number, purpose="eliminate")
            status[source] = _EXCLUDED
            hopeful.discard(ids[source])
            eliminated = (ids[source],)
            for g in piles[ids[source]]:
                ranking = rankings[g]
                p = pos[g] + 1
                while p < len(ranking) and ranking[p] not in hopeful:
                    p += 1
                if p < len(ranking):
                    pos[g] = p
                    to = ranking[p]
                    piles[to].append(g)
                    moved[to] += counts[g] * value[g]
                else:
                    moved_out += counts[g] * value[g]
            note = f"{ids[source]} has the fewest votes ({_decimal(tallies[source])}); excluded"
            piles[ids[source]] = []
            tallies[source] = 0
        for i, option_id in enumerate(ids):
            tallies[i] += moved[option_id]
        exhausted += moved_out
        history.append(tallies[:])
        newly = elect_reached(number)
        transfer = {to: Fraction(votes, SCALE) for to, votes in moved.items() if votes}
        if moved_out:
            transfer["exhausted"] = Fraction(moved_out, SCALE)
        rounds.append(
            Round(
                number=number,
                tallies=shown(),
                elected=tuple(ids[i] for i in newly),
                eliminated=eliminated,
                transfers={ids[source]: transfer},
                exhausted=Fraction(exhausted, SCALE),
                tie_breaks=round_ties(tb, number),
                note=note,
            )
        )

    return Result(
        method="stv",
        seats=seats,
        winners=tuple(winners),
        rounds=tuple(rounds),
        tie_breaks=tuple(tb.log),
        seed=tb.seed,
        details={
            "quota": str(quota),
            "valid_ballots": str(valid),
            "rounding_loss": str(Fraction(lost, SCALE)),
            "decimals": "5",
        },
    )


def _decimal(scaled: int) -> str:
    """A scaled vote count as a decimal with five places, as on Scottish count sheets."""
    return f"{scaled // SCALE}.{scaled % SCALE:05d}"
