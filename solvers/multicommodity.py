"""Capacitated multi-commodity min-cost flow, with unserved demand priced instead of infeasible.

Model
-----
Nodes ``0..n_nodes-1``; arcs ``tail[a] -> head[a]``. Demand row ``d`` asks to move
``demand[d]`` units (tonnes per year in freight) from ``origin[d]`` to ``destination[d]`` as
commodity ``commodity[d]``. The solver minimizes::

    sum_k sum_a cost[k, a] * flow[k, a]  +  sum_d unserved_penalty[d] * unserved[d]

subject to, for every commodity, flow conservation with ``demand - unserved`` delivered per
row; ``sum_k flow[k, a] <= capacity[a]`` (capacity shared by all commodities, ``inf`` = none);
``flow >= 0``; ``0 <= unserved <= demand``. Costs are per unit of flow (CNY per tonne in
freight); the objective is in cost × flow units (CNY per year).

Conventions and decisions
-------------------------
* **Forbidden arcs.** ``cost[k, a] = inf`` means commodity ``k`` may not use arc ``a`` (how the
  freight model says "no dangerous goods by air"). ``nan`` and ``-inf`` are input errors.
* **Costs must be >= 0.** Generalized freight costs (money + time value + carbon) are never
  negative; non-negative costs rule out unbounded negative cycles and let pricing use Dijkstra.
  A negative cost raises :class:`InvalidInputError`.
* **Unserved demand** is an explicit variable per demand row (an arc origin -> destination
  priced at the penalty), so every problem is feasible: a demand with no path at all, or whose
  path is full, ends up in ``unserved``; nothing raises and ``"infeasible"`` never occurs.
* **Default penalty.** ``unserved_penalty=None`` uses, for every row,
  ``DEFAULT_PENALTY_FACTOR (= 1000) × L`` where ``L`` is the longest finite uncapacitated
  shortest-path cost among the demand rows (any commodity); if no row has a path of positive
  cost, ``L`` is the largest finite arc cost, and 1 if there is none. So a unit is left unserved
  only when serving it — including the rerouting of others it forces — would cost more than a
  thousand times the most expensive uncongested origin-destination route of the problem, which
  in practice means only when the capacity to serve it does not exist. The scale is the
  problem's own (a multiple of arc cost × node count would be wrong-scaled by the network
  size), and 1000 keeps the LP well conditioned (penalty/cost ratios of 1e3–1e5). Callers that
  attach a meaning to the penalty (lost value of the goods, cost of the best alternative
  outside the network) pass it explicitly, as a scalar or per row.
* **Capacity duals** ``capacity_dual[a] >= 0`` are the saving in objective per unit of extra
  capacity on ``a`` (the shadow price; 0 on arcs that do not bind or have no capacity). In a
  degenerate problem several dual vectors are optimal; any one is returned, and it lies between
  the one-sided derivatives of the optimal objective with respect to ``capacity[a]``.
* **od_cost[d]** = ``min(shortest path cost of row d under cost[k] + capacity_dual,
  unserved_penalty[d])`` — the marginal cost of one more unit of demand ``d`` (the optimal dual
  of its demand constraint); cost per tonne for ``od_flows.csv``. 0 when origin = destination.
* **lower_bound** = ``sum_d demand_d od_cost_d - sum_a capacity_dual_a capacity_a`` — the
  Lagrangian bound of the returned duals, a proof that no solution is cheaper than it; at
  ``status == "optimal"`` it matches ``objective`` within ``tol`` (relative).

Cost rows per commodity, paths per demand row (the memory-lean contract)
-----------------------------------------------------------------------
``cost`` has one row per *commodity* (e.g. the 10 freight commodities), not per flow class:
``commodity[d]`` says which row prices demand row ``d``, and rows of one commodity from many
origins share it. ``flow`` comes back per cost row, ``(n_commodities, n_arcs)``. With
``return_paths=True`` the result also holds ``paths`` (:class:`PathFlows`), every demand row's
path flows as four flat arrays: ``demand_row[p]``, ``flow[p]`` and the arcs
``arcs[arc_ptr[p]:arc_ptr[p + 1]]`` of path ``p`` in order from the row's origin to its
destination; sorted by demand row, then by decreasing flow; ``paths.row_ptr(n_demands)`` gives
each row's slice. A row's path flows sum to its served demand (``demand - unserved``); summed per
(commodity of the row, arc) they give ``flow`` (:meth:`PathFlows.arc_flow`). Rows with the same
(commodity, origin, destination) are one group of the solver and share its paths in proportion
to what each is served. ``"colgen"`` reads the paths straight off its master's path columns
(exact: they sum to ``flow``); ``"lp"`` decomposes each (commodity, origin) class flow of its
solution into origin → destination paths (exact too, except that zero-cost cycles a vertex may
carry are not paths and stay only in ``flow``). Memory of the column generation is
O(arcs × commodities + total path length + block × nodes): shortest-path trees are computed a
block of origins at a time (:data:`solvers._mcf_lp.SOURCE_BLOCK_ENTRIES`) and walked at once, so
nothing of size origins × nodes or classes × arcs is ever held. (The LP, the reference for small
problems, has a variable per class and arc by construction.) Passing one identical cost row per
class still works and gives the same optimum (commodities with equal rows share their trees),
but costs classes × arcs memory.

Methods
-------
``"lp"`` — the reference: one sparse arc-flow LP built vectorized with ``scipy.sparse`` (no
Python loop over arcs or classes) and solved by HiGHS through ``highspy``. Flow variables are
aggregated per **class** (commodity, origin) — one set of arc variables per class, not per
origin-destination pair — which is exact (see :func:`solvers._mcf_lp.solve_lp`). ``highspy``
rather than ``scipy.optimize.linprog(method="highs")`` because it returns row duals directly,
accepts the column-wise matrix without conversion, keeps a warm basis when columns/rows are
added (which column generation needs) and lets options be passed through.

``"colgen"`` — exact path-based column generation (see :mod:`solvers._mcf_colgen`): first the
uncapacitated all-or-nothing shortest paths (optimal, with no LP at all, if no capacity is
exceeded), otherwise one restricted master LP in HiGHS kept alive across iterations — path
columns and violated capacity rows added in place, each re-solve warm from the previous basis
(HiGHS holds the master's explicit LP dual, where a new column is a new row, and re-solves it by
dual simplex; interior point first when an iteration adds many columns per master row) —
priced by ``scipy.sparse.csgraph.dijkstra`` from every (commodity, origin) under
``cost + capacity_dual`` at Wentges-smoothed duals, with extra columns from routing the
master's unserved demand into its free capacity, and idle columns pruned. It stops when the
exact pricing at the master's own duals finds no group with a reduced cost below
``-tol (1 + |sigma_g|)`` (``min_reduced_cost`` and ``message`` of the result state it) or the
Lagrangian bound proves a gap ``<= tol``; the final solution is a vertex. Measured
(``benchmarks/perf/bench_multicommodity.py``, 2 shared cores): see the multicommodity section
of ``benchmarks/README.md``.

``"auto"`` (default) — ``"colgen"``; if it does not return ``"optimal"`` (iteration or time
limit, numerical stall) the LP is solved instead and its result returned, with the reason in
``message``.

Scaling: HiGHS's feasibility tolerances are absolute (1e-7), so internally flows are divided by
the smallest positive demand (but at least 1e-6 × the largest): every demand row is then
resolved to 1e-7 relative, however wide the range of tonnages (a 0.5 t row beside a 1e7 t row
is not rounded away). Costs are divided by the median positive finite arc cost (a median, so an
outlier arc does not push the others below the dual tolerance). Results are returned in the
caller's units and the objective is recomputed from the returned flows.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from solvers._mcf_colgen import solve_colgen
from solvers._mcf_lp import (
    FloatArray,
    IntArray,
    PathFlows,
    Problem,
    RawSolution,
    new_highs,
    row_distances,
    solve_lp,
)

__all__ = [
    "DEFAULT_PENALTY_FACTOR",
    "InvalidInputError",
    "MultiFlowResult",
    "PathFlows",
    "solve",
]

DEFAULT_PENALTY_FACTOR = 1000.0
"""Default unserved penalty = this × the longest finite uncapacitated shortest-path cost."""


class InvalidInputError(ValueError):
    """Invalid input to :func:`solve`; ``problems`` lists every problem found (one per line)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid multi-commodity flow input:\n  " + "\n  ".join(problems))


