"""Core of the multi-commodity flow solver: the validated problem, shortest paths, and the LP.

Private module behind :mod:`solvers.multicommodity` (read that docstring for the model, the
conventions and the decisions). This module holds what both methods share:

* :class:`Problem` — validated arrays plus the internal scaling;
* :func:`row_distances` — shortest-path costs of demand rows
  (:func:`solvers.shortest_paths.shortest_path_tree`, one call per distinct cost row);
* :func:`new_highs` — a silent HiGHS instance;
* :func:`solve_lp` — the monolithic arc-flow LP (method ``"lp"``, the reference);
* :class:`PathFlows` — each demand row's paths in compact arrays, and
  :func:`decompose_class_flow`, which recovers them from the LP's single-origin class flows.

Everything here works in *scaled* units: flows are divided by ``Problem.flow_scale`` and costs by
``Problem.cost_scale`` so that the LP HiGHS sees has coefficients of order one, whatever the
tonnes-per-year and CNY magnitudes of the caller. Results are unscaled before they leave.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from solvers.shortest_paths import (
    ArcGraph,
    paths_csr,
    reverse_segments,
    shortest_path_tree,
    take_segments,
    target_searches,
)

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


SOURCE_BLOCK_ENTRIES = 2_000_000
"""Shortest-path trees are computed for at most ``max(1, this // n_nodes)`` sources per call, so
their distance and predecessor matrices stay near 16 MB each however many origins there are
(memory O(nodes), not O(origins × nodes))."""


def source_blocks(n_sources: int, n_nodes: int) -> list[tuple[int, int]]:
    """``[lo, hi)`` ranges of sources per shortest-path call (see :data:`SOURCE_BLOCK_ENTRIES`)."""
    size = max(1, SOURCE_BLOCK_ENTRIES // max(n_nodes, 1))
    return [(lo, min(lo + size, n_sources)) for lo in range(0, n_sources, size)]


@dataclass(frozen=True)
class PathFlows:
    """Path flows of every demand row in compressed arrays (no Python object per path).

    Path ``p`` carries ``flow[p]`` flow units for demand row ``demand_row[p]`` along the arcs
    ``arcs[arc_ptr[p]:arc_ptr[p + 1]]``, listed in order from the row's origin to its
    destination. Paths are sorted by demand row, then by decreasing flow (ties: fewer arcs, then the lower first arc);
    a row's path flows sum to its served demand ``demand - unserved``. Rows with origin =
    destination or nothing served have no path.

    Attributes
    ----------
    demand_row
        ``(n_paths,)`` demand-row index of each path (int64, non-decreasing).
    flow
        ``(n_paths,)`` flow on each path, flow units, ``> 0``.
    arc_ptr
        ``(n_paths + 1,)`` offsets into ``arcs``.
    arcs
        Arc indices of all paths, concatenated.
    """

    demand_row: IntArray
    flow: FloatArray
    arc_ptr: IntArray
    arcs: IntArray

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return int(self.flow.shape[0])

    def row_ptr(self, n_demands: int) -> IntArray:
        """``(n_demands + 1,)`` offsets: row ``d``'s paths are ``row_ptr[d]:row_ptr[d + 1]``."""
        out = np.zeros(n_demands + 1, dtype=np.int64)
        out[1:] = np.cumsum(np.bincount(self.demand_row, minlength=n_demands))
        return out

    def arc_flow(self, commodity: IntArray, n_commodities: int, n_arcs: int) -> FloatArray:
        """Path flows summed per (commodity of the row, arc): ``(n_commodities, n_arcs)``."""
        owner = np.repeat(np.arange(self.n_paths), np.diff(self.arc_ptr))
        key = commodity[self.demand_row[owner]] * n_arcs + self.arcs
        out = np.bincount(key, weights=self.flow[owner], minlength=n_commodities * n_arcs)
        return np.asarray(out, dtype=np.float64).reshape(n_commodities, n_arcs)


def make_path_flows(
    demand_row: IntArray, flow: FloatArray, ptr: IntArray, arcs: IntArray, *, reverse: bool
) -> PathFlows:
    """Sort paths into the :class:`PathFlows` order (arcs reversed first if ``reverse``)."""
    lens = np.diff(ptr)
    if reverse:
        arcs = reverse_segments(ptr, arcs)
    # order: row, then decreasing flow, then the arc sequence (deterministic ties)
    first_arc = np.where(lens > 0, arcs[np.minimum(ptr[:-1], max(arcs.shape[0] - 1, 0))], -1)
    order = np.lexsort((first_arc, lens, -flow, demand_row))
    new_ptr, new_arcs = take_segments(ptr, arcs, order)
    return PathFlows(
        demand_row=np.ascontiguousarray(demand_row[order], dtype=np.int64),
        flow=np.ascontiguousarray(flow[order], dtype=np.float64),
        arc_ptr=new_ptr,
        arcs=np.ascontiguousarray(new_arcs, dtype=np.int64),
    )


def empty_path_flows() -> PathFlows:
    """No paths."""
    z = np.zeros(0, dtype=np.int64)
    return PathFlows(z, np.zeros(0), np.zeros(1, dtype=np.int64), z.copy())


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
    paths: PathFlows | None = None
    """Each demand row's path flows (original units) when the caller asked for them."""
    od_upper: FloatArray | None = None
    """Per demand row, the cost of a path of the row under ``cost + capacity_dual`` (an upper
    bound of its shortest; NaN: none known), or ``None``."""
    od_exact: NDArray[np.bool_] | None = None
    """Where ``od_upper`` is the shortest cost itself (a path whose cost is a lower bound too)."""


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


def row_distances(
    problem: Problem,
    extra: FloatArray | None,
    rows: IntArray,
    need: FloatArray | None = None,
) -> FloatArray:
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
    need
        Per selected row, the cost up to which the exact value is needed (e.g. its penalty when
        the caller takes ``min(cost, penalty)``); a row farther away gets a value ``>= need``.
        ``None``: exact everywhere.
    Returns
    -------
    ndarray, shape (len(rows),)
        Cost per unit (``inf`` if there is no path; ``0`` if origin = destination).

    Notes
    -----
    One graph per distinct cost row; the search of each origin stops once its rows are settled
    (or lie beyond their need: :func:`solvers.shortest_paths.target_searches`), so on a network
    of regions a search covers a neighbourhood of its origin.
    """
    out = np.full(rows.shape[0], np.inf)
    if rows.shape[0] == 0:
        return out
    comm = problem.commodity[rows]
    ks = np.unique(comm)
    # commodities with identical cost rows share one graph
    _, cost_id = np.unique(problem.cost[ks], axis=0, return_inverse=True)
    row_cost = cost_id.reshape(-1)[np.searchsorted(ks, comm)]
    need_all = np.full(rows.shape[0], np.inf) if need is None else np.asarray(need, dtype=float)
    for cid in np.unique(row_cost):
        sel = np.flatnonzero(row_cost == cid)
        r = rows[sel]
        k = int(comm[sel[0]])
        sources, src_idx = np.unique(problem.origin[r], return_inverse=True)
        w = problem.cost[k] if extra is None else problem.cost[k] + extra
        graph = ArcGraph(problem.n_nodes, problem.tail, problem.head, w)
        found = target_searches(
            graph, sources, src_idx.reshape(-1), problem.destination[r], need_all[sel]
        )
        out[sel] = found.value
    return out


def decompose_class_flow(
    n_nodes: int,
    tail: IntArray,
    head: IntArray,
    weight: FloatArray,
    arc_flow: FloatArray,
    origin: int,
    sinks: IntArray,
    need: FloatArray,
    eps: float,
) -> tuple[IntArray, FloatArray, IntArray, IntArray]:
    """Decompose a single-origin flow into origin → sink paths.

    Rounds: a shortest-path tree (under ``weight``) from ``origin`` on the arcs whose remaining
    flow exceeds ``eps``; each sink still in need takes its tree path, up to the smallest
    remaining flow on it, in sink order. A round empties at least one arc or satisfies a sink,
    so there are at most ``arcs + sinks`` rounds (in practice a few). Flow left after every sink
    is served is a circulation (zero-cost cycles) and is dropped.

    Parameters
    ----------
    arc_flow
        Flow of the class on every arc, ``(n_arcs,)``.
    sinks, need
        Destination nodes (distinct) and the flow each must receive.
    eps
        Flow below this counts as zero (an arc is empty, a sink is served).

    Returns
    -------
    (sink_index, flow, ptr, arcs)
        Per path: the index into ``sinks``, its flow, and its arcs (``arcs[ptr[i]:ptr[i+1]]``,
        listed from the sink back to the origin).
    """
    rem = np.where(arc_flow > eps, arc_flow, 0.0)
    need = need.astype(np.float64).copy()
    out_sink: list[int] = []
    out_flow: list[float] = []
    out_arcs: list[IntArray] = []
    support = np.flatnonzero(rem > 0)
    for _ in range(int(support.shape[0]) + int(sinks.shape[0]) + 1):
        todo = np.flatnonzero(need > eps)
        if not todo.shape[0]:
            break
        w = np.where(rem > eps, weight, np.inf)
        dist, pred = shortest_path_tree(n_nodes, tail, head, w, np.array([origin]))
        todo = todo[np.isfinite(dist[0, sinks[todo]])]
        if not todo.shape[0]:
            break  # what is left is rounding noise below the LP's feasibility tolerance
        ptr, arcs = walk_tree_paths(
            pred, tail, np.zeros(todo.shape[0], dtype=np.int64),
            np.full(todo.shape[0], origin, dtype=np.int64), sinks[todo],
        )  # fmt: skip
        progress = False
        for i, j in enumerate(todo.tolist()):
            a = arcs[ptr[i] : ptr[i + 1]]
            b = min(float(need[j]), float(rem[a].min()))
            if b <= eps:
                continue
            rem[a] -= b
            need[j] -= b
            out_sink.append(j)
            out_flow.append(b)
            out_arcs.append(a)
            progress = True
        if not progress:
            break
    ptr_out = np.zeros(len(out_arcs) + 1, dtype=np.int64)
    ptr_out[1:] = np.cumsum([a.shape[0] for a in out_arcs])
    return (
        np.asarray(out_sink, dtype=np.int64),
        np.asarray(out_flow, dtype=np.float64),
        ptr_out,
        np.concatenate([np.zeros(0, dtype=np.int64), *out_arcs]),
    )


def walk_tree_paths(
    pred_arc: IntArray, tail: IntArray, src_idx: IntArray, origin: IntArray, dest: IntArray
) -> tuple[IntArray, IntArray]:
    """Arcs of the tree paths origin -> dest, vectorized over many paths.

    ``pred_arc`` is ``(n_sources, n_nodes)`` from :func:`solvers.shortest_paths.shortest_path_tree`;
    path ``i`` runs in tree ``src_idx[i]`` from ``origin[i]`` to ``dest[i]``. Returns
    ``(ptr, arcs)``: path ``i`` is ``arcs[ptr[i]:ptr[i+1]]``, listed from the destination back to
    the origin. Every destination must be reachable.
    """
    m = int(dest.shape[0])
    cur = dest.copy()
    idx = np.flatnonzero(cur != origin)
    owners: list[IntArray] = []
    arcs: list[IntArray] = []
    steps = 0
    n_nodes = pred_arc.shape[1]
    while idx.shape[0]:
        a = pred_arc[src_idx[idx], cur[idx]]
        if (a < 0).any() or steps > n_nodes:  # pragma: no cover - guarded by finite distances
            raise RuntimeError("shortest-path tree walk failed")
        owners.append(idx)
        arcs.append(a)
        cur[idx] = tail[a]
        idx = idx[cur[idx] != origin[idx]]
        steps += 1
    return paths_csr(owners, arcs, m)


def split_group_paths(
    path_group: IntArray,
    path_flow: FloatArray,
    ptr: IntArray,
    arcs: IntArray,
    row_group: IntArray,
    row_index: IntArray,
    row_served: FloatArray,
    *,
    reverse: bool,
) -> PathFlows:
    """Share each group's path flows among its demand rows in proportion to what each row is
    served (exact: a row's paths then sum to its served amount, and the per-arc totals stay).

    ``path_group`` / ``row_group`` index the same groups; ``row_index`` maps the rows to demand
    rows of the problem; ``row_served`` is ``demand - unserved`` per row (same units as
    ``path_flow``). Arcs are reversed (sink → origin lists) when ``reverse``.
    """
    n_groups = int(max(int(row_group.max(initial=-1)), int(path_group.max(initial=-1))) + 1)
    served = np.maximum(row_served, 0.0)
    g_served = np.bincount(row_group, weights=served, minlength=n_groups)
    keep_row = served > 0
    rows_sorted = np.flatnonzero(keep_row)[np.argsort(row_group[keep_row], kind="stable")]
    g_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    g_ptr[1:] = np.cumsum(np.bincount(row_group[rows_sorted], minlength=n_groups))
    ok = (path_flow > 0) & (g_served[path_group] > 0)
    p_idx = np.flatnonzero(ok)
    counts = g_ptr[path_group[p_idx] + 1] - g_ptr[path_group[p_idx]]
    pair_path = np.repeat(p_idx, counts)
    offs = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    pair_row = rows_sorted[g_ptr[path_group[pair_path]] + offs]
    share = served[pair_row] / g_served[row_group[pair_row]]
    new_ptr, new_arcs = take_segments(ptr, arcs, pair_path)
    return make_path_flows(
        row_index[pair_row], path_flow[pair_path] * share, new_ptr, new_arcs, reverse=reverse
    )


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
    problem: Problem,
    *,
    time_limit: float | None,
    highs_options: dict[str, Any] | None,
    want_paths: bool = False,
) -> RawSolution:
    """Solve the arc-flow LP, one flow class per (commodity, origin), with HiGHS.

    Variables: ``x[c, a] >= 0`` for every class ``c = (k, o)`` and every arc ``a`` that
    commodity ``k`` may use (finite cost, not a self-loop); ``u[d] in [0, demand[d]]`` unserved
    units of each active demand row (an arc ``o -> destination[d]`` costing the penalty).
    Rows: flow conservation per (class, node) — only the (class, node) pairs that occur — and
    ``sum_c x[c, a] <= capacity[a]`` per finite-capacity arc. The bound ``u <= demand`` keeps
    the aggregation exact: removing the unserved arcs leaves a single-origin flow that delivers
    ``demand - u >= 0`` to each destination, which decomposes into origin-destination paths.
    With ``want_paths`` that decomposition is done (:func:`decompose_class_flow` per class, the
    class's rows to one destination sharing its paths by :func:`split_group_paths`).
    """
    t0 = time.perf_counter()
    n, n_arcs = problem.n_nodes, problem.n_arcs
    rows = np.flatnonzero(problem.active)
    zero_flow = np.zeros((problem.n_commodities, n_arcs))
    if rows.shape[0] == 0:
        return RawSolution(
            "optimal",
            "",
            zero_flow,
            np.zeros(n_arcs),
            np.zeros(problem.n_demands),
            0,
            paths=empty_path_flows() if want_paths else None,
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
    paths = None
    if want_paths:
        paths = _lp_paths(problem, cost, cls_k, cls_key % n, row_cls, rows, dem, unserved[rows],
                          var_c, var_a, x[:n_x])  # fmt: skip
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
        paths=paths,
    )


def _lp_paths(
    problem: Problem,
    cost: FloatArray,
    cls_k: IntArray,
    cls_o: IntArray,
    row_cls: IntArray,
    rows: IntArray,
    dem: FloatArray,
    unserved: FloatArray,
    var_c: IntArray,
    var_a: IntArray,
    x: FloatArray,
) -> PathFlows:
    """The LP's class flows decomposed into each demand row's paths (original units)."""
    n, n_arcs = problem.n_nodes, problem.n_arcs
    served = np.maximum(dem - unserved, 0.0)
    t_r = problem.destination[rows]
    # one group per (class, destination): the class's rows to one sink share its paths
    gkey, row_grp = np.unique(row_cls * n + t_r, return_inverse=True)
    row_grp = row_grp.reshape(-1)
    g_cls = gkey // n
    g_sink = gkey % n
    g_need = np.bincount(row_grp, weights=served, minlength=gkey.shape[0]).astype(np.float64)
    var_order = np.argsort(var_c, kind="stable")
    v_ptr = np.zeros(cls_k.shape[0] + 1, dtype=np.int64)
    v_ptr[1:] = np.cumsum(np.bincount(var_c, minlength=cls_k.shape[0]))
    g_ptr = np.zeros(cls_k.shape[0] + 1, dtype=np.int64)
    g_ptr[1:] = np.cumsum(np.bincount(g_cls, minlength=cls_k.shape[0]))
    eps = 1e-9 * (1.0 + float(served.max(initial=0.0)))
    parts: list[tuple[IntArray, FloatArray, IntArray, IntArray]] = []
    for c in range(int(cls_k.shape[0])):
        gs = np.arange(g_ptr[c], g_ptr[c + 1])
        gs = gs[g_need[gs] > eps]
        if not gs.shape[0]:
            continue
        v = var_order[v_ptr[c] : v_ptr[c + 1]]
        af = np.zeros(n_arcs)
        np.add.at(af, var_a[v], x[v])
        w = np.where(np.isfinite(cost[cls_k[c]]), cost[cls_k[c]], np.inf)
        sink_i, fl, ptr, arcs = decompose_class_flow(
            n, problem.tail, problem.head, w, af, int(cls_o[c]), g_sink[gs], g_need[gs], eps
        )
        parts.append((gs[sink_i], fl, ptr, arcs))
    if not parts:
        return empty_path_flows()
    grp = np.concatenate([p[0] for p in parts])
    fl = np.concatenate([p[1] for p in parts])
    lens = np.concatenate([np.diff(p[2]) for p in parts])
    ptr = np.zeros(lens.shape[0] + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(lens)
    arcs = np.concatenate([p[3] for p in parts])
    out = split_group_paths(grp, fl, ptr, arcs, row_grp, rows, served, reverse=True)
    return dataclasses.replace(out, flow=out.flow * problem.flow_scale)
