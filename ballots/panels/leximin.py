"""LEXIMIN selection probabilities with the HiGHS solver.

This is the one module of ``ballots`` that needs more than the standard library:
maximising the lowest selection probability over all quota-meeting panels is a
linear program with one column per possible panel, and finding the next useful
panel is an integer program. Both are solved with HiGHS (``highspy``, MIT licence),
imported only here. Re-drawing and checking a published panel
(:mod:`ballots.panels.draw`, :mod:`ballots.panels.portfolio`) never imports this
module, so a resident can check a draw with nothing but Python.

The algorithm is the one of Flanigan, Gölz, Gupta, Hennig and Procaccia, "Fair
algorithms for selecting citizens' assemblies" (Nature 596, 2021), on profiles
instead of people (:mod:`ballots.panels.model`): members of one profile are
interchangeable, and the leximin probabilities are unique, so they share one
probability. For each stage:

- the dual LP: minimise ``ŷ - Σ_fixed p_t y_t`` subject to
  ``Σ_t y_t c_t / n_t <= ŷ`` for every panel ``c`` found so far (``c_t`` seats for
  profile ``t`` of ``n_t`` people), ``Σ_unfixed y_t = 1``, ``y >= 0``;
- pricing: the integer program "the quota-meeting panel with the largest
  ``Σ_t y_t c_t / n_t``"; if it exceeds ``ŷ``, that panel joins the LP (column
  generation) and the LP is solved again;
- when no panel exceeds ``ŷ``, the LP value is the largest possible lowest
  probability of the unfixed profiles; profiles with ``y_t > 0`` cannot get more
  (complementary slackness) and are fixed at it.

That is the exact method, and the fallback. First comes a faster way to the same
result: the leximin over the LP relaxation of the panels (expected seats anywhere in
the polytope of the quotas, one small LP per stage, :func:`_compact_leximin`) is an
upper bound in the leximin order, since every lottery's expected seats lie in that
polytope. If a lottery over panels reaches it, it is the leximin. Panels to reach it
come from a walk over the polytope's faces (:func:`_caratheodory`) and then the same
column generation, on one LP "every profile at least z times its bound"
(:func:`_decompose`), whose exact stop proves z = 1. Only if z stays below 1 do the
stages above run (with the panels found so far). On the benchmark pool (1,000
respondents, 150 seats) the bound is reached and this takes seconds where the stages
took minutes.

When every profile is fixed, a last LP finds the panels' probabilities. The result
is then rounded to whole numbers out of :data:`ballots.panels.portfolio.DENOMINATOR`
and checked exactly: every panel meets every quota, and every probability is exact.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import highspy
import numpy as np

from ballots.panels.model import Profile, Quota
from ballots.panels.portfolio import Portfolio, round_weights
from ballots.panels.quotas import QuotaProblem

EPS = 1e-7  # optimality tolerance of the column generation (probability units)
FIX_EPS = 1e-6  # a dual value above this fixes its profile
MORE_PANELS = 8  # extra panels looked for per dual solution
KEEP_PANELS = 2.0  # columns kept in the master LP, times the number of profiles
DECOMPOSE_EPS = 1e-9  # a lottery this close to the relaxation's leximin reaches it
Progress = Callable[[str, int, int], None]  # (what, done, total)


class LeximinError(RuntimeError):
    """The solver could not finish (infeasible quotas are checked before)."""


def _silent(*, lp: bool = False) -> highspy.Highs:
    solver = highspy.Highs()
    solver.setOptionValue("output_flag", False)
    if lp:
        # Small LPs re-solved hundreds of times from a warm basis: presolve costs more
        # than the few simplex iterations each re-solve needs. Every change between
        # re-solves (new columns, new costs) keeps the last basis primal feasible, so
        # the primal simplex goes on from it; the dual simplex (HiGHS' default) first
        # has to repair dual feasibility and took 6x as long on the benchmark.
        solver.setOptionValue("presolve", "off")
        solver.setOptionValue("simplex_strategy", 4)
    return solver


class PanelSearch:
    """The integer program whose solutions are the quota-meeting panels, as seats per
    profile; :meth:`best` finds the one with the largest weighted sum."""

    def __init__(self, profiles: Sequence[Profile], quotas: Sequence[Quota], size: int) -> None:
        self.profiles = list(profiles)
        n = len(self.profiles)
        self.n = n
        self.solver = h = _silent()
        h.setOptionValue("mip_rel_gap", 1e-9)
        h.setOptionValue("mip_abs_gap", 1e-10)
        inf = highspy.kHighsInf
        h.addVars(n, np.zeros(n), np.array([float(p.size) for p in self.profiles]))
        h.changeColsIntegrality(
            n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n)
        )
        h.addRow(size, size, n, np.arange(n, dtype=np.int32), np.ones(n))
        self.size = size
        self.upper = np.array([float(p.size) for p in self.profiles])
        self.member = np.zeros((len(quotas), n))  # quota x profile: 1 if the profile counts
        self.q_min = np.array([float(q.min) for q in quotas])
        self.q_max = np.array([float(q.max) for q in quotas])
        for q_index, quota in enumerate(quotas):
            index = [
                t for t, p in enumerate(self.profiles) if p.value(quota.category) == quota.value
            ]
            self.member[q_index, index] = 1.0
            h.addRow(
                quota.min,
                quota.max,
                len(index),
                np.array(index, dtype=np.int32),
                np.ones(len(index)),
            )
        households: dict[str, list[int]] = {}
        for t, p in enumerate(self.profiles):
            if p.household:
                households.setdefault(p.household, []).append(t)
        for index in households.values():
            h.addRow(-inf, 1, len(index), np.array(index, dtype=np.int32), np.ones(len(index)))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        # The same model without integrality, in its own solver so each keeps its
        # warm start (switching integrality back and forth throws both away).
        self.relaxed = _silent(lp=True)
        relaxed_lp = h.getLp()
        relaxed_lp.integrality_ = []
        self.relaxed.passModel(relaxed_lp)
        self.relaxed.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.solves = 0
        self.rounded = 0
        self.has_households = bool(households)
        self.relaxations = 0

    def best(self, weights: Sequence[float]) -> tuple[int, ...] | None:
        """The panel maximising ``Σ weights_t × seats_t``, or None if no panel meets
        the quotas."""
        h = self.solver
        h.changeColsCost(
            self.n, np.arange(self.n, dtype=np.int32), np.asarray(weights, dtype=float)
        )
        h.run()
        self.solves += 1
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        return tuple(round(v) for v in h.getSolution().col_value)

    def improving(
        self, weights: Sequence[float], threshold: float, *, exact: bool = True
    ) -> tuple[int, ...] | None:
        """A panel whose weighted sum exceeds ``threshold``, or None if there is none.

        The LP relaxation first: it takes a millisecond where the integer program
        takes tens. If its optimum is integral, that is the best panel; if even its
        (fractional) optimum stays below the threshold, no panel exceeds it. Only
        otherwise the integer program decides (unless not ``exact``: then None
        means only that no panel was found cheaply).
        """
        h = self.relaxed
        w = np.asarray(weights, dtype=float)
        h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), w)
        h.run()
        self.relaxations += 1
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.array(h.getSolution().col_value)
        if float(np.dot(w, x)) <= threshold:
            return None
        if np.all(np.abs(x - np.round(x)) < 1e-9):
            return tuple(round(v) for v in x)
        panel = self._round(x, w)
        if panel is not None and float(np.dot(w, panel)) > threshold:
            self.rounded += 1
            return panel
        if not exact:
            return None
        panel = self.best(w)
        if panel is None or float(np.dot(w, panel)) <= threshold:
            return None
        return panel

    def _round(
        self,
        x: np.ndarray,
        w: np.ndarray,
        bounds: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    ) -> tuple[int, ...] | None:
        """Round a fractional panel to a quota-meeting one, or None: start from the
        whole seats, then add seats one at a time, first where a minimum is short,
        then where the relaxation had the largest fraction, then by weight.
        ``bounds`` (seats per profile at most, quota minima, quota maxima) narrow the
        model's own, e.g. to a face of its polytope."""
        if self.has_households:
            return None  # rare; the integer program handles them
        upper, q_min, q_max = bounds or (self.upper, self.q_min, self.q_max)
        seats = np.floor(x + 1e-9)
        fraction = x - seats
        counts = self.member @ seats
        for _ in range(self.size - int(seats.sum())):
            room = (seats < upper) & np.all(
                (self.member == 0) | (counts[:, None] + 1 <= q_max[:, None]), axis=0
            )
            if not room.any():
                return None
            short = (counts < q_min).astype(float)
            helps = short @ self.member
            score = helps * 4.0 + fraction * 2.0 + w / (np.abs(w).max() + 1e-12)
            score[~room] = -np.inf
            t = int(np.argmax(score))
            seats[t] += 1
            fraction[t] = 0.0
            counts += self.member[:, t]
        if np.any(counts < q_min) or np.any(counts > q_max):
            return None
        return tuple(int(v) for v in seats)