@dataclass(frozen=True)
class MultiFlowResult:
    """Result of :func:`solve`. Arrays are read-only.

    Attributes
    ----------
    status
        ``"optimal"``; ``"not_converged"`` (time or iteration limit: arrays hold the last
        point if it is feasible, else NaN); ``"error"`` (solver failure, arrays NaN).
    objective
        ``sum cost * flow + sum unserved_penalty * unserved`` (cost units × flow units).
    flow
        Flow per commodity and arc, ``(n_commodities, n_arcs)``, flow units.
    capacity_dual
        Saving per extra unit of capacity, ``(n_arcs,)``, ``>= 0``, cost per flow unit.
    unserved
        Unserved flow per demand row, ``(n_demands,)``, in ``[0, demand]``.
    unserved_penalty
        Penalty used per demand row, ``(n_demands,)``, cost per flow unit.
    od_cost
        Marginal cost per unit of each demand row, ``(n_demands,)`` (see module docstring).
    lower_bound
        Lagrangian lower bound on the optimum proven by the returned duals.
    method
        Method that produced the result: ``"lp"`` or ``"colgen"``.
    iterations
        ``"lp"``: simplex (+ IPM) iterations; ``"colgen"``: master solves (0 when the
        all-or-nothing assignment was already optimal).
    timings
        Seconds per phase (``validate``, ``build``, ``solve`` or ``shortest_path`` / ``master``,
        ``extract``, ``total``).
    message
        Human-readable detail on the status (empty when there is nothing to say).
    stats
        Sizes: LP rows/columns/nonzeros, or columns, capacity rows and groups of the master
        (and, for ``"colgen"``, simplex pivots and pricing rounds).
    min_reduced_cost
        ``"colgen"``: the smallest reduced cost ``dist_g(mu) - sigma_g`` over every
        (commodity, origin, destination) group at the final master duals, cost per flow unit —
        the optimality proof: at ``status == "optimal"`` it is ``>= -tol (1 + |sigma_g|)`` on
        every group unless ``message`` says the stop was by proven gap instead. ``0.0`` when
        the all-or-nothing assignment was optimal; NaN for ``"lp"``.
    paths
        With ``return_paths=True``: every demand row's path flows (:class:`PathFlows`,
        compressed arrays, original flow units); ``None`` otherwise or when no usable point
        was found.
    """

    status: str
    objective: float
    flow: NDArray[np.float64]
    capacity_dual: NDArray[np.float64]
    unserved: NDArray[np.float64]
    unserved_penalty: NDArray[np.float64]
    od_cost: NDArray[np.float64]
    lower_bound: float
    method: str
    iterations: int
    timings: Mapping[str, float]
    message: str = ""
    stats: Mapping[str, int] | None = None
    min_reduced_cost: float = float("nan")
    paths: PathFlows | None = None

    @property
    def relative_gap(self) -> float:
        """``(objective - lower_bound) / max(|objective|, 1e-12)``."""
        return (self.objective - self.lower_bound) / max(abs(self.objective), 1e-12)

    def summary(self) -> str:
        """One line: status, objective, unserved total, method, iterations, time."""
        return (
            f"{self.status}: objective {self.objective:.10g}, unserved "
            f"{float(np.nansum(self.unserved)):.6g}, method {self.method}, "
            f"{self.iterations} iterations, {self.timings.get('total', float('nan')):.3f} s"
        )


