"""The PyVRP engine of :func:`solvers.routing.solve` (iterated local search, Wouda et al.).

:func:`solve_pyvrp` takes the same :class:`~solvers.routing.RoutingProblem` as the OR-Tools
engine and returns the same :class:`~solvers.routing.RoutingResult`. It covers capacities (one
load dimension, non-negative demands), time windows with service times and waiting, several
depots, heterogeneous fleets (capacity, fixed cost and cost per distance unit per vehicle) and
optional visits priced by a penalty. Pickup-and-delivery pairs and negative demands are not
covered here; :func:`solvers.routing.solve` sends those problems to OR-Tools.

Translation
-----------
Every problem node is one PyVRP location (same index), so the matrices are handed over whole.
Depots become PyVRP depots (sorted node order); customers become clients (node order).
Vehicles with the same capacity, start, end, fixed cost and cost per km form one vehicle type;
each distinct cost per km is one routing profile whose distance matrix is
``round(distance × cost × scale)`` with unit cost 1, so the PyVRP objective is the scaled cost.
Travel and service times are rounded *up* after scaling and windows inward (as the OR-Tools
engine does), so a schedule PyVRP finds feasible is feasible in the original real times. A
vehicle's shift is its start depot's window opening to its end depot's window closing.

Determinism
-----------
PyVRP's search is driven by its own random number generator, seeded with ``seed``: the same
problem, seed and iteration limit give the same tours on every machine. A time limit is
wall-clock, so under load it may stop at a different tour; ``iteration_limit`` makes the result
reproducible.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from pyvrp import (
    Activity,
    ActivityType,
    Client,
    Depot,
    Location,
    ProblemData,
    Route,
    Solution,
    VehicleType,
)
from pyvrp import solve as pyvrp_solve
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

if TYPE_CHECKING:
    from solvers.routing import IntArray, RoutingProblem, RoutingResult

__all__ = ["covers", "solve_pyvrp"]

logger = logging.getLogger(__name__)

#: PyVRP's "unconstrained" time bound.
_INT_MAX = int(np.iinfo(np.int64).max)


def covers(p: RoutingProblem) -> str | None:
    """Return why PyVRP cannot take ``p`` (a short reason), or ``None`` when it can."""
    if p.pickup_delivery.size:
        return "pickup-and-delivery pairs"
    if (p.demand[p.customers] < 0).any():
        return "negative demands"
    return None


class _Target:
    """Stop as soon as the best feasible cost is at most ``target`` (scaled cost units)."""

    def __init__(self, target: int) -> None:
        self.target = target

    def __call__(self, best_cost: float) -> bool:
        return best_cost <= self.target


def _scaled(arr: np.ndarray, scale: int, *, up: bool = False) -> IntArray:
    x = arr * scale
    out = np.ceil(x - 1e-9) if up else np.round(x)
    return out.astype(np.int64)


def _build(p: RoutingProblem) -> tuple[ProblemData, list[int], list[list[int]], list[int]]:
    """Translate ``p``: the data, depot node per PyVRP depot, vehicles per type, client nodes."""
    n = p.n_nodes
    depots = [int(d) for d in p.depots]
    customers = [int(c) for c in p.customers]
    depot_index = {node: k for k, node in enumerate(depots)}
    tw = p.time_window
    tt = p.travel_time

    def opening(node: int) -> int:
        return 0 if tw is None else int(np.ceil(tw[node, 0] * p.scale - 1e-9))

    def closing(node: int) -> int:
        return _INT_MAX if tw is None else int(np.floor(tw[node, 1] * p.scale + 1e-9))

    service = np.zeros(n) if p.service_time is None else p.service_time
    service_s = _scaled(service, p.scale, up=True)
    # Loads are scaled by ``scale`` too (exact: an integer factor on both sides), so excess load
    # is penalised on the same footing as distance and time; with EXACT_2D × 1000 distances and
    # unscaled loads PyVRP's load penalty hits its cap and the search stays infeasible.
    demand = np.round(p.demand * p.load_scale).astype(np.int64)
    capacity = np.round(p.vehicle_capacity * p.load_scale).astype(np.int64)
    if (int(capacity.max()) + int(demand.sum())) * p.scale < _INT_MAX // 4:
        demand, capacity = demand * p.scale, capacity * p.scale

    locations = [Location(0.0, 0.0) for _ in range(n)]
    depot_objs = [
        Depot(node, tw_early=opening(node), tw_late=closing(node), service_duration=0)
        for node in depots
    ]
    clients = []
    for node in customers:
        pen = math.inf if p.penalty is None else float(p.penalty[node])
        optional = math.isfinite(pen)
        clients.append(
            Client(
                node,
                delivery=[int(demand[node])],
                service_duration=int(service_s[node]),
                tw_early=opening(node),
                tw_late=closing(node),
                prize=int(round(pen * p.scale)) if optional else 0,
                required=not optional,
            )
        )

    # One routing profile per distinct cost per distance unit.
    costs = sorted({float(c) for c in p.distance_cost})
    profile = {c: k for k, c in enumerate(costs)}
    duration = np.zeros((n, n), dtype=np.int64) if tt is None else _scaled(tt, p.scale, up=True)
    np.fill_diagonal(duration, 0)
    dist_mats: list[Any] = []  # PyVRP's stubs type matrices as ndarray[int, ...]
    for c in costs:
        mat = _scaled(p.distance * c, p.scale)
        np.fill_diagonal(mat, 0)
        dist_mats.append(mat)

    duration_any: Any = duration
    types: dict[tuple[int, int, int, int, float], list[int]] = {}
    for v in range(p.n_vehicles):
        key = (
            int(capacity[v]),
            int(p.starts[v]),
            int(p.ends[v]),
            int(round(p.fixed_cost[v] * p.scale)),
            float(p.distance_cost[v]),
        )
        types.setdefault(key, []).append(v)
    vehicle_types = []
    members = []
    for (cap, s, e, fixed, c), vs in types.items():
        vehicle_types.append(
            VehicleType(
                len(vs),
                capacity=[cap],
                start_depot=depot_index[s],
                end_depot=depot_index[e],
                fixed_cost=fixed,
                tw_early=opening(s),
                tw_late=closing(e),
                unit_distance_cost=1,
                profile=profile[c],
            )
        )
        members.append(vs)
    data = ProblemData(
        locations,
        clients,
        depot_objs,
        vehicle_types,
        dist_mats,
        [duration_any] * len(costs),
    )
    return data, depots, members, customers


def solve_pyvrp(
    p: RoutingProblem,
    *,
    time_limit_s: float,
    seed: int = 0,
    iteration_limit: int | None = None,
    target_objective: float | None = None,
    initial_routes: list[list[int]] | None = None,
    make_result: Callable[..., RoutingResult],
) -> RoutingResult:
    """Solve ``p`` with PyVRP; see the module docstring for the translation.

    Parameters
    ----------
    p
        A validated problem that :func:`covers` accepts.
    time_limit_s
        Wall-clock limit of the search (s).
    seed
        Seed of PyVRP's random number generator.
    iteration_limit
        Stop after this many search iterations (a machine-independent work limit), or ``None``.
    target_objective
        Stop once a feasible solution costs at most this much (cost units), or ``None``.
    initial_routes
        A feasible warm start, per vehicle its customers in order (depots excluded), e.g. from
        :func:`solvers.routing_construct.insertion_routes`; ``None``: PyVRP's own start.
    make_result
        Builds the :class:`RoutingResult` from ``(status, routes, solver_status, t0)``
        (supplied by :mod:`solvers.routing`, which owns the result type).

    Returns
    -------
    RoutingResult
        ``"feasible"`` with routes, or ``"timeout"`` without when no feasible solution was found
        within the limits (PyVRP cannot prove infeasibility).
    """
    t0 = time.perf_counter()
    data, depots, members, customers = _build(p)
    criteria: list[StoppingCriterion] = [MaxRuntime(max(time_limit_s - 0.01, 0.01))]
    if iteration_limit is not None:
        criteria.append(MaxIterations(int(iteration_limit)))
    if target_objective is not None:
        criteria.append(_Target(int(round(target_objective * p.scale))))
    stop = criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)
    initial = None
    if initial_routes is not None:
        client_of = {node: k for k, node in enumerate(customers)}
        type_of = {v: t for t, vs in enumerate(members) for v in vs}
        initial = Solution(
            data,
            [
                Route(
                    data,
                    [Activity(ActivityType.CLIENT, client_of[c]) for c in seq],
                    type_of[v],
                )
                for v, seq in enumerate(initial_routes)
                if seq
            ],
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = pyvrp_solve(
            data,
            stop=stop,
            seed=int(seed),
            collect_stats=False,
            display=False,
            initial_solution=initial,
        )
    seen: dict[str, tuple[int, str]] = {}
    for w in caught:  # e.g. PenaltyBoundWarning on a tight or infeasible instance
        count, text = seen.get(w.category.__name__, (0, " ".join(str(w.message).split())))
        seen[w.category.__name__] = (count + 1, text)
    for name, (count, text) in seen.items():
        logger.info("PyVRP %s (x%d): %s", name, count, text[:200])
    best = res.best
    if not best.is_feasible():
        return make_result("timeout", None, "PYVRP_NO_FEASIBLE_SOLUTION", t0)
    routes: list[tuple[int, ...] | None] = [None] * p.n_vehicles
    next_of_type = [0] * len(members)
    for route in best.routes():
        t = int(route.vehicle_type())
        v = members[t][next_of_type[t]]
        next_of_type[t] += 1
        stops = [
            customers[int(a.idx)] if a.is_client() else depots[int(a.idx)] for a in route.schedule()
        ]
        routes[v] = tuple(stops)
    full = tuple(
        r if r is not None else (int(p.starts[v]), int(p.ends[v])) for v, r in enumerate(routes)
    )
    return make_result("feasible", full, "PYVRP_FEASIBLE", t0)
