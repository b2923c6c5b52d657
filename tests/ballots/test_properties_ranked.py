"""Properties of the ranked rules on thousands of random profiles, and the cross-check
of our ``irv`` against pyrankvote's ``instant_runoff_voting``.

Profiles come from hypothesis and from a seeded generator (``random.Random`` with fixed
seeds), so every run checks the same seeded cases plus hypothesis's search.
"""

from __future__ import annotations

import random
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyrankvote import Ballot, Candidate, instant_runoff_voting

from ballots.formats.blt import BltElection, read_blt, write_blt
from ballots.methods.borda import borda
from ballots.methods.irv import irv
from ballots.methods.plurality import plurality
from ballots.methods.schulze import schulze
from ballots.methods.stv import stv
from ballots.model import BallotKind, Option, Profile
from ballots.result import Result
from ballots.tiebreak import TieBreaker

Ranking = tuple[str, ...]

SETTINGS = settings(
    max_examples=300,
    deadline=None,
    database=None,  # no .hypothesis folder in the checkout
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def rankings(draw: st.DrawFn, *, min_options: int = 2, max_options: int = 6) -> tuple:
    """(option ids, list of non-empty rankings)."""
    n = draw(st.integers(min_options, max_options))
    ids = [chr(ord("a") + i) for i in range(n)]
    ballot = st.permutations(ids).flatmap(
        lambda order: st.integers(1, n).map(lambda k: tuple(order[:k]))
    )
    return ids, draw(st.lists(ballot, min_size=1, max_size=40))


def seeded_profiles(count: int, seed: int) -> list[tuple[list[str], list[Ranking]]]:
    """``count`` random profiles from a seeded generator: a few "factions" with a
    preferred order, each voter following a faction with some noise and truncation."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        n = rng.randint(2, 7)
        ids = [chr(ord("a") + i) for i in range(n)]
        factions = [rng.sample(ids, n) for _ in range(rng.randint(1, 4))]
        ballots: list[Ranking] = []
        for _ in range(rng.randint(1, 150)):
            order = list(rng.choice(factions))
            for _ in range(rng.randint(0, 2)):
                i, j = rng.randrange(n), rng.randrange(n)
                order[i], order[j] = order[j], order[i]
            ballots.append(tuple(order[: rng.randint(1, n)]))
        out.append((ids, ballots))
    return out


def build(ids: list[str], ballots: list[Ranking]) -> Profile:
    """A ranked profile over ``ids``."""
    return Profile.build(BallotKind.RANKED, [Option(i) for i in ids], ballots)


# --- the pyrankvote cross-check -------------------------------------------------------


def pyrankvote_winner(ids: list[str], ballots: list[Ranking]) -> str:
    """pyrankvote's IRV winner."""
    candidates = {i: Candidate(i) for i in ids}
    votes = [Ballot(ranked_candidates=[candidates[c] for c in b]) for b in ballots]
    (winner,) = instant_runoff_voting(list(candidates.values()), votes).get_winners()
    return winner.name


def tie_free(result: Result) -> bool:
    """True if no round of our IRV count had a tie that either implementation could
    break differently: no drawn tie, no two continuing options level, and no option
    with exactly half the live votes (pyrankvote elects at half, we need more)."""
    if result.tie_breaks:
        return False
    for r in result.rounds:
        votes = list(r.tallies.values())
        if len(set(votes)) != len(votes) or 2 * max(votes) == sum(votes):
            return False
    return True


def check_against_pyrankvote(ids: list[str], ballots: list[Ranking]) -> bool:
    """Compare winners where the count is tie-free; return whether it was compared."""
    result = irv(build(ids, ballots))
    if not tie_free(result):
        return False
    assert result.winners == (pyrankvote_winner(ids, ballots),), (ids, ballots)
    return True


def test_irv_agrees_with_pyrankvote_on_seeded_profiles():
    compared = sum(check_against_pyrankvote(*case) for case in seeded_profiles(2000, seed=7))
    # the comparison must actually happen on most profiles, not be filtered away
    assert compared >= 1000


@SETTINGS
@given(rankings())
def test_irv_agrees_with_pyrankvote(case):
    check_against_pyrankvote(*case)


# --- rule properties ------------------------------------------------------------------


def pairwise_wins(ids: list[str], ballots: list[Ranking]) -> dict[tuple[str, str], int]:
    """Voters preferring x to y: ranked above, or ranked while y is not."""
    wins = {(x, y): 0 for x in ids for y in ids if x != y}
    for b in ballots:
        place = {c: k for k, c in enumerate(b)}
        for x in b:
            for y in ids:
                if y != x and place.get(y, len(ids)) > place[x]:
                    wins[x, y] += 1
    return wins


def condorcet_winner(ids: list[str], ballots: list[Ranking]) -> str | None:
    """The option that beats every other one pairwise, if there is one."""
    wins = pairwise_wins(ids, ballots)
    for x in ids:
        if all(wins[x, y] > wins[y, x] for y in ids if y != x):
            return x
    return None


@SETTINGS
@given(rankings())
def test_a_condorcet_winner_always_wins_schulze(case):
    ids, ballots = case
    winner = condorcet_winner(ids, ballots)
    if winner is not None:
        assert schulze(build(ids, ballots), tie_break=TieBreaker("any")).winners == (winner,)


def test_condorcet_winner_on_seeded_profiles():
    found = 0
    for ids, ballots in seeded_profiles(1000, seed=11):
        winner = condorcet_winner(ids, ballots)
        if winner is not None:
            found += 1
            assert schulze(build(ids, ballots)).winners == (winner,)
    assert found > 500


@SETTINGS
@given(rankings(), st.text(max_size=5))
def test_a_majority_of_first_choices_wins_irv(case, seed):
    ids, ballots = case
    firsts = [b[0] for b in ballots]
    for option in ids:
        if 2 * firsts.count(option) > len(ballots):
            assert irv(build(ids, ballots), tie_break=TieBreaker(seed)).winners == (option,)


@SETTINGS
@given(rankings(), st.randoms(use_true_random=False), st.integers(1, 3))
def test_permuting_ballots_never_changes_a_result(case, rng, seats):
    ids, ballots = case
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    a, b = build(ids, ballots), build(ids, shuffled)
    seats = min(seats, len(ids))
    for rule, k in [(irv, 1), (stv, seats), (schulze, seats), (borda, seats), (plurality, seats)]:
        assert rule(a, seats=k, tie_break=TieBreaker("p")) == rule(
            b, seats=k, tie_break=TieBreaker("p")
        )


@SETTINGS
@given(rankings(), st.integers(1, 3))
def test_stv_accounts_for_every_vote(case, seats):
    ids, ballots = case
    seats = min(seats, len(ids))
    result = stv(build(ids, ballots), seats=seats, tie_break=TieBreaker("s"))
    assert len(result.winners) == len(set(result.winners)) == seats
    quota = len(ballots) // (seats + 1) + 1
    assert result.details["quota"] == str(quota)
    lost = Fraction(0)
    for r in result.rounds:
        for source, moved in r.transfers.items():
            if not r.eliminated:  # a surplus: what did not move was lost to truncation
                lost += _surplus(r, source) - sum(moved.values())
        assert sum(r.tallies.values()) + r.exhausted + lost == len(ballots)
        for value in r.tallies.values():
            assert (value * 100_000).denominator == 1  # five decimals, exactly
    assert Fraction(result.details["rounding_loss"]) == lost


def _surplus(r, source: str) -> Fraction:
    """The surplus a round transferred, from its note ("surplus of X (2.99992) ...")."""
    return Fraction(r.note.split("(", 1)[1].split(")", 1)[0])


@SETTINGS
@given(rankings())
def test_stv_with_one_seat_elects_the_irv_winner(case):
    ids, ballots = case
    p = build(ids, ballots)
    by_irv, by_stv = irv(p), stv(p, seats=1)
    if not by_irv.tie_breaks and not by_stv.tie_breaks and tie_free(by_irv):
        assert by_irv.winners == by_stv.winners


names = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\n\r"),
    max_size=12,
)


