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

The search: restarts and penalties
----------------------------------
PyVRP's :func:`pyvrp.solve` runs one iterated local search (ILS, late-acceptance hill-climbing)
from one start. Its defaults suit PyVRP's own benchmark (hours per instance); with limits of
seconds two things go wrong, as measured on the published instances of ``benchmarks/vrp``
(iteration counts, so independent of the machine's load):

- **One run falls into one basin.** P-n55-k8 made its last improvement after about 150 of the
  28,000 iterations of a 20 s run and ended at 582 with seed 0, at the best known 576 with
  seed 1. A-n63-k9, P-n70-k10 and B-n64-k9 likewise stopped improving after 4,279 of 19,956,
  1,820 of 12,691 and 605 of 18,306 iterations.
- **The penalty schedule.** Infeasible intermediate solutions (excess load, time warp) are
  priced by penalties that start at 50,000 per unit and are multiplied by 1.5 or 0.9 every 500
  registered solutions (PyVRP's default). With its best-known fleet of 13 vehicles, R103 from a
  random start reached no feasible solution within 6,000 iterations for three of four seeds;
  updating every 50 registrations, five of six seeds got there (after 38 to 3,412 iterations).
  But the default does better elsewhere: from seed 0, R104 needed 2,714 iterations (5,414 with
  every 50), R110 913 (1,770), R112 3,198 (3,042).

So :func:`solve_pyvrp` runs a sequence of independent ILS runs within the one limit and keeps the
best feasible solution of all of them. Run 0 is PyVRP's own search: seed ``seed``, the given warm
start, penalty updates every 500 registrations. Run ``j ≥ 1`` starts from PyVRP's random start
improved by local search, with the seed derived from ``(seed, j)`` (``numpy.random.SeedSequence``)
and penalty updates every :data:`PENALTY_UPDATE_EVERY` ``[j % 2]`` registrations (50, 500, 50, …).
A run ends when

- (without time windows) its best has not improved for ``max(STALL_ITERATIONS_PER_CLIENT ×
  clients, STALL_FACTOR × the iteration of its last improvement)`` iterations, or
- it has no feasible solution yet and the least constraint violation (time warp + excess load +
  excess distance) of its candidates has not shrunk for ``max(FEASIBILITY_ITERATIONS_PER_CLIENT
  × clients, FEASIBILITY_PENALTY_UPDATES × the run's penalty update interval, STALL_FACTOR × the
  iteration it last shrank)`` iterations (for 100 clients: 2,000 with updates every 500, 1,000
  with every 50; RC105 with 13 vehicles, whose one PyVRP run from seed 0 is first feasible at
  iteration 1,084 after its violation last shrank at 80, was cut at 1,080 by a 1,000 minimum), or
- the time limit, the iteration limit or the target is reached, which ends the solve; a new run
  is not started when less than twice the longest start-up of a run so far is left.

With time windows a feasible run is never cut: in a side-by-side run under the same load (load1
8–12 on 2 cores, 20 s), restarting feasible runs on a stalled cost turned R110 from 1140.55 into
1177.22 and RC105 from 1636.50 into 1684.44 (a fresh start cannot catch up in what is left of
the limit), while the restarts of infeasible runs turned R103 and R104 from no solution into
1315.03 and 1036.64. Without time windows the cost restarts are what helps (P-n55-k8 582 → 576,
P-n70-k10 833 → 830, A-n53-k7 1017 → 1011, same run).

We tried and dropped: a first phase with a larger fleet and a fixed cost per vehicle followed
by route elimination (a warm-started ``pyvrp.minimise_fleet``): on R103 it reached 14 routes in
17 to 259 iterations but 13 feasible routes for only two of six seeds within 6,000 iterations;
initial penalties of 1 instead of 50,000 (R103: four of six seeds); a granular neighbourhood of
25 instead of 50 (faster iterations, but no seed of six reached 13 feasible routes on R103).
PyVRP's published benchmarks do not address the best-known fleet: they solve the 1,000-customer
Gehring–Homberger instances for two hours with distance as the only objective (DIMACS rules).

Determinism
-----------
Every restart rule counts iterations, never seconds. With ``iteration_limit`` (and a time limit
that is not reached) the same problem and seed give the same tours on every machine. A time
limit is wall-clock: under load fewer iterations fit, so the search may stop earlier, in another
run, at a different tour.
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
    CostEvaluator,
    Depot,
    IteratedLocalSearch,
    IteratedLocalSearchCallbacks,
    IteratedLocalSearchParams,
    Location,
    PenaltyManager,
    PenaltyParams,
    ProblemData,
    RandomNumberGenerator,
    Route,
    Solution,
    VehicleType,
)
from pyvrp.search import (
    OPERATORS,
    LocalSearch,
    NeighbourhoodParams,
    PerturbationManager,
    PerturbationParams,
    compute_neighbours,
)

if TYPE_CHECKING:
    from solvers.routing import IntArray, RoutingProblem, RoutingResult

__all__ = [
    "FEASIBILITY_ITERATIONS_PER_CLIENT",
    "FEASIBILITY_PENALTY_UPDATES",
    "PENALTY_UPDATE_EVERY",
    "STALL_FACTOR",
    "STALL_ITERATIONS_PER_CLIENT",
    "covers",
    "solve_pyvrp",
]

logger = logging.getLogger(__name__)

#: PyVRP's "unconstrained" time bound, and the cost it reports for an infeasible solution.
_INT_MAX = int(np.iinfo(np.int64).max)

#: Run ``j`` updates its penalties every ``PENALTY_UPDATE_EVERY[j % 2]`` registered solutions
#: (PyVRP's default: 500).
PENALTY_UPDATE_EVERY = (500, 50)
#: An infeasible run whose least violation has not shrunk for this many iterations per client
#: (at least) is restarted ...
FEASIBILITY_ITERATIONS_PER_CLIENT = 10
#: ... and for at least this many penalty updates (a violation shrinks after penalty rises).
FEASIBILITY_PENALTY_UPDATES = 4
#: A run without improvement for this many iterations per client (at least) is restarted ...
STALL_ITERATIONS_PER_CLIENT = 20
#: ... and for at least this many times the iteration of its last improvement.
STALL_FACTOR = 2


def covers(p: RoutingProblem) -> str | None:
    """Return why PyVRP cannot take ``p`` (a short reason), or ``None`` when it can."""
    if p.pickup_delivery.size:
        return "pickup-and-delivery pairs"
    if (p.demand[p.customers] < 0).any():
        return "negative demands"
    return None


class _Budget:
    """The limits shared by all runs of one solve: wall clock, iterations, target cost."""

    def __init__(self, time_limit_s: float, iterations: int | None, target: int | None) -> None:
        self.deadline = time.perf_counter() + time_limit_s
        self.iterations_left = iterations
        self.target = target
        self.best = _INT_MAX  # best feasible cost over all runs (scaled units)

    def exhausted(self) -> bool:
        if self.iterations_left is not None and self.iterations_left <= 0:
            return True
        if self.target is not None and self.best <= self.target:
            return True
        return time.perf_counter() >= self.deadline


class _RunStop(IteratedLocalSearchCallbacks):
    """Stopping criterion (and progress callback) of one run; see the module docstring.

    PyVRP calls it once before every iteration with the cost of the run's best solution
    (``_INT_MAX`` while that is infeasible), and :meth:`on_iteration` after every iteration.
    """

    def __init__(
        self, budget: _Budget, n_clients: int, *, cost_stall: bool = True, update_every: int = 1
    ) -> None:
        super().__init__()
        self.budget = budget
        self.cost_stall = cost_stall  # end a feasible run whose cost has stalled
        self.feasibility_min = max(
            FEASIBILITY_ITERATIONS_PER_CLIENT * n_clients,
            FEASIBILITY_PENALTY_UPDATES * update_every,
        )
        self.stall_min = STALL_ITERATIONS_PER_CLIENT * n_clients
        self.iteration = 0
        self.best = _INT_MAX
        self.last_improvement = 0
        self.violation = _INT_MAX  # least total violation of any candidate so far
        self.last_violation_improvement = 0
        self.failed = False  # ended without a feasible solution
        self.created = time.perf_counter()
        self.setup_s = 0.0  # time from creation to the first call (the run's start-up)

    def on_iteration(
        self, current: Solution, candidate: Solution, best: Solution, cost_evaluator: Any
    ) -> None:
        if self.best < _INT_MAX:
            return
        violation = candidate.time_warp() + sum(candidate.excess_load())
        violation += candidate.excess_distance()
        if violation < self.violation:
            self.violation, self.last_violation_improvement = violation, self.iteration

    def __call__(self, best_cost: float) -> bool:
        if self.iteration == 0 and not self.setup_s:
            self.setup_s = time.perf_counter() - self.created
        cost = int(best_cost)
        if cost < self.best:
            self.best, self.last_improvement = cost, self.iteration
            self.budget.best = min(self.budget.best, cost)
        if self.budget.exhausted():
            self.failed = self.best >= _INT_MAX
            return True
        if self.best >= _INT_MAX:
            since = self.iteration - self.last_violation_improvement
            if since >= max(self.feasibility_min, STALL_FACTOR * self.last_violation_improvement):
                self.failed = True
                return True
        elif self.cost_stall and self.iteration - self.last_improvement >= max(
            self.stall_min, STALL_FACTOR * self.last_improvement
        ):
            return True
        self.iteration += 1
        if self.budget.iterations_left is not None:
            self.budget.iterations_left -= 1
        return False


def _run_seed(seed: int, run: int) -> int:
    """PyVRP seed (uint32) of run ``run`` of a solve seeded with ``seed`` (run 0: ``seed``)."""
    if run == 0:
        return int(seed) & 0xFFFFFFFF
    return int(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, run]).generate_state(1)[0])


