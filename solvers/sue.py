"""Stochastic user equilibrium with nested-logit choice over a given choice set.

Problem
-------
A choice set of ``n_paths`` paths is given as a sparse path × arc incidence ``Δ`` (entry = how
many times the path uses the arc). Path ``p`` serves OD-class ``o = path_od[p]`` (an origin,
destination and commodity; ``demand[o]`` tonnes per year) and lies in nest
``n = path_nest[p]`` (a mode chain) of that OD-class; every nest belongs to one OD-class.
OD-class ``o`` has the arc-cost class ``k = od_class[o]`` (its commodity's cost rates).

Arc cost of class ``k`` (CNY/t)::

    c[k, a] = c0[k, a] + w[k, a] · t_a(v_a) + λ_a

- ``t_a`` — arc time (h), BPR of the total arc volume (PCU, background included)
  ``t_a(v) = t0_a · (1 + α_a (v / C_a) ** β_a)``, ``v_a = Σ_k pcu[k, a] · x[k, a] + B_a``
  (arcs with ``α = 0``, ``β = 0``, ``t0 = 0`` or ``C = inf`` have a constant time,
  ``t0 · (1 + α)`` when ``β = 0``, else ``t0``).
- ``w`` — value of time plus vehicle time cost per tonne-hour (CNY/(t·h), ≥ 0).
- ``λ_a ≥ 0`` — the multiplier of a hard capacity ``Σ_k x[k, a] ≤ K_a`` (tonnes; rail lines,
  terminals): the shadow price or queue delay in money, the same for every class, 0 where the
  capacity does not bind.

Path cost (CNY/t, the utility with its sign changed)::

    g_p = Σ_a Δ_pa c[k_p, a] + asc_p − ln(PS_p) / θ_route[o]

with the path-size factor ``PS_p ∈ (0, 1]`` (:func:`path_size_factor`; 1 = no correction).

Nested logit per OD-class, lower (route) scale ``θ_r ≥`` upper (chain) scale ``θ_c > 0``
(1/(CNY/t))::

    G_n = −(1/θ_r) ln Σ_{p∈n} exp(−θ_r g_p)          composite cost of nest n (CNY/t)
    S_o = −(1/θ_c) ln Σ_{n∈o} exp(−θ_c G_n)          logsum: expected minimum cost (CNY/t)
    P(p | n) = exp(−θ_r (g_p − G_n)),  P(n) = exp(−θ_c (G_n − S_o)),  f_p = q_o P(n) P(p | n)

Unserved demand: with a finite ``unserved_penalty[o]`` the OD-class has one more alternative, a
nest of its own with no arcs and cost = the penalty; it absorbs the demand that the hard
capacities cannot carry, so the problem is always feasible (the multipliers rise until the
served paths cost about the penalty). Its flow is ``SUEResult.unserved``.

Equilibrium: path flows ``f`` with ``f = q · P(g(f))`` (the SUE fixed point) and the capacity
complementarity ``λ ≥ 0, X_a ≤ K_a, λ_a (K_a − X_a) = 0``. With one cost class, or classes with
``w[k] = s · pcu[k]`` (a common ``s_a`` per arc), it is the optimum of the convex (capacitated)
program of Fisk (1980) extended to the nested logit::

    min Σ_a s_a ∫_{B_a}^{v_a} t_a(u) du + Σ_p f_p (c0_p + asc_p − ln PS_p / θ_r)
        + Σ_p (1/θ_r) f_p ln f_p + Σ_n (1/θ_c − 1/θ_r) F_n ln F_n
    s.t. Σ_{p∈o} f_p = q_o,  f ≥ 0,  X_a ≤ K_a

(``F_n`` = nest flow; the multipliers are the duals of the capacity rows). With class-specific
``w`` and ``pcu`` in general no such program exists (the cost Jacobian is asymmetric); the
method below does not need one.

Method
------
The unknowns are the prices of the arcs whose cost depends on the flows: the time ``t_a`` of
each congested arc (BPR with ``α, β, t0 > 0``, finite ``C`` and some class with ``w > 0``) and
the multiplier ``λ_a`` of each finite hard capacity. Given the prices, path costs and the
nested-logit flows ``f(z)`` are closed-form. The equilibrium is the root of::

    R_t = s_a t_a(B_a) · ln(t_a / t_a(v_a(f(z))))        s_a = max_k w[k, a]   (CNY/t)
    R_λ = φ_μ(θ* λ_a, ln(K_a / X_a(f(z)))) / (2 θ*)       θ* = max_o θ_route[o] (CNY/t)
    φ_μ(a, b) = a + b − √((a − b)² + 4 μ²)

- ``R_t ≈ s (t − t(v))`` near the root; in logarithms a steep BPR arc far from equilibrium
  (``t(v)`` a quartic) keeps a moderate residual that Newton's linearization follows (without
  it a case with 20× sharper choice and 20× less road capacity did not converge).
- ``φ_0(a, b) = 2 min(a, b)``: at ``μ = 0``, ``R_λ = min(λ, ln(K/X)/θ*)``, the min-map of the
  complementarity ``λ ≥ 0, X ≤ K, λ (K − X) = 0`` with a logarithmic slack (``ln(K/X) ≥ 0`` iff
  ``X ≤ K``, equal to 0 iff ``X = K``). In logarithms the slack keeps a slope ``≈ θ`` per
  CNY/t of ``λ`` however little flow is left on the arc, so a multiplier that overshot and
  emptied its arc is pulled back instead of stalling (seen at 10× sharper choice).
- ``μ > 0`` is the Chen–Harker–Kanzow–Smale smoothing of the min-map.

Solved by an inexact smoothing Newton method (Qi, Sun & Zhou 2000, *Math. Programming* 87):
each step solves ``J d = −R`` by GMRES with exact Jacobian–vector products (the nested-logit
derivative ``∂f_p/∂g_j = f_p (−θ_r δ_pj + (θ_r − θ_c) P(j|n) [j ∈ n] + θ_c P(j))`` applied with
segment sums; two sparse products per class and product), a Jacobi preconditioner and
Eisenstat–Walker forcing terms; the step is projected (``t ≥ t(B)``, ``λ ≥ 0``) and backtracked
until ``‖R‖`` decreases by the Armijo factor. The smoothing starts at
``μ = min(10⁻³, ½ θ* ‖R‖_∞)`` and follows ``½ θ* ‖R‖_∞`` down, so it vanishes with the residual
and the final convergence is that of Newton's method on the min-map (quadratic near a
nondegenerate solution).

Why smoothing: two capacities on arcs that carry the same paths (rail line sections in series,
a terminal and its line) have identical rows ``∂X/∂λ``. The min-map Jacobian is then singular
where both are near capacity, and the plain semismooth Newton method was seen to stall there
(capacities 300 and 299 t in series). With ``μ > 0`` and in the symmetric case
(``w[k] = σ · pcu[k]``), write ``u = (σ · dt, dλ)`` and ``G = Bᵀ H B ⪰ 0`` (``B`` the
path × priced-arc incidence weighted by PCU on time arcs, ``H = −∂f/∂g`` of the logit,
symmetric positive semidefinite as the Hessian of a concave expected cost). After scaling each
row by a positive number, ``J = D₁ + D₂ G`` with ``D₁ = diag(1, ½ φ_a) > 0`` and
``D₂ = diag(σ t T'(v)/T(v), ½ φ_b / (θ* X)) ≥ 0`` (``φ_a, φ_b ∈ (0, 2)``), which is
nonsingular however dependent the capacity rows: ``(D₁ + D₂ G) u = 0`` would give
``uᵀ G u < 0``. So for the current ``μ`` the Newton direction exists, is a descent
direction of ``‖R‖²`` and the backtracking is well defined; ``μ`` is lowered between steps with
the residual (Qi–Sun–Zhou make it a Newton variable; here it is set between steps). In the
asymmetric multi-class case no such guarantee is claimed; the measure below says whether it
got there. If 30 halvings fail (or GMRES returns no direction) a damped fixed-point step is
taken instead (``t ← t + α t ln(t(v)/t)``, ``λ ← λ − α R_λ``: projected dual ascent), ``α``
halved until ``‖R‖`` decreases: a safeguard with no rate.

Nothing loops over paths or OD-classes in Python: path sums are sparse matrix–vector products
per cost class, logit sums ``np.add.reduceat`` over paths sorted by (class, OD-class, nest).

Convergence measure (documented gap)
------------------------------------
At the flows ``f`` of an iterate, the arc volumes, times and costs ``g(f)`` (with the current
multipliers) are recomputed and the logit response ``y = q · P(g(f))`` taken::

    gap = Σ_p |f_p − y_p| / Σ_o q_o              (unserved alternatives included)
    capacity_gap = max_a |min(θ* λ_a, (K_a − X_a) / K_a)|

``gap`` is zero exactly at an SUE fixed point, ``capacity_gap`` exactly when the capacities hold
and every positive multiplier sits on a full arc (its negative side is the relative excess
``(X_a − K_a)/K_a``; its positive side a multiplier left on a slack arc, in logit units: the
smoothing leaves slack arcs a multiplier ≤ ``capacity_gap / θ*``, not exactly 0). Iterations stop
when both are at most ``tol`` (default 1e-6). On a generated regional-size instance
(benchmarks/perf/bench_sue.py: 2,730 arcs, 1,300 OD-classes, 24,517 paths, 148 hard
capacities) it takes 6 Newton steps to 1e-4 and 7 to 1e-6 (9 and 10 with 4× sharper choice and
4× less road capacity), about a second on 2 shared cores.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.sparse.linalg import LinearOperator, gmres

from solvers.assignment import ConvergenceWarning

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = [
    "DEFAULT_PENALTY_MARGIN",
    "SUEInputError",
    "SUEResult",
    "ConvergenceWarning",
    "nested_logit",
    "path_size_factor",
    "solve",
]

logger = logging.getLogger(__name__)

#: Default unserved penalty of an OD-class = its dearest free-flow path cost + this / θ_chain
#: (the unserved alternative is then e^20 ≈ 5e8 times less likely than its worst path at free
#: flow, until capacities bind).
DEFAULT_PENALTY_MARGIN = 20.0
#: Armijo factor of the backtracking line search on ‖R‖.
_ARMIJO = 1e-4
#: Most step halvings before falling back to the damped fixed-point step.
_MAX_HALVINGS = 30
#: GMRES restart length and restarts per Newton step.
_GMRES_RESTART = 60
_GMRES_CYCLES = 4
#: Smoothing of the capacity complementarity: μ starts at min(this max, γ θ* ‖R‖_∞) and
#: follows γ θ* ‖R‖_∞ down (γ = the share), so it vanishes as fast as the residual.
_SMOOTHING_MAX = 1e-3
_SMOOTHING_SHARE = 0.5
#: Floor of X / K in the logarithmic slack (ln(1/_TINY) ≈ 690: no multiplier reaches it).
_TINY = 1e-300
#: Range of the GMRES relative tolerance (Eisenstat–Walker forcing term).
_ETA_MIN = 1e-8
_ETA_MAX = 0.1


class SUEInputError(ValueError):
    """Invalid input to :func:`solve`; ``problems`` lists every problem found (one per line)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid SUE input:\n  " + "\n  ".join(problems))


