"""Benchmark: our leximin against sortition-algorithms' maximin on one generated pool.

    python tools/bench_panel.py [--respondents 1000] [--seats 150] [--skip-oracle]

Both run in this process on the same pool (``tools/panel_pool.py``: 5 categories with
realistic skew) and the same quotas (population shares × seats, ± 1/40 of the seats).
Prints each time, the ratio, and both lowest selection probabilities. Targets: ours
at most 20 s on 2 cores, at least 5× faster, our lowest probability at least theirs.
The machine may be shared: the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ballots.panels.leximin import leximin
from ballots.panels.model import Respondent, group_profiles
from ballots.panels.quotas import quotas_from_shares
from tools.panel_pool import generate_pool, population_shares
from tools.sortition_oracle import available, best_backend, oracle_maximin


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=150)
    parser.add_argument("--skip-oracle", action="store_true")
    args = parser.parse_args(argv)
    pool = generate_pool(args.respondents)
    people = [Respondent(f"r{i:04d}", answers) for i, answers in enumerate(pool)]
    quotas = [
        q
        for category, shares in population_shares().items()
        for q in quotas_from_shares(category, shares, args.seats, Fraction(args.seats, 40))
    ]
    profiles = group_profiles(people, list(population_shares()))
    print(
        f"pool {len(people)} respondents in {len(profiles)} profiles, {args.seats} seats, "
        f"{len(quotas)} quotas; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    started = time.perf_counter()
    result = leximin(profiles, quotas, args.seats)
    ours_s = time.perf_counter() - started
    ours_min = min(result.portfolio.probabilities().values())
    print(
        f"Buurtstem leximin: {ours_s:.2f} s, lowest probability {float(ours_min):.6f}, "
        f"{len(result.portfolio.panels)} panels, {result.stages} stages, "
        f"{result.panel_searches} integer programs"
    )
    if args.skip_oracle or not available():
        print("sortition-algorithms: not run" + ("" if available() else " (not installed)"))
        return 0
    backend = best_backend()
    started = time.perf_counter()
    theirs = oracle_maximin(people, quotas, args.seats, backend=backend)
    theirs_s = time.perf_counter() - started
    theirs_min = min(theirs.values())
    print(
        f"sortition-algorithms maximin ({backend}): {theirs_s:.2f} s, lowest probability "
        f"{theirs_min:.6f}"
    )
    print(
        f"ratio {theirs_s / ours_s:.1f}x; our lowest - theirs = {float(ours_min) - theirs_min:+.2e}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
