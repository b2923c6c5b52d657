"""The Sortition Foundation's ``sortition-algorithms`` (GPL-3) as an independent
reference: its maximin and leximin on the same pool and quotas. Used by tests, the
benchmark and ``verify_panel.py --cross-check`` only; Buurtstem never depends on it.

Run as a script it computes one reference on the benchmark pool, printing its progress
to stderr as it goes (so a caller that stops it at a time limit can say how far it
got) and its result as one JSON line on stdout::

    python tools/sortition_oracle.py maximin --respondents 1000 --seats 150
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ballots.panels.model import Quota, Respondent


def available() -> bool:
    """True if ``sortition-algorithms`` is installed."""
    try:
        import sortition_algorithms  # noqa: F401
    except ImportError:
        return False
    return True


def leximin_available() -> bool:
    """True if its leximin can run: it needs Gurobi (``gurobipy``) for its dual LP."""
    try:
        import gurobipy  # noqa: F401
    except ImportError:
        return False
    return available()


def best_backend() -> str:
    """Its faster solver: CBC through python-mip when installed (its own benchmark:
    119 s against 261 s with HiGHS), else HiGHS."""
    try:
        import mip  # noqa: F401
    except ImportError:
        return "highspy"
    return "mip-cbc"


class _StderrReporter:
    """sortition-algorithms' progress reports, one line each on stderr with the time."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def _say(self, message: str | None) -> None:
        if message:
            print(f"[{time.perf_counter() - self.started:7.1f} s] {message}", file=sys.stderr)
            sys.stderr.flush()

    def start_phase(
        self, name: str, total: int | None = None, *, message: str | None = None
    ) -> None:
        """A phase begins."""
        self._say(message or name)

    def update(self, current: int, *, message: str | None = None) -> None:
        """Progress within a phase."""
        self._say(message)

    def end_phase(self) -> None:
        """A phase ends (nothing to say)."""


def _features_and_people(respondents: Sequence[Respondent], quotas: Sequence[Quota], size: int):  # type: ignore[no-untyped-def]
    from sortition_algorithms.features import FeatureValueMinMax
    from sortition_algorithms.people import People
    from sortition_algorithms.utils import CaseInsensitiveDict

    features = CaseInsensitiveDict()
    categories = sorted({q.category for q in quotas})
    for category in categories:
        features[category] = CaseInsensitiveDict()
    for quota in quotas:
        features[quota.category][quota.value] = FeatureValueMinMax(min=quota.min, max=quota.max)
    # Values without a quota may take any number of seats.
    for person in respondents:
        for category in categories:
            value = person.values[category]
            if value not in features[category]:
                features[category][value] = FeatureValueMinMax(min=0, max=size)
    people = People(categories)
    for row, person in enumerate(respondents, 2):
        people.add(person.id, {c: person.values[c] for c in categories}, features, row)
    return features, people


def _per_person(
    respondents: Sequence[Respondent],
    committees: Sequence[frozenset[str]],
    weights: Sequence[float],
) -> dict[str, float]:
    result = {p.id: 0.0 for p in respondents}
    for committee, probability in zip(committees, weights, strict=True):
        for person in committee:
            result[person] += probability
    return result


def oracle_maximin(
    respondents: Sequence[Respondent],
    quotas: Sequence[Quota],
    size: int,
    backend: str = "",
    *,
    progress: bool = False,
) -> dict[str, float]:
    """Each respondent's selection probability under sortition-algorithms' maximin
    (``progress``: its progress lines on stderr)."""
    from sortition_algorithms.committee_generation import find_distribution_maximin

    features, people = _features_and_people(respondents, quotas, size)
    committees, probabilities, _ = find_distribution_maximin(
        features,
        people,
        size,
        [],
        backend or best_backend(),
        progress_reporter=_StderrReporter() if progress else None,
    )
    return _per_person(respondents, committees, probabilities)


def oracle_leximin(
    respondents: Sequence[Respondent],
    quotas: Sequence[Quota],
    size: int,
    backend: str = "",
    *,
    progress: bool = False,
) -> dict[str, float]:
    """Each respondent's selection probability under sortition-algorithms' leximin
    (its dual LP needs Gurobi; ``backend`` solves its integer programs)."""
    from sortition_algorithms.committee_generation.leximin import find_distribution_leximin

    features, people = _features_and_people(respondents, quotas, size)
    committees, probabilities, _ = find_distribution_leximin(
        features,
        people,
        size,
        [],
        backend or best_backend(),
        progress_reporter=_StderrReporter() if progress else None,
    )
    return _per_person(respondents, committees, probabilities)


def main(argv: list[str] | None = None) -> int:
    """Compute one reference on the benchmark pool; JSON result on stdout."""
    from tools.panel_pool import benchmark_problem

    parser = argparse.ArgumentParser(description="sortition-algorithms on the benchmark pool")
    parser.add_argument("method", choices=["maximin", "leximin"])
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--seats", type=int, default=150)
    parser.add_argument("--backend", default="")
    args = parser.parse_args(argv)
    people, quotas = benchmark_problem(args.respondents, args.seats)
    function = oracle_maximin if args.method == "maximin" else oracle_leximin
    started = time.perf_counter()
    probabilities = function(people, quotas, args.seats, args.backend, progress=True)
    seconds = time.perf_counter() - started
    values = sorted(probabilities.values())
    print(json.dumps({"seconds": seconds, "lowest": values[0], "sum": sum(values)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