def _ils_run(
    data: ProblemData,
    neighbours: Any,
    seed: int,
    initial: Solution | None,
    stop: _RunStop,
    update_every: int,
) -> Solution:
    """One ILS run: what :func:`pyvrp.solve` does, with our penalty updates and stopping rule."""
    rng = RandomNumberGenerator(seed=seed)
    search = LocalSearch(data, rng, neighbours, PerturbationManager(PerturbationParams()))
    for op in OPERATORS:
        if op.supports(data):
            search.add_operator(op(data))
    params = PenaltyParams(solutions_between_updates=update_every)
    penalties = PenaltyManager(params.midpoint_penalties(data), params)
    if initial is None:
        random = Solution.make_random(data, rng)
        initial = search(random, penalties.max_cost_evaluator(), exhaustive=True)
    ils = IteratedLocalSearch(
        data, penalties, search, initial, IteratedLocalSearchParams(callbacks=stop)
    )
    return ils.run(stop, collect_stats=False).best


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
    target = None if target_objective is None else int(round(target_objective * p.scale))
    budget = _Budget(max(time_limit_s - 0.01, 0.01), iteration_limit, target)
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
    n_clients = max(len(customers), 1)
    objective = CostEvaluator([0] * data.num_load_dimensions, 0, 0).cost
    neighbours = compute_neighbours(data, NeighbourhoodParams())
    best: Solution | None = None
    runs = failures = 0
    setup = 0.0  # longest start-up of a run so far (random start and its local search), s
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        while runs == 0 or not budget.exhausted():
            if runs and budget.deadline - time.perf_counter() < 2 * setup:
                break  # a new run could not even finish its start within the limit
            every = PENALTY_UPDATE_EVERY[runs % len(PENALTY_UPDATE_EVERY)]
            stop = _RunStop(budget, n_clients, cost_stall=p.time_window is None, update_every=every)
            start = initial if runs == 0 else None
            found = _ils_run(data, neighbours, _run_seed(seed, runs), start, stop, every)
            setup = max(setup, stop.setup_s)
            runs += 1
            failures += stop.failed
            logger.debug(
                "PyVRP run %d: %d iterations, best %s (last improvement at %d)",
                runs - 1,
                stop.iteration,
                objective(found) if found.is_feasible() else f"infeasible {stop.violation}",
                stop.last_improvement if found.is_feasible() else stop.last_violation_improvement,
            )
            if found.is_feasible() and (best is None or objective(found) < objective(best)):
                best = found
    logger.info("PyVRP: %d runs, %d without a feasible solution", runs, failures)
    seen: dict[str, tuple[int, str]] = {}
    for w in caught:  # e.g. PenaltyBoundWarning on a tight or infeasible instance
        count, text = seen.get(w.category.__name__, (0, " ".join(str(w.message).split())))
        seen[w.category.__name__] = (count + 1, text)
    for name, (count, text) in seen.items():
        logger.info("PyVRP %s (x%d): %s", name, count, text[:200])
    if best is None or not best.is_feasible():
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
