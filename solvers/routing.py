"""Vehicle routing between terminals and their customers (first and last mile), on OR-Tools.

One entry point, :func:`solve`, takes a :class:`RoutingProblem` (plain numpy arrays, nodes
``0..n-1``) and returns an immutable :class:`RoutingResult`. The model is the OR-Tools 9.15
``pywrapcp`` routing model: every matrix is handed over once with ``RegisterTransitMatrix`` and
every per-node vector with ``RegisterUnaryTransitVector``, so no Python callback runs per arc.

Supported: capacities (one load dimension), heterogeneous fleets (capacity, fixed cost and cost
per distance unit per vehicle), several depots (a start and an end node per vehicle), time
windows with service times and waiting, pickup-and-delivery pairs, and optional visits priced by
a penalty (disjunctions).

Units and scaling
-----------------
OR-Tools routing works in int64. Distances, times, costs and penalties are multiplied by
``RoutingProblem.scale`` and rounded before solving (distances, costs and penalties to the
nearest integer; travel and service times *up*, so a schedule the solver finds feasible stays
feasible in the original real times). Loads are multiplied by ``load_scale`` and must then be
integers. Every number in :class:`RoutingResult` is back in original units: ``objective`` is the
solver's integer objective divided by ``scale``; ``distance`` is recomputed from the unscaled
distance matrix along the returned routes, so it is exact for the tours found.

Determinism and the seed
------------------------
OR-Tools 9.15 routing exposes no random seed: ``RoutingSearchParameters`` has no seed field, and
``Solver.ReSeed`` does not steer the routing search (google/or-tools issues #881, #1821). Its
search is single-threaded and deterministic, and it is also invariant to how customers are
numbered (relabelling the nodes was tried as a seed and gave identical tours). ``seed`` is
therefore accepted for interface compatibility and has no effect. What decides the tours is the
amount of work done: same problem, same parameters and same ``solution_limit`` give the same
tours on every machine. A time limit is wall-clock: on a busier or slower machine the search
does less work and may stop at a different tour. For reproducible tours set ``solution_limit``
(the number of solutions the search accepts before stopping), and keep the time limit as a
guard against runaway.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

__all__ = [
    "FIRST_SOLUTION_STRATEGIES",
    "METAHEURISTICS",
    "RoutingInputError",
    "RoutingProblem",
    "RoutingResult",
    "make_problem",
    "route_schedule",
    "solve",
]

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
        The OR-Tools status name, e.g. ``"ROUTING_SUCCESS"``, or a reason found before solving.
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

    def summary(self) -> str:
        """Return a short human-readable account of the result (several lines)."""
        lines = [
            f"status: {self.status} ({self.solver_status})",
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


def solve(
    data: RoutingProblem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    solution_limit: int | None = None,
    target_objective: float | None = None,
    first_solution: str = "parallel_cheapest_insertion",
    metaheuristic: str = "guided_local_search",
) -> RoutingResult:
    """Solve a vehicle routing problem with the OR-Tools routing library.

    Parameters
    ----------
    data
        The problem (see :func:`make_problem`).
    time_limit_s
        Wall-clock limit of the search (s). Guided local search never stops by itself, so the
        limit (or ``solution_limit``) ends it; the best tour found is returned.
    seed
        Accepted for interface compatibility; OR-Tools 9.15 routing has no random seed and its
        search is deterministic (see the module docstring). Use ``solution_limit`` for
        reproducible tours.
    solution_limit
        Stop after this many accepted solutions: a work limit that makes the result the same
        on every machine (``None``: only the time limit).
    target_objective
        Stop as soon as a solution costs at most this much (cost units), e.g. a known optimum
        or a good-enough cost. Checked once per accepted solution (one Python call per
        solution, none per arc). ``None``: search until a limit.
    first_solution
        OR-Tools first-solution strategy, lower case (see :data:`FIRST_SOLUTION_STRATEGIES`).
        The default, ``"parallel_cheapest_insertion"``, finds a first solution for time-window
        and tight-fleet problems where ``"path_cheapest_arc"`` and ``"savings"`` can fail
        (Solomon C101 with 10 vehicles; P-n16-k8 with 8); ``"path_cheapest_arc"`` reaches the
        A-n32-k5 optimum in the most consistent number of solutions (see tests).
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
        For an unknown strategy name or a non-positive limit (the problem itself is validated
        by :func:`make_problem`).
    """
    t0 = time.perf_counter()
    params = _parameters(time_limit_s, solution_limit, first_solution, metaheuristic)
    _validate(data)
    reason = _quick_infeasibility(data)
    if reason is not None:
        return _no_solution("infeasible", reason, t0)
    del seed  # no effect in OR-Tools 9.15 routing; see the module docstring
    p = data
    n, m = p.n_nodes, p.n_vehicles
    manager = pywrapcp.RoutingIndexManager(n, m, p.starts.tolist(), p.ends.tolist())
    routing = pywrapcp.RoutingModel(manager)

    # Arc costs: one matrix per distinct cost per km, shared by the vehicles that have it.
    evaluators: dict[float, int] = {}
    for v in range(m):
        c = float(p.distance_cost[v])
        if c not in evaluators:
            evaluators[c] = routing.RegisterTransitMatrix(_scaled(p.distance * c, p.scale).tolist())
        routing.SetArcCostEvaluatorOfVehicle(evaluators[c], v)
        routing.SetFixedCostOfVehicle(int(round(p.fixed_cost[v] * p.scale)), v)

    # Load: demand is a unary vector; depots carry nothing.
    demand = np.round(p.demand * p.load_scale).astype(np.int64)
    demand[p.depots] = 0
    capacity = np.round(p.vehicle_capacity * p.load_scale).astype(np.int64)
    if demand.any():
        load_cb = routing.RegisterUnaryTransitVector(demand.tolist())
        routing.AddDimensionWithVehicleCapacity(load_cb, 0, capacity.tolist(), True, "load")

    # Time: travel + service at the origin folded into one matrix; waiting is slack.
    tt = p.travel_time
    if tt is not None:
        service = np.zeros(n) if p.service_time is None else p.service_time
        transit = _scaled(tt, p.scale, up=True) + _scaled(service, p.scale, up=True)[:, None]
        if p.time_window is not None:
            tw = np.column_stack(
                [
                    _scaled(p.time_window[:, 0], p.scale, up=True),
                    np.floor(p.time_window[:, 1] * p.scale + 1e-9).astype(np.int64),
                ]
            )
            horizon = int(max(tw[:, 1].max(), 0))
        else:
            tw = None
            horizon = int(transit.max(axis=1).sum())
        time_cb = routing.RegisterTransitMatrix(transit.tolist())
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        time_dim = routing.GetDimensionOrDie("time")
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

    # Optional visits.
    if p.penalty is not None:
        for node in p.customers.tolist():
            if math.isfinite(p.penalty[node]):
                pen = int(round(p.penalty[node] * p.scale))
                routing.AddDisjunction([manager.NodeToIndex(node)], pen)

    if target_objective is not None:
        target = int(round(target_objective * p.scale))

        def stop_at_target() -> None:
            if routing.CostVar().Value() <= target:
                routing.solver().FinishCurrentSearch()

        routing.AddAtSolutionCallback(stop_at_target)

    solution = routing.SolveWithParameters(params)
    code = int(routing.status())
    status_name = _STATUS_NAME.get(code, str(code))
    if solution is None:
        status = _STATUS.get(code, "not_solved")
        return _no_solution("not_solved" if status == "feasible" else status, status_name, t0)

    routes: list[tuple[int, ...]] = []
    for v in range(m):
        idx = routing.Start(v)
        nodes = []
        while not routing.IsEnd(idx):
            nodes.append(manager.IndexToNode(idx))
            idx = solution.Value(routing.NextVar(idx))
        nodes.append(manager.IndexToNode(idx))
        routes.append(tuple(int(i) for i in nodes))
    visited = {i for r in routes for i in r}
    dropped = tuple(int(i) for i in data.customers if int(i) not in visited)
    route_distance = tuple(float(data.distance[list(r[:-1]), list(r[1:])].sum()) for r in routes)
    status = _STATUS.get(code, "not_solved")
    return RoutingResult(
        status=status if status in ("optimal", "feasible") else "feasible",
        objective=solution.ObjectiveValue() / p.scale,
        routes=tuple(routes),
        route_distance=route_distance,
        distance=float(sum(route_distance)),
        vehicles_used=sum(1 for r in routes if len(r) > 2),
        dropped=dropped,
        runtime_s=time.perf_counter() - t0,
        solver_status=status_name,
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
