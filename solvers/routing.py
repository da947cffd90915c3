"""Vehicle routing for the first and last mile: PyVRP and OR-Tools behind one contract.

One entry point, :func:`solve`, takes a :class:`RoutingProblem` (plain numpy arrays, nodes
``0..n-1``) and returns an immutable :class:`RoutingResult`, whichever engine solved it.

Supported: capacities (one load dimension), heterogeneous fleets (capacity, fixed cost and cost
per distance unit per vehicle), several depots (a start and an end node per vehicle), time
windows with service times and waiting, pickup-and-delivery pairs, and optional visits priced by
a penalty.

Engines and the default per problem class
-----------------------------------------
- **PyVRP** (:mod:`solvers.routing_pyvrp`; iterated local search by the authors of HGS-CVRP)
  covers everything above except pickup-and-delivery pairs and negative demands. Within the one
  limit it runs independent searches, restarting one whose cost (or, before its first feasible
  solution, whose constraint violation) has stopped improving, with penalty updates tuned for
  limits of seconds; see that module for the rules and the measurements behind them.
- **OR-Tools** (the 9.15 ``pywrapcp`` routing model, guided local search) covers everything.
  Every matrix is handed over once with ``RegisterTransitMatrix`` and every per-node vector with
  ``RegisterUnaryTransitVector``, so no Python callback runs per arc.

``engine="auto"`` picks by :func:`problem_class` (:data:`DEFAULT_ENGINE`): PyVRP for ``"cvrp"``
and ``"vrptw"``, OR-Tools for ``"pickup_delivery"`` (the only class PyVRP does not cover here).
The choice comes from the side-by-side benchmark in ``benchmarks/vrp`` (same instances, same 20 s
limit, same fleet, same machine load, every route checked independently). On the 26-instance
subset run by both engines, PyVRP was within 1 % of the best known on 16 of 17 CVRPs (mean gap
0.14 %; the current engine with restarts: 16 of 17 at a heavier load, mean 0.11 %) against
OR-Tools' 6 of 17 (mean 2.08 %, up to +6.8 % on P-n76-k4), and feasible within 3 % on all 9
Solomon instances with their best-known fleets, where OR-Tools found no feasible solution for 6
(R105, R108, R112, RC101, RC105, RC108). With time windows, PyVRP starts from our
time-window insertion (:mod:`solvers.routing_construct`) when it fits the fleet.

First solutions in OR-Tools
---------------------------
A tight fleet can defeat a first-solution strategy (``ROUTING_FAIL``). :func:`solve` then tries,
in order: the other strategies of :data:`FALLBACK_FIRST_SOLUTIONS` (each probed alone for at most
a twentieth of the limit), our regret insertion that honours capacities and time windows, and
finally a search with every visit optional at a penalty above any tour cost, which succeeds when
it ends with every visit served. ``RoutingResult.first_solution`` names what worked and
``RoutingResult.attempts`` lists every try.

Units and scaling
-----------------
Both engines work in int64. Distances, times, costs and penalties are multiplied by
``RoutingProblem.scale`` and rounded before solving (distances, costs and penalties to the
nearest integer; travel and service times *up* and windows inward, so a schedule the solver
finds feasible stays feasible in the original real times). Loads are multiplied by
``load_scale`` and must then be integers. Every number in :class:`RoutingResult` is back in
original units and recomputed from the unscaled data along the returned routes: ``distance``
from the distance matrix, ``objective`` as fixed costs of used vehicles + Σ cost per km ×
distance + penalties of dropped visits.

Determinism and the seed
------------------------
PyVRP is driven by its random number generator, seeded with ``seed`` (each of its restarts with
a seed derived from ``seed`` and the restart's number); every restart rule counts iterations, so
the same problem, seed and ``solution_limit`` (iterations over all restarts) give the same tours. OR-Tools 9.15 routing exposes no random
seed: ``RoutingSearchParameters`` has no seed field, and ``Solver.ReSeed`` does not steer the
routing search (google/or-tools issues #881, #1821). Its search is single-threaded and
deterministic, and invariant to how customers are numbered; ``seed`` has no effect there, and
the same ``solution_limit`` (accepted solutions) gives the same tours on every machine. A time
limit is wall-clock for both: on a busier or slower machine the search does less work and may
stop at a different tour. For reproducible tours set ``solution_limit`` and keep the time limit
as a guard against runaway.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "FALLBACK_FIRST_SOLUTIONS",
    "FIRST_SOLUTION_STRATEGIES",
    "METAHEURISTICS",
    "RoutingInputError",
    "RoutingProblem",
    "RoutingResult",
    "make_problem",
    "problem_class",
    "route_schedule",
    "solve",
]

logger = logging.getLogger(__name__)

#: Accepted ``first_solution`` names (lower case) → OR-Tools ``FirstSolutionStrategy`` values.
FIRST_SOLUTION_STRATEGIES: dict[str, int] = {
    name.lower(): value
    for name, value in routing_enums_pb2.FirstSolutionStrategy.Value.items()
    if name not in ("UNSET", "EVALUATOR_STRATEGY")
}
#: Accepted ``metaheuristic`` names (lower case) → OR-Tools ``LocalSearchMetaheuristic`` values.
METAHEURISTICS: dict[str, int] = {
    name.lower(): value
    for name, value in routing_enums_pb2.LocalSearchMetaheuristic.Value.items()
    if name != "UNSET"
}

_STATUS_BY_NAME: dict[str, str] = {
    "ROUTING_NOT_SOLVED": "not_solved",
    "ROUTING_SUCCESS": "feasible",
    "ROUTING_PARTIAL_SUCCESS_LOCAL_OPTIMUM_NOT_REACHED": "feasible",
    "ROUTING_FAIL": "infeasible",
    "ROUTING_FAIL_TIMEOUT": "timeout",
    "ROUTING_INVALID": "not_solved",
    "ROUTING_INFEASIBLE": "infeasible",
    "ROUTING_OPTIMAL": "optimal",
}
_STATUS_NAME: dict[int, str] = {
    v: k for k, v in routing_enums_pb2.RoutingSearchStatus.Value.items()
}
_STATUS: dict[int, str] = {
    code: _STATUS_BY_NAME.get(name, "not_solved") for code, name in _STATUS_NAME.items()
}

# Largest scaled value allowed in any matrix, vector or bound: sums over a route of up to n such
# values must stay far below 2**63.
_MAX_INT = 2**62


class RoutingInputError(ValueError):
    """A :class:`RoutingProblem` is malformed (shapes, signs, labels, overflow)."""


FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class RoutingProblem:
    """A vehicle routing problem on nodes ``0..n-1`` and vehicles ``0..m-1``.

    Build it with :func:`make_problem`, which fills defaults, coerces dtypes and validates; the
    constructor itself does no checking.

    Attributes
    ----------
    distance
        ``(n, n)`` travel distance from row node to column node (km, or the instance's unit),
        ≥ 0. Need not be symmetric.
    demand
        ``(n,)`` load taken on at each node (tonnes, or the instance's unit). Positive loads the
        vehicle, negative unloads it (the delivery of a pickup-and-delivery pair). A route starts
        empty and its load must stay within ``[0, capacity]``; for a pure delivery tour from a
        depot give the delivered quantities as positive demand (the capacity test is the same).
        Depot entries are ignored.
    vehicle_capacity
        ``(m,)`` capacity per vehicle, in demand units.
    starts, ends
        ``(m,)`` start and end node of each vehicle (several depots allowed). A node that is a
        start or end of any vehicle is a depot; every other node is a customer.
    fixed_cost
        ``(m,)`` cost charged when a vehicle serves at least one customer (cost units).
    distance_cost
        ``(m,)`` cost per distance unit travelled by each vehicle (cost units per km).
    time
        ``(n, n)`` travel time (hours, or the instance's unit), or ``None`` to use ``distance``
        as time when time windows or service times are given.
    time_window
        ``(n, 2)`` earliest and latest start of service per node (time units, ≥ 0), or
        ``None``. Arriving early means waiting. A depot's window bounds the departure and return of its vehicles.
    service_time
        ``(n,)`` time spent at each node before leaving it, or ``None`` (all zero).
    pickup_delivery
        ``(p, 2)`` pairs (pickup node, delivery node): both on the same vehicle, pickup first.
    penalty
        ``(n,)`` cost of not visiting a node, or ``None``. ``inf`` means the visit is
        mandatory; a finite value ≥ 0 makes it optional. Depot entries are ignored.
    scale
        Integer units per original unit for distance, time, cost and penalty (the precision of
        the integer model: 1000 keeps three decimals).
    load_scale
        Integer units per demand unit; scaled demands and capacities must be integers.
    """

    distance: FloatArray
    demand: FloatArray
    vehicle_capacity: FloatArray
    starts: IntArray
    ends: IntArray
    fixed_cost: FloatArray
    distance_cost: FloatArray
    time: FloatArray | None = None
    time_window: FloatArray | None = None
    service_time: FloatArray | None = None
    pickup_delivery: IntArray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    penalty: FloatArray | None = None
    scale: int = 1
    load_scale: int = 1

    @property
    def n_nodes(self) -> int:
        """Number of nodes ``n``."""
        return int(self.distance.shape[0])

    @property
    def n_vehicles(self) -> int:
        """Number of vehicles ``m``."""
        return int(self.vehicle_capacity.shape[0])

    @property
    def depots(self) -> IntArray:
        """Sorted distinct start and end nodes."""
        return np.unique(np.concatenate([self.starts, self.ends]))

    @property
    def customers(self) -> IntArray:
        """Sorted nodes that are neither a start nor an end of any vehicle."""
        mask = np.ones(self.n_nodes, dtype=bool)
        mask[self.depots] = False
        return np.flatnonzero(mask).astype(np.int64)

    @property
    def travel_time(self) -> FloatArray | None:
        """The time matrix used by the model: ``time``, else ``distance`` if times matter."""
        if self.time is not None:
            return self.time
        if self.time_window is not None or self.service_time is not None:
            return self.distance
        return None


def _float_array(name: str, value: ArrayLike, shape: tuple[int, ...]) -> FloatArray:
    arr = np.array(value, dtype=np.float64)
    if arr.shape != shape:
        raise RoutingInputError(f"{name} has shape {arr.shape}, expected {shape}")
    if np.isnan(arr).any():
        raise RoutingInputError(f"{name} contains NaN")
    arr.flags.writeable = False
    return arr


def _per_vehicle(name: str, value: ArrayLike | None, m: int, default: float) -> FloatArray:
    if value is None:
        return _float_array(name, np.full(m, default), (m,))
    arr = np.array(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(m, float(arr))
    return _float_array(name, arr, (m,))


def make_problem(
    distance: ArrayLike,
    demand: ArrayLike,
    vehicle_capacity: ArrayLike,
    *,
    n_vehicles: int | None = None,
    depot: int = 0,
    starts: ArrayLike | None = None,
    ends: ArrayLike | None = None,
    fixed_cost: ArrayLike | None = None,
    distance_cost: ArrayLike | None = None,
    time: ArrayLike | None = None,
    time_window: ArrayLike | None = None,
    service_time: ArrayLike | None = None,
    pickup_delivery: ArrayLike | None = None,
    penalty: ArrayLike | None = None,
    scale: int = 1,
    load_scale: int = 1,
) -> RoutingProblem:
    """Build and validate a :class:`RoutingProblem`.

    Parameters
    ----------
    distance
        ``(n, n)`` distances (km), finite and ≥ 0.
    demand
        ``(n,)`` load taken on per node (see :class:`RoutingProblem`).
    vehicle_capacity
        Scalar (same for all vehicles; then ``n_vehicles`` is required unless ``starts`` is
        given) or ``(m,)`` per vehicle.
    n_vehicles
        Fleet size when ``vehicle_capacity`` is a scalar and ``starts`` is not given.
    depot
        Start and end node of every vehicle when ``starts``/``ends`` are not given.
    starts, ends
        ``(m,)`` per-vehicle start and end nodes; ``ends`` defaults to ``starts``.
    fixed_cost, distance_cost
        Scalar or ``(m,)``; defaults 0 and 1 (cost units, cost units per km).
    time, time_window, service_time, pickup_delivery, penalty
        See :class:`RoutingProblem`.
    scale, load_scale
        Integer precision of the model (see :class:`RoutingProblem`).

    Returns
    -------
    RoutingProblem
        Read-only arrays, validated.

    Raises
    ------
    RoutingInputError
        On a wrong shape, a negative or non-finite distance, time or capacity, a node label
        out of range, a pickup or delivery at a depot, a window with earliest > latest, a load
        that is not an integer after ``load_scale``, or values that would overflow int64.
    """
    dist = np.array(distance, dtype=np.float64)
    if dist.ndim != 2 or dist.shape[0] != dist.shape[1] or dist.shape[0] == 0:
        raise RoutingInputError(f"distance must be a non-empty square matrix, got {dist.shape}")
    n = dist.shape[0]
    cap_in = np.array(vehicle_capacity, dtype=np.float64)
    if starts is not None:
        st = np.array(starts, dtype=np.int64).reshape(-1)
        m = st.shape[0]
    elif cap_in.ndim == 1:
        m = cap_in.shape[0]
        st = np.full(m, depot, dtype=np.int64)
    elif n_vehicles is not None:
        m = int(n_vehicles)
        st = np.full(m, depot, dtype=np.int64)
    else:
        raise RoutingInputError("give n_vehicles, starts, or one capacity per vehicle")
    if m < 1:
        raise RoutingInputError("the fleet must have at least one vehicle")
    en = st.copy() if ends is None else np.array(ends, dtype=np.int64).reshape(-1)
    if en.shape != (m,):
        raise RoutingInputError(f"ends has {en.shape[0]} vehicles, starts has {m}")
    for name, nodes in (("starts", st), ("ends", en)):
        if ((nodes < 0) | (nodes >= n)).any():
            raise RoutingInputError(f"{name} names a node outside 0..{n - 1}")
    st.flags.writeable = False
    en.flags.writeable = False
    pd = (
        np.zeros((0, 2), dtype=np.int64)
        if pickup_delivery is None
        else np.array(pickup_delivery, dtype=np.int64).reshape(-1, 2)
    )
    pd.flags.writeable = False
    problem = RoutingProblem(
        distance=_float_array("distance", dist, (n, n)),
        demand=_float_array("demand", demand, (n,)),
        vehicle_capacity=_per_vehicle("vehicle_capacity", cap_in, m, 0.0),
        starts=st,
        ends=en,
        fixed_cost=_per_vehicle("fixed_cost", fixed_cost, m, 0.0),
        distance_cost=_per_vehicle("distance_cost", distance_cost, m, 1.0),
        time=None if time is None else _float_array("time", time, (n, n)),
        time_window=None
        if time_window is None
        else _float_array("time_window", time_window, (n, 2)),
        service_time=None
        if service_time is None
        else _float_array("service_time", service_time, (n,)),
        pickup_delivery=pd,
        penalty=None if penalty is None else _float_array("penalty", penalty, (n,)),
        scale=int(scale),
        load_scale=int(load_scale),
    )
    _validate(problem)
    return problem


def _validate(p: RoutingProblem) -> None:
    """Raise :class:`RoutingInputError` for a problem the model cannot represent."""
    n, m = p.n_nodes, p.n_vehicles
    if p.scale < 1 or p.load_scale < 1:
        raise RoutingInputError("scale and load_scale must be positive integers")
    for name, arr in (
        ("distance", p.distance),
        ("time", p.time),
        ("service_time", p.service_time),
        ("vehicle_capacity", p.vehicle_capacity),
        ("fixed_cost", p.fixed_cost),
        ("distance_cost", p.distance_cost),
    ):
        if arr is not None and (~np.isfinite(arr) | (arr < 0)).any():
            raise RoutingInputError(f"{name} must be finite and >= 0")
    if p.penalty is not None and (p.penalty < 0).any():
        raise RoutingInputError("penalty must be >= 0 (inf = mandatory visit)")
    if p.time_window is not None:
        tw = p.time_window
        wrong = ~np.isfinite(tw).all(axis=1) | (tw[:, 0] > tw[:, 1]) | (tw[:, 0] < 0)
        if wrong.any():
            bad = int(np.flatnonzero(wrong)[0])
            raise RoutingInputError(
                f"time window of node {bad} must be finite with 0 <= earliest <= latest"
            )
    if p.pickup_delivery.size:
        pd = p.pickup_delivery
        if ((pd < 0) | (pd >= n)).any():
            raise RoutingInputError(f"pickup_delivery names a node outside 0..{n - 1}")
        if np.isin(pd, p.depots).any():
            raise RoutingInputError("a pickup or delivery node is a depot")
        if len(np.unique(pd)) != pd.size:
            raise RoutingInputError("a node appears in more than one pickup-delivery pair")
    for name, arr in (("demand", p.demand), ("vehicle_capacity", p.vehicle_capacity)):
        scaled = arr * p.load_scale
        if (np.abs(scaled - np.round(scaled)) > 1e-6).any():
            raise RoutingInputError(f"{name} x load_scale {p.load_scale} is not integral")
    # Overflow guard: every scaled quantity, summed over a whole route, stays below 2**62.
    worst = max(
        float(p.distance.max(initial=0.0)) * float(p.distance_cost.max(initial=0.0)),
        float(p.distance.max(initial=0.0)),
        0.0 if p.travel_time is None else float(np.max(p.travel_time, initial=0.0)),
        0.0 if p.service_time is None else float(p.service_time.max(initial=0.0)),
        0.0 if p.time_window is None else float(np.abs(p.time_window).max(initial=0.0)),
        float(p.fixed_cost.max(initial=0.0)),
        0.0 if p.penalty is None else float(p.penalty[np.isfinite(p.penalty)].max(initial=0.0)),
    )
    if worst * p.scale * (n + m) >= _MAX_INT:
        raise RoutingInputError(
            f"values up to {worst:.6g} x scale {p.scale} over {n + m} stops overflow int64; "
            "lower scale"
        )
    if (
        float(np.abs(p.demand).max(initial=0.0) + p.vehicle_capacity.max(initial=0.0))
        * (p.load_scale * (n + 1))
        >= _MAX_INT
    ):
        raise RoutingInputError("demand x load_scale overflows int64; lower load_scale")


@dataclass(frozen=True)
class RoutingResult:
    """Outcome of :func:`solve`. All numbers are in the problem's original units.

    Attributes
    ----------
    status
        ``"optimal"`` (proven by the solver), ``"feasible"`` (a solution, optimality not
        proven — the usual outcome of a metaheuristic stopped by a limit), ``"infeasible"`` (no
        solution: proven, or none found by a finished search), ``"timeout"`` (the limit hit
        before any solution) or ``"not_solved"``.
    objective
        Total cost: fixed costs of used vehicles + Σ distance_cost × distance + penalties of
        dropped nodes (cost units). ``nan`` when there is no solution.
    routes
        One tuple of nodes per vehicle, from its start node to its end node inclusive (an unused
        vehicle is ``(start, end)``). Empty when there is no solution.
    route_distance
        Distance of each route (km), recomputed from ``distance``.
    distance
        Total distance of all routes (km).
    vehicles_used
        Number of vehicles serving at least one customer.
    dropped
        Optional nodes not visited, sorted.
    runtime_s
        Wall-clock time of the solve (s), model building included.
    solver_status
        The engine's status name, e.g. ``"ROUTING_SUCCESS"`` (OR-Tools) or ``"PYVRP_FEASIBLE"``,
        or a reason found before solving.
    engine
        The engine that produced the routes: ``"ortools"`` or ``"pyvrp"`` (``""`` when the
        problem was rejected before solving).
    first_solution
        How the OR-Tools search got its first solution: a strategy name (e.g.
        ``"parallel_cheapest_insertion"``), ``"time_window_insertion"`` (our construction,
        :mod:`solvers.routing_construct`) or ``"relaxed_visits"`` (every visit made optional at a
        penalty above any tour cost); ``""`` for PyVRP or when none was found.
    attempts
        Every first-solution attempt in order with its outcome, e.g.
        ``("savings: ROUTING_FAIL", "parallel_cheapest_insertion: ok")``.
    """

    status: str
    objective: float
    routes: tuple[tuple[int, ...], ...]
    route_distance: tuple[float, ...]
    distance: float
    vehicles_used: int
    dropped: tuple[int, ...]
    runtime_s: float
    solver_status: str
    engine: str = ""
    first_solution: str = ""
    attempts: tuple[str, ...] = ()

    def summary(self) -> str:
        """Return a short human-readable account of the result (several lines)."""
        lines = [
            f"status: {self.status} ({self.solver_status})",
            f"engine: {self.engine or '-'}"
            + (f", first solution by {self.first_solution}" if self.first_solution else ""),
            f"objective: {self.objective:.6g}",
            f"distance: {self.distance:.6g}",
            f"vehicles used: {self.vehicles_used} of {len(self.routes)}",
            f"dropped nodes: {len(self.dropped)}",
            f"runtime: {self.runtime_s:.2f} s",
        ]
        for v, route in enumerate(self.routes):
            if len(route) > 2:
                stops = " ".join(str(i) for i in route)
                lines.append(f"  vehicle {v}: {stops} (distance {self.route_distance[v]:.6g})")
        return "\n".join(lines)


def route_schedule(
    problem: RoutingProblem, route: ArrayLike
) -> tuple[FloatArray, FloatArray | None, FloatArray]:
    """Load, earliest service start and cumulative distance at each stop of one route.

    Parameters
    ----------
    problem
        The problem the route belongs to.
    route
        Node sequence from start depot to end depot inclusive.

    Returns
    -------
    load
        Load on board after each stop (demand units), starting from 0 at the start depot.
    arrival
        Earliest start of service at each stop (time units), leaving the start depot at its
        window's opening (0 without windows) and waiting at early arrivals; ``None`` when the
        problem has no times.
    cumulative_distance
        Distance travelled up to each stop (km).
    """
    r = np.asarray(route, dtype=np.int64)
    dep = np.isin(r, problem.depots)
    dem = np.where(dep, 0.0, problem.demand[r])
    load = np.cumsum(dem)
    legs = problem.distance[r[:-1], r[1:]]
    cum = np.concatenate([[0.0], np.cumsum(legs)])
    tt = problem.travel_time
    if tt is None:
        return load, None, cum
    service = np.zeros(problem.n_nodes) if problem.service_time is None else problem.service_time
    tw = problem.time_window
    arrival = np.zeros(len(r))
    arrival[0] = 0.0 if tw is None else tw[r[0], 0]
    for k in range(1, len(r)):
        t = arrival[k - 1] + service[r[k - 1]] + tt[r[k - 1], r[k]]
        arrival[k] = t if tw is None else max(t, tw[r[k], 0])
    return load, arrival, cum


def _scaled(arr: FloatArray, scale: int, *, up: bool = False) -> IntArray:
    """Scale to int64: round to nearest, or up (with a 1e-9 guard against float noise)."""
    x = arr * scale
    out = np.ceil(x - 1e-9) if up else np.round(x)
    return out.astype(np.int64)


def _quick_infeasibility(p: RoutingProblem) -> str | None:
    """Return a reason when a mandatory visit can obviously never be made, else ``None``."""
    mandatory = p.customers
    if p.penalty is not None:
        mandatory = mandatory[~np.isfinite(p.penalty[mandatory])]
    cap = float(p.vehicle_capacity.max())
    too_big = mandatory[p.demand[mandatory] > cap]
    if too_big.size:
        return f"demand of node {int(too_big[0])} exceeds every vehicle capacity"
    if (p.demand[p.customers] >= 0).all():
        total, fleet = float(p.demand[mandatory].sum()), float(p.vehicle_capacity.sum())
        if total > fleet + 1e-9 * max(1.0, fleet):
            return f"total demand {total:g} exceeds the fleet's capacity {fleet:g}"
    tt, tw = p.travel_time, p.time_window
    if tt is not None and tw is not None and mandatory.size:
        # Earliest arrival from any start depot (leaving at its opening) vs the node's closing.
        service = np.zeros(p.n_nodes) if p.service_time is None else p.service_time
        leave = tw[p.starts, 0] + service[p.starts]
        earliest = np.min(leave[:, None] + tt[p.starts][:, mandatory], axis=0)
        late = mandatory[earliest > tw[mandatory, 1] + 1e-9]
        if late.size:
            return f"node {int(late[0])} cannot be reached before its time window closes"
    return None


def _parameters(
    time_limit_s: float,
    solution_limit: int | None,
    first_solution: str,
    metaheuristic: str,
) -> Any:
    """Build ``RoutingSearchParameters``; raise :class:`RoutingInputError` on unknown names."""
    if first_solution.lower() not in FIRST_SOLUTION_STRATEGIES:
        known = ", ".join(sorted(FIRST_SOLUTION_STRATEGIES))
        raise RoutingInputError(f"unknown first_solution {first_solution!r}; known: {known}")
    if metaheuristic.lower() not in METAHEURISTICS:
        known = ", ".join(sorted(METAHEURISTICS))
        raise RoutingInputError(f"unknown metaheuristic {metaheuristic!r}; known: {known}")
    if not time_limit_s > 0 or not math.isfinite(time_limit_s):
        raise RoutingInputError(f"time_limit_s must be a positive number, got {time_limit_s}")
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = FIRST_SOLUTION_STRATEGIES[first_solution.lower()]
    params.local_search_metaheuristic = METAHEURISTICS[metaheuristic.lower()]
    params.time_limit.FromMilliseconds(max(1, int(round(time_limit_s * 1000))))
    if solution_limit is not None:
        if solution_limit < 1:
            raise RoutingInputError(f"solution_limit must be >= 1, got {solution_limit}")
        params.solution_limit = int(solution_limit)
    params.log_search = False
    return params


#: Engines accepted by :func:`solve`.
ENGINES = ("auto", "ortools", "pyvrp")

#: The engine ``engine="auto"`` uses for each problem class (see :func:`problem_class`), chosen
#: from the side-by-side benchmark in ``benchmarks/vrp`` (module docstring).
DEFAULT_ENGINE: dict[str, str] = {
    "cvrp": "pyvrp",
    "vrptw": "pyvrp",
    "pickup_delivery": "ortools",
}

#: First-solution strategies tried, in this order, after the requested one finds nothing.
FALLBACK_FIRST_SOLUTIONS: tuple[str, ...] = (
    "parallel_cheapest_insertion",
    "local_cheapest_insertion",
    "savings",
    "path_cheapest_arc",
    "global_cheapest_arc",
)


def problem_class(p: RoutingProblem) -> str:
    """Classify a problem for the engine choice.

    Returns
    -------
    str
        ``"pickup_delivery"`` (pairs, or negative demands), ``"vrptw"`` (time windows) or
        ``"cvrp"`` (everything else: capacities, several depots, heterogeneous fleets, optional
        visits).
    """
    if p.pickup_delivery.size or (p.demand[p.customers] < 0).any():
        return "pickup_delivery"
    if p.time_window is not None:
        return "vrptw"
    return "cvrp"


def solve(
    data: RoutingProblem,
    *,
    engine: str = "auto",
    time_limit_s: float = 10.0,
    seed: int = 0,
    solution_limit: int | None = None,
    target_objective: float | None = None,
    first_solution: str = "parallel_cheapest_insertion",
    metaheuristic: str = "guided_local_search",
) -> RoutingResult:
    """Solve a vehicle routing problem with PyVRP or OR-Tools.

    Parameters
    ----------
    data
        The problem (see :func:`make_problem`).
    engine
        ``"auto"`` (the engine of :data:`DEFAULT_ENGINE` for the problem's class; if PyVRP finds
        no feasible solution, OR-Tools gets the time left), ``"pyvrp"`` or ``"ortools"``.
    time_limit_s
        Wall-clock limit of the search (s). Neither metaheuristic stops by itself, so the limit
        (or ``solution_limit``, or ``target_objective``) ends it; the best tour is returned.
    seed
        Seed of PyVRP's random number generator. OR-Tools 9.15 routing has no seed and is
        deterministic (module docstring).
    solution_limit
        A machine-independent work limit that makes the result reproducible: for OR-Tools the
        number of accepted solutions, for PyVRP the number of search iterations (``None``: only
        the time limit).
    target_objective
        Stop as soon as a solution costs at most this much (cost units), e.g. a known optimum.
        ``None``: search until a limit.
    first_solution
        OR-Tools first-solution strategy tried first, lower case (see
        :data:`FIRST_SOLUTION_STRATEGIES`); when it finds nothing the others of
        :data:`FALLBACK_FIRST_SOLUTIONS`, then our time-window insertion
        (:mod:`solvers.routing_construct`), then a search with every visit optional at a
        penalty above any tour cost are tried in turn. The result's ``first_solution`` and
        ``attempts`` say which worked.
    metaheuristic
        OR-Tools local-search metaheuristic, lower case (``"guided_local_search"``,
        ``"simulated_annealing"``, ``"tabu_search"``, ``"greedy_descent"``, ``"automatic"``).

    Returns
    -------
    RoutingResult
        Status, objective and routes in original units.

    Raises
    ------
    RoutingInputError
        For an unknown engine or strategy name, a non-positive limit, or ``engine="pyvrp"`` on
        a problem PyVRP does not cover (pickup-and-delivery pairs, negative demands).
    """
    t0 = time.perf_counter()
    _parameters(time_limit_s, solution_limit, first_solution, metaheuristic)
    if engine not in ENGINES:
        raise RoutingInputError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    _validate(data)
    chosen = DEFAULT_ENGINE[problem_class(data)] if engine == "auto" else engine
    if chosen == "pyvrp":
        from solvers.routing_pyvrp import covers

        gap = covers(data)
        if gap is not None:
            if engine == "pyvrp":
                raise RoutingInputError(f"engine 'pyvrp' does not cover {gap}; use 'ortools'")
            chosen = "ortools"
    reason = _quick_infeasibility(data)
    if reason is not None:
        return _no_solution("infeasible", reason, t0)
    if not data.customers.size:  # nothing to visit: every vehicle stays home
        idle = tuple((int(a), int(b)) for a, b in zip(data.starts, data.ends, strict=True))
        return _result(data, "optimal", idle, "NO_CUSTOMERS", t0, chosen, "", ())
    if chosen == "pyvrp":
        from solvers.routing_pyvrp import solve_pyvrp

        res = solve_pyvrp(
            data,
            time_limit_s=time_limit_s,
            seed=seed,
            iteration_limit=solution_limit,
            target_objective=target_objective,
            # With time windows, feasibility is the hard part: start from our construction.
            initial_routes=None
            if data.time_window is None
            else _construction(data, _integer_model(data)),
            make_result=_result_maker(data, "pyvrp"),
        )
        left = time_limit_s - (time.perf_counter() - t0)
        if res.routes or engine == "pyvrp" or left < 0.05:
            return res
        logger.info("PyVRP found no feasible solution; OR-Tools gets the %.1f s left", left)
        time_limit_s = left
    return _solve_ortools(
        data,
        t0=t0,
        time_limit_s=time_limit_s,
        solution_limit=solution_limit,
        target_objective=target_objective,
        first_solution=first_solution,
        metaheuristic=metaheuristic,
    )


def _route_cost(p: RoutingProblem, routes: tuple[tuple[int, ...], ...]) -> tuple[float, ...]:
    """Distance of each route (km), from the unscaled matrix."""
    return tuple(float(p.distance[list(r[:-1]), list(r[1:])].sum()) for r in routes)


def _result_maker(
    p: RoutingProblem, engine: str
) -> Callable[[str, tuple[tuple[int, ...], ...] | None, str, float], RoutingResult]:
    """A ``make_result(status, routes, solver_status, t0)`` closure for one engine."""

    def make(
        status: str,
        routes: tuple[tuple[int, ...], ...] | None,
        solver_status: str,
        t0: float,
    ) -> RoutingResult:
        if routes is None:
            return replace(_no_solution(status, solver_status, t0), engine=engine)
        return _result(p, status, routes, solver_status, t0, engine, "", ())

    return make


def _result(
    p: RoutingProblem,
    status: str,
    routes: tuple[tuple[int, ...], ...],
    solver_status: str,
    t0: float,
    engine: str,
    first: str,
    attempts: tuple[str, ...],
) -> RoutingResult:
    """Build a result with distances and objective recomputed in original units."""
    visited = {i for r in routes for i in r}
    dropped = tuple(int(i) for i in p.customers if int(i) not in visited)
    route_distance = _route_cost(p, routes)
    used_v = [v for v, r in enumerate(routes) if len(r) > 2]
    objective = sum(float(p.fixed_cost[v]) for v in used_v)
    objective += sum(float(p.distance_cost[v]) * route_distance[v] for v in range(len(routes)))
    if p.penalty is not None:
        objective += float(sum(p.penalty[list(dropped)]))
    return RoutingResult(
        status=status,
        objective=objective,
        routes=routes,
        route_distance=route_distance,
        distance=float(sum(route_distance)),
        vehicles_used=len(used_v),
        dropped=dropped,
        runtime_s=time.perf_counter() - t0,
        solver_status=solver_status,
        engine=engine,
        first_solution=first,
        attempts=attempts,
    )


@dataclass
class _OrModel:
    """The scaled integer arrays of the OR-Tools model (shared by every attempt)."""

    cost: dict[float, IntArray]
    demand: IntArray
    capacity: IntArray
    transit: IntArray | None
    window: IntArray | None
    horizon: int


def _integer_model(p: RoutingProblem) -> _OrModel:
    """Scale the problem to the integers OR-Tools works in (see the module docstring)."""
    n = p.n_nodes
    cost = {float(c): _scaled(p.distance * c, p.scale) for c in np.unique(p.distance_cost)}
    demand = np.round(p.demand * p.load_scale).astype(np.int64)
    demand[p.depots] = 0
    capacity = np.round(p.vehicle_capacity * p.load_scale).astype(np.int64)
    tt = p.travel_time
    transit: IntArray | None = None
    window: IntArray | None = None
    horizon = 0
    if tt is not None:
        service = np.zeros(n) if p.service_time is None else p.service_time
        transit = _scaled(tt, p.scale, up=True) + _scaled(service, p.scale, up=True)[:, None]
        if p.time_window is not None:
            window = np.column_stack(
                [
                    _scaled(p.time_window[:, 0], p.scale, up=True),
                    np.floor(p.time_window[:, 1] * p.scale + 1e-9).astype(np.int64),
                ]
            )
            horizon = int(max(window[:, 1].max(), 0))
        else:
            horizon = int(transit.max(axis=1).sum())
    return _OrModel(cost, demand, capacity, transit, window, horizon)


def _build_routing(p: RoutingProblem, im: _OrModel, relax_penalty: int | None) -> tuple[Any, Any]:
    """Build the OR-Tools ``RoutingIndexManager`` and ``RoutingModel``.

    ``relax_penalty`` makes every mandatory visit optional at that (scaled) penalty.
    """
    n, m = p.n_nodes, p.n_vehicles
    manager = pywrapcp.RoutingIndexManager(n, m, p.starts.tolist(), p.ends.tolist())
    routing = pywrapcp.RoutingModel(manager)

    # Arc costs: one matrix per distinct cost per km, shared by the vehicles that have it.
    evaluators: dict[float, int] = {}
    for v in range(m):
        c = float(p.distance_cost[v])
        if c not in evaluators:
            evaluators[c] = routing.RegisterTransitMatrix(im.cost[c].tolist())
        routing.SetArcCostEvaluatorOfVehicle(evaluators[c], v)
        routing.SetFixedCostOfVehicle(int(round(p.fixed_cost[v] * p.scale)), v)

    # Load: demand is a unary vector; depots carry nothing.
    if im.demand.any():
        load_cb = routing.RegisterUnaryTransitVector(im.demand.tolist())
        routing.AddDimensionWithVehicleCapacity(load_cb, 0, im.capacity.tolist(), True, "load")

    # Time: travel + service at the origin folded into one matrix; waiting is slack.
    if im.transit is not None:
        time_cb = routing.RegisterTransitMatrix(im.transit.tolist())
        routing.AddDimension(time_cb, im.horizon, im.horizon, False, "time")
        time_dim = routing.GetDimensionOrDie("time")
        tw = im.window
        if tw is not None:
            for node in p.customers.tolist():
                time_dim.CumulVar(manager.NodeToIndex(node)).SetRange(
                    int(tw[node, 0]), int(tw[node, 1])
                )
            for v in range(m):
                s, e = int(p.starts[v]), int(p.ends[v])
                time_dim.CumulVar(routing.Start(v)).SetRange(int(tw[s, 0]), int(tw[s, 1]))
                time_dim.CumulVar(routing.End(v)).SetRange(int(tw[e, 0]), int(tw[e, 1]))

    # Pickup and delivery: same vehicle, pickup before delivery (a visit counter orders them).
    if p.pickup_delivery.size:
        count_cb = routing.RegisterUnaryTransitVector([1] * n)
        routing.AddDimension(count_cb, 0, n + 1, True, "visits")
        order = routing.GetDimensionOrDie("visits")
        solver = routing.solver()
        for pick, deliv in p.pickup_delivery.tolist():
            pi, di = manager.NodeToIndex(pick), manager.NodeToIndex(deliv)
            routing.AddPickupAndDelivery(pi, di)
            solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
            solver.Add(routing.ActiveVar(pi) == routing.ActiveVar(di))
            solver.Add(order.CumulVar(pi) <= order.CumulVar(di))

    # Optional visits (and, when relaxing, every mandatory one at the relaxation penalty).
    for node in p.customers.tolist():
        finite = p.penalty is not None and math.isfinite(p.penalty[node])
        if finite:
            assert p.penalty is not None
            pen = int(round(p.penalty[node] * p.scale))
        elif relax_penalty is not None:
            pen = relax_penalty
        else:
            continue
        routing.AddDisjunction([manager.NodeToIndex(node)], pen)
    return manager, routing


def _relax_penalty(p: RoutingProblem, im: _OrModel) -> int | None:
    """A per-visit penalty above the cost of any set of tours, or ``None`` if it overflows."""
    bound = sum(int(c.max(axis=1).sum()) for c in im.cost.values())
    bound += int(round(float(p.fixed_cost.sum()) * p.scale))
    pen = 2 * bound + 1
    if pen * (p.n_nodes + 1) >= _MAX_INT:
        return None
    return pen


def _read_routes(
    p: RoutingProblem, manager: Any, routing: Any, solution: Any
) -> tuple[tuple[int, ...], ...]:
    routes: list[tuple[int, ...]] = []
    for v in range(p.n_vehicles):
        idx = routing.Start(v)
        nodes = []
        while not routing.IsEnd(idx):
            nodes.append(manager.IndexToNode(idx))
            idx = solution.Value(routing.NextVar(idx))
        nodes.append(manager.IndexToNode(idx))
        routes.append(tuple(int(i) for i in nodes))
    return tuple(routes)


def _solve_ortools(
    p: RoutingProblem,
    *,
    t0: float,
    time_limit_s: float,
    solution_limit: int | None,
    target_objective: float | None,
    first_solution: str,
    metaheuristic: str,
) -> RoutingResult:
    """The OR-Tools engine with its chain of first-solution attempts (see :func:`solve`).

    Each first-solution strategy is probed alone (stop at its first solution, at most a twentieth
    of the time limit, so a strategy that cannot finish does not use up the budget); the first
    routes found, by a strategy or by our construction, seed the local search, which gets all
    the time left. The last resort searches with every visit optional at a penalty above any
    tour cost (always has a first solution) and succeeds if it ends with every visit served.
    """
    im = _integer_model(p)
    deadline = t0 + time_limit_s
    probe_cap = max(0.2, 0.05 * time_limit_s)
    requested = first_solution.lower()
    plan: list[tuple[str, str]] = [("strategy", requested)]
    plan.append(("construction", "time_window_insertion"))
    plan += [("strategy", s) for s in FALLBACK_FIRST_SOLUTIONS if s != requested]
    plan.append(("relaxed", "relaxed_visits"))
    attempts: list[str] = []
    first_status = ""
    mandatory = p.customers
    if p.penalty is not None:
        mandatory = mandatory[~np.isfinite(p.penalty[mandatory])]

    def add_target(routing: Any) -> None:
        if target_objective is None:
            return
        target = int(round(target_objective * p.scale))

        def stop_at_target() -> None:
            if routing.CostVar().Value() <= target:
                routing.solver().FinishCurrentSearch()

        routing.AddAtSolutionCallback(stop_at_target)

    for kind, name in plan:
        left = deadline - time.perf_counter()
        if left <= 0.01:
            attempts.append(f"{name}: no time left")
            break
        strategy = name if kind == "strategy" else requested
        start: list[list[int]] | None = None
        if kind == "relaxed":
            relax = _relax_penalty(p, im)
            if relax is None or not mandatory.size:
                attempts.append(f"{name}: not applicable")
                continue
            manager, routing = _build_routing(p, im, relax)
            add_target(routing)
            params = _parameters(left, solution_limit, strategy, metaheuristic)
            solution = routing.SolveWithParameters(params)
        else:
            if kind == "construction":
                start = _construction(p, im)
                if start is None:
                    attempts.append(f"{name}: a customer fits no vehicle")
                    continue
            else:
                manager, routing = _build_routing(p, im, None)
                probe = _parameters(min(left, probe_cap), 1, strategy, metaheuristic)
                found = routing.SolveWithParameters(probe)
                code = int(routing.status())
                first_status = first_status or _STATUS_NAME.get(code, str(code))
                if found is None:
                    attempts.append(f"{name}: {_STATUS_NAME.get(code, str(code))}")
                    if _STATUS_NAME.get(code) == "ROUTING_INFEASIBLE":
                        break
                    continue
                start = [list(r[1:-1]) for r in _read_routes(p, manager, routing, found)]
            left = deadline - time.perf_counter()
            if left <= 0.01:
                attempts.append(f"{name}: no time left")
                break
            manager, routing = _build_routing(p, im, None)
            add_target(routing)
            params = _parameters(left, solution_limit, strategy, metaheuristic)
            routing.CloseModelWithParameters(params)
            initial = routing.ReadAssignmentFromRoutes(start, True)
            if initial is None:
                attempts.append(f"{name}: routes rejected by the model")
                continue
            solution = routing.SolveFromAssignmentWithParameters(initial, params)
        code = int(routing.status())
        status_name = _STATUS_NAME.get(code, str(code))
        first_status = first_status or status_name
        if solution is None:
            attempts.append(f"{name}: {status_name}")
            continue
        routes = _read_routes(p, manager, routing, solution)
        served = {i for r in routes for i in r}
        missing = [int(c) for c in mandatory if int(c) not in served]
        if missing:
            attempts.append(f"{name}: {len(missing)} mandatory visits left out")
            break
        attempts.append(f"{name}: ok")
        status = _STATUS.get(code, "not_solved")
        return _result(
            p,
            status if status in ("optimal", "feasible") else "feasible",
            routes,
            status_name,
            t0,
            "ortools",
            name,
            tuple(attempts),
        )
    status = "infeasible"
    if first_status in ("", "ROUTING_FAIL_TIMEOUT"):
        status = "timeout"
    res = _no_solution(status, first_status or "no time left", t0)
    return replace(res, engine="ortools", attempts=tuple(attempts))


def _construction(p: RoutingProblem, im: _OrModel) -> list[list[int]] | None:
    """Routes from :func:`solvers.routing_construct.insertion_routes`, or ``None``."""
    from solvers.routing_construct import insertion_routes

    if p.pickup_delivery.size or (im.demand < 0).any():
        return None
    n = p.n_nodes
    transit = np.zeros((n, n), dtype=np.int64) if im.transit is None else im.transit
    window = im.window
    if window is None:
        window = np.column_stack([np.zeros(n, dtype=np.int64), np.full(n, _MAX_INT // 4)])
    mandatory = p.customers
    if p.penalty is not None:
        mandatory = mandatory[~np.isfinite(p.penalty[mandatory])]
    return insertion_routes(
        [im.cost[float(c)] for c in p.distance_cost],
        transit,
        window,
        im.demand,
        im.capacity,
        p.starts,
        p.ends,
        np.round(p.fixed_cost * p.scale).astype(np.int64),
        mandatory,
    )


def _no_solution(status: str, solver_status: str, t0: float) -> RoutingResult:
    return RoutingResult(
        status=status,
        objective=math.nan,
        routes=(),
        route_distance=(),
        distance=math.nan,
        vehicles_used=0,
        dropped=(),
        runtime_s=time.perf_counter() - t0,
        solver_status=solver_status,
    )