# --------------------------------------------------------------------------- validation


def _int_array(name: str, value: ArrayLike, problems: list[str]) -> IntArray:
    arr = np.asarray(value)
    if arr.ndim != 1:
        problems.append(f"{name} must be one-dimensional, got shape {arr.shape}")
        return np.zeros(0, dtype=np.int64)
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
            problems.append(f"{name} must hold integer node/commodity ids, got dtype {arr.dtype}")
            return np.zeros(0, dtype=np.int64)
        f = arr.astype(np.float64)
        bad = ~np.isfinite(f) | (f != np.round(f))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            problems.append(f"{name}[{i}] = {arr[i].item()!r} is not an integer id")
            return np.zeros(0, dtype=np.int64)
    out = arr.astype(np.int64)
    if out.size and out.min() < 0:
        i = int(np.flatnonzero(out < 0)[0])
        problems.append(f"{name}[{i}] = {out[i]} is negative")
    return out


def _float_array(name: str, value: ArrayLike, problems: list[str]) -> FloatArray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append(f"{name} must be numeric")
        return np.zeros(0)
    if np.isnan(arr).any():
        idx = tuple(int(i) for i in np.argwhere(np.isnan(arr))[0])
        problems.append(f"{name}{list(idx)} is NaN")
    return arr


def _validate(
    tail: ArrayLike,
    head: ArrayLike,
    capacity: ArrayLike,
    cost: ArrayLike,
    origin: ArrayLike,
    destination: ArrayLike,
    demand: ArrayLike,
    commodity: ArrayLike | None,
    unserved_penalty: ArrayLike | None,
    n_nodes: int | None,
) -> tuple[Problem, bool]:
    """Check every input, collect all problems, raise once; build the :class:`Problem`.

    Returns the problem and whether the penalty was defaulted.
    """
    p: list[str] = []
    t = _int_array("tail", tail, p)
    h = _int_array("head", head, p)
    o = _int_array("origin", origin, p)
    dst = _int_array("destination", destination, p)
    cap = _float_array("capacity", capacity, p)
    c = _float_array("cost", cost, p)
    dem = _float_array("demand", demand, p)
    if p:
        raise InvalidInputError(p)
    n_arcs = t.shape[0]
    n_dem = o.shape[0]
    if h.shape[0] != n_arcs:
        p.append(f"head has {h.shape[0]} entries, tail has {n_arcs}")
    if cap.shape != (n_arcs,):
        p.append(f"capacity has shape {cap.shape}, expected ({n_arcs},) (one per arc)")
    elif (cap < 0).any():
        i = int(np.flatnonzero(cap < 0)[0])
        p.append(f"capacity[{i}] = {cap[i]:g} is negative")
    if c.ndim == 1 and c.shape[0] == n_arcs:
        c = c[None, :]
    if c.ndim != 2 or c.shape[1] != n_arcs:
        p.append(f"cost has shape {c.shape}, expected ({n_arcs},) or (n_commodities, {n_arcs})")
    else:
        if np.isneginf(c).any():
            k, a = (int(v) for v in np.argwhere(np.isneginf(c))[0])
            p.append(f"cost[{k}, {a}] is -inf (use +inf to forbid an arc)")
        neg = np.isfinite(c) & (c < 0)
        if neg.any():
            k, a = (int(v) for v in np.argwhere(neg)[0])
            p.append(f"cost[{k}, {a}] = {c[k, a]:g} is negative; costs must be >= 0")
    if dst.shape[0] != n_dem:
        p.append(f"destination has {dst.shape[0]} entries, origin has {n_dem}")
    if dem.shape != (n_dem,):
        p.append(f"demand has shape {dem.shape}, expected ({n_dem},) (one per origin)")
    else:
        if np.isinf(dem).any():
            p.append(f"demand[{int(np.flatnonzero(np.isinf(dem))[0])}] is infinite")
        if (dem < 0).any():
            i = int(np.flatnonzero(dem < 0)[0])
            p.append(f"demand[{i}] = {dem[i]:g} is negative")
    if commodity is None:
        k_arr = np.zeros(n_dem, dtype=np.int64)
    else:
        k_arr = _int_array("commodity", commodity, p)
        if k_arr.shape[0] != n_dem and not p:
            p.append(f"commodity has {k_arr.shape[0]} entries, origin has {n_dem}")
    if p:
        raise InvalidInputError(p)

    n_comm = c.shape[0]
    if commodity is not None and c.shape[0] == 1 and np.ndim(cost) == 1:
        n_comm = int(k_arr.max(initial=0)) + 1  # one cost vector shared by all commodities
        c = np.broadcast_to(c, (n_comm, n_arcs))
    if n_dem and k_arr.max(initial=0) >= n_comm:
        i = int(np.argmax(k_arr))
        p.append(f"commodity[{i}] = {k_arr[i]} but cost has {n_comm} commodities (rows)")
    used = [x for x in (t, h, o, dst) if x.size]
    max_id = int(max((int(x.max()) for x in used), default=-1))
    if n_nodes is None:
        n = max_id + 1
    else:
        n = int(n_nodes)
        if n < 0:
            p.append(f"n_nodes = {n} is negative")
        for name, arr in (("tail", t), ("head", h), ("origin", o), ("destination", dst)):
            if arr.size and arr.max() >= n:
                i = int(np.argmax(arr))
                p.append(f"{name}[{i}] = {arr[i]} is out of range for n_nodes = {n}")
    if p:
        raise InvalidInputError(p)

    defaulted = unserved_penalty is None
    cost_arr = np.ascontiguousarray(c, dtype=np.float64)
    finite_cost = cost_arr[np.isfinite(cost_arr)]
    pos_cost = finite_cost[finite_cost > 0]
    cost_scale = float(np.median(pos_cost)) if pos_cost.size else 1.0
    pos_dem = dem[dem > 0]
    flow_scale = float(max(pos_dem.min(), 1e-6 * pos_dem.max())) if pos_dem.size else 1.0
    pen = np.zeros(n_dem)
    if not defaulted:
        pen_in = _float_array("unserved_penalty", unserved_penalty, p)  # type: ignore[arg-type]
        if not p:
            if pen_in.ndim == 0:
                pen = np.full(n_dem, float(pen_in))
            elif pen_in.shape == (n_dem,):
                pen = pen_in.copy()
            else:
                p.append(
                    f"unserved_penalty has shape {pen_in.shape}, expected a scalar or ({n_dem},)"
                )
            if not np.isfinite(pen).all():
                p.append("unserved_penalty must be finite")
            elif (pen < 0).any():
                i = int(np.flatnonzero(pen < 0)[0])
                p.append(f"unserved_penalty[{i}] = {pen[i]:g} is negative")
        if p:
            raise InvalidInputError(p)
    problem = Problem(
        n_nodes=n,
        n_commodities=n_comm,
        tail=t,
        head=h,
        capacity=cap,
        cost=cost_arr,
        origin=o,
        destination=dst,
        demand=dem,
        commodity=k_arr,
        penalty=pen,
        flow_scale=flow_scale,
        cost_scale=cost_scale,
    )
    return problem, defaulted


