"""The Sortition Foundation's ``sortition-algorithms`` (GPL-3) as an independent
reference: its maximin on the same pool and quotas. Used by tests, the benchmark
and ``verify_panel.py --cross-check`` only; Buurtstem never depends on it."""

from __future__ import annotations

from collections.abc import Sequence

from ballots.panels.model import Quota, Respondent


def available() -> bool:
    """True if ``sortition-algorithms`` is installed."""
    try:
        import sortition_algorithms  # noqa: F401
    except ImportError:
        return False
    return True


def best_backend() -> str:
    """Its faster solver: CBC through python-mip when installed (its own benchmark:
    119 s against 261 s with HiGHS), else HiGHS."""
    try:
        import mip  # noqa: F401
    except ImportError:
        return "highspy"
    return "mip-cbc"


def oracle_maximin(
    respondents: Sequence[Respondent], quotas: Sequence[Quota], size: int, backend: str = ""
) -> dict[str, float]:
    """Each respondent's selection probability under sortition-algorithms' maximin."""
    from sortition_algorithms.committee_generation import find_distribution_maximin
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
    committees, probabilities, _ = find_distribution_maximin(
        features, people, size, [], backend or best_backend()
    )
    result = {p.id: 0.0 for p in respondents}
    for committee, probability in zip(committees, probabilities, strict=True):
        for person in committee:
            result[person] += probability
    return result