@SETTINGS
@given(rankings(max_options=5), st.data())
def test_blt_round_trips_are_lossless(case, data):
    ids, ballots = case
    n = len(ids)
    numbers = [str(k) for k in range(1, n + 1)]
    candidate_names = tuple(data.draw(st.lists(names, min_size=n, max_size=n)))
    withdrawn = data.draw(st.sets(st.integers(1, n), max_size=n - 1))
    running = [k for k in numbers if int(k) not in withdrawn]
    profile = Profile.build(
        BallotKind.RANKED,
        [Option(k, candidate_names[int(k) - 1]) for k in running],
        [
            tuple(numbers[ids.index(c)] for c in b if int(numbers[ids.index(c)]) not in withdrawn)
            for b in ballots
        ],
    )
    election = BltElection(
        title=data.draw(names),
        seats=data.draw(st.integers(1, n)),
        candidates=candidate_names,
        withdrawn=tuple(candidate_names[k - 1] for k in sorted(withdrawn)),
        profile=profile,
    )
    text = write_blt(election)
    assert read_blt("x.blt", text=text) == election
    assert write_blt(read_blt("x.blt", text=text)) == text


@SETTINGS
@given(rankings())
def test_irv_rounds_account_for_every_ballot(case):
    ids, ballots = case
    result = irv(build(ids, ballots), tie_break=TieBreaker("a"))
    for r in result.rounds:
        assert sum(r.tallies.values()) + r.exhausted == len(ballots)
        for moved in r.transfers.values():
            # an eliminated option's whole tally moves on or exhausts
            (source,) = r.eliminated
            assert sum(moved.values()) == r.tallies[source]
    assert len(result.rounds) <= len(ids)