def _default_unserved_penalty(problem: Problem) -> float:
    """Default cost per unserved unit: ``DEFAULT_PENALTY_FACTOR`` × the longest finite
    uncapacitated shortest-path cost of the demand rows (fallbacks in the module docstring)."""
    rows = np.flatnonzero(problem.active)
    dist = row_distances(problem, None, rows)
    finite = dist[np.isfinite(dist)]
    base = float(finite.max(initial=0.0))
    if base <= 0:
        costs = problem.cost[np.isfinite(problem.cost)]
        base = float(costs.max(initial=0.0))
    if base <= 0:
        base = 1.0
    return DEFAULT_PENALTY_FACTOR * base


# --------------------------------------------------------------------------- solve


def _readonly(a: NDArray[np.float64]) -> NDArray[np.float64]:
    a = np.array(a, dtype=np.float64, copy=True)
    a.flags.writeable = False
    return a


def _finish(
    problem: Problem, raw: RawSolution, method: str, timings: dict[str, float], t_start: float
) -> MultiFlowResult:
    """Objective, od_cost and lower bound from a raw solution; freeze the arrays."""
    t0 = time.perf_counter()
    flow, mu, un = raw.flow, raw.capacity_dual, raw.unserved
    usable = bool(np.isfinite(flow).all() and np.isfinite(mu).all())
    od = np.full(problem.n_demands, np.nan)
    lb = float("nan")
    objective = float("nan")
    if usable:
        c = np.where(np.isfinite(problem.cost), problem.cost, 0.0)
        objective = float(np.sum(c * flow) + np.sum(problem.penalty * un))
        rows = np.flatnonzero(problem.origin != problem.destination)
        od = np.zeros(problem.n_demands)
        pen = problem.penalty[rows]
        hint = None if raw.od_upper is None else raw.od_upper[rows]
        known = np.zeros(rows.shape[0], dtype=bool)
        if hint is not None and raw.od_exact is not None:
            known = raw.od_exact[rows] & np.isfinite(hint)
            od[rows[known]] = np.minimum(hint[known], pen[known])
        rest = np.flatnonzero(~known)
        od[rows[rest]] = np.minimum(
            row_distances(problem, mu, rows[rest], need=pen[rest]), pen[rest]
        )
        capped = np.isfinite(problem.capacity)
        lb = float(np.sum(problem.demand * od) - np.sum(mu[capped] * problem.capacity[capped]))
    timings = {**timings, **raw.timings}
    timings["extract"] = timings.get("extract", 0.0) + time.perf_counter() - t0
    timings["total"] = time.perf_counter() - t_start
    return MultiFlowResult(
        status=raw.status,
        objective=objective,
        flow=_readonly(flow),
        capacity_dual=_readonly(mu),
        unserved=_readonly(un),
        unserved_penalty=_readonly(problem.penalty),
        od_cost=_readonly(od),
        lower_bound=lb,
        method=method,
        iterations=raw.iterations,
        timings=timings,
        message=raw.message,
        stats=dict(raw.stats),
        min_reduced_cost=float(raw.min_reduced_cost),
        paths=_readonly_paths(raw.paths) if usable else None,
    )


