"""Benchmark: our leximin against sortition-algorithms' maximin and leximin on one pool.

    python tools/bench_panel.py [--respondents 1000] [--seats 150] [--timeout 600]
                                [--skip-oracle]

All run on the same pool (``tools/panel_pool.py``: 5 categories with realistic skew)
and the same quotas (population shares × seats, ± 1/40 of the seats). Ours runs in
this process; each reference runs in a child process (``tools/sortition_oracle.py``)
stopped after ``--timeout`` seconds, and then its last progress line says how far it
got. Prints each time, the ratio theirs / ours, and each lowest selection probability.
Targets: ours at most 20 s on 2 cores, at least 5× faster than their maximin, and our
lowest probability at least theirs. The machine may be shared: the load average and
our CPU time are printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess  # nosec B404 - runs this repository's own script, no shell
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ballots.panels.leximin import leximin
from ballots.panels.model import group_profiles
from tools.panel_pool import benchmark_problem, population_shares
from tools.sortition_oracle import available, best_backend, leximin_available

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 20.0
TARGET_RATIO = 5.0


def _reference(method: str, args: argparse.Namespace, backend: str) -> dict[str, object]:
    """Run one sortition-algorithms method in a child process with the time limit:
    its JSON result, or ``{"stopped": reason, "reached": last progress line}``."""
    command = [
        sys.executable,
        str(ROOT / "tools" / "sortition_oracle.py"),
        method,
        f"--respondents={args.respondents}",
        f"--seats={args.seats}",
        f"--backend={backend}",
    ]
    started = time.perf_counter()
    try:
        done = subprocess.run(  # nosec B603 - fixed argument list, no shell
            command, capture_output=True, text=True, timeout=args.timeout, check=False
        )
    except subprocess.TimeoutExpired as stopped:
        err = stopped.stderr or b""
        lines = (err.decode() if isinstance(err, bytes) else err).strip().splitlines()
        return {
            "stopped": f"time limit {args.timeout:.0f} s",
            "seconds": time.perf_counter() - started,
            "reached": lines[-1] if lines else "(no progress reported)",
        }
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        return {
            "stopped": "failed",
            "seconds": time.perf_counter() - started,
            "reached": lines[-1] if lines else f"exit status {done.returncode}",
        }
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=150)
    parser.add_argument("--timeout", type=float, default=600.0, help="per reference, seconds")
    parser.add_argument("--skip-oracle", action="store_true")
    parser.add_argument("--skip-leximin-oracle", action="store_true")
    args = parser.parse_args(argv)
    people, quotas = benchmark_problem(args.respondents, args.seats)
    profiles = group_profiles(people, list(population_shares()))
    print(
        f"pool {len(people)} respondents in {len(profiles)} profiles, {args.seats} seats, "
        f"{len(quotas)} quotas; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    started, cpu = time.perf_counter(), time.process_time()
    result = leximin(profiles, quotas, args.seats)
    ours_s, ours_cpu = time.perf_counter() - started, time.process_time() - cpu
    ours_min = float(min(result.portfolio.probabilities().values()))
    print(
        f"Buurtstem leximin: {ours_s:.2f} s ({ours_cpu:.2f} s CPU), lowest probability "
        f"{ours_min:.9f}, {len(result.portfolio.panels)} panels, {result.stages} stages "
        f"({result.path}), {result.panel_searches} integer programs; "
        f"target {TARGET_SECONDS:.0f} s: " + ("met" if ours_s <= TARGET_SECONDS else "NOT met")
    )
    if args.skip_oracle or not available():
        print("sortition-algorithms: not run" + ("" if available() else " (not installed)"))
        return 0
    backend = best_backend()
    methods = ["maximin"]
    if args.skip_leximin_oracle:
        pass
    elif leximin_available():
        methods.append("leximin")
    else:
        print("sortition-algorithms leximin: not run (needs gurobipy)")
    for method in methods:
        theirs = _reference(method, args, backend)
        name = f"sortition-algorithms {method} ({backend})"
        if "stopped" in theirs:
            seconds = float(theirs["seconds"])  # type: ignore[arg-type]
            print(
                f"{name}: stopped ({theirs['stopped']}) after {seconds:.1f} s, "
                f"reached: {theirs['reached']}; ratio at least {seconds / ours_s:.1f}x"
            )
            continue
        theirs_s, theirs_min = float(theirs["seconds"]), float(theirs["lowest"])  # type: ignore[arg-type]
        ratio = theirs_s / ours_s
        verdict = ""
        if method == "maximin":
            verdict = (
                f" (target {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'})"
            )
        print(
            f"{name}: {theirs_s:.2f} s, lowest probability {theirs_min:.9f}; "
            f"ratio {ratio:.1f}x{verdict}; our lowest - theirs = {ours_min - theirs_min:+.2e}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
