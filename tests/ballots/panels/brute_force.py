"""An independent leximin for tiny pools: every panel enumerated, person by person.

No profiles, no column generation, no dual: it lists every subset of the pool that
meets the quotas, then finds the leximin probabilities the textbook way (maximise
the lowest unfixed probability; fix every person who cannot get more; repeat).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import highspy
import numpy as np

from ballots.panels.model import Quota, Respondent, members_meet_quotas


def all_panels(
    respondents: Sequence[Respondent], quotas: Sequence[Quota], size: int
) -> list[frozenset[str]]:
    """Every set of ``size`` respondents meeting every quota (and households)."""
    by_id = {r.id: r for r in respondents}
    return [
        frozenset(c)
        for c in itertools.combinations(sorted(by_id), size)
        if not members_meet_quotas(c, by_id, quotas)
    ]


def _lp(panels, people, fixed, objective_person=None, floor=None):
    """max z (or one person's probability) over lotteries of ``panels``."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    m = len(panels)
    h.addVars(m + 1, np.zeros(m + 1), np.array([1.0] * m + [1.0]))
    h.addRow(1, 1, m, np.arange(m, dtype=np.int32), np.ones(m))
    for person in people:
        index = [j for j, p in enumerate(panels) if person in p]
        if person in fixed:
            h.addRow(
                fixed[person] - 1e-9,
                2,
                len(index),
                np.array(index, dtype=np.int32),
                np.ones(len(index)),
            )
        elif objective_person is None:
            # share - z >= 0
            h.addRow(
                0,
                2,
                len(index) + 1,
                np.array([*index, m], dtype=np.int32),
                np.array([1.0] * len(index) + [-1.0]),
            )
        else:
            h.addRow(
                floor - 1e-9, 2, len(index), np.array(index, dtype=np.int32), np.ones(len(index))
            )
    if objective_person is None:
        h.changeColCost(m, 1.0)
    else:
        for j, p in enumerate(panels):
            if objective_person in p:
                h.changeColCost(j, 1.0)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value


def brute_force_leximin(
    respondents: Sequence[Respondent], quotas: Sequence[Quota], size: int
) -> dict[str, float]:
    """Each respondent's leximin selection probability."""
    panels = all_panels(respondents, quotas, size)
    people = [r.id for r in respondents]
    fixed: dict[str, float] = {p: 0.0 for p in people if not any(p in s for s in panels)}
    while len(fixed) < len(people):
        z = _lp(panels, people, fixed)
        open_people = [p for p in people if p not in fixed]
        stuck = [p for p in open_people if _lp(panels, people, fixed, p, z) <= z + 1e-7]
        for p in stuck or open_people:
            fixed[p] = z
    return fixed
