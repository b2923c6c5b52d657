"""A generated pool of panel respondents with realistic skew, for benchmarks and tests.

Five categories as Dutch burgerberaden use them (gender, age band, education,
neighbourhood, opinion on the topic). Who replies to an invitation is skewed:
older, highly educated residents reply more often, so the pool over-represents
them and the quotas (the population's shares) pull the other way.
"""

from __future__ import annotations

import random
from fractions import Fraction

from ballots.panels.model import Quota, Respondent
from ballots.panels.quotas import quotas_from_shares

# (value, population share, relative reply rate)
CATEGORIES: dict[str, list[tuple[str, Fraction, float]]] = {
    "geslacht": [
        ("vrouw", Fraction(50, 100), 1.1),
        ("man", Fraction(49, 100), 0.9),
        ("anders", Fraction(1, 100), 1.0),
    ],
    "leeftijd": [
        ("16-24", Fraction(13, 100), 0.5),
        ("25-39", Fraction(22, 100), 0.8),
        ("40-54", Fraction(24, 100), 1.0),
        ("55-69", Fraction(23, 100), 1.4),
        ("70+", Fraction(18, 100), 1.2),
    ],
    "opleiding": [
        ("laag", Fraction(28, 100), 0.5),
        ("midden", Fraction(37, 100), 0.9),
        ("hoog", Fraction(35, 100), 1.7),
    ],
    "wijk": [
        ("Centrum", Fraction(20, 100), 1.2),
        ("Noord", Fraction(25, 100), 1.0),
        ("Oost", Fraction(15, 100), 0.8),
        ("West", Fraction(25, 100), 1.0),
        ("Zuid", Fraction(15, 100), 0.9),
    ],
    "mening": [
        ("zorgen", Fraction(40, 100), 1.3),
        ("neutraal", Fraction(45, 100), 0.8),
        ("geen zorgen", Fraction(15, 100), 0.9),
    ],
}


def generate_pool(size: int, seed: int = 1) -> list[dict[str, str]]:
    """``size`` respondents' answers, drawn independently per category with the
    population shares tilted by the reply rates."""
    rng = random.Random(seed)
    people = []
    for _ in range(size):
        person = {}
        for category, values in CATEGORIES.items():
            weights = [float(share) * rate for _, share, rate in values]
            person[category] = rng.choices([v for v, _, _ in values], weights)[0]
        people.append(person)
    return people


def population_shares() -> dict[str, dict[str, Fraction]]:
    """The population shares per category and value."""
    return {c: {v: s for v, s, _ in values} for c, values in CATEGORIES.items()}


def benchmark_problem(respondents: int, seats: int) -> tuple[list[Respondent], list[Quota]]:
    """The benchmark's pool and quotas: ``respondents`` generated people (seed 1) and,
    per category value, the population share × ``seats`` ± 1/40 of the seats."""
    people = [
        Respondent(f"r{i:04d}", answers) for i, answers in enumerate(generate_pool(respondents))
    ]
    quotas = [
        q
        for category, shares in population_shares().items()
        for q in quotas_from_shares(category, shares, seats, Fraction(seats, 40))
    ]
    return people, quotas
