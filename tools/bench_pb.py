#!/usr/bin/env python3
"""Benchmark the budget half of ``ballots`` against pabutools on real pabulib files.

    python tools/bench_pb.py [--data DIR] [--repeat N]

Three targets, each printed with both times, the ratio and whether the two funded
the same projects in the same order:

- reading Łódź 2022 (90,494 voters): ``read_pb`` against pabutools' ``parse_pabulib``
  (target: at least 5x faster);
- ``mes`` on Łódź 2022 against ``method_of_equal_shares(sat_class=Cost_Sat)``
  (target: at least 20x faster);
- ``mes-add1`` on Wieliczka 2023 against ``completion_by_rule_combination`` of
  ``exhaustion_by_budget_increase(method_of_equal_shares(Cost_Sat), budget_step=voters)``
  and ``greedy_utilitarian_welfare(Cost_Sat)`` (target: at least 20x faster).

pabutools runs once on the profile ``parse_pabulib`` returns (with gmpy2 when it is
installed); our side runs ``--repeat`` times and the best time counts. ``run()`` is
what ``tools/bench_count.py`` calls. The data directory defaults to
``<repo>/../shared/data/pabulib``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run from a plain checkout: the repository root holds the ballots package.
_ROOT = Path(__file__).resolve().parent.parent
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from ballots.formats.pabulib import read_pb  # noqa: E402
from ballots.methods import count  # noqa: E402

DATA = _ROOT.parent / "shared" / "data" / "pabulib"
LODZ = "poland_lodz_2022_.pb"
WIELICZKA = "poland_wieliczka_2023.pb"
TARGETS = {"read": 5.0, "mes": 20.0, "mes-add1": 20.0}


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs of ``fn`` and the value of the last one."""
    best = float("inf")
    value = None
    for _ in range(max(1, repeat)):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def _once(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def _line(what: str, ours: float, theirs: float | None, target: float, same: str) -> str:
    if theirs is None:
        return f"{what:<34} ours {ours:8.3f} s   pabutools        -"
    ratio = theirs / ours if ours > 0 else float("inf")
    verdict = "ok" if ratio >= target else f"BELOW TARGET {target:g}x"
    return (
        f"{what:<34} ours {ours:8.3f} s   pabutools {theirs:8.2f} s   "
        f"{ratio:7.1f}x (target {target:g}x: {verdict})   {same}"
    )


def run(data: Path | None = None, repeat: int = 3) -> None:
    """Run the three benchmarks and print one line each (plus a header)."""
    data = Path(data) if data is not None else DATA
    lodz, wieliczka = data / LODZ, data / WIELICZKA
    if not (lodz.is_file() and wieliczka.is_file()):
        print(f"bench_pb: real pabulib files not found in {data}; skipped")
        return
    try:
        from pabutools.election import Cost_Sat, parse_pabulib
        from pabutools.fractions import FRACTION
        from pabutools.rules import (
            completion_by_rule_combination,
            exhaustion_by_budget_increase,
            greedy_utilitarian_welfare,
            method_of_equal_shares,
        )
    except ImportError:
        parse_pabulib = None
        FRACTION = "-"

    print(f"bench_pb: budget rules against pabutools (fractions: {FRACTION})")

    ours_read, lodz_election = _best(lambda: read_pb(lodz), repeat)
    theirs_read = None
    if parse_pabulib is not None:
        theirs_read, (lodz_instance, lodz_profile) = _once(lambda: parse_pabulib(str(lodz)))
    print(_line("read Łódź 2022 (.pb)", ours_read, theirs_read, TARGETS["read"], ""))

    ours_mes, result = _best(lambda: count(lodz_election.profile, "mes"), repeat)
    theirs_mes = None
    same = ""
    if parse_pabulib is not None:
        theirs_mes, outcome = _once(
            lambda: method_of_equal_shares(lodz_instance, lodz_profile, sat_class=Cost_Sat)
        )
        same = _same(result.winners, outcome)
    print(_line("mes on Łódź 2022", ours_mes, theirs_mes, TARGETS["mes"], same))

    wieliczka_election = read_pb(wieliczka)
    ours_add1, result = _best(lambda: count(wieliczka_election.profile, "mes-add1"), repeat)
    theirs_add1 = None
    same = ""
    if parse_pabulib is not None:
        instance, profile = parse_pabulib(str(wieliczka))
        theirs_add1, outcome = _once(
            lambda: completion_by_rule_combination(
                instance,
                profile,
                [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
                [
                    {
                        "rule": method_of_equal_shares,
                        "rule_params": {"sat_class": Cost_Sat},
                        "budget_step": profile.num_ballots(),
                    },
                    {"sat_class": Cost_Sat},
                ],
            )
        )
        same = _same(result.winners, outcome)
    print(_line("mes-add1 on Wieliczka 2023", ours_add1, theirs_add1, TARGETS["mes-add1"], same))


def _same(ours: tuple[str, ...], outcome: Any) -> str:
    theirs = [p.name for p in outcome]
    if list(ours) == theirs:
        return f"same selection ({len(theirs)} projects)"
    if set(ours) == set(theirs):
        return f"same projects, other order ({len(theirs)})"
    return f"DIFFERENT: ours {sorted(ours)} pabutools {sorted(theirs)}"


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="folder with the .pb files")
    parser.add_argument("--repeat", type=int, default=3, help="runs of our side (best counts)")
    args = parser.parse_args(argv)
    run(args.data, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
