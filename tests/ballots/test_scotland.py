"""The 1,100 Scottish council elections in ``../shared/data/scotland``: every file reads,
round-trips and counts; and our ``stv`` elects the same candidates as VoteKit's ``STV``.

VoteKit is the oracle, configured to match the Scottish rules as closely as it can:
Droop quota ``floor(valid / (seats + 1)) + 1``, fractional (weighted inclusive Gregory)
transfers in exact arithmetic, and ``simultaneous=True``. Simultaneous mode is the
faithful one here: VoteKit's one-at-a-time mode (``simultaneous=False``) elects only
the top candidate in a round and leaves other candidates who already reached the
quota in the race, so they still receive transfers, which the Scottish rules forbid
(rule 48(2): transfers go to *continuing* candidates). On the Scottish data that
mode elects a different candidate in four wards (dumgal_2022_ward7,
north_lanarkshire_2022_ward12, south_ayrshire_2012_ward3, north_ayrshire_2017_ward1).

The default run checks every file with our count and a deterministic sample with
VoteKit (every ``ORACLE_STEP``-th file); ``BUURTSTEM_FULL_ORACLE=1`` checks all of them.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pytest

from ballots.formats.blt import BltElection, read_blt, write_blt
from ballots.methods.stv import stv

# <repo>/../shared/data, where CI keeps the shared data beside the clone
SCOTLAND = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "scotland"
ORACLE_STEP = 20
FULL = os.environ.get("BUURTSTEM_FULL_ORACLE") == "1"

# Elections where the Scottish rules and VoteKit legitimately elect different people,
# each checked by hand. They are always in the sample, so the list stays true.
LEGITIMATE_DIFFERENCES: dict[str, str] = {
    "north_lanarkshire_2017_ward11": (
        "Candidates 3 and 4 reach the quota at stage 1. The Scottish rules transfer 3's "
        "surplus first; that lifts 7 over the quota, so 7 is elected and gets none of "
        "4's surplus. VoteKit transfers both surpluses in one round, so 7 also gets about "
        "2.16 votes of 4's surplus and passes them on at a reduced value. After 8 is "
        "excluded, 1 and 5 are 0.12 votes apart (517.13 to 517.25) under the Scottish "
        "rules and 0.58 apart the other way under VoteKit, so we exclude 1 and elect 5; "
        "VoteKit excludes 5 and elects 1. The five-decimal truncation plays no part: "
        "counted without truncation, the Scottish rules still elect 5."
    ),
}


def _files() -> list[Path]:
    return sorted(SCOTLAND.resolve().glob("*/*.blt")) if SCOTLAND.is_dir() else []


FILES = _files()
ORACLE_FILES = (
    FILES
    if FULL
    else sorted(set(FILES[::ORACLE_STEP]) | {p for p in FILES if p.stem in LEGITIMATE_DIFFERENCES})
)
NO_DATA = pytest.mark.skipif(
    not FILES, reason=f"real election data not found at {SCOTLAND} (../shared/data)"
)


@NO_DATA
def test_every_election_reads_round_trips_and_counts():
    assert len(FILES) == 1100
    for path in FILES:
        election = read_blt(path)
        assert election.seats >= 1 and len(election.candidates) >= election.seats
        assert read_blt(path, text=write_blt(election)) == election
        result = stv(election.profile, seats=election.seats)
        assert len(set(result.winners)) == election.seats
        assert set(result.winners) <= set(election.profile.option_ids)
        assert result.details["quota"] == str(election.profile.total // (election.seats + 1) + 1)
    # Speed is measured by tools/bench_count.py, not asserted here: the machine is shared.


def votekit_winners(election: BltElection) -> set[str]:
    """The candidates VoteKit's STV elects, configured as the module docstring says."""
    from votekit.ballot import RankBallot
    from votekit.elections import STV
    from votekit.pref_profile import RankProfile

    ballots = tuple(
        RankBallot(ranking=tuple(frozenset({c}) for c in g.choices), weight=g.count)
        for g in election.profile.groups
        if g.choices
    )
    profile = RankProfile(ballots=ballots, candidates=election.profile.option_ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # VoteKit's own deprecation noise
        count = STV(
            profile,
            n_seats=election.seats,
            simultaneous=True,
            exact=True,
            tiebreak="first_place",
            rng_seed=0,
        )
    return {c for group in count.get_elected() for c in group}


@NO_DATA
@pytest.mark.slow
@pytest.mark.parametrize("path", ORACLE_FILES, ids=[p.stem for p in ORACLE_FILES])
def test_stv_elects_the_same_candidates_as_votekit(path):
    pytest.importorskip("votekit")
    election = read_blt(path)
    ours = set(stv(election.profile, seats=election.seats).winners)
    theirs = votekit_winners(election)
    if path.stem in LEGITIMATE_DIFFERENCES:
        # the same seats filled, one candidate apart, for the reason given above
        assert len(ours - theirs) == len(theirs - ours) == 1, "agrees now: drop the exception"
    else:
        assert ours == theirs