def _readonly_paths(paths: PathFlows | None) -> PathFlows | None:
    if paths is None:
        return None
    for a in (paths.demand_row, paths.flow, paths.arc_ptr, paths.arcs):
        a.flags.writeable = False
    return paths


def solve(
    tail: ArrayLike,
    head: ArrayLike,
    capacity: ArrayLike,
    cost: ArrayLike,
    origin: ArrayLike,
    destination: ArrayLike,
    demand: ArrayLike,
    commodity: ArrayLike | None = None,
    *,
    method: str = "auto",
    unserved_penalty: ArrayLike | None = None,
    tol: float = 1e-7,
    n_nodes: int | None = None,
    max_iter: int = 500,
    time_limit: float | None = None,
    highs_options: Mapping[str, Any] | None = None,
    return_paths: bool = False,
) -> MultiFlowResult:
    """Capacitated multi-commodity min-cost flow with priced unserved demand.

    Parameters
    ----------
    tail, head
        Arc end points, integer node ids ``0..n_nodes-1``, shape ``(n_arcs,)``.
    capacity
        Capacity of each arc shared by all commodities (flow units, e.g. tonnes per year),
        ``>= 0``; ``inf`` = unbounded. Shape ``(n_arcs,)``.
    cost
        Cost per unit of flow (e.g. CNY per tonne), ``>= 0``: shape ``(n_arcs,)`` (same for
        every commodity) or ``(n_commodities, n_arcs)``. ``inf`` forbids the arc for that
        commodity.
    origin, destination, demand
        Demand rows: ``demand[d] >= 0`` flow units from ``origin[d]`` to ``destination[d]``.
    commodity
        Commodity index of each demand row (all 0 when omitted); with a 2-D ``cost`` it indexes
        its rows, with a 1-D ``cost`` the number of commodities is ``max(commodity) + 1``.
    method
        ``"auto"`` (column generation, falling back to the LP if it does not converge),
        ``"colgen"`` or ``"lp"`` (monolithic HiGHS LP, the reference).
    unserved_penalty
        Cost per unserved unit, scalar or ``(n_demands,)``, finite and ``>= 0``. Default: see
        the module docstring (1000 × the longest uncapacitated OD shortest-path cost).
    tol
        Relative optimality gap certified by the duals at which column generation stops.
    n_nodes
        Number of nodes; default ``1 + the largest id used``.
    max_iter
        Maximum number of master solves in column generation.
    time_limit
        Wall-clock limit in seconds for the solve (``None``: none).
    highs_options
        Extra HiGHS options (name → value), e.g. ``{"solver": "ipm"}`` for the LP.
    return_paths
        Also return each demand row's path flows in ``result.paths`` (see "Paths per demand
        row" in the module docstring); memory O(total path length).

    Returns
    -------
    MultiFlowResult

    Raises
    ------
    InvalidInputError
        (a ``ValueError``) listing every problem with the input: shapes, negative capacity,
        demand or cost, NaN, ids out of range, bad penalty, unknown method.
    """
    t_start = time.perf_counter()
    problems: list[str] = []
    if method not in ("auto", "lp", "colgen"):
        problems.append(f"method must be 'auto', 'lp' or 'colgen', got {method!r}")
    if not (isinstance(tol, int | float) and 0 < tol < 1):
        problems.append(f"tol must be in (0, 1), got {tol!r}")
    if not (isinstance(max_iter, int) and max_iter >= 1):
        problems.append(f"max_iter must be a positive integer, got {max_iter!r}")
    if time_limit is not None and not (time_limit > 0):
        problems.append(f"time_limit must be positive, got {time_limit!r}")
    if highs_options:
        try:
            new_highs(dict(highs_options), None)
        except ValueError as exc:
            problems.append(str(exc))
    if not isinstance(return_paths, bool):
        problems.append(f"return_paths must be True or False, got {return_paths!r}")
    if problems:
        raise InvalidInputError(problems)
    problem, defaulted = _validate(
        tail,
        head,
        capacity,
        cost,
        origin,
        destination,
        demand,
        commodity,
        unserved_penalty,
        n_nodes,
    )
    if defaulted:
        penalty = np.full(problem.n_demands, _default_unserved_penalty(problem))
        problem = dataclasses.replace(problem, penalty=penalty)
    timings = {"validate": time.perf_counter() - t_start}
    opts = dict(highs_options or {})
    if method == "lp":
        raw = solve_lp(problem, time_limit=time_limit, highs_options=opts, want_paths=return_paths)
        return _finish(problem, raw, "lp", timings, t_start)
    raw = solve_colgen(
        problem,
        tol=float(tol),
        max_iter=max_iter,
        time_limit=time_limit,
        highs_options=opts,
        want_paths=return_paths,
    )
    if method == "colgen" or raw.status == "optimal":
        return _finish(problem, raw, "colgen", timings, t_start)
    remaining = None if time_limit is None else time_limit - (time.perf_counter() - t_start)
    if remaining is not None and remaining <= 0:
        return _finish(problem, raw, "colgen", timings, t_start)
    lp_raw = solve_lp(problem, time_limit=remaining, highs_options=opts, want_paths=return_paths)
    lp_raw.message = (
        f"column generation returned {raw.status!r} ({raw.message}); solved as LP instead"
        + (f"; {lp_raw.message}" if lp_raw.message else "")
    )
    return _finish(problem, lp_raw, "lp", timings, t_start)
