"""Against the Sortition Foundation's sortition-algorithms (GPL-3, test extra only):
on random small pools our lowest selection probability is at least its maximin's."""

from __future__ import annotations

import os
import random

import pytest

from ballots.panels.leximin import leximin
from ballots.panels.model import group_profiles
from tests.ballots.panels.test_leximin import CATEGORIES, quotas_for, random_pool
from tools.sortition_oracle import available, oracle_maximin

pytestmark = pytest.mark.skipif(not available(), reason="sortition-algorithms not installed")
SEEDS = range(12) if os.environ.get("BUURTSTEM_FULL_ORACLE") else [7]


@pytest.mark.parametrize("seed", SEEDS)
def test_lowest_probability_at_least_the_oracles_maximin(seed: int) -> None:
    people = random_pool(random.Random(seed), 40)
    size, quotas = 10, quotas_for(10)
    ours = leximin(group_profiles(people, list(CATEGORIES)), quotas, size).portfolio
    theirs = oracle_maximin(people, quotas, size, backend="highspy")
    lowest = float(min(ours.probabilities().values()))
    # Our probabilities are whole numbers out of 10**12: allow that rounding.
    assert lowest >= min(theirs.values()) - 1e-9
    assert sum(theirs.values()) == pytest.approx(size)