@dataclass(frozen=True)
class LeximinResult:
    """The rounded, checked portfolio and how the computation went."""

    portfolio: Portfolio
    float_probabilities: tuple[float, ...]  # per profile, before rounding
    stages: int
    panel_searches: int
    seconds: float
    dropped_panels: int = 0  # deleted from the master LP as unused (found again if needed)
    # "relaxation": panels reach the relaxation's leximin; "stages": column generation
    path: str = "relaxation"


def _initial_panels(search: PanelSearch) -> tuple[list[tuple[int, ...]], set[int]]:
    """Panels that together seat every profile that any panel can seat, and the
    profiles no panel can seat."""
    n = search.n
    sizes = [p.size for p in search.profiles]
    panels: list[tuple[int, ...]] = []
    uncovered = set(range(n))
    never: set[int] = set()
    while uncovered:
        weights = [1.0 / sizes[t] if t in uncovered else 0.0 for t in range(n)]
        panel = search.best(weights)
        if panel is None:
            raise LeximinError("no panel meets the quotas")
        newly = {t for t in uncovered if panel[t] > 0}
        if newly:
            panels.append(panel)
            uncovered -= newly
            continue
        # Nothing more in one go: try the rest one by one.
        for t in sorted(uncovered):
            panel = search.best([1.0 if s == t else 0.0 for s in range(n)])
            if panel is not None and panel[t] > 0:
                panels.append(panel)
                uncovered -= {s for s in uncovered if panel[s] > 0}
                break
            never.add(t)
            uncovered.discard(t)
    return panels, never