@dataclass(frozen=True, eq=False)
class SUEResult:
    """Result of :func:`solve` (immutable; arrays in the caller's index order).

    Attributes
    ----------
    status
        ``"optimal"`` (no flow-dependent price: the closed form, no iteration),
        ``"converged"`` (``gap`` and ``capacity_gap`` ≤ ``tol``) or ``"not_converged"``
        (``max_iter`` reached first; a ``ConvergenceWarning`` was issued).
    gap
        Relative flow gap ``Σ|f − q P(g(f))| / Σ q`` of the returned flows (module docstring).
    capacity_gap
        ``max_a |min(θ* λ_a, (K_a − X_a)/K_a)|`` over hard-capacity arcs (0 if none).
    iterations
        Newton iterations (0 for ``"optimal"``).
    evaluations
        Evaluations of the flow map: residuals plus Jacobian–vector products.
    runtime
        Wall time of the solve, seconds.
    history
        ``max(gap, capacity_gap)`` before each iteration and at the end, ``(iterations + 1,)``,
        as the iteration measured it on its reduced set of priced arcs; ``gap`` and
        ``capacity_gap`` are recomputed from the returned flows on all arcs (they agree).
    path_flow
        Flow per path, t/yr, ``(n_paths,)``.
    path_cost
        Path cost ``g_p`` at the returned flows (CNY/t, ASC, path-size term and multipliers
        included), ``(n_paths,)``.
    path_share
        ``P(p)`` within its OD-class, ``(n_paths,)``.
    path_share_in_nest
        ``P(p | nest)``, ``(n_paths,)``.
    nest_flow, nest_share, nest_cost
        Flow (t/yr), share ``P(n)`` within its OD-class and composite cost ``G_n`` (CNY/t) per
        nest, ``(n_nests,)``; nests with no path have flow 0, share 0 and cost ``inf``.
    logsum
        Expected minimum cost ``S_o`` per OD-class (CNY/t; the unserved alternative included),
        ``(n_od,)``. Its change times demand is the consumer-surplus change (rule of half exact).
    unserved
        Flow of the unserved alternative per OD-class, t/yr, ``(n_od,)``.
    unserved_penalty
        Penalty used per OD-class, CNY/t (``inf`` = no unserved alternative), ``(n_od,)``.
    class_flow
        Tonnes per cost class and arc, ``(n_classes, n_arcs)``.
    flow
        Tonnes per arc (all classes), ``(n_arcs,)``; the hard capacities apply to it.
    volume
        ``Σ_k pcu[k] · class_flow[k] + background``, PCU, ``(n_arcs,)``.
    time
        Arc time at ``volume``, h, ``(n_arcs,)``.
    time_background_only
        Arc time with the background alone (zero freight), h, ``(n_arcs,)``.
    volume_capacity_ratio
        ``volume / capacity`` (background included; 0 where capacity is infinite).
    background_delay
        Change of background users' time, ``background · (time − time_background_only)``,
        PCU·h, ``(n_arcs,)``, ≥ 0.
    multiplier
        ``λ_a``, CNY/t, ``(n_arcs,)``, ≥ 0 (0 where there is no hard capacity; on a slack
        hard-capacity arc at most ``capacity_gap / θ*``). The shadow price of the capacity,
        added to the cost of every tonne crossing the arc (in the symmetric case
        ``−∂(Fisk objective)/∂K_a``); ``λ_a / w[k, a]`` is the queueing delay in hours that
        class ``k`` would see.
    arc_cost
        ``c0 + w · time + λ`` per class and arc, CNY/t, ``(n_classes, n_arcs)``.
    """

    status: str
    gap: float
    capacity_gap: float
    iterations: int
    evaluations: int
    runtime: float
    history: FloatArray
    path_flow: FloatArray
    path_cost: FloatArray
    path_share: FloatArray
    path_share_in_nest: FloatArray
    nest_flow: FloatArray
    nest_share: FloatArray
    nest_cost: FloatArray
    logsum: FloatArray
    unserved: FloatArray
    unserved_penalty: FloatArray
    class_flow: FloatArray
    flow: FloatArray
    volume: FloatArray
    time: FloatArray
    time_background_only: FloatArray
    volume_capacity_ratio: FloatArray
    background_delay: FloatArray
    multiplier: FloatArray
    arc_cost: FloatArray

    @property
    def converged(self) -> bool:
        """``status`` is ``"optimal"`` or ``"converged"``."""
        return self.status in ("optimal", "converged")

    def summary(self) -> str:
        """One line: status, gaps, iterations, evaluations, runtime."""
        return (
            f"sue: {self.status}, gap {self.gap:.3e}, capacity gap {self.capacity_gap:.3e} "
            f"after {self.iterations} iterations ({self.evaluations} evaluations), "
            f"{self.runtime:.3f} s"
        )


