#!/usr/bin/env python3
"""Benchmark reading and recounting large BLT files against pyrankvote.

    python tools/bench_blt.py [--ballots N] [--large N] [--method stv|irv] [--data DIR]

Targets (issue 10): ``tools/recount.py``'s work on a 300,000-ballot BLT file (read,
parse, count) at least 10x faster than pyrankvote on the same file with the same
winner, and a 1,000,000-ballot file in under 1 s.

The files are written to ``/tmp`` from a realistic distribution: the rankings of the 70
ten-candidate Scottish council elections in ``../shared/data/scotland``, pooled and
resampled one ballot per line (weight 1), which repeats rankings as real files do
(about 38,000 distinct lines in 300,000). Without that data the ballots come from a
truncated Plackett-Luce model instead. Everything is seeded.

Our side is what ``recount.py FILE`` does, minus printing: read the bytes, ``load``
(decode, :func:`~ballots.formats.blt.read_blt`) and count, best of three. pyrankvote's
side reads the same file with the simplest parser that works for it, builds its
``Ballot`` objects and counts, once.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
for _path in (_ROOT, _ROOT / "tools"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import recount  # noqa: E402

from ballots.formats.blt import read_blt  # noqa: E402

DATA = _ROOT.parent / "shared" / "data" / "scotland"
CANDIDATES = 10


def rankings_pool(data: Path) -> Counter[tuple[str, ...]] | None:
    """Every ranking cast in the ten-candidate Scottish elections, with its count;
    ``None`` without the data."""
    files = sorted((data / f"{CANDIDATES}_cands").glob("*.blt"))
    if not files:
        return None
    pool: Counter[tuple[str, ...]] = Counter()
    for path in files:
        for group in read_blt(path).profile.groups:
            if group.choices:
                pool[group.choices] += group.count
    return pool


def plackett_luce_line(rng: random.Random, support: list[float]) -> tuple[str, ...]:
    """One truncated Plackett-Luce ranking of the candidates 1..10."""
    left = [str(k) for k in range(1, CANDIDATES + 1)]
    weights = list(support)
    ranking = []
    for _ in range(rng.choice([1, 2, 3, 3, 4, 5, 10])):
        j = rng.choices(range(len(left)), weights)[0]
        ranking.append(left.pop(j))
        weights.pop(j)
    return tuple(ranking)


def write_sample(path: Path, ballots: int, pool: Counter[tuple[str, ...]] | None) -> int:
    """Write ``ballots`` one-per-line ballots to ``path``; the number of distinct lines."""
    rng = random.Random(10)
    if pool is not None:
        keys = sorted(pool)
        drawn = rng.choices(keys, [pool[k] for k in keys], k=ballots)
    else:
        support = [rng.random() ** 2 + 0.05 for _ in range(CANDIDATES)]
        drawn = [plackett_luce_line(rng, support) for _ in range(ballots)]
    with path.open("w", encoding="utf-8") as out:
        out.write(f"{CANDIDATES} 1\n")
        out.writelines(f"1 {' '.join(ranking)} 0\n" for ranking in drawn)
        out.write("0\n")
        out.writelines(f'"Candidate {k}"\n' for k in range(1, CANDIDATES + 1))
        out.write('"Benchmark ward"\n')
    return len(set(drawn))


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by ``function()`` and what it returned."""
    start = time.perf_counter()
    value = function()
    return time.perf_counter() - start, value


def cpu_timed(function: Callable[[], Any]) -> tuple[float, float, Any]:
    """Wall-clock and CPU seconds of ``function()`` (CPU time is what a shared, busy
    machine distorts least), and what it returned."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = function()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def ours(path: Path, method: str) -> tuple[float, float, float, list[str]]:
    """Seconds to read and to count, as ``recount.py`` does, the CPU seconds of both,
    and the winners' names."""
    read_s, read_cpu, election = cpu_timed(
        lambda: recount.load(str(path), path.read_bytes(), method=method)
    )
    count_s, count_cpu, result = cpu_timed(lambda: recount._count(str(path), election))
    return read_s, count_s, read_cpu + count_cpu, recount.winners_out(election, result)


