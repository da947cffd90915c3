"""Single-commodity min-cost flow with OR-Tools ``SimpleMinCostFlow`` (cost scaling push-relabel).

Problem
-------
Given a directed graph with nodes ``0..n-1`` and arcs ``a = (tail[a], head[a])``, find arc flows
``x`` minimizing ``sum(cost * x)`` subject to ``0 <= x <= capacity`` and, at every node ``v``,
``outflow(v) - inflow(v) = supply[v]``. **Sign convention:** ``supply[v] > 0`` is a source (freight
enters the network there), ``supply[v] < 0`` a sink; NetworkX's ``demand`` is ``-supply`` (use
:func:`supply_from_networkx_demand`). Units are the caller's; in freight, flows, supplies and
capacities are tonnes per year and costs CNY per tonne.

Integer scaling (OR-Tools 9.15 min-cost flow is integer only)
-------------------------------------------------------------
* Costs are multiplied by ``10**cost_precision`` and rounded to the nearest integer. By default
  (``cost_precision=None``) the smallest ``k`` in ``0..AUTO_COST_PRECISION`` (4) for which every
  cost is a whole multiple of ``10**-k`` is used, so integer costs and costs with up to four
  decimals are represented exactly; otherwise ``k = 4``. Rounding changes each unit cost by at most
  ``delta = 0.5 * 10**-k``, so the returned flow ``x`` is optimal for the rounded costs and its true
  objective exceeds the true optimum ``x*`` by at most ``delta * (sum(x) + sum(x*))``.
* Capacities and supplies share one flow unit ``10**-flow_precision`` (default: the smallest ``p``
  in ``0..AUTO_FLOW_PRECISION`` (3) that represents every finite capacity and supply exactly, else
  ``p = 3``). Finite capacities are rounded *down* to the flow unit (a flow never exceeds the given
  capacity); supplies are rounded to the nearest unit and, if rounding unbalances them, the fewest
  nodes with the largest rounding error are moved to the other neighbouring unit (largest-remainder
  rounding), so each supply stays within one flow unit of its value and the total stays zero.
* An infinite capacity becomes the finite bound ``U = total supply`` when no arc cost is negative:
  some optimal flow is then acyclic, every arc of it carries at most the total supply, so the bound
  never changes the optimum. With negative costs a negative-cost cycle may also carry flow; every
  such cycle must then use a finite arc, so ``U = total supply + sum of finite capacities`` is used.
  A negative-cost cycle made only of infinite-capacity arcs makes the problem unbounded: it is
  detected (Bellman-Ford on the infinite arcs, only run when one of them has a negative cost) and
  reported as status ``"unbounded"``.

Overflow guard
--------------
:class:`ScalingOverflowError` is raised before solving when

* a scaled cost exceeds ``(2**63 - 1) // (2 * (n + 3))`` — OR-Tools multiplies every cost by the
  number of nodes of its augmented graph plus one (``n + 3``) and would otherwise stop with
  ``BAD_COST_RANGE``;
* ``max|scaled cost| * U_max`` exceeds ``2**63 - 1``, where ``U_max`` is the largest (bounded)
  integer arc capacity, i.e. the cost of the flow on one arc could overflow int64;
* a scaled capacity, supply, the total supply or the infinite-capacity bound exceeds ``2**53``,
  beyond which float64 inputs and outputs no longer hold whole flow units exactly.

The objective is computed in float64 from the *original* costs, ``sum(cost * flow)``, so it never
overflows. OR-Tools checks node potentials for overflow while it solves; that (rare) failure is a
status (``"error"``, ``solver_status="BAD_COST_RANGE"``): lower ``cost_precision``.

Statuses
--------
Every OR-Tools ``Status`` maps to a ``FlowResult.status`` (:data:`STATUS_MAP`); the OR-Tools name is
kept in ``FlowResult.solver_status``. Infeasibility (the supplies cannot all reach the sinks) is a
status, never an exception; invalid input raises a :class:`MinCostFlowInputError` subclass
(all are ``ValueError``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import ArrayLike, NDArray
from ortools.graph.python import min_cost_flow as _ortools_mcf

__all__ = [
    "AUTO_COST_PRECISION",
    "AUTO_FLOW_PRECISION",
    "STATUS_MAP",
    "FlowResult",
    "MinCostFlowInputError",
    "NegativeCapacityError",
    "NodeIndexError",
    "NonFiniteValueError",
    "PrecisionError",
    "ScalingOverflowError",
    "ShapeMismatchError",
    "UnbalancedSupplyError",
    "solve",
    "supply_from_networkx_demand",
]

AUTO_COST_PRECISION: Final = 4
"""Largest number of decimals of cost chosen automatically (costs to 1e-4 cost units)."""
AUTO_FLOW_PRECISION: Final = 3
"""Largest number of decimals of capacity/supply chosen automatically (flows to 1e-3 units)."""
MIN_PRECISION: Final = -9
MAX_PRECISION: Final = 15

_INT64_MAX: Final = 2**63 - 1
_EXACT_FLOAT: Final = 2**53
_Status = _ortools_mcf.SimpleMinCostFlow.Status

STATUS_MAP: Final[Mapping[str, str]] = {
    "OPTIMAL": "optimal",
    "FEASIBLE": "feasible",
    "INFEASIBLE": "infeasible",
    "UNBALANCED": "unbalanced",
    "NOT_SOLVED": "not_solved",
    "BAD_RESULT": "error",
    "BAD_COST_RANGE": "error",
    "BAD_CAPACITY_RANGE": "error",
}
"""OR-Tools ``SimpleMinCostFlow.Status`` name -> ``FlowResult.status``."""

_STATUS_MESSAGE: Final[Mapping[str, str]] = {
    "OPTIMAL": "optimal flow found",
    "FEASIBLE": "a feasible but not proven optimal flow was found",
    "INFEASIBLE": "the supplies cannot all be routed to the sinks within the arc capacities",
    "UNBALANCED": "integer supplies do not sum to zero",
    "NOT_SOLVED": "the solver did not run to completion",
    "BAD_RESULT": "OR-Tools' internal result check failed",
    "BAD_COST_RANGE": "scaled costs or node potentials overflowed int64; lower cost_precision",
    "BAD_CAPACITY_RANGE": "capacities or supplies at a node overflowed int64; lower flow_precision",
}


class MinCostFlowInputError(ValueError):
    """Invalid input to :func:`solve` (base class of all its input errors)."""


class ShapeMismatchError(MinCostFlowInputError):
    """Arc arrays of different lengths, or an array that is not one-dimensional."""


class NodeIndexError(MinCostFlowInputError):
    """A tail/head is not an integer node id in ``0..len(supply)-1``."""


class NegativeCapacityError(MinCostFlowInputError):
    """An arc capacity is negative."""


class NonFiniteValueError(MinCostFlowInputError):
    """A cost or supply is NaN or infinite, or a capacity is NaN."""


class UnbalancedSupplyError(MinCostFlowInputError):
    """Supplies do not sum to zero (beyond the tolerance)."""


class ScalingOverflowError(MinCostFlowInputError):
    """The integer-scaled problem would overflow int64 (or lose float64 exactness)."""


class PrecisionError(MinCostFlowInputError):
    """``cost_precision``/``flow_precision`` is not an integer in the allowed range."""


@dataclass(frozen=True, eq=False)
class FlowResult:
    """Result of :func:`solve`.

    Attributes
    ----------
    status
        ``"optimal"``, ``"infeasible"``, ``"unbounded"``, ``"unbalanced"``, ``"feasible"``,
        ``"not_solved"`` or ``"error"`` (see :data:`STATUS_MAP`).
    objective
        ``sum(cost * flow)`` with the original (unscaled) costs, in cost units × flow units
        (CNY per year for freight); ``nan`` unless a flow was found, ``-inf`` when unbounded.
    flow
        Flow per arc, shape ``(n_arcs,)``, in the caller's flow units (tonnes per year); all
        ``nan`` unless a flow was found.
    solver_status
        The OR-Tools status name (``"OPTIMAL"``, ``"INFEASIBLE"``, …), or ``"UNBOUNDED"`` when the
        pre-check found a negative-cost cycle of infinite capacity.
    message
        One sentence explaining the status.
    cost_precision, flow_precision
        Decimals kept when scaling costs and capacities/supplies to integers.
    timings
        Seconds spent in ``build_s`` (checks, scaling, passing arrays to OR-Tools), ``solve_s``
        (OR-Tools ``solve``) and ``extract_s`` (reading flows, objective).
    """

    status: str
    objective: float
    flow: NDArray[np.float64]
    solver_status: str
    message: str
    cost_precision: int
    flow_precision: int
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        """Whether an optimal flow was found."""
        return self.status == "optimal"

    def summary(self) -> str:
        """One-line human-readable summary (status, objective, arc count, total time)."""
        total = sum(self.timings.values())
        return (
            f"min-cost flow: {self.status} ({self.solver_status}), objective {self.objective:.10g}, "
            f"{self.flow.size} arcs, {total:.3f} s"
        )


def supply_from_networkx_demand(
    demand: ArrayLike | Mapping[int, float], n_nodes: int | None = None
) -> NDArray[np.float64]:
    """Convert NetworkX node demands to supplies (``supply = -demand``).

    NetworkX's min-cost flow functions use ``demand[v] > 0`` for a node that *receives* flow;
    :func:`solve` uses ``supply[v] > 0`` for a node that *sends* flow.

    Parameters
    ----------
    demand
        Demand per node, as an array indexed by node id, or a mapping ``{node id: demand}``
        (nodes absent from the mapping have demand 0).
    n_nodes
        Number of nodes; required when ``demand`` is a mapping.

    Returns
    -------
    numpy.ndarray
        ``supply`` (float64, shape ``(n_nodes,)``), with ``-0.0`` normalised to ``0.0``.
    """
    if isinstance(demand, Mapping):
        if n_nodes is None:
            raise ValueError("n_nodes is required when demand is a mapping")
        arr = np.zeros(n_nodes, dtype=np.float64)
        for node, value in demand.items():
            if not 0 <= int(node) < n_nodes:
                raise NodeIndexError(f"demand names node {node}, outside 0..{n_nodes - 1}")
            arr[int(node)] = float(value)
    else:
        arr = np.asarray(demand, dtype=np.float64).ravel()
        if n_nodes is not None and arr.size != n_nodes:
            raise ShapeMismatchError(f"demand has {arr.size} entries, expected n_nodes={n_nodes}")
    return np.negative(arr) + 0.0


def _as_1d(name: str, values: ArrayLike) -> NDArray[np.float64]:
    arr: NDArray[np.float64] = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ShapeMismatchError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _node_ids(name: str, values: ArrayLike, n_nodes: int) -> NDArray[np.int32]:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ShapeMismatchError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int32)
    if not np.issubdtype(arr.dtype, np.integer):
        if arr.dtype.kind == "b" or not np.issubdtype(arr.dtype, np.number):
            raise NodeIndexError(f"{name} must hold integer node ids, got dtype {arr.dtype}")
        as_float = arr.astype(np.float64)
        bad = ~np.isfinite(as_float) | (as_float != np.round(as_float))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise NodeIndexError(f"{name}[{i}] = {arr[i].item()!r} is not an integer node id")
        arr = as_float.astype(np.int64)
    lo, hi = int(arr.min()), int(arr.max())
    if lo < 0 or hi >= n_nodes:
        i = int(np.flatnonzero((arr < 0) | (arr >= n_nodes))[0])
        raise NodeIndexError(
            f"{name}[{i}] = {int(arr[i])} is outside the node range 0..{n_nodes - 1} "
            f"(n_nodes = len(supply) = {n_nodes})"
        )
    return arr.astype(np.int32, copy=False)


def _check_precision(name: str, value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise PrecisionError(f"{name} must be an integer or None, got {value!r}")
    if not MIN_PRECISION <= int(value) <= MAX_PRECISION:
        raise PrecisionError(
            f"{name}={value} is outside the allowed range {MIN_PRECISION}..{MAX_PRECISION}"
        )


def _auto_precision(values: NDArray[np.float64], max_digits: int) -> int:
    """Smallest k in 0..max_digits with every value a whole multiple of 10**-k, else max_digits."""
    if values.size == 0:
        return 0
    for k in range(max_digits):
        q = values * 10.0**k
        if np.all(np.abs(q - np.rint(q)) <= 1e-9 * np.maximum(1.0, np.abs(q))):
            return k
    return max_digits


def _round_supply(q: NDArray[np.float64]) -> NDArray[np.int64]:
    """Round scaled supplies to integers that sum to zero (largest-remainder correction)."""
    r = np.rint(q)
    diff = int(r.sum())
    if diff != 0:
        err = r - q  # > 0: rounded up
        movable = np.flatnonzero(q != 0)
        if abs(diff) > movable.size:
            raise UnbalancedSupplyError(
                f"after scaling to integer flow units the supplies sum to {diff} units; "
                f"too far from 0 to correct by rounding (increase the balance or flow_precision)"
            )
        e = err[movable]
        if diff > 0:  # take one unit from the nodes rounded up the most
            pick = movable[np.argsort(-e, kind="stable")[:diff]]
            r[pick] -= 1.0
        else:
            pick = movable[np.argsort(e, kind="stable")[:-diff]]
            r[pick] += 1.0
    return r.astype(np.int64)


def _has_negative_infinite_cycle(
    tail: NDArray[np.int32], head: NDArray[np.int32], cost: NDArray[np.int64], n_nodes: int
) -> bool:
    """Bellman-Ford (vectorized, virtual source at distance 0 to all) on the given arcs."""
    dist = np.zeros(n_nodes, dtype=np.int64)
    nodes = np.unique(np.concatenate([tail, head]))
    for _ in range(nodes.size):
        cand = dist[tail] + cost
        improve = cand < dist[head]
        if not improve.any():
            return False
        np.minimum.at(dist, head[improve], cand[improve])
    return bool((dist[tail] + cost < dist[head]).any())


def solve(
    tail: ArrayLike,
    head: ArrayLike,
    capacity: ArrayLike,
    cost: ArrayLike,
    supply: ArrayLike,
    *,
    cost_precision: int | None = None,
    flow_precision: int | None = None,
    supply_rtol: float = 1e-9,
) -> FlowResult:
    """Solve a single-commodity min-cost flow problem with OR-Tools ``SimpleMinCostFlow``.

    Parameters
    ----------
    tail, head
        Arc end points (integer node ids in ``0..n-1``, ``n = len(supply)``), shape ``(n_arcs,)``.
        Parallel arcs and self-loops are allowed.
    capacity
        Arc capacity in flow units (tonnes per year), shape ``(n_arcs,)``, ``>= 0``; ``inf`` means
        unbounded (see the module docstring for the finite bound used).
    cost
        Cost per unit of flow (CNY per tonne), shape ``(n_arcs,)``, finite, any sign.
    supply
        Net supply per node, shape ``(n,)``: ``> 0`` source, ``< 0`` sink (``-demand`` in NetworkX
        terms). Must sum to zero within ``supply_rtol * max(1, total positive supply)``.
    cost_precision
        Decimals of cost kept when scaling to integers (cost unit ``10**-cost_precision``);
        ``None`` chooses automatically (exact up to 4 decimals). Allowed ``-9..15``.
    flow_precision
        Decimals of capacity and supply kept (flow unit ``10**-flow_precision``); ``None`` chooses
        automatically (exact up to 3 decimals). Allowed ``-9..15``.
    supply_rtol
        Relative tolerance of the supply balance check.

    Returns
    -------
    FlowResult
        Status, objective (original cost units), flow per arc and timings. Infeasible and
        unbounded problems are statuses, not exceptions.

    Raises
    ------
    ShapeMismatchError, NodeIndexError, NegativeCapacityError, NonFiniteValueError,
    UnbalancedSupplyError, ScalingOverflowError, PrecisionError
        All subclasses of :class:`MinCostFlowInputError` (a ``ValueError``).
    """
    t0 = time.perf_counter()
    _check_precision("cost_precision", cost_precision)
    _check_precision("flow_precision", flow_precision)

    s = _as_1d("supply", supply)
    n = s.size
    if n >= 2**31 - 3:
        raise ShapeMismatchError(f"{n} nodes exceed OR-Tools' int32 node ids")
    cap = _as_1d("capacity", capacity)
    c = _as_1d("cost", cost)
    t = _node_ids("tail", tail, n)
    h = _node_ids("head", head, n)
    m = t.size
    if not (h.size == m and cap.size == m and c.size == m):
        raise ShapeMismatchError(
            f"arc arrays differ in length: tail {m}, head {h.size}, capacity {cap.size}, "
            f"cost {c.size}"
        )

    if not np.isfinite(c).all():
        i = int(np.flatnonzero(~np.isfinite(c))[0])
        raise NonFiniteValueError(f"cost[{i}] = {c[i]} is not finite")
    if not np.isfinite(s).all():
        i = int(np.flatnonzero(~np.isfinite(s))[0])
        raise NonFiniteValueError(f"supply[{i}] = {s[i]} is not finite")
    if np.isnan(cap).any():
        i = int(np.flatnonzero(np.isnan(cap))[0])
        raise NonFiniteValueError(f"capacity[{i}] is NaN")
    if (cap < 0).any():
        i = int(np.flatnonzero(cap < 0)[0])
        n_neg = int((cap < 0).sum())
        raise NegativeCapacityError(
            f"capacity[{i}] = {cap[i]} is negative ({n_neg} negative capacities in all)"
        )

    total_supply = float(s[s > 0].sum())
    imbalance = float(s.sum())
    if abs(imbalance) > supply_rtol * max(1.0, total_supply):
        raise UnbalancedSupplyError(
            f"supplies sum to {imbalance:.10g}, not 0 (total supply {total_supply:.10g}, "
            f"total demand {total_supply - imbalance:.10g}); supply > 0 marks a source, "
            f"supply < 0 a sink"
        )

    finite = np.isfinite(cap)
    k_cost = (
        _auto_precision(c, AUTO_COST_PRECISION) if cost_precision is None else int(cost_precision)
    )
    k_flow = (
        _auto_precision(np.concatenate([cap[finite], s]), AUTO_FLOW_PRECISION)
        if flow_precision is None
        else int(flow_precision)
    )
    cost_scale = 10.0**k_cost
    flow_scale = 10.0**k_flow

    # --- costs -----------------------------------------------------------------------------
    c_scaled = np.rint(c * cost_scale)
    max_cost = float(np.abs(c_scaled).max(initial=0.0))
    cost_limit = _INT64_MAX // (2 * (n + 3))
    if max_cost > min(cost_limit, _EXACT_FLOAT):
        raise ScalingOverflowError(
            f"largest scaled cost |cost|*10**{k_cost} = {max_cost:.6g} exceeds the int64 limit "
            f"{min(cost_limit, _EXACT_FLOAT):.6g} for {n} nodes; lower cost_precision"
        )
    c_int = c_scaled.astype(np.int64)

    # --- supplies and capacities -----------------------------------------------------------
    q_supply = s * flow_scale
    if n and float(np.abs(q_supply).max()) > _EXACT_FLOAT:
        raise ScalingOverflowError(
            f"a scaled supply exceeds 2**53 flow units of 10**-{k_flow}; lower flow_precision"
        )
    s_int = _round_supply(q_supply)
    total_int = int(s_int[s_int > 0].sum())
    q_cap = np.where(finite, cap, 0.0) * flow_scale
    cap_int = np.floor(q_cap + 1e-9 * np.maximum(1.0, q_cap))
    finite_sum = float(cap_int.sum())
    negative_costs = bool((c_int < 0).any())
    inf_bound = total_int + (int(finite_sum) if negative_costs else 0)
    if max(float(inf_bound), float(cap_int.max(initial=0.0)), float(total_int)) > _EXACT_FLOAT:
        raise ScalingOverflowError(
            f"a scaled capacity, the total supply or the infinite-capacity bound exceeds 2**53 "
            f"flow units of 10**-{k_flow}; lower flow_precision"
        )
    cap_int[~finite] = inf_bound
    cap_i64 = cap_int.astype(np.int64)
    max_cap = int(cap_i64.max(initial=0))
    if max_cost * max_cap > _INT64_MAX:
        raise ScalingOverflowError(
            f"max |scaled cost| {max_cost:.6g} x largest scaled arc capacity {max_cap} "
            f"= {max_cost * max_cap:.6g} overflows int64; lower cost_precision or flow_precision"
        )

    unbounded = False
    inf_arcs = ~finite
    if negative_costs and (c_int[inf_arcs] < 0).any():
        unbounded = _has_negative_infinite_cycle(t[inf_arcs], h[inf_arcs], c_int[inf_arcs], n)

    # --- build -----------------------------------------------------------------------------
    mcf = _ortools_mcf.SimpleMinCostFlow()
    if m:
        mcf.add_arcs_with_capacity_and_unit_cost(t, h, cap_i64, c_int)
    nz = np.flatnonzero(s_int).astype(np.int32)
    if nz.size:
        mcf.set_nodes_supplies(nz, s_int[nz])
    t1 = time.perf_counter()

    status_enum = mcf.solve() if (m or nz.size) else _Status.OPTIMAL
    t2 = time.perf_counter()

    name = status_enum.name
    status = STATUS_MAP[name]
    message = _STATUS_MESSAGE[name]
    if status == "optimal":
        flow_int = mcf.flows(np.arange(m, dtype=np.int32)) if m else np.zeros(0, np.int64)
        flow = np.asarray(flow_int, dtype=np.float64) / flow_scale
        objective = float(np.dot(c, flow))
        if unbounded:
            status, name = "unbounded", "UNBOUNDED"
            message = "a negative-cost cycle of infinite-capacity arcs makes the cost unbounded"
            objective = -math.inf
            flow = np.full(m, np.nan)
    else:
        flow = np.full(m, np.nan)
        objective = math.nan
    t3 = time.perf_counter()

    return FlowResult(
        status=status,
        objective=objective,
        flow=flow,
        solver_status=name,
        message=message,
        cost_precision=k_cost,
        flow_precision=k_flow,
        timings={"build_s": t1 - t0, "solve_s": t2 - t1, "extract_s": t3 - t2},
    )