# ---------------------------------------------------------------------------------------------
# Path-size factor and the nested logit (public helpers)
# ---------------------------------------------------------------------------------------------


def path_size_factor(
    incidence: sp.spmatrix | sp.sparray, arc_length: ArrayLike, group: ArrayLike
) -> FloatArray:
    """Classic path-size factor ``PS_p = Σ_{a∈p} (l_a / L_p) · 1 / Σ_{j∈G(p)} δ_aj``.

    Parameters
    ----------
    incidence
        Path × arc incidence, ``(n_paths, n_arcs)``; a nonzero entry means the path uses the
        arc (the multiplicity is ignored: PS counts each arc of a path once).
    arc_length
        Arc length ``l_a`` (≥ 0; km, or any impedance used consistently), ``(n_arcs,)``.
    group
        Group of each path among which overlap counts, ``(n_paths,)`` ints: the OD-class
        (Ben-Akiva & Bierlaire 1999) or, for a correction within mode chains, the nest.

    Returns
    -------
    numpy.ndarray
        ``PS_p ∈ (0, 1]`` (1 for a path sharing no arc; a path of zero length gets 1).
        Use it as ``path_size`` in :func:`solve` (cost term ``−ln(PS_p) / θ_route``).
    """
    m = sp.csr_matrix(incidence)
    m.sum_duplicates()
    n_paths, n_arcs = m.shape
    length = np.asarray(arc_length, dtype=float)
    grp = np.asarray(group).astype(np.int64)
    problems = []
    if length.shape != (n_arcs,):
        problems.append(f"arc_length must have shape ({n_arcs},), got {length.shape}")
    elif not np.all(np.isfinite(length)) or np.any(length < 0):
        problems.append("arc_length must be finite and >= 0")
    if grp.shape != (n_paths,):
        problems.append(f"group must have shape ({n_paths},), got {grp.shape}")
    if problems:
        raise SUEInputError(problems)
    rows = np.repeat(np.arange(n_paths), np.diff(m.indptr))
    cols = m.indices.astype(np.int64)
    keep = m.data != 0
    rows, cols = rows[keep], cols[keep]
    _, gid = np.unique(grp, return_inverse=True)
    key = gid.ravel()[rows] * n_arcs + cols
    _, inv, count = np.unique(key, return_inverse=True, return_counts=True)
    users = count[inv.ravel()].astype(float)  # paths of the group using this arc
    la = length[cols]
    total = np.bincount(rows, weights=la, minlength=n_paths)
    share = np.bincount(rows, weights=la / users, minlength=n_paths)
    ps = np.ones(n_paths)
    pos = total > 0
    ps[pos] = share[pos] / total[pos]
    return ps


@dataclass(frozen=True)
class _Segments:
    """Paths sorted by (class, OD-class, nest): segment starts and owners."""

    nest_start: IntArray  # first path of each (non-empty) nest segment
    nest_of_path: IntArray  # segment index of each path
    od_start: IntArray  # first nest segment of each OD segment
    od_of_seg: IntArray  # OD segment of each nest segment
    od_of_path: IntArray  # OD segment of each path
    theta_r_path: FloatArray
    theta_c_path: FloatArray
    theta_r_seg: FloatArray
    theta_c_seg: FloatArray
    theta_c_od: FloatArray
    q_path: FloatArray


@dataclass(frozen=True)
class _Choice:
    """Nested-logit state at path costs ``g`` (sorted order)."""

    flow: FloatArray
    p_cond: FloatArray  # P(p | n) per path
    p_nest: FloatArray  # P(n) per nest segment
    nest_cost: FloatArray  # G_n per nest segment
    logsum: FloatArray  # S_o per OD segment


def _segments(
    od_sorted: IntArray,
    nest_sorted: IntArray,
    theta_r: FloatArray,
    theta_c: FloatArray,
    q: FloatArray,
) -> _Segments:
    n = od_sorted.size
    new_nest = np.ones(n, dtype=bool)
    new_nest[1:] = (nest_sorted[1:] != nest_sorted[:-1]) | (od_sorted[1:] != od_sorted[:-1])
    nest_start = np.flatnonzero(new_nest).astype(np.int64)
    nest_of_path = np.cumsum(new_nest) - 1
    seg_od = od_sorted[nest_start]
    new_od = np.ones(nest_start.size, dtype=bool)
    new_od[1:] = seg_od[1:] != seg_od[:-1]
    od_start = np.flatnonzero(new_od).astype(np.int64)
    od_of_seg = np.cumsum(new_od) - 1
    od_of_path = od_of_seg[nest_of_path]
    od_ids = seg_od[od_start]
    return _Segments(
        nest_start=nest_start,
        nest_of_path=nest_of_path.astype(np.int64),
        od_start=od_start,
        od_of_seg=od_of_seg.astype(np.int64),
        od_of_path=od_of_path.astype(np.int64),
        theta_r_path=theta_r[od_sorted],
        theta_c_path=theta_c[od_sorted],
        theta_r_seg=theta_r[seg_od],
        theta_c_seg=theta_c[seg_od],
        theta_c_od=theta_c[od_ids],
        q_path=q[od_sorted],
    )


def _choice(seg: _Segments, g: FloatArray) -> _Choice:
    """Nested-logit flows at path costs ``g`` (stable: costs shifted by segment minima)."""
    gmin = np.minimum.reduceat(g, seg.nest_start)
    e = np.exp(-seg.theta_r_path * (g - gmin[seg.nest_of_path]))
    s = np.add.reduceat(e, seg.nest_start)
    p_cond = e / s[seg.nest_of_path]
    nest_cost = gmin - np.log(s) / seg.theta_r_seg
    cmin = np.minimum.reduceat(nest_cost, seg.od_start)
    en = np.exp(-seg.theta_c_seg * (nest_cost - cmin[seg.od_of_seg]))
    so = np.add.reduceat(en, seg.od_start)
    p_nest = en / so[seg.od_of_seg]
    logsum = cmin - np.log(so) / seg.theta_c_od
    flow = seg.q_path * p_nest[seg.nest_of_path] * p_cond
    return _Choice(flow, p_cond, p_nest, nest_cost, logsum)


def _choice_derivative(seg: _Segments, ch: _Choice, dg: FloatArray) -> FloatArray:
    """``df = (∂f/∂g) dg`` of the nested logit at state ``ch``."""
    bar_n = np.add.reduceat(ch.p_cond * dg, seg.nest_start)
    bar_o = np.add.reduceat(ch.p_nest * bar_n, seg.od_start)
    tr, tc = seg.theta_r_path, seg.theta_c_path
    return ch.flow * (-tr * dg + (tr - tc) * bar_n[seg.nest_of_path] + tc * bar_o[seg.od_of_path])


