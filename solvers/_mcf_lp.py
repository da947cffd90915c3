"""Core of the multi-commodity flow solver: the validated problem, shortest paths, and the LP.

Private module behind :mod:`solvers.multicommodity` (read that docstring for the model, the
conventions and the decisions). This module holds what both methods share:

* :class:`Problem` — validated arrays plus the internal scaling;
* :func:`row_distances` — shortest-path costs of demand rows
  (:func:`solvers.shortest_paths.shortest_path_tree`, one call per distinct cost row);
* :func:`new_highs` — a silent HiGHS instance;
* :func:`solve_lp` — the monolithic arc-flow LP (method ``"lp"``, the reference).

Everything here works in *scaled* units: flows are divided by ``Problem.flow_scale`` and costs by
``Problem.cost_scale`` so that the LP HiGHS sees has coefficients of order one, whatever the
tonnes-per-year and CNY magnitudes of the caller. Results are unscaled before they leave.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from solvers.shortest_paths import shortest_path_tree

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

HIGHS_INF = float(highspy.kHighsInf)

# ``highspy.Highs()`` prints a banner from its constructor, before any option can be set; the
# core class it wraps (exported by highspy as ``_Highs``) does not.
_Highs: Any = getattr(highspy, "_Highs")  # noqa: B009


@dataclass(frozen=True)
class Problem:
    """A validated multi-commodity flow problem (original units; see ``scaled_*`` for scaled).

    Attributes
    ----------
    n_nodes, n_commodities
        Sizes; nodes ``0..n_nodes-1``, commodities ``0..n_commodities-1``.
    tail, head
        Arc end points, ``(n_arcs,)``.
    capacity
        Shared capacity per arc, ``(n_arcs,)``, ``inf`` = none.
    cost
        Cost per unit of flow, ``(n_commodities, n_arcs)``; ``inf`` = commodity may not use arc.
    origin, destination, demand, commodity
        Demand rows, ``(n_demands,)``.
    penalty
        Cost per unserved unit for each demand row, ``(n_demands,)``.
    flow_scale, cost_scale
        Internal units: a scaled flow is ``flow / flow_scale``, a scaled cost ``cost / cost_scale``.
    """

    n_nodes: int
    n_commodities: int
    tail: IntArray
    head: IntArray
    capacity: FloatArray
    cost: FloatArray
    origin: IntArray
    destination: IntArray
    demand: FloatArray
    commodity: IntArray
    penalty: FloatArray
    flow_scale: float
    cost_scale: float

    @property
    def n_arcs(self) -> int:
        """Number of arcs."""
        return int(self.tail.shape[0])

    @property
    def n_demands(self) -> int:
        """Number of demand rows."""
        return int(self.demand.shape[0])

    @property
    def active(self) -> NDArray[np.bool_]:
        """Demand rows that need routing: positive demand and origin ≠ destination."""
        return np.asarray((self.demand > 0) & (self.origin != self.destination), dtype=np.bool_)

    def scaled_cost(self) -> FloatArray:
        """Cost in internal units, ``(n_commodities, n_arcs)``, ``inf`` kept."""
        return self.cost / self.cost_scale

    def scaled_capacity(self) -> FloatArray:
        """Capacity in internal units, ``inf`` kept."""
        return self.capacity / self.flow_scale

    def scaled_demand(self) -> FloatArray:
        """Demand in internal units."""
        return self.demand / self.flow_scale

    def scaled_penalty(self) -> FloatArray:
        """Unserved penalty in internal units."""
        return self.penalty / self.cost_scale


@dataclass
class RawSolution:
    """What a method hands back to :func:`solvers.multicommodity.solve` (original units)."""

    status: str
    message: str
    flow: FloatArray
    capacity_dual: FloatArray
    unserved: FloatArray
    iterations: int
    timings: dict[str, float] = field(default_factory=dict)
    stats: dict[str, int] = field(default_factory=dict)
    min_reduced_cost: float = float("nan")
    """Column generation: smallest reduced cost of any group's shortest path at the final
    master duals (cost per flow unit; NaN for the LP)."""


def failed(problem: Problem, status: str, message: str, iterations: int = 0) -> RawSolution:
    """A solution object for a method that produced no usable point (arrays are NaN)."""
    return RawSolution(
        status=status,
        message=message,
        flow=np.full((problem.n_commodities, problem.n_arcs), np.nan),
        capacity_dual=np.full(problem.n_arcs, np.nan),
        unserved=np.full(problem.n_demands, np.nan),
        iterations=iterations,
    )


# --------------------------------------------------------------------------- shortest paths


def row_distances(problem: Problem, extra: FloatArray | None, rows: IntArray) -> FloatArray:
    """Shortest-path cost from origin to destination of each selected demand row.

    Parameters
    ----------
    problem
        The problem.
    extra
        Added to every commodity's arc cost (e.g. capacity duals), ``(n_arcs,)``, same units as
        ``problem.cost``; ``None`` for none.
    rows
        Demand-row indices.

    Returns
    -------
    ndarray, shape (len(rows),)
        Cost per unit (``inf`` if there is no path; ``0`` if origin = destination).
    """
    out = np.full(rows.shape[0], np.inf)
    if rows.shape[0] == 0:
        return out
    comm = problem.commodity[rows]
    ks = np.unique(comm)
    # commodities with identical cost rows share one Dijkstra call
    _, cost_id = np.unique(problem.cost[ks], axis=0, return_inverse=True)
    row_cost = cost_id.reshape(-1)[np.searchsorted(ks, comm)]
    for cid in np.unique(row_cost):
        sel = np.flatnonzero(row_cost == cid)
        r = rows[sel]
        k = int(comm[sel[0]])
        sources, src_idx = np.unique(problem.origin[r], return_inverse=True)
        w = problem.cost[k] if extra is None else problem.cost[k] + extra
        dist, _ = shortest_path_tree(problem.n_nodes, problem.tail, problem.head, w, sources)
        out[sel] = dist[src_idx.reshape(-1), problem.destination[r]]
    return out


# --------------------------------------------------------------------------- HiGHS helpers


def new_highs(options: dict[str, Any] | None, time_limit: float | None) -> Any:
    """A HiGHS instance that prints nothing, with ``options`` (name -> value) applied."""
    h = _Highs()
    h.setOptionValue("output_flag", False)
    if time_limit is not None:
        h.setOptionValue("time_limit", float(max(time_limit, 1e-3)))
    for name, value in (options or {}).items():
        status = h.setOptionValue(name, value)
        if status != highspy.HighsStatus.kOk:
            raise ValueError(f"HiGHS rejected option {name}={value!r}")
    return h


def highs_status(h: Any) -> tuple[str, str]:
    """Map HiGHS's model status to this package's status and a message."""
    ms = h.getModelStatus()
    text = str(h.modelStatusToString(ms))
    if ms == highspy.HighsModelStatus.kOptimal:
        return "optimal", ""
    if ms in (
        highspy.HighsModelStatus.kTimeLimit,
        highspy.HighsModelStatus.kIterationLimit,
        highspy.HighsModelStatus.kInterrupt,
    ):
        return "not_converged", f"HiGHS stopped: {text}"
    return "error", f"HiGHS returned model status {text!r}"


# --------------------------------------------------------------------------- the monolithic LP


def solve_lp(
    problem: Problem, *, time_limit: float | None, highs_options: dict[str, Any] | None
) -> RawSolution:
    """Solve the arc-flow LP, one flow class per (commodity, origin), with HiGHS.

    Variables: ``x[c, a] >= 0`` for every class ``c = (k, o)`` and every arc ``a`` that
    commodity ``k`` may use (finite cost, not a self-loop); ``u[d] in [0, demand[d]]`` unserved
    units of each active demand row (an arc ``o -> destination[d]`` costing the penalty).
    Rows: flow conservation per (class, node) — only the (class, node) pairs that occur — and
    ``sum_c x[c, a] <= capacity[a]`` per finite-capacity arc. The bound ``u <= demand`` keeps
    the aggregation exact: removing the unserved arcs leaves a single-origin flow that delivers
    ``demand - u >= 0`` to each destination, which decomposes into origin-destination paths.
    """
    t0 = time.perf_counter()
    n, n_arcs = problem.n_nodes, problem.n_arcs
    rows = np.flatnonzero(problem.active)
    zero_flow = np.zeros((problem.n_commodities, n_arcs))
    if rows.shape[0] == 0:
        return RawSolution(
            "optimal", "", zero_flow, np.zeros(n_arcs), np.zeros(problem.n_demands), 0
        )
    cost = problem.scaled_cost()
    cap = problem.scaled_capacity()
    dem = problem.scaled_demand()[rows]
    pen = problem.scaled_penalty()[rows]
    k_r = problem.commodity[rows]
    o_r = problem.origin[rows]
    t_r = problem.destination[rows]

    cls_key, row_cls = np.unique(k_r * n + o_r, return_inverse=True)
    cls_k = cls_key // n
    allowed = np.isfinite(cost) & (problem.tail != problem.head)[None, :]
    var_c, var_a = np.nonzero(allowed[cls_k])
    n_x = int(var_c.shape[0])
    n_u = int(rows.shape[0])

    # conservation entries: +1 at (class, tail), -1 at (class, head); unserved: +1 at origin, -1
    # at destination (the unserved variable is an arc origin -> destination).
    ent_key = np.concatenate(
        [
            var_c * n + problem.tail[var_a],
            var_c * n + problem.head[var_a],
            row_cls * n + o_r,
            row_cls * n + t_r,
        ]
    )
    ent_col = np.concatenate(
        [np.arange(n_x), np.arange(n_x), n_x + np.arange(n_u), n_x + np.arange(n_u)]
    )
    ent_val = np.concatenate([np.ones(n_x), -np.ones(n_x), np.ones(n_u), -np.ones(n_u)])
    node_keys, ent_row = np.unique(ent_key, return_inverse=True)
    n_node_rows = int(node_keys.shape[0])
    rhs = np.zeros(n_node_rows)
    np.add.at(rhs, np.searchsorted(node_keys, row_cls * n + o_r), dem)
    np.subtract.at(rhs, np.searchsorted(node_keys, row_cls * n + t_r), dem)

    capped = np.isfinite(cap)
    cap_arcs = np.flatnonzero(capped & np.isin(np.arange(n_arcs), var_a))
    cap_row = np.full(n_arcs, -1, dtype=np.int64)
    cap_row[cap_arcs] = n_node_rows + np.arange(cap_arcs.shape[0])
    in_cap = cap_row[var_a] >= 0
    ent_row = np.concatenate([ent_row, cap_row[var_a[in_cap]]])
    ent_col = np.concatenate([ent_col, np.flatnonzero(in_cap)])
    ent_val = np.concatenate([ent_val, np.ones(int(in_cap.sum()))])
    n_rows = n_node_rows + int(cap_arcs.shape[0])
    n_cols = n_x + n_u
    mat = sp.csc_matrix((ent_val, (ent_row, ent_col)), shape=(n_rows, n_cols))
    mat.sum_duplicates()

    lp = highspy.HighsLp()
    lp.num_col_ = n_cols
    lp.num_row_ = n_rows
    lp.col_cost_ = np.concatenate([cost[cls_k[var_c], var_a], pen])
    lp.col_lower_ = np.zeros(n_cols)
    lp.col_upper_ = np.concatenate([np.full(n_x, HIGHS_INF), dem])
    lp.row_lower_ = np.concatenate([rhs, np.full(cap_arcs.shape[0], -HIGHS_INF)])
    lp.row_upper_ = np.concatenate([rhs, cap[cap_arcs]])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = mat.indptr.astype(np.int32)
    lp.a_matrix_.index_ = mat.indices.astype(np.int32)
    lp.a_matrix_.value_ = mat.data
    h = new_highs(highs_options, time_limit)
    h.passModel(lp)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    status, message = highs_status(h)
    info = h.getInfo()
    iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
    stats = {
        "lp_rows": n_rows,
        "lp_cols": n_cols,
        "lp_nonzeros": int(mat.nnz),
        "classes": int(cls_k.shape[0]),
    }
    if status != "optimal":
        out = failed(problem, status, message, iterations)
        out.timings = {"build": t1 - t0, "solve": t2 - t1, "extract": 0.0}
        out.stats = stats
        return out
    sol = h.getSolution()
    x = np.maximum(np.asarray(sol.col_value, dtype=np.float64), 0.0)
    y = np.asarray(sol.row_dual, dtype=np.float64)
    flow = np.bincount(
        cls_k[var_c] * n_arcs + var_a,
        weights=x[:n_x],
        minlength=problem.n_commodities * n_arcs,
    ).reshape(problem.n_commodities, n_arcs)
    mu = np.zeros(n_arcs)
    mu[cap_arcs] = np.maximum(-y[n_node_rows:], 0.0)
    unserved = np.zeros(problem.n_demands)
    unserved[rows] = np.minimum(x[n_x:], dem)
    t3 = time.perf_counter()
    return RawSolution(
        status="optimal",
        message="",
        flow=np.asarray(flow, dtype=np.float64) * problem.flow_scale,
        capacity_dual=mu * problem.cost_scale,
        unserved=unserved * problem.flow_scale,
        iterations=iterations,
        timings={"build": t1 - t0, "solve": t2 - t1, "extract": t3 - t2},
        stats=stats,
    )