class _MasterLP:
    """One leximin stage's restricted master LP, grown one panel (column) at a time:
    maximise ``z`` subject to ``Σ_j λ_j c_jt / n_t >= z`` for unfixed profiles,
    ``>= p_t`` for fixed ones, ``Σ_j λ_j = 1``, ``λ >= 0``. Its row duals are the
    dual LP's ``y`` and ``ŷ`` of the module docstring. Solving this primal rather than
    the dual keeps the basis as small as the number of profiles, however many panels
    join, so every re-solve from the warm basis stays cheap."""

    def __init__(self, profiles: Sequence[Profile], scale: Sequence[float] | None = None) -> None:
        self.n = n = len(profiles)
        self.sizes = np.array([float(p.size) for p in profiles])
        self.solver = h = _silent(lp=True)
        inf = highspy.kHighsInf
        # rows 0..n-1: profiles (share - z >= 0); row n: the lottery adds up to 1
        h.addRows(n, np.zeros(n), np.full(n, inf), 0, np.array([], dtype=np.int32),
                  np.array([], dtype=np.int32), np.array([]))  # fmt: skip
        h.addRow(1.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        # column 0: z, free, in every unfixed profile's row with -1 (with a ``scale``:
        # -scale_t, so z is the fraction of each profile's target that all reach)
        z_column = -np.ones(n) if scale is None else -np.asarray(scale, dtype=float)
        h.addCol(1.0, -inf, inf, n, np.arange(n, dtype=np.int32), z_column)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.panels: list[tuple[int, ...]] = []  # column j + 1 of the LP
        self.seen: set[tuple[int, ...]] = set()  # the panels now in the LP
        # More than a basis (n + 1 columns) always stays, so a re-solve has room to move.
        # Only the master with a scale (no stages, no fixed rows) drops panels: with
        # fixed rows, HiGHS 1.16 once called a master infeasible after deletions.
        self.keep = max(n + 20, int(KEEP_PANELS * n)) if scale is not None else 1 << 60
        self.shares: np.ndarray | None = None  # per profile, at the last solve
        self.dropped = 0

    def add_panel(self, panel: tuple[int, ...]) -> bool:
        """Add the panel's column; False if it is there already."""
        if panel in self.seen:
            return False
        self.seen.add(panel)
        self.panels.append(panel)
        index = [t for t in range(self.n) if panel[t]]
        values = [panel[t] / self.sizes[t] for t in index]
        self.solver.addCol(
            0.0,
            0.0,
            highspy.kHighsInf,
            len(index) + 1,
            np.array([*index, self.n], dtype=np.int32),
            np.array([*values, 1.0]),
        )
        return True

    def fix(self, t: int, probability: float) -> None:
        """Profile ``t`` is fixed at ``probability``: its row loses ``z`` and gets the
        probability as its lower bound."""
        h = self.solver
        if self.shares is not None:
            # Never above what the last solution gives it (the solver meets bounds only
            # to its tolerance): the lottery found stays feasible for good.
            probability = min(probability, float(self.shares[t]) - 1e-9)
        h.changeCoeff(t, 0, 0.0)
        h.changeRowBounds(t, max(0.0, probability), highspy.kHighsInf)

    def solve(self) -> tuple[np.ndarray, float, float]:
        """``(y, ŷ, z)``: the dual prices of the profiles and of the lottery row, and
        the stage's optimum over the panels so far."""
        h = self.solver
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            # The LP is feasible by construction (the last lottery still is); a warm
            # start can still go wrong after many column changes: start cold once.
            h.clearSolver()
            h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise LeximinError(f"master LP: {h.modelStatusToString(h.getModelStatus())}")
        solution = h.getSolution()
        # Each profile's probability in this lottery (z's coefficient -1 in an unfixed
        # row; stages fix profiles only in the master without a scale).
        self.shares = np.array(solution.row_value[: self.n]) + float(solution.col_value[0])
        duals = np.array(solution.row_dual)
        # HiGHS reports a maximisation's duals with the signs of the minimisation of
        # -z: the profile rows' come out negative and the lottery row's positive.
        sign = -1.0 if duals[: self.n].sum() < 0 else 1.0
        y, y_hat = sign * duals[: self.n], -sign * float(duals[self.n])
        return y, y_hat, float(h.getInfo().objective_function_value)

    def drop_useless(self) -> None:
        """Past :data:`KEEP_PANELS` columns, delete the panels the last solve priced
        worst (non-basic, most negative reduced cost) down to three quarters of it.

        A simplex iteration prices every column, so a master with thousands of panels
        (most of them long unused) makes every re-solve slow; deleting non-basic
        columns keeps HiGHS' basis valid, so the next solve goes on from it. A dropped
        panel that becomes useful again is found again by the exact pricing, which
        decides when a stage ends, so the result does not change."""
        if len(self.panels) <= self.keep:
            return
        h = self.solver
        reduced = np.array(h.getSolution().col_dual[1:])
        status = h.getBasis().col_status[1:]
        basic = np.array([s == highspy.HighsBasisStatus.kBasic for s in status])
        # A maximisation's non-basic columns at their bound 0 have reduced cost <= 0.
        candidates = [j for j in np.argsort(reduced) if not basic[j] and reduced[j] < -EPS]
        drop = sorted(candidates[: len(self.panels) - (3 * self.keep) // 4])
        if not drop:
            return
        h.deleteCols(len(drop), np.array([j + 1 for j in drop], dtype=np.int32))
        gone = set(drop)
        for j in drop:
            self.seen.discard(self.panels[j])
        self.panels = [p for j, p in enumerate(self.panels) if j not in gone]
        self.dropped += len(drop)

    def lottery(self) -> list[float]:
        """The panels' probabilities at the last solve."""
        return list(self.solver.getSolution().col_value[1:])


def _more_panels(
    search: PanelSearch, dual: _MasterLP, y: np.ndarray, y_hat: float, panel: tuple[int, ...]
) -> None:
    """More violated panels from one dual solution, without re-solving the LP (the
    heuristic of Flanigan et al.'s maximin): lower the weights of the profiles on the
    panel just found until it no longer violates, and look again. It only adds panels;
    the stopping test stays the exact one."""
    weights = y.copy()
    sizes = dual.sizes
    for _ in range(MORE_PANELS):
        value = float(np.dot(weights / sizes, panel))
        if value <= 0:
            return
        seated = np.asarray(panel) > 0
        weights[seated] *= y_hat / value
        panel = search.improving(weights / sizes, y_hat + EPS, exact=False)
        if panel is None or not dual.add_panel(panel):
            return


def _final_probabilities(
    panels: Sequence[tuple[int, ...]], sizes: np.ndarray, fixed: Sequence[float]
) -> list[float]:
    """Panel probabilities giving each profile its fixed probability; formally the
    largest shortfall is minimised, so rounding noise cannot make it infeasible."""
    h = _silent()
    # The published probabilities come from this solve: HiGHS' default tolerance
    # (1e-7) would let a profile come out up to that far below its leximin value.
    h.setOptionValue("primal_feasibility_tolerance", 1e-10)
    h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    m, n = len(panels), len(sizes)
    inf = highspy.kHighsInf
    h.addVars(m, np.zeros(m), np.full(m, inf))
    h.addVar(0.0, inf)  # the shortfall
    h.changeColCost(m, 1.0)
    h.addRow(1.0, 1.0, m, np.arange(m, dtype=np.int32), np.ones(m))
    for t in range(n):
        index = [j for j in range(m) if panels[j][t]]
        values = [panels[j][t] / sizes[t] for j in index]
        h.addRow(
            fixed[t],
            inf,
            len(index) + 1,
            np.array([*index, m], dtype=np.int32),
            np.array([*values, 1.0]),
        )
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise LeximinError("final LP did not solve")
    return list(h.getSolution().col_value[:m])


def _compact_leximin(search: PanelSearch, progress: Progress | None) -> tuple[list[float], int]:
    """The leximin over the LP relaxation of the panels: expected seats ``x_t`` of
    each profile anywhere in the polytope the quotas, the panel size and the household
    rule cut out, with one stage per probability level as in the column generation,
    but as one small LP per stage (no panels, no pricing). Each profile's probability
    is ``x_t / n_t``; returns them and the number of stages.

    Every lottery over panels gives expected seats in that polytope, so these
    probabilities are an upper bound in the leximin order; when a lottery reaches
    them (:func:`_decompose`) they are the leximin itself."""
    n = search.n
    sizes = np.array([float(p.size) for p in search.profiles])
    h = _silent()
    # Exact enough that the bound, not the solver's tolerance, decides.
    h.setOptionValue("primal_feasibility_tolerance", 1e-10)
    h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    model = search.relaxed.getLp()
    model.col_cost_ = np.zeros(n)
    h.passModel(model)
    inf = highspy.kHighsInf
    h.addCol(1.0, -inf, inf, 0, np.array([], dtype=np.int32), np.array([]))  # z, column n
    base = h.getNumRow()
    for t in range(n):  # x_t - n_t z >= 0
        h.addRow(0.0, inf, 2, np.array([t, n], dtype=np.int32), np.array([1.0, -sizes[t]]))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    fixed: dict[int, float] = {}
    stages = 0
    while len(fixed) < n:
        stages += 1
        if progress:
            progress("fixing probabilities", len(fixed), n)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise LeximinError("no panel meets the quotas")
        level = max(0.0, min(1.0, float(h.getInfo().objective_function_value)))
        # The row's dual times n_t is the profile's price y_t of the column generation.
        prices = np.abs(np.array(h.getSolution().row_dual)[base:]) * sizes
        unfixed = [t for t in range(n) if t not in fixed]
        chosen = [t for t in unfixed if prices[t] > FIX_EPS] or [
            max(unfixed, key=lambda t: prices[t])
        ]
        for t in chosen:
            fixed[t] = level
            h.changeCoeff(base + t, n, 0.0)
            h.changeRowBounds(base + t, sizes[t] * max(0.0, level - 1e-12), inf)
    return [fixed[t] for t in range(n)], stages


def _caratheodory(search: PanelSearch, target: Sequence[float]) -> list[tuple[int, ...]]:
    """Panels whose lottery (nearly) gives every profile its ``target`` probability,
    found directly instead of by column generation: at the point ``x`` of expected
    seats, take a panel ``c`` on the smallest face of the relaxation's polytope that
    holds ``x``, and move ``x`` away from ``c`` (``x' = (x - θc) / (1 - θ)``, ``θ`` as
    large as the polytope allows) onto a smaller face, until ``x`` is a panel itself.
    At most one step per dimension, each a small LP; a fractional corner of the face
    is rounded within the face, and only if that fails the integer program decides.

    Only a head start: the probabilities come from the exact column generation of
    :func:`_decompose` over these panels, which also proves that nothing is missing.
    So this may stop early (float noise builds up as ``x`` is rescaled, or a face has
    no panel) and just returns what it found."""
    n = search.n
    model = search.relaxed.getLp()
    rows = len(model.row_lower_)
    matrix = np.zeros((rows, n))
    starts, index, values = model.a_matrix_.start_, model.a_matrix_.index_, model.a_matrix_.value_
    for t in range(n):
        for k in range(starts[t], starts[t + 1]):
            matrix[index[k], t] = values[k]
    row_lo = np.array(model.row_lower_)
    row_up = np.array(model.row_upper_)
    quota_rows = slice(1, 1 + len(search.q_min))  # row 0 is the panel size
    upper = search.upper
    x = np.asarray(target, dtype=float) * upper
    face = _silent(lp=True)
    face.passModel(model)
    face.changeObjectiveSense(highspy.ObjSense.kMaximize)
    mip = search.solver
    rng = np.random.default_rng(12)  # any objective finds a corner; fixed, to repeat runs
    cols = np.arange(n, dtype=np.int32)
    row_ids = np.arange(rows, dtype=np.int32)
    tol = 1e-7
    found: list[tuple[int, ...]] = []
    for _ in range(n + rows + 2):
        at_low, at_up = x <= tol, x >= upper - tol
        x = np.where(at_low, 0.0, np.where(at_up, upper, x))
        col_lo = np.where(at_up, upper, 0.0)
        col_up = np.where(at_low, 0.0, upper)
        act = matrix @ x
        tight_lo = np.isfinite(row_lo) & (act <= row_lo + tol)
        tight_up = np.isfinite(row_up) & (act >= row_up - tol)
        face_lo = np.where(tight_up, row_up, row_lo)
        face_up = np.where(tight_lo, row_lo, row_up)
        # Prefer the profiles with the most expected seats left: they leave soonest.
        cost = x / upper + 1e-3 * rng.random(n)
        face.changeColsBounds(n, cols, col_lo, col_up)
        face.changeRowsBounds(rows, row_ids, face_lo, face_up)
        face.changeColsCost(n, cols, cost)
        face.run()
        if face.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        corner = np.array(face.getSolution().col_value)
        panel: tuple[int, ...] | None = tuple(int(v) for v in np.round(corner))
        if np.abs(corner - np.round(corner)).max() > 1e-9:
            panel = search._round(corner, cost, (col_up, face_lo[quota_rows], face_up[quota_rows]))
        if panel is None:
            mip.changeColsBounds(n, cols, col_lo, col_up)
            mip.changeRowsBounds(rows, row_ids, face_lo, face_up)
            mip.changeColsCost(n, cols, cost)
            mip.run()
            search.solves += 1
            solved = mip.getModelStatus() == highspy.HighsModelStatus.kOptimal
            if solved:
                panel = tuple(int(v) for v in np.round(mip.getSolution().col_value))
            mip.changeColsBounds(n, cols, np.zeros(n), upper)
            mip.changeRowsBounds(rows, row_ids, row_lo, row_up)
            if panel is None:
                break
        c = np.array(panel, dtype=float)
        found.append(panel)
        act_c = matrix @ c
        limits = [1.0]
        for room_x, room_c in (
            (upper - x, upper - c),
            (x, c),
            (row_up - act, row_up - act_c),
            (act - row_lo, act_c - row_lo),
        ):
            # x' has room (room_x - θ room_c) / (1 - θ): it stays >= 0 while
            # θ <= room_x / room_c (binding only where c has more room than x).
            ok = np.isfinite(room_x) & (room_x > tol) & (room_c > room_x + tol)
            limits.extend(room_x[ok] / room_c[ok])
        theta = max(0.0, min(limits))
        if theta >= 1.0 - 1e-12 or theta <= 1e-12:
            break  # x is the panel itself, or float noise stopped the walk
        x = np.clip((x - theta * c) / (1.0 - theta), 0.0, upper)
    return found


def _generate_columns(search: PanelSearch, master: _MasterLP) -> tuple[np.ndarray, float]:
    """Column generation on ``master`` until no panel improves it: the last prices
    and the optimum. The stop is exact (integer program when the relaxation cannot
    decide)."""
    sizes = master.sizes
    while True:
        y, y_hat, value = master.solve()
        master.drop_useless()
        y = np.maximum(y, 0.0)
        panel = search.improving(y / sizes, y_hat + EPS)
        if panel is None or not master.add_panel(panel):
            return y, value
        _more_panels(search, master, y, y_hat, panel)


def _decompose(
    search: PanelSearch, target: Sequence[float], panels: Sequence[tuple[int, ...]]
) -> tuple[_MasterLP, float]:
    """A lottery over panels giving every profile its ``target`` probability, as far
    as one exists: the master LP "the largest z with every profile at least z times
    its target", grown by column generation. Returns it and z (1: reached)."""
    master = _MasterLP(search.profiles, scale=target)
    for panel in panels:
        master.add_panel(panel)
    _, value = _generate_columns(search, master)
    return master, value


def leximin(
    profiles: Sequence[Profile],
    quotas: Sequence[Quota],
    size: int,
    *,
    progress: Progress | None = None,
) -> LeximinResult:
    """The leximin portfolio for a panel of ``size`` seats meeting ``quotas``.

    ``progress`` (optional) is called with a short English phrase and counts of
    profiles fixed so far, for a progress bar. Raises :class:`LeximinError` when no
    panel meets the quotas (check :func:`relaxation` first for the reasons).
    """
    started = time.perf_counter()
    search = PanelSearch(profiles, quotas, size)
    n = len(profiles)
    panels, never = _initial_panels(search)
    # First the leximin of the relaxation (milliseconds), then panels that reach it:
    # if they do, it is the leximin (nothing does better than the bound). Only if not
    # (the quotas' polytope has fractional corners that matter), stage by stage below.
    target, stages = _compact_leximin(search, progress)
    fixed: dict[int, float] = {}
    dual, reached = _decompose(search, target, [*panels, *_caratheodory(search, target)])
    path = "relaxation"
    if reached >= 1.0 - DECOMPOSE_EPS and not any(target[t] > 0 for t in never):
        fixed = dict(enumerate(target))
        panels = []
    else:
        path = "stages"
        panels = list(dual.panels)
        dual = _MasterLP(profiles)
        stages = 0
    for panel in panels:
        dual.add_panel(panel)
    for t in never:
        fixed[t] = 0.0
        dual.fix(t, 0.0)
    sizes = dual.sizes
    while len(fixed) < n:
        stages += 1
        if progress:
            progress("fixing probabilities", len(fixed), n)
        y, value = _generate_columns(search, dual)
        unfixed = [t for t in range(n) if t not in fixed]
        chosen = [t for t in unfixed if y[t] > FIX_EPS] or [max(unfixed, key=lambda t: y[t])]
        level = max(0.0, min(1.0, value))
        for t in chosen:
            fixed[t] = level
            dual.fix(t, level)
    if progress:
        progress("fixing probabilities", n, n)
    float_probs = [fixed[t] for t in range(n)]
    shares = _final_probabilities(dual.panels, sizes, float_probs)
    keep = [j for j, s in enumerate(shares) if s > 1e-12]
    weights = round_weights([shares[j] for j in keep])
    used = [(dual.panels[j], w) for j, w in zip(keep, weights, strict=True) if w > 0]
    portfolio = Portfolio(
        profiles=tuple(profiles),
        panels=tuple(p for p, _ in used),
        weights=tuple(w for _, w in used),
    )
    problems = portfolio.problems(quotas, size)
    if problems:  # the solver's integers are rounded floats: never publish a bad panel
        raise LeximinError("; ".join(problems[:5]))
    return LeximinResult(
        portfolio=portfolio,
        float_probabilities=tuple(float_probs),
        stages=stages,
        panel_searches=search.solves,
        seconds=time.perf_counter() - started,
        dropped_panels=dual.dropped,
        path=path,
    )


def relaxation(
    profiles: Sequence[Profile], quotas: Sequence[Quota], size: int
) -> list[QuotaProblem]:
    """Whether all quotas can be met together, and if not, the smallest change that
    would make them so: one ``joint`` :class:`QuotaProblem` per quota to change, with
    the number of seats its minimum must come down (``short`` > 0) or its maximum go
    up (``short`` < 0). Empty when a panel meets every quota.

    The panel size and the one-per-household rule stay fixed; if even relaxing every
    quota cannot fill the panel, one ``pool_too_small`` problem comes back.
    """
    h = _silent()
    n = len(profiles)
    inf = highspy.kHighsInf
    h.addVars(n, np.zeros(n), np.array([float(p.size) for p in profiles]))
    h.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n)
    )
    h.addRow(size, size, n, np.arange(n, dtype=np.int32), np.ones(n))
    households: dict[str, list[int]] = {}
    for t, p in enumerate(profiles):
        if p.household:
            households.setdefault(p.household, []).append(t)
    for index in households.values():
        h.addRow(-inf, 1, len(index), np.array(index, dtype=np.int32), np.ones(len(index)))
    for q_index, quota in enumerate(quotas):
        index = [t for t, p in enumerate(profiles) if p.value(quota.category) == quota.value]
        low = n + 2 * q_index  # seats below the minimum
        high = low + 1  # seats above the maximum
        h.addVars(2, np.zeros(2), np.full(2, inf))
        h.changeColsCost(2, np.array([low, high], dtype=np.int32), np.ones(2))
        # count + low >= min ; count - high <= max
        h.addRow(
            quota.min,
            inf,
            len(index) + 1,
            np.array([*index, low], dtype=np.int32),
            np.ones(len(index) + 1),
        )
        h.addRow(
            -inf,
            quota.max,
            len(index) + 1,
            np.array([*index, high], dtype=np.int32),
            np.array([1.0] * len(index) + [-1.0]),
        )
    h.changeObjectiveSense(highspy.ObjSense.kMinimize)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        pool = sum(p.size for p in profiles)
        return [QuotaProblem("pool_too_small", needed=size, available=pool, short=size - pool)]
    values = h.getSolution().col_value
    problems = []
    for q_index, quota in enumerate(quotas):
        down = round(values[n + 2 * q_index])
        up = round(values[n + 2 * q_index + 1])
        if down:
            problems.append(
                QuotaProblem(
                    "joint",
                    quota.category,
                    quota.value,
                    needed=quota.min,
                    available=quota.min - down,
                    short=down,
                )
            )
        if up:
            problems.append(
                QuotaProblem(
                    "joint",
                    quota.category,
                    quota.value,
                    needed=quota.max,
                    available=quota.max + up,
                    short=-up,
                )
            )
    return problems
