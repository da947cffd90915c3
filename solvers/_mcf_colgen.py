"""Path-based column generation for the multi-commodity flow problem (method ``"colgen"``).

Private module behind :mod:`solvers.multicommodity`; all arithmetic in scaled units
(see :class:`solvers._mcf_lp.Problem`).

Algorithm
---------
1. Group active demand rows by (commodity, origin, destination): one master row per group.
2. All-or-nothing: route every group on its uncapacitated shortest path. If no capacity is
   exceeded this is optimal — capacity duals 0 and every path's reduced cost is
   ``cost - shortest distance >= 0`` — and no LP is solved.
3. Otherwise build **one** restricted master LP in HiGHS and keep it alive to the end: path
   columns and one unserved column per demand row (bounds ``[0, demand]``, cost = penalty);
   group rows ``sum f + sum u = demand``; capacity rows ``sum_{p ∋ a} f_p <= capacity_a``
   **only for arcs whose capacity the master's flow has exceeded** (rows are generated lazily
   like the columns). Columns and rows are added in place; a re-solve is a primal simplex from
   the previous optimal basis (new columns enter nonbasic at 0, new rows with a basic slack).
   On masters with few groups per row the model HiGHS holds is the master's explicit LP dual,
   where a new path column is a new row, re-solved by dual simplex from the previous basis
   (the same warm start as a primal simplex on the master, with HiGHS's stronger dual code).
   Masters with many groups per row (an iteration then adds many columns at once) are first
   solved by interior point without crossover until the additions thin out, then crossed over
   once to a basis (``ColgenConfig.master = "hybrid"``).
4. Pricing: with ``mu_a = -(row dual)`` on capacity rows and 0 elsewhere, Dijkstra per
   distinct cost row from the origins with weights ``cost_k + mu``; a group whose shortest path
   has reduced cost ``dist - sigma_g < 0`` gets that path as a new column. Only what can price
   out is searched (``ColgenConfig.bounded_pricing``): with ``mu >= 0`` no path of a group is
   cheaper than its uncapacitated distance ``dist0_g``, so a group with
   ``dist0_g - sigma_g >= -tol (1 + |sigma_g|)`` is proven priced out without a search (its
   distance is bounded below by ``dist0_g``, which the Lagrangian bound uses), and an origin with
   no other group is not searched at all — on a network where few arcs bind, most origins. A
   search stops once its groups are settled: the exact pricing needs distances only below
   ``sigma_g`` (a farther path cannot price out), the smoothed one below the cost of the group's
   uncapacitated path under the smoothed duals (and, a heuristic bound, below ``sigma_g``): one
   compiled Dijkstra per origin stops when its last group is settled or every node left lies
   beyond those needs (:func:`solvers.shortest_paths.target_searches`), so a search covers the
   neighbourhood of its destinations, not the whole graph.
5. Dual stabilization (Wentges smoothing): the pricing is done at
   ``mu_s = alpha * center + (1 - alpha) * mu`` where ``center`` is the dual vector with the best
   Lagrangian bound so far; a path found there enters if its reduced cost **at the master's
   duals** is negative. When none does (a mispricing) the exact pricing at ``mu`` runs in the
   same iteration, so no iteration is wasted and the proof below is always at the master's duals.
6. Capacity-aware initial columns (``ColgenConfig.seed_rounds``, on the explicit dual master):
   before the first master, a few rounds of all-or-nothing routing under costs raised
   exponentially with each arc's averaged load over its capacity; every path met is a column,
   so the first master can already route most of what can be served.
7. More columns per group and iteration: the master's unserved demand is routed greedily, a few
   rounds, into the capacity its flow leaves free (shortest paths under
   ``cost + mu`` with full arcs removed); those paths enter too. Path columns idle for several
   iterations with a clearly positive reduced cost are deleted (nonbasic, so the basis stays
   valid); pricing brings one back if the duals ask for it.
8. Certificate: for any ``mu >= 0`` the Lagrangian bound
   ``LB = sum_d demand_d min(dist_d(mu), penalty_d) - sum_a mu_a capacity_a`` is a lower bound
   on the optimum; the master's objective is an upper bound once its flow respects every
   capacity. The master is optimal for the full problem when its flow respects every capacity
   and the exact pricing at its own duals finds every group's reduced cost
   ``dist_g(mu) - sigma_g >= -tol * (1 + |sigma_g|)``; the relative gap ``(UB - LB) / |UB|`` then
   follows and is reported too. A proven gap ``<= tol`` also stops (the message says which
   criterion held and the smallest reduced cost). If no column prices out but neither holds the
   status is ``"not_converged"`` (and ``method="auto"`` falls back to the LP).

Each piece was measured on its own (``benchmarks/perf/bench_multicommodity.py --mode ablation``;
figures in the multicommodity section of ``benchmarks/README.md``); :class:`ColgenConfig` keeps
the switches so that the comparison can be re-run, including the master before issue #18.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from solvers._mcf_lp import (
    HIGHS_INF,
    FloatArray,
    IntArray,
    PathFlows,
    Problem,
    RawSolution,
    empty_path_flows,
    failed,
    highs_status,
    make_path_flows,
    new_highs,
    split_group_paths,
)
from solvers.shortest_paths import ArcGraph, reverse_segments, take_segments, target_searches

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ColgenConfig:
    """Tuning of the column generation (defaults are the measured best; see
    ``benchmarks/README.md``, multicommodity section).

    Attributes
    ----------
    master
        ``"simplex"``: the one HiGHS model is re-solved by warm-started simplex every iteration
        (see ``dual_master``); ``"hybrid"``: when
        the groups are at least ``ipm_share`` of the first master's rows (so an iteration adds
        about that share of new columns), interior point without crossover while an iteration
        adds more than ``switch_share`` × master rows of columns and rows and the gap is above
        ``SWITCH_GAP``, then one crossover for a basis, then warm-started simplex; otherwise
        simplex from the start.
    dual_master
        A master solved by simplex from the start is held as its explicit LP dual
        (:class:`_DualMaster`) and re-solved by warm dual simplex (``simplex_strategy`` is then
        not used); ``False``: the primal master by ``simplex_strategy`` (the default before).
        Caller's ``highs_options`` keep the primal master.
    ipm_share, switch_share
        See ``master`` (the master before issue #18: always IPM first, switch at 0.1).
    simplex_strategy
        HiGHS ``simplex_strategy`` of the warm re-solves (4 = primal: new columns keep the basis
        primal feasible; 1 = dual, what the master used before issue #18).
    smoothing
        Wentges smoothing factor ``alpha`` in ``[0, 1)``; 0 prices at the master's duals only.
    exact_every_iteration
        With smoothing, also price at the master's duals every iteration (up to two columns per
        group and iteration); otherwise only after a mispricing and for the final proof.
    warmup_rounds
        Rounds of greedy routing into the free capacities before the first master (0 = none).
    augment_rounds
        Rounds of greedy routing of the master's unserved demand into its residual capacities
        after each master solve (more columns per group and iteration; 0 = none).
    seed_rounds
        Capacity-aware initial columns (0 = none): before the first master every group is
        routed, this many rounds, on its shortest path under ``cost + mu_r`` where
        ``mu_r = cbar exp(seed_kappa (x_a / capacity_a - 1))`` on capacitated arcs (``cbar`` the mean
        arc cost on the uncapacitated paths, ``x`` the loads averaged over the rounds, method of
        successive averages, starting from the all-or-nothing load); every path met becomes a
        column. Congested arcs grow costly, so the rounds spread each group over the detours
        the master needs, and the phase where demand is unserved and the bound sits at the
        uncapacitated value mostly disappears (road1000-K200: 55 -> 28 iterations). Only
        where the columns are chosen changes; the proof is the same.
    seed_kappa
        Steepness of the seed's congestion cost (see ``seed_rounds``).
    seed_dual_only
        Seed only masters held as the explicit dual (few groups per capacity row, as on the
        road-like benchmark); masters solved by interior point first (many groups per row, as
        the freight model's networks and most published instances) start as before.
    devex_below
        The explicit dual master switches from dual steepest edge to Devex pricing (for good)
        once a re-solve took fewer than this many pivots (0 = never): HiGHS recomputes every
        steepest-edge weight after each change of the model, a fixed cost per re-solve that
        outweighs the better pivots when a re-solve needs few.
    bounded_pricing
        Search only what the pricing needs: groups whose uncapacitated distance already
        reaches their dual (``dist0 - sigma >= -tol``: with ``mu >= 0`` no path of theirs can
        price out) are not searched, and every search stops once its groups are settled, the
        exact pricing's at the largest ``sigma`` of the origin's groups (a farther path cannot
        price out); ``False``: one full tree per origin and cost row every pricing (before).
    partition_load
        Groups whose uncapacitated path crosses no capacitated arc loaded above this share of
        its capacity stay on that path outside the master (:func:`_partitioned`): the master
        holds only the groups the capacities can touch, and a group outside joins it (and the
        master is solved again) whenever a capacity dual lies on its path. ``None``: every
        group in the master (before).
    partition_min_groups
        Partition only problems with at least this many groups: below it the whole master is
        cheap to re-solve and the partition's extra rounds cost more than they save (measured:
        the 19 published instances, at most 11,107 groups, 0.58-1.2 x the time; the freight
        network at 10x, 13,562 groups, unchanged; at 100x, 136,940 groups, the master's time
        8.9 -> 1.7 s; ``benchmarks/README.md``).
    row_age
        Delete capacity rows slack (zero dual, flow below capacity) for this many iterations
        (0 = never); a row whose capacity the flow exceeds again is added back.
    prune_age
        Delete path columns idle (no flow) for this many iterations and with a reduced cost
        above ``1e-3 (1 + |sigma|)`` once the master has twice as many columns as rows
        (0 = never); pricing brings any back if needed.
    """

    master: str = "hybrid"
    dual_master: bool = True
    ipm_share: float = 0.25
    switch_share: float = 0.25
    simplex_strategy: int = 4
    smoothing: float = 0.5
    exact_every_iteration: bool = False
    warmup_rounds: int = 0
    augment_rounds: int = 6
    prune_age: int = 5
    row_age: int = 0
    bounded_pricing: bool = True
    devex_below: int = 300
    seed_rounds: int = 30
    seed_kappa: float = 4.0
    seed_dual_only: bool = True
    partition_load: float | None = 0.8
    partition_min_groups: int = 20_000

    def __post_init__(self) -> None:
        # above 1 an arc over capacity could carry fixed groups the master cannot move
        if self.partition_load is not None and not 0.0 < self.partition_load <= 1.0:
            raise ValueError(f"partition_load must be in (0, 1] or None, got {self.partition_load}")


CONFIG = ColgenConfig()
"""The configuration :func:`solve_colgen` uses when none is passed (benchmarks swap it)."""

IPM_OPTIONS: dict[str, Any] = {"solver": "ipm", "run_crossover": "off"}
"""HiGHS options of the ``master="hybrid"`` scheme's first phase."""

SWITCH_GAP = 1e-3
"""``master="hybrid"``: switch from IPM to warm-started simplex once the relative gap is below
this (or an iteration adds few columns, see :class:`ColgenConfig`)."""


class _Columns:
    """Path columns of the restricted master: group and arcs of each path, in column order."""

    def __init__(self, n_arcs: int) -> None:
        self.n_arcs = n_arcs
        self.group: list[IntArray] = []
        self.ptr_parts: list[IntArray] = []
        self.arc_parts: list[IntArray] = []
        self.n = 0
        self.nnz = 0
        self.seen: set[tuple[int, bytes]] = set()
        self._inc: sp.csr_matrix | None = None

    def add(self, group: IntArray, ptr: IntArray, arcs: IntArray) -> None:
        self.group.append(group)
        self.ptr_parts.append(ptr[1:] + self.nnz)
        self.arc_parts.append(arcs)
        self.n += int(group.shape[0])
        self.nnz += int(arcs.shape[0])
        self._inc = None

    def incidence(self) -> sp.csr_matrix:
        """(n_columns, n_arcs) 0/1 matrix (cached until the next :meth:`add`)."""
        if self._inc is None:
            ptr = np.concatenate([np.zeros(1, dtype=np.int64), *self.ptr_parts])
            arcs = np.concatenate([np.zeros(0, dtype=np.int64), *self.arc_parts])
            self._inc = sp.csr_matrix(
                (np.ones(arcs.shape[0]), arcs, ptr), shape=(self.n, self.n_arcs), dtype=np.float64
            )
        return self._inc

    def groups(self) -> IntArray:
        return np.concatenate([np.zeros(0, dtype=np.int64), *self.group])

    def keep_only(self, keep: NDArray[np.bool_]) -> None:
        """Drop the columns where ``keep`` is False (they may be generated again later)."""
        inc = self.incidence()
        groups = self.groups()
        for j in np.flatnonzero(~keep).tolist():
            arcs = inc.indices[inc.indptr[j] : inc.indptr[j + 1]].astype(np.int64)
            self.seen.discard((int(groups[j]), arcs.tobytes()))
        sub = inc[np.flatnonzero(keep)]
        self.group = [groups[keep]]
        self.ptr_parts = [sub.indptr[1:].astype(np.int64)]
        self.arc_parts = [sub.indices.astype(np.int64)]
        self.n = int(keep.sum())
        self.nnz = int(sub.indptr[-1])
        self._inc = None


class _DualMaster:
    """The restricted master held as its explicit LP dual, re-solved by dual simplex.

    Column generation adds columns to the master (P) and, rarely, rows; on the dual (D) they
    are rows and columns. A new path column of P is a new row of D with a basic slack: the old
    basis stays dual feasible for D (= primal feasible for P) and HiGHS's dual simplex — its
    strongest algorithm (dual steepest edge, bound flipping, hyper-sparse solves) — restores
    primal feasibility of D from it, which is the warm primal simplex on P done with better
    machinery (measured on a replay of the same column sequence at road1000-K200: 2.7× fewer
    pivots, 0.70× the master time; ``benchmarks/README.md``). This class speaks P: the subset of
    the ``highspy`` interface :func:`solve_colgen` uses, with P's indices, signs and values.

    P is ``min c^T x`` s.t. equality rows (the groups) and ``<=`` rows (capacities),
    ``0 <= x <= u``. D has a free ``sigma_i`` per equality row (cost ``-rhs_i``), ``nu_i >= 0``
    per ``<=`` row (cost ``upper_i``, P's dual is ``-nu_i``), ``w_j >= 0`` per P column with a
    finite upper bound (cost ``u_j``), and a row ``sum_i s_i a_ij z_i - w_j <= c_j`` per P column
    (``s_i = +1`` for sigma, ``-1`` for nu). P's ``x_j`` is minus the dual of D's row ``j``.
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self.h = new_highs(options, None)
        self.row_dcol = np.zeros(0, dtype=np.int64)  # D column of each P row
        self.row_sign = np.zeros(0)
        self.col_cost = np.zeros(0)
        self.col_w = np.zeros(0, dtype=np.int64)  # D column of each P column's w (-1: none)
        self.n_dcols = 0

    # -- building
    def addRows(  # noqa: N802 - the highspy name
        self,
        m: int,
        lower: FloatArray,
        upper: FloatArray,
        nnz: int,
        starts: NDArray[np.int32],
        idx: NDArray[np.int32],
        vals: FloatArray,
    ) -> None:
        lower = np.asarray(lower, dtype=np.float64)
        upper = np.asarray(upper, dtype=np.float64)
        eq = lower == upper
        le = np.isneginf(lower) | (lower <= -HIGHS_INF)
        if not (eq | le).all():  # pragma: no cover - the column generation never does this
            raise ValueError("_DualMaster supports equality and <= rows only")
        sign = np.where(eq, 1.0, -1.0)
        cost = np.where(eq, -upper, upper)
        lo = np.where(eq, -HIGHS_INF, 0.0)
        starts_l = np.append(np.asarray(starts, dtype=np.int64), int(nnz))
        row_of = np.repeat(np.arange(m), np.diff(starts_l))
        self.h.addCols(
            m,
            cost,
            lo,
            np.full(m, HIGHS_INF),
            int(nnz),
            np.asarray(starts, dtype=np.int32),
            np.asarray(idx, dtype=np.int32),
            np.asarray(vals, dtype=np.float64) * sign[row_of],
        )
        self.row_dcol = np.concatenate([self.row_dcol, self.n_dcols + np.arange(m)])
        self.row_sign = np.concatenate([self.row_sign, sign])
        self.n_dcols += m

    def addCols(  # noqa: N802 - the highspy name
        self,
        m: int,
        cost: FloatArray,
        lower: FloatArray,
        upper: FloatArray,
        nnz: int,
        starts: NDArray[np.int32],
        idx: NDArray[np.int32],
        vals: FloatArray,
    ) -> None:
        if np.any(np.asarray(lower) != 0):  # pragma: no cover - never done
            raise ValueError("_DualMaster supports columns with lower bound 0 only")
        idx64 = np.asarray(idx, dtype=np.int64)
        dcol = self.row_dcol[idx64]
        sign = self.row_sign[idx64]
        first = int(self.h.getNumRow())
        self.h.addRows(
            m,
            np.full(m, -HIGHS_INF),
            np.asarray(cost, dtype=np.float64),
            int(nnz),
            np.asarray(starts, dtype=np.int32),
            dcol.astype(np.int32),
            np.asarray(vals, dtype=np.float64) * sign,
        )
        upper = np.asarray(upper, dtype=np.float64)
        bounded = np.flatnonzero(upper < HIGHS_INF)
        w = np.full(m, -1, dtype=np.int64)
        if bounded.shape[0]:
            nb = int(bounded.shape[0])
            self.h.addCols(
                nb,
                upper[bounded],
                np.zeros(nb),
                np.full(nb, HIGHS_INF),
                nb,
                np.arange(nb, dtype=np.int32),
                (first + bounded).astype(np.int32),
                -np.ones(nb),
            )
            w[bounded] = self.n_dcols + np.arange(nb)
            self.n_dcols += nb
        self.col_cost = np.concatenate([self.col_cost, np.asarray(cost, dtype=np.float64)])
        self.col_w = np.concatenate([self.col_w, w])

    def deleteCols(self, m: int, idx: NDArray[np.int32]) -> None:  # noqa: N802
        if (self.col_w[idx] >= 0).any():  # pragma: no cover - only path columns are pruned
            raise ValueError("_DualMaster deletes unbounded columns only")
        self.h.deleteRows(m, idx)
        keep = np.ones(self.col_cost.shape[0], dtype=bool)
        keep[idx] = False
        self.col_cost = self.col_cost[keep]
        self.col_w = self.col_w[keep]

    def deleteRows(self, m: int, idx: NDArray[np.int32]) -> None:  # noqa: N802
        gone = np.sort(self.row_dcol[np.asarray(idx, dtype=np.int64)])
        self.h.deleteCols(m, gone.astype(np.int32))
        keep = np.ones(self.row_dcol.shape[0], dtype=bool)
        keep[idx] = False
        self.row_dcol = self.row_dcol[keep]
        self.row_dcol -= np.searchsorted(gone, self.row_dcol)
        self.row_sign = self.row_sign[keep]
        has_w = self.col_w >= 0
        self.col_w[has_w] -= np.searchsorted(gone, self.col_w[has_w])
        self.n_dcols -= m

    # -- solving and reading
    def setOptionValue(self, name: str, value: Any) -> Any:  # noqa: N802
        return self.h.setOptionValue(name, value)

    def run(self) -> Any:
        return self.h.run()

    def getModelStatus(self) -> Any:  # noqa: N802
        return self.h.getModelStatus()

    def modelStatusToString(self, status: Any) -> Any:  # noqa: N802
        return self.h.modelStatusToString(status)

    def getNumRow(self) -> int:  # noqa: N802
        return len(self.row_dcol)

    def getNumCol(self) -> int:  # noqa: N802
        return int(self.col_cost.shape[0])

    def getInfo(self) -> Any:  # noqa: N802
        info = self.h.getInfo()
        return _MasterInfo(int(info.simplex_iteration_count), -float(info.objective_function_value))

    def getSolution(self) -> Any:  # noqa: N802
        sol = self.h.getSolution()
        z = np.asarray(sol.col_value, dtype=np.float64)
        x = -np.asarray(sol.row_dual, dtype=np.float64)
        y = self.row_sign * z[self.row_dcol]
        w = np.where(self.col_w >= 0, z[np.maximum(self.col_w, 0)], 0.0)
        rc = self.col_cost - (np.asarray(sol.row_value, dtype=np.float64) + w)
        return _MasterSolution(x, y, rc)


@dataclass(frozen=True)
class _MasterInfo:
    simplex_iteration_count: int
    objective_function_value: float


@dataclass(frozen=True)
class _MasterSolution:
    col_value: FloatArray
    row_dual: FloatArray
    col_dual: FloatArray


def _new_cols_only(
    seen: set[tuple[int, bytes]], groups: IntArray, ptr: IntArray, arcs: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """Drop the paths already in ``seen`` (and duplicates within the batch); mark the rest."""
    keep = np.ones(groups.shape[0], dtype=bool)
    for i, g in enumerate(groups.tolist()):
        key = (g, arcs[ptr[i] : ptr[i + 1]].tobytes())
        if key in seen:
            keep[i] = False
        else:
            seen.add(key)
    if keep.all():
        return groups, ptr, arcs
    lens = np.diff(ptr)[keep]
    sel_arc = np.repeat(keep, np.diff(ptr))
    new_ptr = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
    new_ptr[1:] = np.cumsum(lens)
    return groups[keep], new_ptr, arcs[sel_arc]


def _partitioned(
    problem: Problem,
    cfg: ColgenConfig,
    inside: NDArray[np.bool_],
    row_g: IntArray,
    rows: IntArray,
    serve_r: NDArray[np.bool_],
    g_reach: IntArray,
    g_k: IntArray,
    ptr0: IntArray,
    arcs0: IntArray,
    dist0: FloatArray,
    od_hint: Callable[[FloatArray], tuple[FloatArray, NDArray[np.bool_]]],
    timings: dict[str, float],
    *,
    tol: float,
    max_iter: int,
    time_limit: float | None,
    t_start: float,
    highs_options: dict[str, Any] | None,
    want_paths: bool,
) -> RawSolution:
    """Column generation on the groups ``inside`` only, the others fixed on their uncapacitated
    paths (served where that path is within their penalty, else unserved).

    The groups outside take their load off the capacities the master sees. With the master's
    duals ``mu`` a group outside whose path carries no dual (``mu`` summed on it within
    ``tol (1 + |sigma|)``) is priced out exactly: under ``mu >= 0`` no path of it is cheaper
    than its uncapacitated one, which its flow already uses (its reduced cost is
    ``-mu(path)``). Groups with a dual on their path join the master and it is solved again;
    ``inside`` only grows, so the rounds end. The answer is then optimal for the whole problem:
    every capacity holds (the master's rows are the capacities less the outside load), a dual
    lies only on arcs full in total, and every group prices out. Arguments are
    :func:`solve_colgen`'s and its uncapacitated pricing's (scaled units; ``row_g`` / ``rows``:
    group and demand row of each routed row, ``serve_r`` whether the uncapacitated path is
    within the row's penalty; ``ptr0`` / ``arcs0``: the paths of groups ``g_reach``).
    """
    n_g, n_arcs = int(dist0.shape[0]), problem.n_arcs
    scale_f, scale_c = problem.flow_scale, problem.cost_scale
    own0 = np.repeat(g_reach, np.diff(ptr0))  # group of each arc entry of the paths
    dem_r = problem.scaled_demand()[rows]
    capped = np.isfinite(problem.capacity)
    sub_cfg = dataclasses.replace(cfg, partition_load=None)
    row_of_demand = np.full(problem.n_demands, -1, dtype=np.int64)
    row_of_demand[rows] = row_g  # group of each routed demand row
    prev_paths: PathFlows | None = None
    prev_rows: NDArray[np.bool_] | None = None
    stopped: str | None = None
    total_t: dict[str, float] = dict(timings)
    iterations = 0
    n_rounds = 0
    while True:
        n_rounds += 1
        out_r = ~inside[row_g]
        fixed_served = np.where(out_r & serve_r, dem_r, 0.0)
        served_g = np.bincount(row_g, weights=fixed_served, minlength=n_g)
        fixed_load = np.bincount(arcs0, weights=served_g[own0], minlength=n_arcs) * scale_f
        cap_sub = np.where(capped, np.maximum(problem.capacity - fixed_load, 0.0), np.inf)
        demand_sub = problem.demand.copy()
        demand_sub[rows[out_r]] = 0.0  # inactive in the master's problem
        sub = dataclasses.replace(problem, capacity=cap_sub, demand=demand_sub)
        remaining = None if time_limit is None else time_limit - (time.perf_counter() - t_start)
        if remaining is not None and remaining <= 0:  # only before the first round (see below)
            out = failed(problem, "not_converged", "time limit reached", iterations)
            out.timings = total_t
            return out
        # the master's problem has the groups inside, in the same (sorted) order: hand it their
        # uncapacitated paths instead of searching them again
        sub_index = np.cumsum(inside) - 1
        keep = inside[g_reach]
        ptr_in, arcs_in = take_segments(ptr0, arcs0, np.flatnonzero(keep))
        aon = (dist0[inside], sub_index[g_reach[keep]], ptr_in, arcs_in)
        columns = None
        if prev_paths is not None and prev_paths.demand_row.shape[0]:
            # the last round's paths start this round's master (arcs turned destination first)
            pg = sub_index[row_of_demand[prev_paths.demand_row]]
            ptr_p = prev_paths.arc_ptr.copy()
            columns = (pg, ptr_p, reverse_segments(ptr_p, prev_paths.arcs))
        raw = solve_colgen(
            sub,
            tol=tol,
            max_iter=max(1, max_iter - iterations),
            time_limit=remaining,
            highs_options=highs_options,
            config=sub_cfg,
            want_paths=True,
            _aon=aon,
            _columns=columns,
            _rows=prev_rows,
        )
        prev_paths = raw.paths
        iterations += raw.iterations
        for key, val in raw.timings.items():
            total_t[key] = total_t.get(key, 0.0) + val
        if raw.status != "optimal" or not np.isfinite(raw.capacity_dual).all():
            # no proof to extend: the answer so far, the groups outside on their paths (NaN
            # arrays of a failed master stay NaN)
            on_path: FloatArray = np.zeros(n_g)
            reached = np.isfinite(dist0)
            break
        mu = raw.capacity_dual / scale_c
        on_path = np.bincount(own0, weights=mu[arcs0], minlength=n_g).astype(np.float64)
        sigma = dist0 + on_path
        reached = np.isfinite(dist0)
        join = ~inside & reached & (on_path > tol * (1.0 + np.abs(sigma)))
        logger.debug(
            "partition round %d: %d of %d groups in the master, %d join",
            n_rounds, int(inside.sum()), n_g, int(join.sum()),
        )  # fmt: skip
        if not join.any():
            break
        if iterations >= max_iter or (
            time_limit is not None and time.perf_counter() - t_start >= time_limit
        ):
            # out of budget: this round's answer with the groups outside on their paths is
            # feasible, not proven (``min_reduced_cost`` shows the groups that would join)
            stopped = (
                f"stopped with {int(join.sum())} groups outside the master whose path carries a "
                "dual (iteration or time limit)"
            )
            break
        inside |= join
        prev_rows = capped & (mu > 0)  # this round's binding capacities start the next master

    out_r = ~inside[row_g]
    flow = np.asarray(raw.flow, dtype=np.float64).reshape(problem.n_commodities * n_arcs).copy()
    fixed_g: FloatArray = np.bincount(
        row_g, weights=np.where(out_r & serve_r, dem_r, 0.0), minlength=n_g
    ).astype(np.float64)
    np.add.at(flow, g_k[own0] * n_arcs + arcs0, fixed_g[own0] * scale_f)
    unserved = np.asarray(raw.unserved, dtype=np.float64).copy()
    unserved[rows[out_r & ~serve_r]] = dem_r[out_r & ~serve_r] * scale_f
    paths = raw.paths if want_paths else None
    if want_paths:
        fr = np.flatnonzero(out_r)
        fixed_paths = split_group_paths(
            g_reach, fixed_g[g_reach], ptr0, arcs0, row_g[fr], rows[fr],
            np.where(serve_r[fr], dem_r[fr], 0.0), reverse=True,
        )  # fmt: skip
        master = raw.paths if raw.paths is not None else empty_path_flows()
        n_master = int(master.arcs.shape[0])
        paths = make_path_flows(  # the rows inside and outside are disjoint: one table, sorted
            np.concatenate([master.demand_row, fixed_paths.demand_row]),
            np.concatenate([master.flow, fixed_paths.flow * scale_f]),
            np.concatenate([master.arc_ptr, fixed_paths.arc_ptr[1:] + n_master]),
            np.concatenate([master.arcs, fixed_paths.arcs]),
            reverse=False,
        )
    up_fix, ex_fix = od_hint(raw.capacity_dual)
    od_up = up_fix if raw.od_upper is None else np.asarray(raw.od_upper, dtype=np.float64).copy()
    od_ex = ex_fix if raw.od_exact is None else np.asarray(raw.od_exact, dtype=bool).copy()
    od_up[rows[out_r]] = up_fix[rows[out_r]]
    od_ex[rows[out_r]] = ex_fix[rows[out_r]]
    fixed_rc = -on_path[~inside & reached]
    min_rc = float(raw.min_reduced_cost)
    if fixed_rc.shape[0]:
        min_rc = min(min_rc, float(fixed_rc.min()) * scale_c)
    stats = dict(raw.stats)
    stats["groups"] = n_g
    stats["groups_in_master"] = int(inside.sum())
    stats["partition_rounds"] = n_rounds
    return RawSolution(
        status=raw.status if stopped is None else "not_converged",
        message=raw.message if stopped is None else stopped,
        flow=flow.reshape(problem.n_commodities, n_arcs),
        capacity_dual=raw.capacity_dual,
        unserved=unserved,
        iterations=iterations,
        timings=total_t,
        stats=stats,
        min_reduced_cost=min_rc,
        paths=paths,
        od_upper=od_up,
        od_exact=od_ex,
    )


def solve_colgen(
    problem: Problem,
    *,
    tol: float,
    max_iter: int,
    time_limit: float | None,
    highs_options: dict[str, Any] | None,
    config: ColgenConfig | None = None,
    want_paths: bool = False,
    _aon: tuple[FloatArray, IntArray, IntArray, IntArray] | None = None,
    _columns: tuple[IntArray, IntArray, IntArray] | None = None,
    _rows: NDArray[np.bool_] | None = None,
) -> RawSolution:
    """Column (and row) generation; see the module docstring.

    Parameters
    ----------
    problem
        The validated problem (original units; scaled internally).
    tol
        Relative tolerance of the optimality certificate (reduced costs and gap).
    max_iter
        Maximum number of master solves.
    time_limit
        Wall-clock seconds, or ``None``.
    highs_options
        Caller's HiGHS options, applied to the master after this module's own.
    config
        Tuning; :data:`CONFIG` when ``None``.
    want_paths
        Also return each demand row's path flows (``RawSolution.paths``), read off the
        master's path columns.
    _aon
        The uncapacitated pricing's answer when the caller has it (:func:`_partitioned`):
        each group's distance, the reached groups and their paths ``(ptr, arcs)``.
    _columns
        More initial path columns ``(groups, ptr, arcs)``, arcs listed from the destination
        back to the origin (:func:`_partitioned`: the paths of the previous round's answer).
    _rows
        Capacitated arcs whose rows the first master holds besides the overloaded ones
        (:func:`_partitioned`: the previous round's binding capacities).

    Returns
    -------
    RawSolution
        In original units. ``stats`` holds the master's size and, from the last exact pricing,
        ``min_reduced_cost`` (cost per flow unit, the smallest ``dist_g - sigma_g`` over the
        groups, with ``dist_g`` bounded below where the pricing proved a group priced out
        without a search; >= ``-tol (1 + |sigma_g|)`` on every group when that certificate
        holds). ``od_upper`` / ``od_exact``: each row's uncapacitated path costed at the final
        duals, exact where no dual lies on it (the caller's ``od_cost`` then needs no search).
    """
    cfg = CONFIG if config is None else config
    t_start = time.perf_counter()
    timings = {"shortest_path": 0.0, "master": 0.0, "build": 0.0, "extract": 0.0}
    n, n_arcs = problem.n_nodes, problem.n_arcs
    tail = problem.tail
    cost = problem.scaled_cost()
    cap = problem.scaled_capacity()
    capped = np.isfinite(cap)
    rows = np.flatnonzero(problem.active)
    n_u = int(rows.shape[0])
    if n_u == 0:
        return RawSolution(
            "optimal",
            "",
            np.zeros((problem.n_commodities, n_arcs)),
            np.zeros(n_arcs),
            np.zeros(problem.n_demands),
            0,
            timings,
            paths=empty_path_flows() if want_paths else None,
        )
    dem_r = problem.scaled_demand()[rows]
    pen_r = problem.scaled_penalty()[rows]
    k_r = problem.commodity[rows]
    o_r = problem.origin[rows]
    t_r = problem.destination[rows]

    # groups (commodity, origin, destination) and, per commodity, the Dijkstra sources
    gkey, row_g = np.unique((k_r * n + o_r) * n + t_r, return_inverse=True)
    row_g = row_g.reshape(-1)
    n_g = int(gkey.shape[0])
    g_k = gkey // (n * n)
    g_o = (gkey // n) % n
    g_t = gkey % n
    g_dem = np.bincount(row_g, weights=dem_r, minlength=n_g)
    # Dijkstra plan: commodities with identical cost rows (e.g. one class per commodity and
    # origin, as the freight model passed them before issue #18) share one search per origin
    commodities, g_kidx = np.unique(g_k, return_inverse=True)
    g_kidx = g_kidx.reshape(-1)
    if commodities.shape[0] > 1:
        _, first, cost_id = np.unique(
            cost[commodities], axis=0, return_index=True, return_inverse=True
        )
        cost_id = cost_id.reshape(-1)
        cost_rep = commodities[first]
    else:
        cost_id = np.zeros(commodities.shape[0], dtype=np.int64)
        cost_rep = commodities[:1]
    g_cid = cost_id[g_kidx]
    plan: list[tuple[int, IntArray, IntArray, IntArray]] = []  # (cost row, sources, groups, src)
    for cid in range(int(cost_rep.shape[0])):
        gs = np.flatnonzero(g_cid == cid)
        srcs, inv = np.unique(g_o[gs], return_inverse=True)
        plan.append((int(cost_rep[cid]), srcs, gs, inv.reshape(-1)))
    bounded = cfg.bounded_pricing

    Mask = NDArray[np.bool_]
    Select = Callable[[IntArray, FloatArray], Mask]

    def price(
        mu: FloatArray,
        select: Select | None = None,
        only: Mask | None = None,
        need: FloatArray | None = None,
        floor: FloatArray | None = None,
    ) -> tuple[FloatArray, IntArray, IntArray, IntArray]:
        """Shortest distance of every group under ``cost + mu`` and, for the groups ``select``
        picks (given their ids and distances), their tree paths.

        With ``only`` (a mask over the groups) only those groups are searched; the others get
        ``floor`` (a lower bound of their distance, e.g. the uncapacitated one) or ``inf``.
        ``need`` (per group): the exact distance is needed only below it; a group farther away
        gets a lower bound ``>= need`` (and at least ``floor``) and is never offered to
        ``select``. Each search stops once its groups are settled, or once every node left
        is beyond their needs (:func:`solvers.shortest_paths.target_searches`), so on a network
        where destinations lie near their origins a search covers a neighbourhood, not the
        whole graph.

        Returns ``(dist, groups, ptr, arcs)``: path ``i`` of group ``groups[i]`` is
        ``arcs[ptr[i]:ptr[i+1]]`` (listed from the destination back to the origin).
        """
        t0 = time.perf_counter()
        c0 = time.process_time()
        dist = np.full(n_g, np.inf) if floor is None else floor.copy()
        sel_parts: list[IntArray] = []
        len_parts: list[IntArray] = []
        arc_parts: list[IntArray] = []
        n_searched = 0
        for k, srcs, gs, src in plan:
            if only is not None:
                sub = only[gs]
                if not sub.any():
                    continue
                gs, src = gs[sub], src[sub]
            graph = ArcGraph(n, tail, problem.head, cost[k] + mu)
            n_searched += int(np.unique(src).shape[0])
            found = target_searches(
                graph, srcs, src, g_t[gs], None if need is None else need[gs],
                paths=select is not None,
            )  # fmt: skip
            val = found.value
            if floor is not None:
                val = np.where(found.exact, val, np.maximum(val, floor[gs]))
            dist[gs] = val
            if select is None:
                continue
            ex = np.flatnonzero(found.exact)
            pick = ex[select(gs[ex], val[ex])]
            if not pick.shape[0]:
                continue
            ptr, arcs = found.paths(pick)
            sel_parts.append(gs[pick])
            len_parts.append(np.diff(ptr))
            arc_parts.append(arcs)
        groups = np.concatenate([np.zeros(0, dtype=np.int64), *sel_parts])
        lens = np.concatenate([np.zeros(0, dtype=np.int64), *len_parts])
        arcs_out = np.concatenate([np.zeros(0, dtype=np.int64), *arc_parts])
        ptr_out = np.zeros(groups.shape[0] + 1, dtype=np.int64)
        ptr_out[1:] = np.cumsum(lens)
        # paths in one order whatever the searches' order: cost row, origin, group
        order = np.lexsort((groups, g_o[groups], g_cid[groups]))
        if (order != np.arange(order.shape[0])).any():
            ptr_out, arcs_out = take_segments(ptr_out, arcs_out, order)
            groups = groups[order]
        timings["shortest_path"] += time.perf_counter() - t0
        logger.debug(
            "pricing: %d of %d groups searched from %d sources, %d paths, %.3f s (CPU %.3f s)",
            n_g if only is None else int(only.sum()),
            n_g,
            n_searched,
            groups.shape[0],
            time.perf_counter() - t0,
            time.process_time() - c0,
        )
        return dist, groups, ptr_out, arcs_out

    def finite(gs: IntArray, d: FloatArray) -> NDArray[np.bool_]:
        return np.asarray(np.isfinite(d), dtype=np.bool_)

    def path_costs(groups: IntArray, ptr: IntArray, arcs: IntArray, mu: FloatArray) -> FloatArray:
        """Cost of each path under ``cost[k] + mu``."""
        owner = np.repeat(np.arange(groups.shape[0]), np.diff(ptr))
        w = cost[g_k[groups][owner], arcs] + mu[arcs]
        return np.bincount(owner, weights=w, minlength=groups.shape[0]).astype(np.float64)

    capacity_term = np.where(capped, cap, 0.0)

    def row_paths(
        groups: IntArray, flow: FloatArray, ptr: IntArray, arcs: IntArray, unserved_r: FloatArray
    ) -> PathFlows:
        """Path flows per demand row in original units: each group's paths shared among its
        rows in proportion to what each is served."""
        out = split_group_paths(
            groups, flow, ptr, arcs, row_g, rows, dem_r - unserved_r, reverse=True
        )
        return PathFlows(out.demand_row, out.flow * problem.flow_scale, out.arc_ptr, out.arcs)

    def lagrangian(dist: FloatArray, mu: FloatArray) -> float:
        """The Lagrangian lower bound of ``mu >= 0`` (scaled units)."""
        served = np.minimum(dist[row_g], pen_r)
        return float(np.sum(dem_r * served) - np.sum(mu * capacity_term))

    # ---- 1. all-or-nothing on uncapacitated shortest paths
    zero_mu = np.zeros(n_arcs)
    if _aon is not None:
        dist, g_reach = _aon[0].copy(), _aon[1].copy()
        ptr0, arcs0 = _aon[2].copy(), _aon[3].copy()
    else:
        dist, g_reach, ptr0, arcs0 = price(zero_mu, finite)
    dist0 = dist.copy()  # a lower bound of every group's distance under any mu >= 0
    own0 = np.repeat(g_reach, np.diff(ptr0))  # group of each arc of the uncapacitated paths

    def path_mu(mu: FloatArray) -> FloatArray:
        """``mu`` summed over each group's uncapacitated path (``inf``: no path)."""
        out = np.full(n_g, np.inf)
        out[g_reach] = 0.0
        out += np.bincount(own0, weights=mu[arcs0], minlength=n_g)
        return out

    def od_hint(mu_orig: FloatArray) -> tuple[FloatArray, NDArray[np.bool_]]:
        """Per demand row the cost of its group's uncapacitated path under ``cost + mu_orig``
        (original units) and where that is the shortest (no dual on the path)."""
        w = problem.cost[g_k[own0], arcs0] + mu_orig[arcs0]
        ub_g = np.full(n_g, np.nan)
        ub_g[g_reach] = np.bincount(own0, weights=w, minlength=n_g)[g_reach]
        on = path_mu(mu_orig)
        upper = np.full(problem.n_demands, np.nan)
        upper[rows] = ub_g[row_g]
        exact = np.zeros(problem.n_demands, dtype=bool)
        exact[rows] = on[row_g] == 0.0
        return upper, exact

    reach = np.isfinite(dist)
    serve_r = reach[row_g] & (dist[row_g] <= pen_r)
    served_g: FloatArray = np.bincount(
        row_g, weights=np.where(serve_r, dem_r, 0.0), minlength=n_g
    ).astype(np.float64)
    col_owner = np.repeat(np.arange(g_reach.shape[0]), np.diff(ptr0))
    load = np.bincount(arcs0, weights=served_g[g_reach][col_owner], minlength=n_arcs)
    feas_tol = 1e-9 * (1.0 + np.where(capped, cap, 0.0))
    over = capped & (load > cap + feas_tol)
    if not over.any():
        flow = np.zeros(problem.n_commodities * n_arcs)
        np.add.at(flow, g_k[g_reach][col_owner] * n_arcs + arcs0, served_g[g_reach][col_owner])
        unserved = np.zeros(problem.n_demands)
        unserved[rows] = np.where(serve_r, 0.0, dem_r)
        aon_paths = None
        if want_paths:
            aon_paths = row_paths(g_reach, served_g[g_reach], ptr0, arcs0, unserved[rows])
        od_up, od_ex = od_hint(np.zeros(n_arcs))
        timings["extract"] = time.perf_counter() - t_start - timings["shortest_path"]
        return RawSolution(
            od_upper=od_up,
            od_exact=od_ex,
            status="optimal",
            message="all-or-nothing shortest paths respect every capacity",
            flow=flow.reshape(problem.n_commodities, n_arcs) * problem.flow_scale,
            capacity_dual=np.zeros(n_arcs),
            unserved=unserved * problem.flow_scale,
            iterations=0,
            timings=timings,
            stats={"columns": int(g_reach.shape[0]), "capacity_rows": 0, "groups": n_g},
            min_reduced_cost=0.0,
            paths=aon_paths,
        )

    # ---- 1b. only the groups the capacities can touch go to the master
    if cfg.partition_load is not None and n_g >= cfg.partition_min_groups:
        hot = capped & (load > cfg.partition_load * cap)
        inside = np.zeros(n_g, dtype=bool)
        inside[g_reach[col_owner[hot[arcs0]]]] = True
        if not inside.all():
            return _partitioned(
                problem, cfg, inside, row_g, rows, serve_r, g_reach, g_k, ptr0, arcs0,
                dist0, od_hint, timings,
                tol=tol, max_iter=max_iter, time_limit=time_limit, t_start=t_start,
                highs_options=highs_options, want_paths=want_paths,
            )  # fmt: skip

    # ---- 2. restricted master: one HiGHS model for the whole run
    t0 = time.perf_counter()
    n_rows0 = n_g + int(over.sum())
    if cfg.master == "hybrid" and n_g >= cfg.ipm_share * n_rows0:
        master_options: dict[str, Any] = {**IPM_OPTIONS, **(highs_options or {})}
        adaptive = not highs_options or not ({"solver", "run_crossover"} & set(highs_options))
        phase = "ipm" if master_options.get("solver") == "ipm" else "given"
    else:
        master_options = {
            "solver": "simplex",
            "simplex_strategy": 1 if cfg.dual_master else cfg.simplex_strategy,
            "presolve": "off",
            **(highs_options or {}),
        }
        adaptive, phase = False, "given"
    as_dual = cfg.dual_master and phase == "given" and not highs_options
    # the final answer must be a vertex (flows on few paths, vertex duals) unless the caller
    # chose the master's options
    want_vertex = (
        master_options.get("solver") == "ipm" and master_options.get("run_crossover") == "off"
    )
    h: Any = _DualMaster(master_options) if as_dual else new_highs(master_options, None)
    e_i32 = np.zeros(0, dtype=np.int32)
    h.addRows(n_g, g_dem, g_dem, 0, np.zeros(n_g, dtype=np.int32), e_i32, np.zeros(0))
    h.addCols(
        n_u,
        pen_r,
        np.zeros(n_u),
        dem_r,
        n_u,
        np.arange(n_u, dtype=np.int32),
        row_g.astype(np.int32),
        np.ones(n_u),
    )
    cols = _Columns(n_arcs)
    cap_row = np.full(n_arcs, -1, dtype=np.int64)
    n_cap_rows = 0

    def add_rows(arcs_new: IntArray) -> None:
        nonlocal n_cap_rows
        m = int(arcs_new.shape[0])
        if cols.n:
            sub = cols.incidence()[:, arcs_new].tocsc()
            starts, idx = sub.indptr, sub.indices.astype(np.int64) + n_u
        else:
            starts, idx = np.zeros(m + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
        h.addRows(
            m,
            np.full(m, -HIGHS_INF),
            cap[arcs_new],
            int(idx.shape[0]),
            starts[:-1].astype(np.int32),
            idx.astype(np.int32),
            np.ones(idx.shape[0]),
        )
        cap_row[arcs_new] = n_g + n_cap_rows + np.arange(m)
        n_cap_rows += m

    def add_cols(groups: IntArray, ptr: IntArray, arcs: IntArray) -> int:
        """Add path columns not already in the master; returns how many were added."""
        groups, ptr, arcs = _new_cols_only(cols.seen, groups, ptr, arcs)
        m = int(groups.shape[0])
        if m == 0:
            return 0
        owner = np.repeat(np.arange(m), np.diff(ptr))
        c = path_costs(groups, ptr, arcs, zero_mu)
        crow = cap_row[arcs]
        incap = crow >= 0
        ent_col = np.concatenate([np.arange(m), owner[incap]])
        ent_row = np.concatenate([groups, crow[incap]])
        order = np.argsort(ent_col, kind="stable")
        starts = np.zeros(m, dtype=np.int64)
        starts[1:] = np.cumsum(np.bincount(ent_col, minlength=m))[:-1]
        h.addCols(
            m,
            c,
            np.zeros(m),
            np.full(m, HIGHS_INF),
            int(ent_row.shape[0]),
            starts.astype(np.int32),
            ent_row[order].astype(np.int32),
            np.ones(ent_row.shape[0]),
        )
        cols.add(groups, ptr, arcs)
        return m

    add_rows(np.flatnonzero(over if _rows is None else over | (_rows & capped)))
    add_cols(g_reach, ptr0, arcs0)
    if _columns is not None:  # the previous round's paths (:func:`_partitioned`)
        add_cols(*_columns)
    timings["build"] += time.perf_counter() - t0

    lb = lagrangian(dist, zero_mu)  # the uncapacitated bound
    mu_best = zero_mu
    g_pen = np.zeros(n_g)
    np.maximum.at(g_pen, row_g, pen_r)

    def augment(resid: FloatArray, remaining: FloatArray, mu: FloatArray, rounds: int) -> int:
        """Greedy routing of ``remaining`` (per group) into residual capacity ``resid``.

        Each round prices under ``cost + mu`` with the full arcs removed, sends every group's
        remainder along its path, scaled down where paths share a bottleneck so that no
        residual is exceeded; every path met becomes a column. Returns the columns added.
        """
        added = 0
        remaining = remaining.copy()
        resid = resid.copy()
        for _ in range(rounds):
            act = remaining > 1e-9 * g_dem
            if not act.any():
                break
            full = capped & (resid <= 1e-9 * (1.0 + capacity_term))

            def routable(gs: IntArray, d: FloatArray, act: NDArray[np.bool_] = act) -> Mask:
                return np.asarray(act[gs] & np.isfinite(d) & (d <= g_pen[gs]), dtype=np.bool_)

            _, ok, ptr_w, arcs_w = price(
                mu + np.where(full, np.inf, 0.0),
                routable,
                act,
                need=g_pen if bounded else None,
            )
            if not ok.shape[0]:
                break
            added += add_cols(ok, ptr_w, arcs_w)
            lens = np.diff(ptr_w)
            load_w = np.bincount(arcs_w, weights=np.repeat(remaining[ok], lens), minlength=n_arcs)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(load_w > 0, np.minimum(1.0, resid / load_w), 1.0)
            nz = lens > 0
            share = np.ones(ok.shape[0])
            share[nz] = np.minimum.reduceat(ratio[arcs_w], ptr_w[:-1][nz])
            moved = remaining[ok] * share
            resid -= np.bincount(arcs_w, weights=np.repeat(moved, lens), minlength=n_arcs)
            remaining[ok] -= moved
        return added

    if cfg.seed_rounds > 0 and (as_dual or not cfg.seed_dual_only):
        # capacity-aware initial columns: all groups routed on shortest paths under costs
        # raised by their arcs' congestion, loads averaged over the rounds (MSA)
        t0 = time.perf_counter()
        x_seed: FloatArray = np.asarray(load, dtype=np.float64).copy()
        w_own = cost[g_k[g_reach][col_owner], arcs0]
        cbar = float(np.mean(w_own)) if w_own.shape[0] else 1.0
        safe_cap = np.where(capped, np.maximum(cap, 1e-12), 1.0)
        seed_act = served_g > 0
        for r in range(1, cfg.seed_rounds + 1):
            if time_limit is not None and time.perf_counter() - t_start >= time_limit:
                break
            ratio = np.where(capped, x_seed / safe_cap, 0.0)
            expo = np.minimum(cfg.seed_kappa * (ratio - 1.0), 50.0)
            mu_r = np.where(capped, cbar * np.exp(expo), 0.0)
            _, gs_r, ptr_r, arcs_r = price(mu_r, finite, seed_act)
            add_cols(gs_r, ptr_r, arcs_r)
            lens_r = np.diff(ptr_r)
            aon = np.bincount(arcs_r, weights=np.repeat(served_g[gs_r], lens_r), minlength=n_arcs)
            aon = aon.astype(np.float64)
            x_seed += (aon - x_seed) / (r + 1.0)
        timings["seed"] = time.perf_counter() - t0
        logger.debug("seed: %d columns", cols.n)

    if cfg.warmup_rounds > 0:
        t0 = time.perf_counter()
        start_rem = np.where(np.isfinite(dist) & (dist <= g_pen), g_dem, 0.0)
        augment(np.where(capped, cap, np.inf), start_rem, zero_mu, cfg.warmup_rounds)
        timings["warmup"] = time.perf_counter() - t0
        logger.debug("warm-up: %d columns", cols.n)

    # ---- 3.-6. iterate
    status, message = "not_converged", f"no convergence in {max_iter} iterations"
    iterations = 0
    center = mu_best
    ub = np.inf
    x = np.zeros(0)
    min_rc = -np.inf
    over = np.zeros(n_arcs, dtype=bool)
    alpha = float(cfg.smoothing)
    pivots = 0
    last_pivots = np.iinfo(np.int64).max  # pivots of the previous master solve
    devex = False
    n_pruned = 0
    last_used = np.zeros(0, dtype=np.int64)
    row_tight_at = np.zeros(n_arcs, dtype=np.int64)
    n_rows_pruned = 0
    n_exact = 0
    n_smoothed = 0
    while iterations < max_iter:
        iterations += 1
        if time_limit is not None:
            remaining = time_limit - (time.perf_counter() - t_start)
            if remaining <= 0:
                status, message = "not_converged", "time limit reached"
                break
            h.setOptionValue("time_limit", float(remaining))
        t0 = time.perf_counter()
        if phase == "crossover":  # one IPM + crossover solve gives a vertex and a basis
            h.setOptionValue("run_crossover", "on")
        elif phase == "simplex":
            h.setOptionValue("solver", "simplex")
            if adaptive:
                h.setOptionValue("simplex_strategy", cfg.simplex_strategy)
                h.setOptionValue("presolve", "off")
        if as_dual and not devex and last_pivots < cfg.devex_below:
            # few pivots expected: Devex, which HiGHS need not re-initialize after the model
            # changed (dual steepest edge recomputes every weight: ~80 ms at road1000-K200)
            h.setOptionValue("simplex_dual_edge_weight_strategy", 1)
            devex = True
        c0 = time.process_time()
        h.run()
        master_cpu = time.process_time() - c0
        vertex = phase in ("crossover", "simplex") or not want_vertex
        if phase == "crossover":
            phase = "simplex"
        timings["master"] += time.perf_counter() - t0
        st, msg = highs_status(h)
        if st != "optimal":
            status, message = st, f"restricted master: {msg}"
            break
        info = h.getInfo()
        pivots += int(info.simplex_iteration_count)
        last_pivots = int(info.simplex_iteration_count)
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=np.float64)
        y = np.asarray(sol.row_dual, dtype=np.float64)
        ub = float(info.objective_function_value)
        sigma = y[:n_g]
        mu = np.zeros(n_arcs)
        in_s = np.flatnonzero(cap_row >= 0)
        mu[in_s] = np.maximum(-y[cap_row[in_s]], 0.0)
        f = np.maximum(x[n_u:], 0.0)
        if last_used.shape[0] < cols.n:
            last_used = np.concatenate(
                [last_used, np.full(cols.n - last_used.shape[0], iterations)]
            )
        last_used[f > 0] = iterations
        load = cols.incidence().T @ f
        over = capped & (cap_row < 0) & (load > cap + feas_tol)
        tight = (cap_row >= 0) & ((mu > 0) | (load >= cap - 1e-6 * (1.0 + capacity_term)))
        row_tight_at[tight | over] = iterations
        scale = max(abs(ub), 1e-12)
        rc_tol = tol * (1.0 + np.abs(sigma))
        # with mu >= 0 no path of a group is shorter than its uncapacitated one: a group with
        # dist0 - sigma >= -tol cannot price out and is not searched (its distance: >= dist0)
        active = dist0 - sigma < -rc_tol if bounded else None
        floor = dist0 if bounded else None

        new_g: list[IntArray] = []  # the iteration's new columns: groups, path lengths, arcs
        new_ptr: list[IntArray] = []
        new_arcs: list[IntArray] = []

        # smoothed pricing: paths at mu_s, kept if they price out at the master's duals
        smoothed_found = False
        if alpha > 0.0 and vertex:  # interior-point duals are centred already
            mu_s = alpha * center + (1.0 - alpha) * mu
            ub_s = None
            if bounded:  # the uncapacitated path bounds each group's distance: one search each
                # and its distance matters only below sigma: a path costlier at mu_s than the
                # group's own flow path costs at mu rarely prices out at mu (a heuristic bound:
                # the exact pricing follows whenever the smoothed one finds nothing)
                ub_s = np.minimum(dist0 + path_mu(mu_s), np.maximum(sigma, dist0))
                ub_s = ub_s * (1.0 + 1e-9) + 1e-12
            dist_s, g_ok, ptr_s, arcs_s = price(mu_s, finite, active, need=ub_s, floor=floor)
            n_smoothed += 1
            lb_s = lagrangian(dist_s, mu_s)
            if lb_s > lb:
                lb, mu_best, center = lb_s, mu_s, mu_s
            rc_s = path_costs(g_ok, ptr_s, arcs_s, mu) - sigma[g_ok]
            good = rc_s < -rc_tol[g_ok]
            if good.any():
                smoothed_found = True
                keep_arc = np.repeat(good, np.diff(ptr_s))
                p = np.zeros(int(good.sum()) + 1, dtype=np.int64)
                p[1:] = np.cumsum(np.diff(ptr_s)[good])
                new_g.append(g_ok[good])
                new_ptr.append(p)
                new_arcs.append(arcs_s[keep_arc])
        # exact pricing at the master's duals: every iteration, after a mispricing, or to prove
        exact = (
            alpha == 0.0
            or not vertex
            or cfg.exact_every_iteration
            or not smoothed_found
            or (not over.any() and ub - lb <= tol * scale)
        )
        if exact:

            def improving(
                gs: IntArray, d: FloatArray, s: FloatArray = sigma, t: FloatArray = rc_tol
            ) -> Mask:
                return np.asarray(np.isfinite(d) & (d - s[gs] < -t[gs]), dtype=np.bool_)

            dist, cand, ptr, arcs = price(
                mu,
                improving,
                active,
                need=sigma - rc_tol if bounded else None,
                floor=floor,
            )
            n_exact += 1
            lb_now = lagrangian(dist, mu)
            if lb_now > lb:  # any mu >= 0 gives a valid bound: keep the best one and its duals
                lb, mu_best, center = lb_now, mu, mu
            rc = dist - sigma
            rel = np.where(np.isfinite(dist), rc / (1.0 + np.abs(sigma)), np.inf)
            min_rc = float(rc[np.argmin(rel)]) if n_g else 0.0
            if not over.any():
                rc_ok = not cand.shape[0]
                if rc_ok or ub - lb <= tol * scale:
                    if vertex:
                        status = "optimal"
                        if ub - lb_now <= tol * scale:
                            lb = max(lb, lb_now)
                            mu_best = mu  # the master's vertex duals: exact zeros off-bottleneck
                        message = f"relative gap {(ub - lb) / scale:.2e}; reduced costs " + (
                            f">= -{tol:.0e} (1 + |sigma|) on all {n_g} groups"
                            if rc_ok
                            else f"down to {min_rc * problem.cost_scale:.3e} per unit"
                        )
                        break
                    phase = "crossover"  # proven optimal: re-solve once for a vertex solution
                    continue
            if cand.shape[0]:
                new_g.append(cand)
                new_ptr.append(ptr)
                new_arcs.append(arcs)

        t0 = time.perf_counter()
        if over.any():
            add_rows(np.flatnonzero(over))
        added = 0
        if new_g:
            g_cat = np.concatenate(new_g)
            lens = np.concatenate([np.diff(p) for p in new_ptr])
            p_cat = np.zeros(g_cat.shape[0] + 1, dtype=np.int64)
            p_cat[1:] = np.cumsum(lens)
            added = add_cols(g_cat, p_cat, np.concatenate(new_arcs))
        if cfg.augment_rounds > 0 and vertex:
            un_g: FloatArray = np.bincount(
                row_g, weights=np.clip(x[:n_u], 0.0, dem_r), minlength=n_g
            ).astype(np.float64)
            if (un_g > 1e-9 * g_dem).any():
                resid = np.where(capped, np.maximum(cap - load, 0.0), np.inf)
                added += augment(resid, un_g, mu, cfg.augment_rounds)
        timings["build"] += time.perf_counter() - t0
        logger.debug(
            "colgen iteration %d: UB %.10g LB %.10g, %d columns and %d rows added, master "
            "%d x %d, %d pivots, CPU %.3f s",
            iterations,
            ub,
            lb,
            added,
            int(over.sum()),
            h.getNumRow(),
            h.getNumCol(),
            int(info.simplex_iteration_count),
            master_cpu,
        )
        if (
            phase == "ipm"
            and adaptive
            and (
                (ub - lb <= SWITCH_GAP * scale and not over.any())
                or added + int(over.sum()) <= cfg.switch_share * (n_g + n_cap_rows)
            )
        ):
            phase = "crossover"
        if cfg.prune_age > 0 and vertex and cols.n > 2 * h.getNumRow():
            # drop paths idle for prune_age iterations and clearly unprofitable (nonbasic: the
            # basis stays valid); pricing brings any of them back if the duals ask for it
            rc_col = np.asarray(sol.col_dual, dtype=np.float64)[n_u : n_u + last_used.shape[0]]
            g_col = cols.groups()[: rc_col.shape[0]]
            idle = (iterations - last_used[: rc_col.shape[0]] >= cfg.prune_age) & (
                rc_col > 1e-3 * (1.0 + np.abs(sigma[g_col]))
            )
            if idle.sum() > 0.1 * cols.n:
                keep = np.ones(cols.n, dtype=bool)
                keep[: idle.shape[0]] = ~idle
                drop = np.flatnonzero(~keep) + n_u
                h.deleteCols(int(drop.shape[0]), drop.astype(np.int32))
                cols.keep_only(keep)
                last_used = last_used[keep[: last_used.shape[0]]]
                x = np.concatenate([x[:n_u], x[n_u:][keep[: x.shape[0] - n_u]]])
                n_pruned += int(drop.shape[0])
        stale = (cap_row >= 0) & (iterations - row_tight_at >= max(cfg.row_age, 1))
        if cfg.row_age > 0 and vertex and stale.sum() > 0.05 * n_cap_rows:
            # slack rows have a basic slack: deleting them keeps the basis valid
            gone = np.sort(cap_row[stale])
            h.deleteRows(int(gone.shape[0]), gone.astype(np.int32))
            cap_row[stale] = -1
            live = cap_row >= 0
            cap_row[live] -= np.searchsorted(gone, cap_row[live])
            n_cap_rows -= int(gone.shape[0])
            n_rows_pruned += int(gone.shape[0])
        if added == 0 and not over.any():
            if not exact:  # smoothed columns were all known: price exactly next time
                alpha = 0.0
                continue
            status = "not_converged"
            message = (
                f"no improving column but relative gap {(ub - lb) / scale:.2e} > tol "
                f"{tol:.1e} (solver tolerance limits the certificate)"
            )
            break

    stats = {
        "columns": cols.n,
        "capacity_rows": n_cap_rows,
        "groups": n_g,
        "simplex_pivots": pivots,
        "exact_pricings": n_exact,
        "smoothed_pricings": n_smoothed,
        "pruned_columns": n_pruned,
        "pruned_rows": n_rows_pruned,
    }
    if status not in ("optimal", "not_converged") or x.shape[0] == 0:
        out = failed(problem, status, message, iterations)
        out.timings = timings
        out.stats = stats
        return out
    if status == "not_converged" and over.any():
        out = failed(problem, status, message + "; last master violates capacity", iterations)
        out.timings = timings
        out.stats = stats
        return out

    t0 = time.perf_counter()
    f = np.maximum(x[n_u:], 0.0)  # columns added after the last master solve carry no flow
    inc = cols.incidence()[: f.shape[0]].tocoo()
    k_col = g_k[cols.groups()[: f.shape[0]]]
    flow_cg = np.bincount(
        k_col[inc.row] * n_arcs + inc.col,
        weights=f[inc.row],
        minlength=problem.n_commodities * n_arcs,
    ).astype(np.float64)
    unserved = np.zeros(problem.n_demands)
    unserved[rows] = np.clip(x[:n_u], 0.0, dem_r)
    col_paths = None
    if want_paths:
        used = np.flatnonzero(f > 0)
        sub = cols.incidence()[used]
        ptr_used = np.asarray(sub.indptr, dtype=np.int64)
        arcs_used = np.asarray(sub.indices, dtype=np.int64)
        col_paths = row_paths(cols.groups()[used], f[used], ptr_used, arcs_used, unserved[rows])
    od_up, od_ex = od_hint(mu_best * problem.cost_scale)
    timings["extract"] = time.perf_counter() - t0
    return RawSolution(
        od_upper=od_up,
        od_exact=od_ex,
        status=status,
        message=message,
        flow=flow_cg.reshape(problem.n_commodities, n_arcs) * problem.flow_scale,
        capacity_dual=mu_best * problem.cost_scale,
        unserved=unserved * problem.flow_scale,
        iterations=iterations,
        timings=timings,
        stats=stats,
        min_reduced_cost=min_rc * problem.cost_scale,
        paths=col_paths,
    )
