"""Civic lottery (burgerberaad, wijkcomité): the two-stage draw of a citizens' panel.

Stage 1 invites a uniform sample of the register (:mod:`ballots.panels.sampling`);
stage 2 draws the panel from those who signed up, by quotas (:mod:`.quotas`), with
selection probabilities that are as equal as the quotas allow: LEXIMIN
(:mod:`.leximin`, Flanigan et al., Nature 596, 2021). The distribution over panels
(the *portfolio*, :mod:`.portfolio`) is rounded to whole numbers out of a fixed
denominator, so the draw itself (:mod:`.draw`) is exact integer arithmetic that anyone
can redo from the published seed.

Everything here is standard library only, except :mod:`.leximin`, which needs the
HiGHS solver (``highspy``) to solve the linear and integer programs. Nothing else
imports it, so re-drawing and checking a published panel needs only Python.
"""

from ballots.panels.model import Profile, Quota, Respondent, group_profiles, panel_counts
from ballots.panels.portfolio import Portfolio

__all__ = [
    "Portfolio",
    "Profile",
    "Quota",
    "Respondent",
    "group_profiles",
    "panel_counts",
]