def pyrankvote_count(path: Path, method: str) -> list[str]:
    """pyrankvote's winners for the file: a minimal BLT parser, its ``Ballot`` objects
    and its count."""
    from pyrankvote import Ballot, Candidate, instant_runoff_voting, single_transferable_vote

    lines = path.read_text(encoding="utf-8").split("\n")
    n, seats = (int(t) for t in lines[0].split())
    end = lines.index("0")
    names = [line.strip().strip('"') for line in lines[end + 1 : end + 1 + n]]
    candidates = [Candidate(name) for name in names]
    ballots = []
    for line in lines[1:end]:
        parts = line.split()
        ballot = Ballot(ranked_candidates=[candidates[int(c) - 1] for c in parts[1:-1]])
        ballots.extend([ballot] * int(parts[0]))
    if method == "irv":
        outcome = instant_runoff_voting(candidates, ballots)
    else:
        outcome = single_transferable_vote(candidates, ballots, number_of_seats=seats)
    return [c.name for c in outcome.get_winners()]


def verdict(ok: bool) -> str:
    """OK or MISSED, for a target."""
    return "OK" if ok else "MISSED"


def best_of_three(path: Path, method: str) -> tuple[float, float, float, list[str]]:
    """Our fastest of three runs (by total time)."""
    return min((ours(path, method) for _ in range(3)), key=lambda r: r[0] + r[1])


def main(argv: list[str] | None = None) -> int:
    """Write the sample files, time both sides and print the figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=300_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--method", choices=("stv", "irv"), default="stv")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--tmp", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)

    pool = rankings_pool(args.data.resolve())
    source = (
        f"resampled from the {CANDIDATES}-candidate Scottish elections"
        if pool is not None
        else f"Plackett-Luce ({args.data} not found)"
    )
    print(f"BLT files, one ballot per line, {CANDIDATES} candidates, 1 seat, {source}")

    path = args.tmp / f"bench-{args.ballots}.blt"
    distinct = write_sample(path, args.ballots, pool)
    size = path.stat().st_size / 1e6
    print(f"{args.ballots:,} ballots ({distinct:,} distinct lines, {size:.1f} MB): {path}")
    read_s, count_s, cpu, winners = best_of_three(path, args.method)
    total = read_s + count_s
    print(
        f"  ours (recount.py: read + {args.method}), best of 3: {total:.3f} s "
        f"(read {read_s:.3f} s, count {count_s:.3f} s; CPU {cpu:.3f} s), "
        f"winner {', '.join(winners)}"
    )
    their_s, their_cpu, theirs = cpu_timed(lambda: pyrankvote_count(path, args.method))
    print(
        f"  pyrankvote (parse + Ballot objects + {args.method}): {their_s:.2f} s, "
        f"CPU {their_cpu:.2f} s, winner {', '.join(theirs)}"
    )
    ratio = their_s / total
    print(
        f"  speed-up: {ratio:.1f}x (CPU time: {their_cpu / cpu:.1f}x; target >= 10x: "
        f"{verdict(ratio >= 10)}); same winner: {verdict(winners == theirs)}"
    )

    large = args.tmp / f"bench-{args.large}.blt"
    distinct = write_sample(large, args.large, pool)
    size = large.stat().st_size / 1e6
    print(f"{args.large:,} ballots ({distinct:,} distinct lines, {size:.1f} MB): {large}")
    read_s, count_s, cpu, winners = best_of_three(large, args.method)
    total = read_s + count_s
    print(
        f"  ours (recount.py: read + {args.method}), best of 3: {total:.3f} s "
        f"(read {read_s:.3f} s, count {count_s:.3f} s; CPU {cpu:.3f} s), "
        f"winner {', '.join(winners)}; under 1 s: {verdict(total < 1)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