def nested_logit(
    path_cost: ArrayLike,
    path_od: ArrayLike,
    path_nest: ArrayLike,
    demand: ArrayLike,
    theta_route: ArrayLike,
    theta_chain: ArrayLike,
) -> tuple[FloatArray, FloatArray]:
    """Nested-logit path flows and logsums at fixed path costs (no congestion).

    Parameters
    ----------
    path_cost
        ``g_p``, CNY/t (finite), ``(n_paths,)``.
    path_od, path_nest, demand, theta_route, theta_chain
        As in :func:`solve`.

    Returns
    -------
    (flow, logsum)
        Path flows (t/yr, ``(n_paths,)``) and the logsum ``S_o`` per OD-class (CNY/t,
        ``(n_od,)``; ``nan`` for an OD-class without paths).
    """
    g = np.asarray(path_cost, dtype=float)
    od = np.asarray(path_od).astype(np.int64)
    nest = np.asarray(path_nest).astype(np.int64)
    q = np.asarray(demand, dtype=float)
    n_od = q.size
    tr = np.broadcast_to(np.asarray(theta_route, dtype=float), (n_od,)).copy()
    tc = np.broadcast_to(np.asarray(theta_chain, dtype=float), (n_od,)).copy()
    problems: list[str] = []
    if g.shape != od.shape or g.shape != nest.shape or g.ndim != 1:
        problems.append("path_cost, path_od and path_nest must be 1-D of one length")
    elif not np.all(np.isfinite(g)):
        problems.append("path_cost must be finite")
    _check_thetas(tr, tc, problems)
    if od.size and (od.min() < 0 or od.max() >= n_od):
        problems.append(f"path_od must lie in 0..{n_od - 1}")
    if problems:
        raise SUEInputError(problems)
    if g.size == 0:
        return np.zeros(0), np.full(n_od, np.nan)
    order = np.lexsort((nest, od))
    seg = _segments(od[order], nest[order], tr, tc, q)
    ch = _choice(seg, g[order])
    flow = np.empty_like(g)
    flow[order] = ch.flow
    logsum = np.full(n_od, np.nan)
    logsum[od[order][seg.nest_start[seg.od_start]]] = ch.logsum
    return flow, logsum


# ---------------------------------------------------------------------------------------------
# Volume–delay
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bpr:
    """BPR times on all arcs; ``var`` marks the arcs whose time depends on the volume."""

    fft: FloatArray
    alpha: FloatArray
    beta: FloatArray
    inv_cap: FloatArray  # 0 where capacity is infinite
    var: NDArray[np.bool_]
    const_time: FloatArray  # time of constant arcs (the var arcs hold their free-flow time)

    @staticmethod
    def build(fft: FloatArray, cap: FloatArray, alpha: FloatArray, beta: FloatArray) -> _Bpr:
        var = (alpha > 0) & (beta > 0) & (fft > 0) & np.isfinite(cap)
        const_time = np.where(beta == 0, fft * (1.0 + alpha), fft)
        inv_cap = np.where(np.isfinite(cap), 1.0 / cap, 0.0)
        return _Bpr(fft, alpha, beta, inv_cap, var, const_time)

    def time(self, v: FloatArray, idx: IntArray | None = None) -> FloatArray:
        """Time at volumes ``v`` on arcs ``idx`` (all arcs if None)."""
        sel = slice(None) if idx is None else idx
        fft, a, b, ic = self.fft[sel], self.alpha[sel], self.beta[sel], self.inv_cap[sel]
        r = np.maximum(v * ic, 0.0)
        t = fft * (1.0 + a * r**b)
        return np.where(self.var[sel], t, self.const_time[sel])

    def slope(self, v: FloatArray, idx: IntArray) -> FloatArray:
        """``dt/dv`` at volumes ``v`` on the variable arcs ``idx``."""
        fft, a, b, ic = self.fft[idx], self.alpha[idx], self.beta[idx], self.inv_cap[idx]
        r = np.maximum(v * ic, 0.0)
        return fft * a * b * ic * r ** (b - 1.0)


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def _check_thetas(tr: FloatArray, tc: FloatArray, problems: list[str]) -> None:
    if not (np.all(np.isfinite(tr)) and np.all(tr > 0)):
        problems.append("theta_route must be finite and > 0")
    if not (np.all(np.isfinite(tc)) and np.all(tc > 0)):
        problems.append("theta_chain must be finite and > 0")
    elif np.any(tc > tr * (1 + 1e-12)):
        bad = int(np.flatnonzero(tc > tr * (1 + 1e-12))[0])
        problems.append(
            f"theta_chain must not exceed theta_route (nested logit consistency), "
            f"OD-class {bad}: {tc[bad]} > {tr[bad]}"
        )


def _per_arc(
    name: str,
    value: ArrayLike | None,
    default: float,
    n_classes: int,
    n_arcs: int,
    problems: list[str],
) -> FloatArray:
    """A class × arc array from a scalar, ``(n_arcs,)`` or ``(n_classes, n_arcs)``."""
    if value is None:
        return np.full((n_classes, n_arcs), default)
    arr = np.asarray(value, dtype=float)
    try:
        return np.broadcast_to(arr, (n_classes, n_arcs)).copy()
    except ValueError:
        problems.append(
            f"{name} must be a scalar, ({n_arcs},) or ({n_classes}, {n_arcs}); got {arr.shape}"
        )
        return np.full((n_classes, n_arcs), default)


def _vector(
    name: str, value: ArrayLike | None, default: float, n: int, problems: list[str]
) -> FloatArray:
    if value is None:
        return np.full(n, default)
    arr = np.asarray(value, dtype=float)
    try:
        return np.broadcast_to(arr, (n,)).copy()
    except ValueError:
        problems.append(f"{name} must be a scalar or ({n},); got {arr.shape}")
        return np.full(n, default)


# ---------------------------------------------------------------------------------------------
# The solver
# ---------------------------------------------------------------------------------------------


class _System:
    """Prices → flows → residual, and the Jacobian–vector product (sorted path order)."""

    def __init__(
        self,
        seg: _Segments,
        blocks: list[tuple[int, int]],
        inc_z: list[sp.csr_matrix],
        inc_zt: list[sp.csr_matrix],
        base_cost: FloatArray,
        w_z: FloatArray,
        pcu_z: FloatArray,
        back_z: FloatArray,
        bpr: _Bpr,
        z_arcs: IntArray,
        t_pos: IntArray,
        lam_pos: IntArray,
        cap: FloatArray,
        theta_star: float,
    ) -> None:
        self.seg = seg
        self.blocks = blocks
        self.inc_z = inc_z
        self.inc_zt = inc_zt
        self.base_cost = base_cost
        self.w_z = w_z
        self.pcu_z = pcu_z
        self.back_z = back_z
        self.bpr = bpr
        self.t_pos = t_pos  # positions in z_arcs of the time variables
        self.lam_pos = lam_pos  # positions in z_arcs of the multipliers
        self.t_arcs = z_arcs[t_pos]
        self.cap = cap  # hard capacity of the multiplier arcs
        self.theta_star = theta_star
        self.smoothing = 0.0  # μ of the CHKS-smoothed complementarity (0 = the min-map)
        self.scale = w_z[:, t_pos].max(axis=0) if w_z.shape[0] else np.zeros(t_pos.size)
        self.n_t = t_pos.size
        self.n_z = z_arcs.size
        self.t_low = bpr.time(back_z[t_pos], self.t_arcs)
        self.scale_t = self.scale * self.t_low  # R_t = s t(B) ln(t / t(v)) ≈ s (t − t(v))
        self.evaluations = 0

    def prices(self, z: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Arc times and multipliers on the z arcs from the unknowns ``z = [t, λ]``."""
        t = np.zeros(self.n_z)  # constant times are in base_cost; variable ones come from z
        t[self.t_pos] = z[: self.n_t]
        lam = np.zeros(self.n_z)
        lam[self.lam_pos] = z[self.n_t :]
        return t, lam

    def path_cost(self, t: FloatArray, lam: FloatArray) -> FloatArray:
        g = self.base_cost.copy()
        for k, (lo, hi) in enumerate(self.blocks):
            if hi > lo:
                g[lo:hi] += self.inc_z[k] @ (self.w_z[k] * t + lam)
        return g

    def loads(self, f: FloatArray) -> tuple[FloatArray, FloatArray]:
        """PCU volume (background included) and tonnes on the z arcs."""
        v = self.back_z.copy()
        x = np.zeros(self.n_z)
        for k, (lo, hi) in enumerate(self.blocks):
            if hi > lo:
                xk = self.inc_zt[k] @ f[lo:hi]
                v += self.pcu_z[k] * xk
                x += xk
        return v, x

    def residual(self, z: FloatArray) -> tuple[FloatArray, _Choice, FloatArray, FloatArray]:
        self.evaluations += 1
        t, lam = self.prices(z)
        ch = _choice(self.seg, self.path_cost(t, lam))
        v, x = self.loads(ch.flow)
        r = np.empty_like(z)
        tv = z[: self.n_t]
        r[: self.n_t] = self.scale_t * (
            np.log(tv) - np.log(self.bpr.time(v[self.t_pos], self.t_arcs))
        )
        lv = z[self.n_t :]
        r[self.n_t :] = self.smoothed(lv, x)[0]
        return r, ch, v, x

    def smoothed(self, lam: FloatArray, x: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """``R_λ`` (CNY/t) and the Jacobian weights of ``dλ`` and of ``−dX``.

        ``R_λ = (a + b − √((a − b)² + 4μ²)) / (2 θ*)`` with ``a = θ* λ`` and the logarithmic
        slack ``b = ln(K / X)``: ``min(λ, ln(K/X) / θ*)`` at ``μ = 0``, the same complementarity
        as ``min(λ, K − X)`` (``b ≥ 0`` iff ``X ≤ K``, ``b = 0`` iff ``X = K``). In logarithms the
        slack keeps its slope ``≈ θ`` per CNY/t of ``λ`` however little flow is left on the arc,
        so an overshooting multiplier that emptied an arc is pulled back instead of stalling.
        """
        a = self.theta_star * lam
        xs = np.maximum(x[self.lam_pos], _TINY * self.cap)
        b = np.log(self.cap / xs)
        root = np.sqrt((a - b) ** 2 + 4.0 * self.smoothing**2)
        safe = np.where(root > 0, root, 1.0)
        da = np.where(root > 0, 1.0 - (a - b) / safe, 1.0)
        db = np.where(root > 0, 1.0 + (a - b) / safe, 1.0)
        r: FloatArray = 0.5 * (a + b - root) / self.theta_star
        w_x = np.where(x[self.lam_pos] > _TINY * self.cap, db / (self.theta_star * xs), 0.0)
        return r, da, w_x

    def jvp(
        self,
        dz: FloatArray,
        ch: _Choice,
        slope: tuple[FloatArray, FloatArray],
        active: tuple[FloatArray, FloatArray],
    ) -> FloatArray:
        """``J dz`` at state ``ch``; ``slope = (t, t'(v)/t(v))`` on the time arcs."""
        self.evaluations += 1
        t_now, slope_rel = slope
        dt = np.zeros(self.n_z)
        dt[self.t_pos] = dz[: self.n_t]
        dlam = np.zeros(self.n_z)
        dlam[self.lam_pos] = dz[self.n_t :]
        dg = np.zeros(self.base_cost.size)
        for k, (lo, hi) in enumerate(self.blocks):
            if hi > lo:
                dg[lo:hi] = self.inc_z[k] @ (self.w_z[k] * dt + dlam)
        df = _choice_derivative(self.seg, ch, dg)
        dv, dx = self.loads_delta(df)
        out = np.empty_like(dz)
        out[: self.n_t] = self.scale_t * (dz[: self.n_t] / t_now - slope_rel * dv[self.t_pos])
        dl = dz[self.n_t :]
        da, db = active
        out[self.n_t :] = 0.5 * da * dl - 0.5 * db * dx[self.lam_pos]
        return out

    def loads_delta(self, df: FloatArray) -> tuple[FloatArray, FloatArray]:
        dv = np.zeros(self.n_z)
        dx = np.zeros(self.n_z)
        for k, (lo, hi) in enumerate(self.blocks):
            if hi > lo:
                xk = self.inc_zt[k] @ df[lo:hi]
                dv += self.pcu_z[k] * xk
                dx += xk
        return dv, dx

    def diagonal(
        self,
        ch: _Choice,
        slope: tuple[FloatArray, FloatArray],
        active: tuple[FloatArray, FloatArray],
    ) -> FloatArray:
        """Approximate Jacobian diagonal (own-price effect ``−θ_r f δ``) for Jacobi scaling."""
        tf = self.seg.theta_r_path * ch.flow
        dvt = np.zeros(self.n_z)
        dxl = np.zeros(self.n_z)
        for k, (lo, hi) in enumerate(self.blocks):
            if hi > lo:
                own = self.inc_zt[k] @ tf[lo:hi]
                dvt += self.pcu_z[k] * self.w_z[k] * own
                dxl += own
        d = np.empty(self.n_t + self.lam_pos.size)
        t_now, slope_rel = slope
        d[: self.n_t] = self.scale_t * (1.0 / t_now + slope_rel * dvt[self.t_pos])
        da, db = active
        d[self.n_t :] = 0.5 * da + 0.5 * db * dxl[self.lam_pos]
        d[d <= 0] = 1.0
        return d


def solve(
    incidence: sp.spmatrix | sp.sparray,
    path_od: ArrayLike,
    path_nest: ArrayLike,
    demand: ArrayLike,
    theta_route: ArrayLike,
    theta_chain: ArrayLike,
    arc_cost: ArrayLike,
    *,
    od_class: ArrayLike | None = None,
    time_value: ArrayLike | None = None,
    pcu: ArrayLike | None = None,
    free_flow_time: ArrayLike | None = None,
    capacity: ArrayLike | None = None,
    alpha: ArrayLike | None = None,
    beta: ArrayLike | None = None,
    background: ArrayLike | None = None,
    hard_capacity: ArrayLike | None = None,
    asc: ArrayLike | None = None,
    path_size: ArrayLike | None = None,
    unserved_penalty: ArrayLike | None = None,
    tol: float = 1e-6,
    max_iter: int = 100,
    warm_start: SUEResult | None = None,
) -> SUEResult:
    """Nested-logit stochastic user equilibrium over a given choice set (module docstring).

    Parameters
    ----------
    incidence
        Path × arc incidence, scipy sparse ``(n_paths, n_arcs)``, entries ≥ 0 (times the path
        uses the arc).
    path_od
        OD-class of each path, ints ``0..n_od-1``, ``(n_paths,)``.
    path_nest
        Nest (mode chain) of each path, global ints ``0..n_nests-1``, ``(n_paths,)``; every
        nest's paths belong to one OD-class.
    demand
        ``q_o`` per OD-class, t/yr (finite, ≥ 0), ``(n_od,)``.
    theta_route, theta_chain
        Lower (route, within a nest) and upper (chain) logit scales, 1/(CNY/t), scalars or
        ``(n_od,)``; ``theta_route ≥ theta_chain > 0`` (equal = multinomial logit).
    arc_cost
        ``c0``: flow-independent cost per tonne of each arc (CNY/t, finite; money, handling,
        free-flow time of constant arcs valued by the caller or not), ``(n_arcs,)`` or
        ``(n_classes, n_arcs)``. Its first axis fixes ``n_classes``.
    od_class
        Cost class of each OD-class, ints ``0..n_classes-1``, ``(n_od,)``; default 0.
    time_value
        ``w``: cost per tonne-hour (CNY/(t·h), finite, ≥ 0), scalar, ``(n_arcs,)`` or
        ``(n_classes, n_arcs)``; default 0. Every arc's time cost ``w · t`` is added to ``c0``.
    pcu
        PCU per tonne (≥ 0), same shapes; default 1.
    free_flow_time
        ``t0`` per arc, h (≥ 0), ``(n_arcs,)``; default 0.
    capacity
        BPR capacity per arc, PCU (same unit as ``pcu · tonnes``, > 0, ``inf`` = none);
        default ``inf``.
    alpha, beta
        BPR parameters per arc (≥ 0), scalar or ``(n_arcs,)``; default 0 (no delay).
    background
        Background volume per arc, PCU (≥ 0), ``(n_arcs,)``; default 0.
    hard_capacity
        Capacity in tonnes of all classes (> 0, ``inf`` = none), ``(n_arcs,)``; default ``inf``.
        A closed arc (0) is an input error: drop the paths through it from the choice set.
    asc
        Alternative-specific constant per path, CNY/t (added to the cost), ``(n_paths,)``.
    path_size
        Path-size factor ``PS_p ∈ (0, 1]`` (:func:`path_size_factor`), ``(n_paths,)``;
        default 1 (no correction).
    unserved_penalty
        Cost of the unserved alternative per OD-class, CNY/t (``inf`` = none), scalar or
        ``(n_od,)``. Default: none if no hard capacity is finite, else the OD-class's dearest
        free-flow path cost + :data:`DEFAULT_PENALTY_MARGIN` / ``theta_chain``.
    tol
        Target for ``gap`` and ``capacity_gap`` (> 0).
    max_iter
        Newton iterations at most (≥ 1).
    warm_start
        A result on the same arcs (e.g. the base case of an appraisal, or the previous step of
        a sweep): its arc times and multipliers start the iteration (the answer does not
        depend on it, only the work).

    Returns
    -------
    SUEResult

    Raises
    ------
    SUEInputError
        Listing every problem of the input.
    """
    start = time.perf_counter()
    problems: list[str] = []
    try:
        inc = sp.csr_matrix(incidence, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SUEInputError([f"incidence must be a scipy sparse matrix: {exc}"]) from exc
    inc.sum_duplicates()
    n_paths, n_arcs = inc.shape
    od = np.asarray(path_od)
    nest = np.asarray(path_nest)
    q = np.asarray(demand, dtype=float)
    if q.ndim != 1:
        raise SUEInputError([f"demand must be one-dimensional, got shape {q.shape}"])
    n_od = q.size
    c0_in = np.asarray(arc_cost, dtype=float)
    if c0_in.ndim == 1:
        c0_in = c0_in[None, :]
    if c0_in.ndim != 2 or c0_in.shape[1] != n_arcs:
        raise SUEInputError(
            [f"arc_cost must be ({n_arcs},) or (n_classes, {n_arcs}); got {c0_in.shape}"]
        )
    n_classes = c0_in.shape[0]
    c0 = c0_in
    for name, arr in (("path_od", od), ("path_nest", nest)):
        if arr.shape != (n_paths,):
            problems.append(f"{name} must have shape ({n_paths},), got {arr.shape}")
        elif arr.size and not np.issubdtype(arr.dtype, np.integer):
            problems.append(f"{name} must be integers")
    if problems:
        raise SUEInputError(problems)
    od = od.astype(np.int64)
    nest = nest.astype(np.int64)
    tr = _vector("theta_route", theta_route, 1.0, n_od, problems)
    tc = _vector("theta_chain", theta_chain, 1.0, n_od, problems)
    _check_thetas(tr, tc, problems)
    ocl = (
        np.zeros(n_od, dtype=np.int64)
        if od_class is None
        else np.asarray(od_class).astype(np.int64)
    )
    w = _per_arc("time_value", time_value, 0.0, n_classes, n_arcs, problems)
    pc = _per_arc("pcu", pcu, 1.0, n_classes, n_arcs, problems)
    fft = _vector("free_flow_time", free_flow_time, 0.0, n_arcs, problems)
    cap = _vector("capacity", capacity, np.inf, n_arcs, problems)
    al = _vector("alpha", alpha, 0.0, n_arcs, problems)
    be = _vector("beta", beta, 0.0, n_arcs, problems)
    back = _vector("background", background, 0.0, n_arcs, problems)
    hard = _vector("hard_capacity", hard_capacity, np.inf, n_arcs, problems)
    asc_p = _vector("asc", asc, 0.0, n_paths, problems)
    ps = _vector("path_size", path_size, 1.0, n_paths, problems)
    if not np.all(np.isfinite(q)) or np.any(q < 0):
        problems.append("demand must be finite and >= 0")
    if od.size and (od.min() < 0 or od.max() >= n_od):
        problems.append(f"path_od must lie in 0..{n_od - 1}")
    if nest.size and nest.min() < 0:
        problems.append("path_nest must be >= 0")
    if ocl.shape != (n_od,):
        problems.append(f"od_class must have shape ({n_od},), got {ocl.shape}")
    elif ocl.size and (ocl.min() < 0 or ocl.max() >= n_classes):
        problems.append(f"od_class must lie in 0..{n_classes - 1}")
    if inc.nnz and (not np.all(np.isfinite(inc.data)) or inc.data.min() < 0):
        problems.append("incidence entries must be finite and >= 0")
    if not np.all(np.isfinite(c0)):
        problems.append("arc_cost must be finite")
    for name, arr in (("time_value", w), ("pcu", pc), ("free_flow_time", fft)):
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            problems.append(f"{name} must be finite and >= 0")
    for name, arr in (("alpha", al), ("beta", be), ("background", back)):
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            problems.append(f"{name} must be finite and >= 0")
    if np.any(np.isnan(cap)) or np.any(cap <= 0):
        problems.append("capacity must be > 0 (inf = uncongested)")
    if np.any(np.isnan(hard)) or np.any(hard <= 0):
        problems.append(
            "hard_capacity must be > 0 (inf = none); drop the paths through a closed arc"
        )
    if not np.all(np.isfinite(asc_p)):
        problems.append("asc must be finite")
    if not np.all(np.isfinite(ps)) or np.any(ps <= 0) or np.any(ps > 1 + 1e-12):
        problems.append("path_size must lie in (0, 1]")
    if not (np.isfinite(tol) and tol > 0):
        problems.append("tol must be finite and > 0")
    if max_iter < 1:
        problems.append("max_iter must be >= 1")
    if warm_start is not None and warm_start.time.shape != (n_arcs,):
        problems.append(f"warm_start has {warm_start.time.size} arcs, the network {n_arcs}")
    if not problems and nest.size:
        n_nests_chk = int(nest.max()) + 1
        owner = np.full(n_nests_chk, -1, dtype=np.int64)
        owner[nest] = od
        if np.any(owner[nest] != od):
            bad = int(nest[np.flatnonzero(owner[nest] != od)[0]])
            problems.append(f"nest {bad} has paths of more than one OD-class")
    if problems:
        raise SUEInputError(problems)
    n_nests = int(nest.max()) + 1 if nest.size else 0

    # --- path constants at zero freight (for the default penalty and the closed form)
    bpr = _Bpr.build(fft, cap, al, be)
    t_back = bpr.time(back)
    k_path = ocl[od]
    path_const = asc_p - np.log(ps) / tr[od]
    has_hard = np.isfinite(hard)
    # --- unserved alternatives
    if unserved_penalty is None:
        if has_hard.any():
            free_cost = _free_path_cost(inc, k_path, c0 + w * t_back[None, :]) + path_const
            dearest = np.full(n_od, -np.inf)
            np.maximum.at(dearest, od, free_cost)
            dearest[~np.isfinite(dearest)] = 0.0
            penalty = dearest + DEFAULT_PENALTY_MARGIN / tc
        else:
            penalty = np.full(n_od, np.inf)
    else:
        penalty = _vector("unserved_penalty", unserved_penalty, np.inf, n_od, problems)
        if np.any(np.isnan(penalty)) or np.any(penalty == -np.inf):
            problems.append("unserved_penalty must be finite or +inf")
    has_path = np.bincount(od, minlength=n_od) > 0
    empty = (~has_path) & ~np.isfinite(penalty) & (q > 0)
    if empty.any():
        problems.append(
            f"OD-class {int(np.flatnonzero(empty)[0])} has demand but no path and no "
            "unserved alternative"
        )
    if problems:
        raise SUEInputError(problems)

    # --- augmented, sorted choice set: real paths then one virtual path per unserved OD
    u_od = np.flatnonzero(np.isfinite(penalty)).astype(np.int64)
    od_all = np.concatenate([od, u_od])
    nest_all = np.concatenate([nest, n_nests + np.arange(u_od.size)])
    k_all = ocl[od_all]
    const_all = np.concatenate([path_const, penalty[u_od]])
    order = np.lexsort((nest_all, od_all, k_all))
    inc_all = sp.vstack([inc, sp.csr_matrix((u_od.size, n_arcs))], format="csr")[order]
    od_s, nest_s, k_s = od_all[order], nest_all[order], k_all[order]
    seg = _segments(od_s, nest_s, tr, tc, q)
    bounds = np.searchsorted(k_s, np.arange(n_classes + 1))
    blocks = [(int(bounds[k]), int(bounds[k + 1])) for k in range(n_classes)]

    # --- unknown prices: times of congested arcs, multipliers of hard capacities
    t_var = bpr.var & (w.max(axis=0) > 0)
    z_mask = t_var | has_hard
    z_arcs = np.flatnonzero(z_mask).astype(np.int64)
    pos = np.full(n_arcs, -1, dtype=np.int64)
    pos[z_arcs] = np.arange(z_arcs.size)
    t_pos = pos[np.flatnonzero(t_var)]
    lam_pos = pos[np.flatnonzero(has_hard)]
    # constant part of arc costs (variable times enter through z)
    t_fixed = np.where(t_var, 0.0, t_back)
    base_arc = c0 + w * t_fixed[None, :]
    base_cost = const_all[order].copy()
    inc_z: list[sp.csr_matrix] = []
    inc_zt: list[sp.csr_matrix] = []
    for k, (lo, hi) in enumerate(blocks):
        block = inc_all[lo:hi]
        base_cost[lo:hi] += block @ base_arc[k]
        bz = sp.csr_matrix(block[:, z_arcs])
        inc_z.append(bz)
        inc_zt.append(sp.csr_matrix(bz.T))
    system = _System(
        seg,
        blocks,
        inc_z,
        inc_zt,
        base_cost,
        w[:, z_arcs],
        pc[:, z_arcs],
        back[z_arcs],
        bpr,
        z_arcs,
        t_pos,
        lam_pos,
        hard[has_hard],
        float(tr.max()) if n_od else 1.0,
    )

    history: list[float] = []
    iterations = 0
    if z_arcs.size == 0:
        status = "optimal"
        z = np.zeros(0)
        ch = _choice(seg, base_cost)
        system.evaluations = 1
    else:
        z = np.concatenate([system.t_low, np.zeros(lam_pos.size)])
        if warm_start is not None:
            z = np.concatenate(
                [warm_start.time[z_arcs[t_pos]], warm_start.multiplier[z_arcs[lam_pos]]]
            )
            z = np.maximum(z, np.concatenate([system.t_low, np.zeros(lam_pos.size)]))
        z, ch, iterations, status = _newton(system, z, tol, max_iter, history)
    result = _finish(
        system=system,
        z=z,
        ch=ch,
        order=order,
        n_paths=n_paths,
        n_nests=n_nests,
        n_od=n_od,
        u_od=u_od,
        inc_all=inc_all,
        blocks=blocks,
        c0=c0,
        w=w,
        pc=pc,
        back=back,
        bpr=bpr,
        t_back=t_back,
        cap=cap,
        hard=hard,
        has_hard=has_hard,
        const_sorted=const_all[order],
        penalty=penalty,
        q=q,
        nest_s=nest_s,
        od_s=od_s,
        status=status,
        iterations=iterations,
        history=history,
        tol=tol,
        start=start,
    )
    if result.status == "not_converged":
        warnings.warn(
            f"SUE not converged after {iterations} iterations: gap {result.gap:.3e}, "
            f"capacity gap {result.capacity_gap:.3e} (target {tol:.1e})",
            ConvergenceWarning,
            stacklevel=2,
        )
    logger.debug(result.summary())
    return result


def _free_path_cost(inc: sp.csr_matrix, k_path: IntArray, arc_cost: FloatArray) -> FloatArray:
    """``Σ_a Δ_pa arc_cost[k_p, a]`` (a loop over the few cost classes)."""
    out = np.zeros(inc.shape[0])
    for k in range(arc_cost.shape[0]):
        rows = np.flatnonzero(k_path == k)
        if rows.size:
            out[rows] = inc[rows] @ arc_cost[k]
    return out


def _gaps(system: _System, z: FloatArray, ch: _Choice) -> tuple[float, float]:
    """``gap`` and ``capacity_gap`` of the flows ``ch.flow`` (on the priced arcs)."""
    v, x = system.loads(ch.flow)
    t = np.zeros(system.n_z)
    t[system.t_pos] = system.bpr.time(v[system.t_pos], system.t_arcs)
    _, lam = system.prices(z)
    resp = _choice(system.seg, system.path_cost(t, lam))
    system.evaluations += 1
    total = float(system.seg.q_path[system.seg.nest_start[system.seg.od_start]].sum())
    gap = float(np.abs(ch.flow - resp.flow).sum()) / total if total > 0 else 0.0
    cap_gap = 0.0
    if system.lam_pos.size:
        lamv = z[system.n_t :]
        slack = (system.cap - x[system.lam_pos]) / system.cap
        cap_gap = float(np.abs(np.minimum(system.theta_star * lamv, slack)).max())
    return gap, cap_gap


def _newton(
    system: _System, z: FloatArray, tol: float, max_iter: int, history: list[float]
) -> tuple[FloatArray, _Choice, int, str]:
    """Globalized inexact smoothing Newton method on ``R(z) = 0`` (module docstring).

    Returns the last iterate, the nested-logit state at it, the iteration count and the status.
    """
    n_t = system.n_t
    low = np.concatenate([system.t_low, np.zeros(system.lam_pos.size)])
    r, ch, v, x = system.residual(z)
    norm = float(np.linalg.norm(r))
    eta = _ETA_MAX
    fp_step = 0.5
    it = 0
    n_lam = system.lam_pos.size
    if n_lam:
        system.smoothing = min(
            _SMOOTHING_MAX, _SMOOTHING_SHARE * system.theta_star * float(np.abs(r).max())
        )
        r, ch, v, x = system.residual(z)
        norm = float(np.linalg.norm(r))
    while True:
        gap, cap_gap = _gaps(system, z, ch)
        history.append(max(gap, cap_gap))
        logger.debug("sue iteration %d: gap %.3e capacity gap %.3e", it, gap, cap_gap)
        if gap <= tol and cap_gap <= tol:
            return z, ch, it, "converged"
        if it >= max_iter:
            return z, ch, it, "not_converged"
        if n_lam:  # smoothing follows the residual: μ_k = min(μ_{k-1}, γ θ* ‖R‖_∞)
            new = min(
                system.smoothing, _SMOOTHING_SHARE * system.theta_star * float(np.abs(r).max())
            )
            if new < system.smoothing:
                system.smoothing = new
                r, ch, v, x = system.residual(z)
                norm = float(np.linalg.norm(r))
        it += 1
        v_t = v[system.t_pos]
        slope = (
            z[:n_t],
            system.bpr.slope(v_t, system.t_arcs) / system.bpr.time(v_t, system.t_arcs),
        )
        _, da, db = system.smoothed(z[n_t:], x)
        active = (da, db)
        diag = system.diagonal(ch, slope, active)
        state = ch

        def matvec(
            d: FloatArray,
            state: _Choice = state,
            slope: tuple[FloatArray, FloatArray] = slope,
            active: tuple[FloatArray, FloatArray] = active,
        ) -> FloatArray:
            return system.jvp(d, state, slope, active)

        op = LinearOperator((z.size, z.size), matvec=matvec, dtype=float)
        prec = LinearOperator((z.size, z.size), matvec=lambda y, d=diag: y / d, dtype=float)
        d, _info = gmres(
            op,
            -r,
            rtol=eta,
            atol=0.0,
            restart=min(_GMRES_RESTART, z.size),
            maxiter=_GMRES_CYCLES,
            M=prec,
        )
        accepted = False
        if np.all(np.isfinite(d)) and np.any(d != 0.0):
            step = 1.0
            for _ in range(_MAX_HALVINGS):
                z_try = np.maximum(z + step * d, low)
                r_try, ch_try, v_try, x_try = system.residual(z_try)
                n_try = float(np.linalg.norm(r_try))
                if n_try <= (1.0 - _ARMIJO * step) * norm:
                    accepted = True
                    break
                step *= 0.5
        if not accepted:  # damped fixed-point step: t ← t + α (t(v) − t), λ ← dual ascent
            logger.debug("sue iteration %d: Newton step rejected, fixed-point step", it)
            fp = np.empty_like(z)
            fp[:n_t] = -z[:n_t] * r[:n_t] / system.scale_t  # ≈ t(v) − t
            fp[n_t:] = -r[n_t:]
            step = fp_step
            for _ in range(_MAX_HALVINGS):
                z_try = np.maximum(z + step * fp, low)
                r_try, ch_try, v_try, x_try = system.residual(z_try)
                n_try = float(np.linalg.norm(r_try))
                if n_try < norm:
                    break
                step *= 0.5
            fp_step = min(0.5, 2.0 * step)  # the next fallback starts from twice this step
        logger.debug(
            "sue iteration %d: step %s, ‖R‖ %.3e → %.3e, μ %.2e, GMRES info %d",
            it,
            f"{step:.3g}" if accepted else "fixed-point",
            norm,
            n_try,
            system.smoothing,
            _info,
        )
        z, r, ch, v, x = z_try, r_try, ch_try, v_try, x_try
        # Eisenstat–Walker forcing term (choice 2, γ = 0.9, with its safeguard)
        ratio = n_try / norm if norm > 0 else 0.0
        eta_new = 0.9 * ratio**2
        if 0.9 * eta**2 > 0.1:
            eta_new = max(eta_new, 0.9 * eta**2)
        eta = float(np.clip(eta_new, _ETA_MIN, _ETA_MAX))
        norm = n_try


def _finish(
    *,
    system: _System,
    z: FloatArray,
    ch: _Choice,
    order: IntArray,
    n_paths: int,
    n_nests: int,
    n_od: int,
    u_od: IntArray,
    inc_all: sp.csr_matrix,
    blocks: list[tuple[int, int]],
    c0: FloatArray,
    w: FloatArray,
    pc: FloatArray,
    back: FloatArray,
    bpr: _Bpr,
    t_back: FloatArray,
    cap: FloatArray,
    hard: FloatArray,
    has_hard: NDArray[np.bool_],
    const_sorted: FloatArray,
    penalty: FloatArray,
    q: FloatArray,
    nest_s: IntArray,
    od_s: IntArray,
    status: str,
    iterations: int,
    history: list[float],
    tol: float,
    start: float,
) -> SUEResult:
    """Arc and path outputs at the flows ``ch.flow`` (sorted) in the caller's order."""
    seg = system.seg
    n_classes, n_arcs = c0.shape
    if not z.size:
        history.append(max(_gaps(system, z, ch)))
    f = ch.flow
    class_flow = np.zeros((n_classes, n_arcs))
    for k, (lo, hi) in enumerate(blocks):
        if hi > lo:
            class_flow[k] = inc_all[lo:hi].T @ f[lo:hi]
    flow = class_flow.sum(axis=0)
    volume = (pc * class_flow).sum(axis=0) + back
    t = bpr.time(volume)
    lam = np.zeros(n_arcs)
    lam[np.flatnonzero(has_hard)] = z[system.n_t :] if z.size else 0.0
    arc_cost = c0 + w * t[None, :] + lam[None, :]
    g = const_sorted.copy()
    for k, (lo, hi) in enumerate(blocks):
        if hi > lo:
            g[lo:hi] += inc_all[lo:hi] @ arc_cost[k]
    final = _choice(seg, g)  # shares and costs at the returned flows' costs
    # the reported measures, recomputed on the full arc set (not the solver's reduced prices)
    total = float(q.sum())
    gap = float(np.abs(f - final.flow).sum()) / total if total > 0 else 0.0
    cap_gap = 0.0
    if has_hard.any():
        hard_arcs = np.flatnonzero(has_hard)
        slack = (hard[hard_arcs] - flow[hard_arcs]) / hard[hard_arcs]
        cap_gap = float(np.abs(np.minimum(system.theta_star * lam[hard_arcs], slack)).max())
    # back to the caller's order (drop the virtual unserved paths)
    inv = np.empty_like(order)
    inv[order] = np.arange(order.size)
    real = inv[:n_paths]
    p_nest_path = final.p_nest[seg.nest_of_path]
    path_flow = f[real]
    nest_flow = np.zeros(n_nests)
    nest_share = np.zeros(n_nests)
    nest_cost = np.full(n_nests, np.inf)
    seg_nest = nest_s[seg.nest_start]
    real_seg = seg_nest < n_nests
    nest_flow[seg_nest[real_seg]] = np.add.reduceat(f, seg.nest_start)[real_seg]
    nest_share[seg_nest[real_seg]] = final.p_nest[real_seg]
    nest_cost[seg_nest[real_seg]] = final.nest_cost[real_seg]
    logsum = np.full(n_od, np.nan)
    logsum[od_s[seg.nest_start[seg.od_start]]] = final.logsum
    unserved = np.zeros(n_od)
    unserved[u_od] = f[inv[n_paths:]]
    vc = np.where(np.isfinite(cap), volume / cap, 0.0)
    if status != "optimal":
        status = "converged" if gap <= tol and cap_gap <= tol else "not_converged"
    return SUEResult(
        status=status,
        gap=gap,
        capacity_gap=cap_gap,
        iterations=iterations,
        evaluations=system.evaluations,
        runtime=time.perf_counter() - start,
        history=np.asarray(history, dtype=float),
        path_flow=path_flow,
        path_cost=g[real],
        path_share=(p_nest_path * final.p_cond)[real],
        path_share_in_nest=final.p_cond[real],
        nest_flow=nest_flow,
        nest_share=nest_share,
        nest_cost=nest_cost,
        logsum=logsum,
        unserved=unserved,
        unserved_penalty=penalty,
        class_flow=class_flow,
        flow=flow,
        volume=volume,
        time=t,
        time_background_only=t_back,
        volume_capacity_ratio=vc,
        background_delay=back * (t - t_back),
        multiplier=lam,
        arc_cost=arc_cost,
    )
