"""Vehicle routing: solver (solvers.routing), CVRPLIB reader and route CSV (solvers.formats.vrplib).

Layers: tiny hand-checked instances, solved by both engines (PyVRP and OR-Tools); agreement
with brute force on random small instances; published instances with published optima
(tests/data/validation/vrp); every route checked by the independent checker in
tests/vrp_checker.py; every error message matched. The 20 s acceptance runs on every published
instance are in benchmarks/vrp, not here.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solvers.formats.vrplib import VrplibError, read_vrplib, write_routes_csv
from solvers.routing import (
    DEFAULT_ENGINE,
    RoutingInputError,
    RoutingProblem,
    RoutingResult,
    make_problem,
    problem_class,
    solve,
)
from solvers.routing_construct import insertion_routes
from tests import paths
from tests.vrp_checker import check_routes, load_instance, route_length  # noqa: E402

VRP = paths.VALIDATION / "vrp"
A32 = VRP / "A-n32-k5.vrp"
P16 = VRP / "P-n16-k8.vrp"
C101 = VRP / "C101.100.10.vrptw"
P22 = VRP / "P-n22-k8.vrp"
R101 = VRP / "R101.100.19.vrptw"
RC101 = VRP / "RC101.100.14.vrptw"
#: The engines that cover capacities, time windows, depots, fleets and optional visits.
BOTH = ["ortools", "pyvrp"]


def line_matrix(xs: list[float]) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Distances between points on a line."""
    x = np.asarray(xs, dtype=float)
    d: np.ndarray[Any, np.dtype[np.float64]] = np.abs(x[:, None] - x[None, :])
    return d


def check(p: RoutingProblem, r: RoutingResult) -> list[str]:
    """Run the independent checker on a result, from the problem's plain arrays."""
    tt = None if p.travel_time is None else p.travel_time.tolist()
    return check_routes(
        [list(route) for route in r.routes],
        distance=p.distance.tolist(),
        demand=p.demand.tolist(),
        capacity=p.vehicle_capacity.tolist(),
        starts=p.starts.tolist(),
        ends=p.ends.tolist(),
        travel_time=tt,
        time_window=None if p.time_window is None else [tuple(w) for w in p.time_window.tolist()],
        service_time=None if p.service_time is None else p.service_time.tolist(),
        pickup_delivery=[tuple(pair) for pair in p.pickup_delivery.tolist()],
        optional=[] if p.penalty is None else np.flatnonzero(np.isfinite(p.penalty)).tolist(),
        claimed_distance=r.distance,
    )


def used(r: RoutingResult) -> set[tuple[int, ...]]:
    """The routes that serve customers."""
    return {route for route in r.routes if len(route) > 2}


# --- tiny hand-checked instances -----------------------------------------------------------


@pytest.mark.parametrize("engine", BOTH)
def test_capacity_forces_two_routes_on_a_line(engine: str) -> None:
    """Four unit customers at x=1..4, capacity 2: optimum {1,2} + {3,4} costs 4 + 8 = 12."""
    p = make_problem(line_matrix([0, 1, 2, 3, 4]), [0, 1, 1, 1, 1], 2, n_vehicles=3)
    r = solve(p, engine=engine, time_limit_s=1, solution_limit=200)
    assert r.objective == 12 and r.distance == 12
    assert {frozenset(route[1:-1]) for route in used(r)} == {frozenset({1, 2}), frozenset({3, 4})}
    assert r.vehicles_used == 2 and r.dropped == ()
    assert not check(p, r)


@pytest.mark.parametrize("engine", BOTH)
def test_time_window_forces_the_expensive_order(engine: str) -> None:
    """Arcs 0→1→2→0 cost 1, reverse arcs 5; windows (1 opens at 6, 2 closes at 5) force 0,2,1,0."""
    d = np.array([[0, 1, 5], [5, 0, 1], [1, 5, 0]], dtype=float)
    free = solve(
        make_problem(d, [0, 0, 0], 1, n_vehicles=1),
        engine=engine,
        time_limit_s=1,
        solution_limit=50,
    )
    assert free.routes == ((0, 1, 2, 0),) and free.objective == 3
    p = make_problem(d, [0, 0, 0], 1, n_vehicles=1, time_window=[[0, 100], [6, 20], [0, 5]])
    r = solve(p, engine=engine, time_limit_s=1, solution_limit=50)
    assert r.routes == ((0, 2, 1, 0),) and r.objective == 15
    assert not check(p, r)


@pytest.mark.parametrize("engine", BOTH)
def test_service_time_is_counted_before_leaving(engine: str) -> None:
    """Service 3 at node 1 delays node 2 (window closes at 4): 0→1→2 is late, so 0→2→1 is used."""
    d = line_matrix([0, 1, 2])
    tw = [[0, 100], [0, 100], [0, 4]]
    fast = solve(
        make_problem(d, [0, 0, 0], 1, n_vehicles=1, time_window=tw), engine=engine, time_limit_s=1
    )
    assert not check(make_problem(d, [0, 0, 0], 1, n_vehicles=1, time_window=tw), fast)
    p = make_problem(d, [0, 0, 0], 1, n_vehicles=1, time_window=tw, service_time=[0, 3, 0])
    r = solve(p, engine=engine, time_limit_s=1, solution_limit=50)
    assert r.routes == ((0, 2, 1, 0),) and r.objective == 4
    assert not check(p, r)


def test_pickup_before_delivery_on_the_same_vehicle() -> None:
    """On a 3×4 rectangle both directions cost 14; pickup 3 → delivery 1 forces 0,3,2,1,0."""
    xy = np.array([[0, 0], [0, 4], [3, 4], [3, 0]], dtype=float)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    p = make_problem(d, [0, -4, 0, 4], 4, n_vehicles=2, pickup_delivery=[[3, 1]])
    r = solve(p, time_limit_s=1, solution_limit=100)
    assert used(r) == {(0, 3, 2, 1, 0)} and r.objective == pytest.approx(14)
    assert not check(p, r)


@pytest.mark.parametrize("engine", BOTH)
def test_optional_node_dropped_when_penalty_below_detour(engine: str) -> None:
    """Node 2 at x=10 (detour 16, penalty 5) is dropped; node 3 (penalty 100) is kept: 4 + 5 = 9."""
    pen = [math.inf, math.inf, 5, 100]
    p = make_problem(line_matrix([0, 1, 10, 2]), [0, 1, 1, 1], 10, n_vehicles=1, penalty=pen)
    r = solve(p, engine=engine, time_limit_s=1, solution_limit=100)
    assert r.dropped == (2,) and r.objective == 9 and r.distance == 4
    assert not check(p, r)


@pytest.mark.parametrize("engine", BOTH)
def test_heterogeneous_fleet_costs(engine: str) -> None:
    """Per-km 3 (big truck), 1 (small van), fixed 10: van takes x=2, truck x=1: 4 + 6 = 10."""
    p = make_problem(
        line_matrix([0, 1, 2]),
        [0, 3, 3],
        [6, 3, 3],
        distance_cost=[3, 1, 1],
        fixed_cost=[0, 0, 10],
    )
    r = solve(p, engine=engine, time_limit_s=1, solution_limit=100)
    assert r.routes == ((0, 1, 0), (0, 2, 0), (0, 0)) and r.objective == 10 and r.distance == 6
    assert not check(p, r)


@pytest.mark.parametrize("engine", BOTH)
def test_several_depots(engine: str) -> None:
    """Depots at x=0 and x=100, one vehicle each, a customer next to each: 2 + 2 = 4."""
    p = make_problem(line_matrix([0, 100, 1, 99]), [0, 0, 1, 1], 1, starts=[0, 1])
    r = solve(p, engine=engine, time_limit_s=1, solution_limit=100)
    assert r.routes == ((0, 2, 0), (1, 3, 1)) and r.objective == 4
    assert not check(p, r)


@pytest.mark.parametrize("engine", BOTH)
def test_float_distances_are_scaled_and_reported_in_original_units(engine: str) -> None:
    """Distances 0.25/0.5 at scale 100 are exact integers: the tour costs 0.25+0.25+0.5 = 1.0."""
    d = np.array([[0, 0.25, 0.5], [0.25, 0, 0.25], [0.5, 0.25, 0]])
    p = make_problem(d, [0, 0, 0], 1, n_vehicles=1, scale=100)
    r = solve(p, engine=engine, time_limit_s=1, solution_limit=50)
    assert r.objective == 1.0 and r.distance == 1.0


@pytest.mark.parametrize("engine", BOTH)
def test_fractional_loads_with_load_scale(engine: str) -> None:
    """Loads 0.6 t each and 1.0 t capacity (load_scale 10) need two vehicles: 2 + 4 = 6."""
    p = make_problem(line_matrix([0, 1, 2]), [0, 0.6, 0.6], 1.0, n_vehicles=2, load_scale=10)
    r = solve(p, engine=engine, time_limit_s=1, solution_limit=50)
    assert r.vehicles_used == 2 and r.objective == 6


def test_obviously_infeasible_problems_are_a_status() -> None:
    """A demand above every capacity, or a window closing before reachable, gives 'infeasible'."""
    d = line_matrix([0, 1, 10])
    r = solve(make_problem(d, [0, 1, 5], 4, n_vehicles=2))
    assert r.status == "infeasible" and "exceeds every vehicle capacity" in r.solver_status
    assert math.isnan(r.objective) and r.routes == ()
    short = solve(make_problem(d, [0, 3, 3], 4, n_vehicles=1))
    assert short.solver_status == "total demand 6 exceeds the fleet's capacity 4"
    late = make_problem(d, [0, 1, 1], 4, n_vehicles=2, time_window=[[0, 50], [0, 50], [0, 5]])
    assert solve(late).solver_status.startswith("node 2 cannot be reached")


def test_no_customers_is_optimal_at_once() -> None:
    """A problem with only depots is solved without a search: every vehicle stays, cost 0."""
    p = make_problem(line_matrix([0, 5]), [0, 0], 1, starts=[0, 1])
    r = solve(p, time_limit_s=30)
    assert (r.status, r.objective, r.routes, r.solver_status) == (
        "optimal", 0.0, ((0, 0), (1, 1)), "NO_CUSTOMERS",
    )  # fmt: skip
    assert r.runtime_s < 1.0 and not check(p, r)


def test_infeasible_found_by_search() -> None:
    """Two customers both due at t=10, 10 apart, one vehicle: every attempt of both engines fails."""
    d = np.array([[0, 10, 10], [10, 0, 10], [10, 10, 0]], dtype=float)
    p = make_problem(d, [0, 0, 0], 1, n_vehicles=1, time_window=[[0, 100], [10, 10], [10, 10]])
    r = solve(p, engine="ortools", time_limit_s=2)
    assert r.status == "infeasible" and r.solver_status == "ROUTING_FAIL"
    assert "status: infeasible (ROUTING_FAIL)" in r.summary()
    assert r.attempts[0] == "parallel_cheapest_insertion: ROUTING_FAIL"
    assert "time_window_insertion: a customer fits no vehicle" in r.attempts
    assert r.attempts[-1] == "relaxed_visits: 1 mandatory visits left out"
    q = solve(p, engine="pyvrp", time_limit_s=0.5)
    assert (q.status, q.solver_status, q.engine) == (
        "timeout",
        "PYVRP_NO_FEASIBLE_SOLUTION",
        "pyvrp",
    )
    assert q.routes == () and math.isnan(q.objective)


def test_summary_lists_used_routes() -> None:
    """summary() names status, objective and each used vehicle's stops."""
    p = make_problem(line_matrix([0, 1, 2, 3, 4]), [0, 1, 1, 1, 1], 2, n_vehicles=3)
    text = solve(p, time_limit_s=1, solution_limit=200).summary()
    assert "objective: 12" in text and "vehicles used: 2 of 3" in text and "engine: pyvrp" in text
    assert ": 0 3 4 0 (distance 8)" in text or ": 0 4 3 0 (distance 8)" in text
    ortools = solve(p, engine="ortools", time_limit_s=1, solution_limit=200).summary()
    assert "engine: ortools, first solution by parallel_cheapest_insertion" in ortools


# --- engines and first solutions -----------------------------------------------------------


def test_engine_choice_per_problem_class() -> None:
    """CVRP and VRPTW go to PyVRP, pickup-and-delivery to OR-Tools; PyVRP refuses pairs."""
    d = line_matrix([0, 1, 2, 3])
    cvrp = make_problem(d, [0, 1, 1, 1], 2, n_vehicles=2)
    tw = make_problem(d, [0, 1, 1, 1], 2, n_vehicles=2, time_window=[[0, 99]] * 4)
    pd = make_problem(d, [0, 1, -1, 0], 2, n_vehicles=2, pickup_delivery=[[1, 2]])
    assert [problem_class(x) for x in (cvrp, tw, pd)] == ["cvrp", "vrptw", "pickup_delivery"]
    assert DEFAULT_ENGINE == {"cvrp": "pyvrp", "vrptw": "pyvrp", "pickup_delivery": "ortools"}
    assert solve(cvrp, time_limit_s=1, solution_limit=100).engine == "pyvrp"
    r = solve(pd, time_limit_s=1, solution_limit=100)
    # Any tour reaching x=3 and back costs at least 6; one vehicle 0-1-2-3-0 achieves it.
    assert r.engine == "ortools" and r.objective == 6 and not check(pd, r)
    with pytest.raises(RoutingInputError, match="does not cover pickup-and-delivery pairs"):
        solve(pd, engine="pyvrp")
    with pytest.raises(RoutingInputError, match="unknown engine 'hgs'"):
        solve(cvrp, engine="hgs")


def test_tight_fleet_falls_back_to_another_strategy() -> None:
    """P-n22-k8 with its 8 vehicles: the insertion strategies fail, path_cheapest_arc works, 603."""
    p = read_vrplib(P22).problem
    r = solve(p, engine="ortools", time_limit_s=30, solution_limit=300, target_objective=603)
    assert r.attempts[:2] == (
        "parallel_cheapest_insertion: ROUTING_FAIL",
        "time_window_insertion: a customer fits no vehicle",
    )
    assert r.first_solution == "path_cheapest_arc" and r.attempts[-1] == "path_cheapest_arc: ok"
    assert r.objective == 603 and r.vehicles_used == 8
    problems, length = independent_check(P22, r, 8)
    assert not problems and length == 603


def test_time_window_construction_when_the_strategy_fails() -> None:
    """C101: 'savings' finds nothing with 10 vehicles; our insertion does, and the search goes on."""
    inst = read_vrplib(C101)
    r = solve(
        inst.problem, engine="ortools", time_limit_s=60, solution_limit=5, first_solution="savings"
    )
    assert r.attempts == ("savings: ROUTING_FAIL", "time_window_insertion: ok")
    assert r.first_solution == "time_window_insertion" and r.vehicles_used <= 10
    problems, _ = independent_check(C101, r, 10)
    assert not problems


def test_insertion_routes_by_hand() -> None:
    """Line 0..3, capacity 2, node 3 due by 3: regret insertion builds the optimum 0-2-3-0, 0-1-0."""
    x = np.array([0, 1, 2, 3])
    d = np.abs(x[:, None] - x[None, :]).astype(np.int64)
    window = np.array([[0, 100], [0, 100], [0, 100], [0, 3]], dtype=np.int64)
    routes = insertion_routes(
        [d, d], d, window, np.array([0, 1, 1, 1]), np.array([2, 2]), np.array([0, 0]),
        np.array([0, 0]), np.array([0, 0]), np.array([1, 2, 3]),
    )  # fmt: skip
    # Both vehicles empty: no regret, so the dearest (node 3, 6) opens vehicle 0; then node 2
    # (detour 0 on vehicle 0, 4 on vehicle 1: regret 4) joins it, which fills it; node 1 takes
    # vehicle 1. Distance 0-2-3-0 = 6 plus 0-1-0 = 2, the optimum 8.
    assert routes == [[2, 3], [1]]
    full = insertion_routes(
        [d], d, window, np.array([0, 1, 1, 1]), np.array([2]), np.array([0]),
        np.array([0]), np.array([0]), np.array([1, 2, 3]),
    )  # fmt: skip
    assert full is None  # three unit loads do not fit one vehicle of capacity 2


def brute_force_cvrp(d: np.ndarray[Any, Any], demand: list[int], cap: int, m: int) -> float:
    """Optimal CVRP cost by enumerating customer orders and cuts into at most m routes."""
    customers = list(range(1, len(demand)))
    best = math.inf
    for perm in itertools.permutations(customers):
        for cuts in itertools.product([False, True], repeat=len(perm) - 1):
            routes, cur = [], [perm[0]]
            for node, cut in zip(perm[1:], cuts, strict=True):
                if cut:
                    routes.append(cur)
                    cur = []
                cur.append(node)
            routes.append(cur)
            if len(routes) > m or any(sum(demand[i] for i in r) > cap for r in routes):
                continue
            cost = sum(route_length([0, *r, 0], d.tolist()) for r in routes)
            best = min(best, cost)
    return best


@settings(max_examples=12, deadline=None, database=None)
@given(
    st.integers(min_value=2, max_value=5).flatmap(
        lambda k: st.tuples(
            st.lists(st.integers(0, 30), min_size=(k + 1) ** 2, max_size=(k + 1) ** 2),
            st.lists(st.integers(1, 5), min_size=k, max_size=k),
            st.integers(5, 10),
        )
    )
)
def test_agrees_with_brute_force_on_small_random_cvrps(
    case: tuple[list[int], list[int], int],
) -> None:
    """On random asymmetric CVRPs with ≤ 5 customers the solver matches brute force (or both fail)."""
    weights, demands, cap = case
    n = len(demands) + 1
    d = np.array(weights, dtype=float).reshape(n, n)
    np.fill_diagonal(d, 0)
    demand = [0, *demands]
    p = make_problem(d, demand, cap, n_vehicles=3)
    r = solve(p, time_limit_s=2, solution_limit=300)
    best = brute_force_cvrp(d, demand, cap, 3)
    if math.isinf(best):
        assert r.status == "infeasible"
    else:
        assert r.objective == best and not check(p, r)


def test_checker_catches_each_violation() -> None:
    """The independent checker reports overload, lateness, misses, repeats, order and distance."""
    d = line_matrix([0, 1, 2, 3]).tolist()
    base: dict[str, Any] = {
        "distance": d,
        "demand": [0, 2, 2, -2],
        "capacity": [3],
        "starts": [0],
        "ends": [0],
    }
    assert not check_routes([[0, 1, 3, 2, 0]], **base, pickup_delivery=[(1, 3)])
    assert check_routes([[0, 1, 2, 3, 0]], **base) == [
        "vehicle 0: load 4 after node 2 outside [0, 3]"
    ]
    assert check_routes([[0, 1, 3, 0]], **base) == ["node 2 not served"]
    assert "node 1 served 2 times" in check_routes([[0, 1, 3, 1, 2, 0]], **base)
    assert check_routes([[1, 2, 0]], **base) == [
        "vehicle 0: route [1, 2, 0] must run 0 -> 0",
        "node 1 not served",
        "node 2 not served",
        "node 3 not served",
    ]
    order = check_routes(
        [[0, 2, 3, 1, 0]], **{**base, "demand": [0, 2, 0, 0]}, pickup_delivery=[(1, 3)]
    )
    assert order == ["pair 1->3: pickup at (0, 3), delivery at (0, 2)"]
    late = check_routes(
        [[0, 3, 2, 1, 0]],
        **{**base, "demand": [0, 1, 1, 1]},
        travel_time=d,
        time_window=[(0, 9), (0, 9), (0, 9), (0, 2)],
    )
    assert late == ["vehicle 0: reaches node 3 at 3 after 2"]
    assert check_routes([[0, 1, 3, 2, 0]], **base, claimed_distance=5) == [
        "claimed distance 5, recomputed 6"
    ]


# --- determinism ---------------------------------------------------------------------------


def test_same_limits_same_tours_and_seed_has_no_effect() -> None:
    """OR-Tools: same solution limit gives identical tours; seed is inert in OR-Tools 9.15."""
    p = read_vrplib(A32).problem
    a = solve(p, engine="ortools", time_limit_s=30, solution_limit=150, seed=0)
    b = solve(p, engine="ortools", time_limit_s=30, solution_limit=150, seed=0)
    c = solve(p, engine="ortools", time_limit_s=30, solution_limit=150, seed=42)
    assert a.routes == b.routes == c.routes and a.objective == b.objective == c.objective


def test_pyvrp_same_seed_and_iterations_same_tours() -> None:
    """PyVRP: same seed and iteration limit give identical tours; another seed is also valid."""
    p = read_vrplib(VRP / "A-n45-k6.vrp").problem
    a = solve(p, engine="pyvrp", time_limit_s=60, solution_limit=300, seed=1)
    b = solve(p, engine="pyvrp", time_limit_s=60, solution_limit=300, seed=1)
    c = solve(p, engine="pyvrp", time_limit_s=60, solution_limit=300, seed=2)
    assert a.routes == b.routes and a.objective == b.objective
    assert not check(p, a) and not check(p, c) and min(a.objective, c.objective) >= 944


def test_pyvrp_run_stops_on_a_stalled_cost_by_hand() -> None:
    """A feasible run ends after max(20 x clients, 2 x its last improvement) idle iterations."""
    from solvers import routing_pyvrp as rp

    def idle_calls(improve_at: list[int], n_clients: int) -> int:
        stop = rp._RunStop(rp._Budget(600, None, None), n_clients)
        cost, calls = 1000, 0
        while True:
            if calls in improve_at:
                cost -= 1
            calls += 1
            if stop(cost):
                return stop.iteration

    # One client: stall minimum 20. Improvement only at the start: stop at iteration 20.
    assert idle_calls([0], 1) == 20
    # Last improvement at iteration 15: max(20, 2 x 15) = 30 idle iterations, stop at 45.
    assert idle_calls([0, 15], 1) == 45
    # Five clients: minimum 100 idle iterations; improvement at 60 -> max(100, 120): 180.
    assert idle_calls([0, 60], 5) == 180


def test_pyvrp_run_restarts_when_infeasibility_stops_shrinking_by_hand() -> None:
    """An infeasible run ends, as failed, after max(10 x clients, 2 x k) iterations without a
    smaller violation (k: the iteration of the last smaller one); a feasible best ends it never."""
    from solvers import routing_pyvrp as rp

    class Cand:
        def __init__(self, tw: int) -> None:
            self.tw = tw

        def time_warp(self) -> int:
            return self.tw

        def excess_load(self) -> list[int]:
            return [0]

        def excess_distance(self) -> int:
            return 0

    stop = rp._RunStop(rp._Budget(600, None, None), 2)  # minimum 20 iterations
    violations = {1: 50, 2: 40, 15: 30}  # iteration (from 1) -> violation of its candidate
    while not stop(rp._INT_MAX):  # PyVRP: stop(), then one iteration, then on_iteration()
        cand = Cand(violations.get(stop.iteration, 99))
        stop.on_iteration(None, cand, None, None)  # type: ignore[arg-type]
    # last smaller violation at 15 -> max(20, 30) = 30 more iterations: stop at 45, failed
    assert stop.iteration == 45 and stop.failed and stop.violation == 30
    # The minimum is also 4 penalty updates: 100 clients, updates every 500 -> 2,000.
    assert rp._RunStop(rp._Budget(600, None, None), 100, update_every=500).feasibility_min == 2000
    assert rp._RunStop(rp._Budget(600, None, None), 100, update_every=50).feasibility_min == 1000


def test_pyvrp_budget_counts_iterations_over_all_runs() -> None:
    """The iteration limit is shared by the runs; the target ends every run."""
    from solvers import routing_pyvrp as rp

    budget = rp._Budget(600, 25, None)
    first = rp._RunStop(budget, 1)
    calls = 0
    while not first(500 - min(calls, 1)):  # improves at iterations 0 and 1, then stalls
        calls += 1
    assert first.iteration == 21 and budget.iterations_left == 4  # 1 + max(20, 2 x 1)
    second = rp._RunStop(budget, 1)
    while not second(400):
        pass
    assert second.iteration == 4 and budget.iterations_left == 0 and budget.exhausted()
    target = rp._Budget(600, None, 450)
    assert rp._RunStop(target, 1)(449) and target.best == 449
    # Run seeds: fixed by (seed, run), different across runs and seeds, within uint32.
    seeds = {rp._run_seed(s, j) for s in (0, 1) for j in range(3)}
    assert len(seeds) == 6 and rp._run_seed(0, 1) == rp._run_seed(0, 1) < 2**32


# --- published instances ---------------------------------------------------------------------


def independent_check(
    path: Path, r: RoutingResult, n_vehicles: int, fleet: int | None = None
) -> tuple[list[str], float]:
    """Check routes against the file as read by the independent checker; return its distance.

    ``n_vehicles`` routes are expected; at most ``fleet`` (default ``n_vehicles``) may serve.
    """
    inst = load_instance(path)
    tt = inst.distance if inst.time_window is not None else None
    problems = check_routes(
        [list(route) for route in r.routes],
        distance=inst.distance,
        demand=inst.demand,
        capacity=[inst.capacity] * n_vehicles,
        starts=[inst.depot] * n_vehicles,
        ends=[inst.depot] * n_vehicles,
        travel_time=tt,
        time_window=inst.time_window,
        service_time=inst.service_time,
        claimed_distance=r.distance,
        max_vehicles=n_vehicles if fleet is None else fleet,
    )
    return problems, sum(route_length(route, inst.distance) for route in r.routes)


@pytest.mark.parametrize("engine", BOTH)
def test_a_n32_k5_reaches_optimum_784(engine: str) -> None:
    """A-n32-k5 with its fleet of 5 (from '-k5') reaches the published optimum 784."""
    inst = read_vrplib(A32)
    assert inst.problem.n_vehicles == 5 and inst.known_optimum == 784
    r = solve(
        inst.problem,
        engine=engine,
        time_limit_s=30,
        solution_limit=2000,
        target_objective=784,
        first_solution="path_cheapest_arc",
    )
    assert r.objective == 784 and r.vehicles_used == 5 and r.engine == engine
    problems, length = independent_check(A32, r, 5)
    assert not problems and length == 784


@pytest.mark.parametrize("engine", BOTH)
def test_p_n16_k8_reaches_optimum_450(engine: str) -> None:
    """P-n16-k8 with its fleet of 8 reaches the published optimum 450."""
    inst = read_vrplib(P16)
    r = solve(
        inst.problem, engine=engine, time_limit_s=30, solution_limit=2000, target_objective=450
    )
    assert r.objective == 450 and r.vehicles_used == 8
    problems, length = independent_check(P16, r, 8)
    assert not problems and length == 450


def test_p_n22_k8_fleet_is_respected() -> None:
    """P-n22-k8: 8 vehicles reach the proven optimum 603; a 9th vehicle (--vehicles) goes below."""
    r = solve(read_vrplib(P22).problem, time_limit_s=30, solution_limit=1000, seed=0)
    assert r.objective == 603 and r.vehicles_used == 8 and r.engine == "pyvrp"
    problems, _ = independent_check(P22, r, 8)
    assert not problems
    nine = solve(read_vrplib(P22, n_vehicles=9).problem, time_limit_s=30, solution_limit=1000)
    assert nine.objective < 603 and nine.vehicles_used == 9
    assert independent_check(P22, nine, 9, fleet=8)[0] == ["9 vehicles used, the fleet is 8"]


def test_c101_within_3_percent_of_best_known() -> None:
    """Solomon C101 by OR-Tools, 10 vehicles: feasible and within 3 % of the best known 828.94."""
    inst = read_vrplib(C101)
    r = solve(
        inst.problem,
        engine="ortools",
        time_limit_s=60,
        solution_limit=300,
        target_objective=828.94 * 1.03,
    )
    assert r.status == "feasible" and r.dropped == ()
    assert r.distance <= 828.94 * 1.03
    problems, length = independent_check(C101, r, 10)
    assert not problems and length == pytest.approx(r.distance, abs=1e-9)
    # Scaled ×1000 arcs: the integer objective is within 0.0005 per arc of the real distance.
    assert abs(r.objective - r.distance) <= 0.0005 * (100 + 10)


def test_p_n55_k8_best_known_576_is_a_valid_seven_route_solution() -> None:
    """LKH-3's published P-n55-k8 tour: 7 routes, cost 576, valid; the file's comment of 588 is not the optimum."""
    inst = load_instance(VRP / "P-n55-k8.vrp")
    text = (VRP / "P-n55-k8.576.tour").read_text().split("TOUR_SECTION")[1]
    ids = [int(x) for x in text.split() if x not in ("-1", "EOF")]
    routes: list[list[int]] = []
    current: list[int] = []
    for node in ids:  # node 1 and ids above the dimension (55) are copies of the depot
        if node == 1 or node > 55:
            if current:
                routes.append([0, *current, 0])
            current = []
        else:
            current.append(node - 1)
    if current:
        routes.append([0, *current, 0])
    assert len(routes) == 7 and "Optimal value: 588" in inst.extra["COMMENT"]
    assert not check_routes(
        routes,
        distance=inst.distance,
        demand=inst.demand,
        capacity=[inst.capacity] * 7,
        starts=[0] * 7,
        ends=[0] * 7,
        claimed_distance=576,
        max_vehicles=8,
    )


def test_p_n55_k8_reaches_its_best_known_576_after_a_restart() -> None:
    """P-n55-k8 (fleet 8) by PyVRP, seed 0, 2,500 iterations: the best known 576 with 7 routes.

    Run 0 (PyVRP's own search from seed 0) stalls at 582 after 143 iterations and is restarted
    after max(20 x 54, 2 x 143) = 1,080 more; run 1 reaches 576 (benchmarks/vrp/README.md).
    """
    path = VRP / "P-n55-k8.vrp"
    r = solve(read_vrplib(path).problem, time_limit_s=300, solution_limit=2500, seed=0)
    assert r.engine == "pyvrp" and r.objective == 576 and r.vehicles_used == 7
    problems, length = independent_check(path, r, 8)
    assert not problems and length == 576
    # PyVRP's own single search (pyvrp.solve) from seed 0 in as many iterations: 582.
    from pyvrp import solve as pyvrp_solve
    from pyvrp.stop import MaxIterations

    from solvers.routing_pyvrp import _build

    data = _build(read_vrplib(path).problem)[0]
    single = pyvrp_solve(data, stop=MaxIterations(2500), seed=0, collect_stats=False)
    assert single.best.distance() == 582


SOLOMON_TIGHT = [
    (R101, 19, 1650.80),  # SINTEF best known (19 vehicles)
    (RC101, 14, 1696.95),  # SINTEF best known (14 vehicles)
]


@pytest.mark.slow
@pytest.mark.parametrize(("path", "fleet", "best"), SOLOMON_TIGHT)
def test_tight_solomon_fleets_are_feasible(path: Path, fleet: int, best: float) -> None:
    """R101 (19) and RC101 (14), which ended in ROUTING_FAIL before: feasible, within 3 %."""
    inst = read_vrplib(path)
    assert inst.problem.n_vehicles == fleet and inst.fleet_source == "VEHICLES"
    r = solve(inst.problem, time_limit_s=120, solution_limit=3000, seed=0)
    assert r.engine == "pyvrp" and r.vehicles_used <= fleet and r.distance <= best * 1.03
    problems, _ = independent_check(path, r, fleet)
    assert not problems


@pytest.mark.slow
def test_r103_with_its_best_known_fleet_of_13() -> None:
    """R103 with 13 vehicles (seed 0, 3,000 iterations): feasible, within 3 % of 1292.68.

    Run 0 (penalty updates every 500) finds no feasible solution and is restarted when its
    least violation has not shrunk for 2,000 iterations; run 1 (every 50) finds one.
    """
    path = VRP / "R103.100.13.vrptw"
    inst = read_vrplib(path)
    assert inst.problem.n_vehicles == 13
    r = solve(inst.problem, time_limit_s=600, solution_limit=3000, seed=0)
    assert r.engine == "pyvrp" and r.vehicles_used <= 13 and r.distance <= 1292.68 * 1.03
    problems, _ = independent_check(path, r, 13)
    assert not problems


@pytest.mark.slow
def test_r101_ortools_reaches_a_19_vehicle_solution() -> None:
    """OR-Tools on R101 with 19 vehicles: every strategy fails; the relaxed search finds one."""
    inst = read_vrplib(R101)
    r = solve(inst.problem, engine="ortools", time_limit_s=30)
    assert r.first_solution == "relaxed_visits" and r.attempts[-1] == "relaxed_visits: ok"
    assert r.vehicles_used <= 19
    problems, _ = independent_check(R101, r, 19)
    assert not problems


# --- reader ----------------------------------------------------------------------------------


def test_reader_cvrp_metadata_and_distances() -> None:
    """A-n32-k5: 32 nodes, capacity 100, demand 410, fleet 5 known; distances match the checker."""
    inst = read_vrplib(A32)
    p = inst.problem
    assert (inst.name, inst.kind, inst.known_fleet, inst.scale) == ("A-n32-k5", "CVRP", 5, 1)
    assert p.n_nodes == 32 and p.demand.sum() == 410 and set(p.vehicle_capacity) == {100}
    assert inst.node_ids[:3] == (1, 2, 3) and p.starts.tolist() == [0] * 5
    assert inst.fleet_source == "name"
    assert np.array_equal(p.distance, np.array(load_instance(A32).distance))
    seven = read_vrplib(A32, n_vehicles=7)
    assert seven.problem.n_vehicles == 7 and seven.fleet_source == "argument"


def test_reader_vrptw() -> None:
    """C101: 10 vehicles, capacity 200, service 90 at customers and 0 at the depot, EXACT_2D ×1000."""
    inst = read_vrplib(C101)
    p = inst.problem
    assert (inst.kind, inst.known_fleet, inst.scale, p.n_vehicles) == ("CVRPTW", 10, 1000, 10)
    assert p.service_time is not None and p.service_time[0] == 0 and set(p.service_time[1:]) == {90}
    assert p.time_window is not None and p.time_window[0].tolist() == [0, 1236]
    assert p.time_window[1].tolist() == [912, 967]
    assert p.distance[0, 1] == pytest.approx(math.hypot(5, 18))


MATRIX = np.array([[0, 1, 2, 3], [1, 0, 4, 5], [2, 4, 0, 6], [3, 5, 6, 0]], dtype=float)
EXPLICIT = {
    "FULL_MATRIX": "0 1 2 3\n1 0 4 5\n2 4 0 6\n3 5 6 0",
    "LOWER_ROW": "1\n2 4\n3 5 6",
    "LOWER_DIAG_ROW": "0\n1 0\n2 4 0\n3 5 6 0",
    "UPPER_ROW": "1 2 3\n4 5\n6",
    "UPPER_DIAG_ROW": "0 1 2 3\n0 4 5\n0 6\n0",
}


def explicit_file(fmt: str, weights: str) -> str:
    """A 4-node CVRP with an explicit matrix."""
    return (
        f"NAME : tiny\nTYPE : CVRP\nDIMENSION : 4\nCAPACITY : 10\nEDGE_WEIGHT_TYPE : EXPLICIT\n"
        f"EDGE_WEIGHT_FORMAT : {fmt}\nEDGE_WEIGHT_SECTION\n{weights}\n"
        "DEMAND_SECTION\n1 0\n2 1\n3 1\n4 1\nDEPOT_SECTION\n1\n-1\nEOF\n"
    )


@pytest.mark.parametrize("fmt", sorted(EXPLICIT))
def test_reader_explicit_formats(tmp_path: Path, fmt: str) -> None:
    """Every supported EDGE_WEIGHT_FORMAT yields the same symmetric matrix."""
    f = tmp_path / "tiny.vrp"
    f.write_text(explicit_file(fmt, EXPLICIT[fmt]))
    inst = read_vrplib(f)
    assert np.array_equal(inst.problem.distance, MATRIX) and inst.coordinates is None


def coord_file(**over: str) -> str:
    """A 3-node EUC_2D CVRP; keyword arguments replace whole blocks by name."""
    blocks = {
        "head": "NAME : t-k2\nTYPE : CVRP\nDIMENSION : 3\nCAPACITY : 10\nEDGE_WEIGHT_TYPE : EUC_2D",
        "coords": "NODE_COORD_SECTION\n1 0 0\n2 3 4\n3 0 1.4",
        "demand": "DEMAND_SECTION\n1 0\n2 4\n3 5",
        "depot": "DEPOT_SECTION\n1\n-1",
        "extra": "",
    }
    blocks.update(over)
    return "\n".join(b for b in blocks.values() if b) + "\nEOF\n"


def test_reader_euclidean_rounding_and_name_fleet(tmp_path: Path) -> None:
    """EUC_2D rounds to nearest (1.4 → 1, 5 → 5); CEIL_2D rounds up; '-k2' in the name is the fleet."""
    f = tmp_path / "t.vrp"
    f.write_text(coord_file())
    inst = read_vrplib(f)
    assert inst.problem.distance[0].tolist() == [0, 5, 1] and inst.known_fleet == 2
    assert inst.known_optimum is None and inst.problem.n_vehicles == 2
    f.write_text(coord_file(head=HEAD))  # name 't': no fleet stated anywhere
    free = read_vrplib(f)
    assert free.known_fleet is None and free.problem.n_vehicles == 2  # one per customer
    assert free.fleet_source == "one per customer"
    f.write_text(coord_file(head=HEAD.replace("EUC_2D", "CEIL_2D")))
    assert read_vrplib(f).problem.distance[0].tolist() == [0, 5, 2]


HEAD = "NAME : t\nTYPE : CVRP\nDIMENSION : 3\nCAPACITY : 10\nEDGE_WEIGHT_TYPE : EUC_2D"
BAD_FILES: list[tuple[dict[str, str], str]] = [
    ({"extra": "FOO_SECTION\n1 2"}, r"t\.vrp:\d+: unsupported section FOO_SECTION"),
    ({"extra": "DEMAND_SECTION\n1 0"}, r"section DEMAND_SECTION appears twice"),
    ({"extra": "DISTANCE : 100"}, r"t\.vrp:\d+: unsupported header DISTANCE"),
    ({"extra": "NAME : again"}, r"header NAME appears twice"),
    ({"head": "1 2 3\n" + HEAD}, r"t\.vrp:1: data outside any section"),
    ({"head": HEAD.replace("TYPE : CVRP\n", "")}, r"missing header TYPE"),
    ({"head": HEAD.replace("TYPE : CVRP", "TYPE : TSP")}, r"unsupported TYPE TSP"),
    ({"head": HEAD.replace("DIMENSION : 3", "DIMENSION : x")}, r":3: DIMENSION is not a number"),
    ({"head": HEAD.replace("DIMENSION : 3", "DIMENSION : 2.5")}, r"DIMENSION must be an integer"),
    ({"head": HEAD.replace("DIMENSION : 3\n", "")}, r"missing header DIMENSION"),
    ({"head": HEAD.replace("DIMENSION : 3", "DIMENSION : 1")}, r"DIMENSION must be >= 2"),
    ({"head": HEAD.replace("CAPACITY : 10", "CAPACITY : -1")}, r"CAPACITY must be >= 0"),
    ({"head": HEAD.replace("CAPACITY : 10\n", "")}, r"missing header CAPACITY"),
    ({"head": HEAD.replace("EUC_2D", "GEO")}, r"unsupported EDGE_WEIGHT_TYPE GEO"),
    ({"head": HEAD.replace("EDGE_WEIGHT_TYPE : EUC_2D", "")}, r"missing header EDGE_WEIGHT_TYPE"),
    ({"coords": ""}, r"missing NODE_COORD_SECTION"),
    ({"coords": "NODE_COORD_SECTION\n1 0 0\n2 3\n3 0 1"}, r":\d+: NODE_COORD_SECTION row needs 3"),
    ({"coords": "NODE_COORD_SECTION\n1 0 0\n2 3 a\n3 0 1"}, r"row is not numeric"),
    ({"coords": "NODE_COORD_SECTION\n1 0 0\n4 3 4\n3 0 1"}, r"names node 4 outside 1\.\.3"),
    ({"coords": "NODE_COORD_SECTION\n1 0 0\n2 3 4\n2 0 1"}, r"lists node 2 twice"),
    ({"coords": "NODE_COORD_SECTION\n1 0 0\n2 3 inf\n3 0 1"}, r"row is not finite"),
    ({"coords": "NODE_COORD_SECTION\n1 0 0\n2 3 4"}, r"NODE_COORD_SECTION misses node 3"),
    ({"demand": ""}, r"missing DEMAND_SECTION"),
    ({"depot": ""}, r"missing DEPOT_SECTION"),
    ({"depot": "DEPOT_SECTION\nx\n-1"}, r"depot id is not an integer"),
    ({"depot": "DEPOT_SECTION\n9\n-1"}, r"depot 9 outside 1\.\.3"),
    ({"depot": "DEPOT_SECTION\n1\n-1\n2"}, r"DEPOT_SECTION continues after -1"),
    ({"depot": "DEPOT_SECTION\n1\n2\n-1"}, r"exactly one depot is supported, the file lists 2"),
    ({"demand": "DEMAND_SECTION\n1 1\n2 4\n3 5"}, r"depot 1 has demand 1, expected 0"),
    ({"demand": "DEMAND_SECTION\n1 0\n2 -4\n3 5"}, r"node 2 has a negative demand"),
    ({"demand": "DEMAND_SECTION\n1 0\n2 40\n3 5"}, r"node 2 demand 40 exceeds CAPACITY 10"),
    (
        {"extra": "TIME_WINDOW_SECTION\n1 0 100\n2 50 10\n3 0 100"},
        r"time window of node 2 opens after it closes",
    ),
    ({"extra": "SERVICE_TIME_SECTION\n1 0\n2 -1\n3 0"}, r"service times must be >= 0"),
]


@pytest.mark.parametrize(("over", "match"), BAD_FILES)
def test_reader_errors_name_file_and_line(tmp_path: Path, over: dict[str, str], match: str) -> None:
    """Each malformed file raises VrplibError naming the file (and line where there is one)."""
    f = tmp_path / "t.vrp"
    over = {"head": HEAD, **over}
    f.write_text(coord_file(**over))
    with pytest.raises(VrplibError, match=match):
        read_vrplib(f)


BAD_EXPLICIT = [
    (
        "FULL_MATRIX",
        "0 1 2 3\n1 0 4 5\n2 4 0 6\n3 5 6",
        r"has 15 values, FULL_MATRIX of 4 needs 16",
    ),
    ("LOWER_ROW", "1\n2 x\n3 5 6", r":9: edge weight is not a number: 'x'"),
    ("LOWER_ROW", "1\n2 4\n3 5 -6", r"distances must be finite and >= 0"),
    ("SPIRAL", "1", r"unsupported EDGE_WEIGHT_FORMAT SPIRAL"),
]


@pytest.mark.parametrize(("fmt", "weights", "match"), BAD_EXPLICIT)
def test_reader_explicit_errors(tmp_path: Path, fmt: str, weights: str, match: str) -> None:
    """Malformed explicit matrices raise VrplibError with the reason."""
    f = tmp_path / "tiny.vrp"
    f.write_text(explicit_file(fmt, weights))
    with pytest.raises(VrplibError, match=match):
        read_vrplib(f)


def test_reader_explicit_missing_parts(tmp_path: Path) -> None:
    """EXPLICIT without a format or without the weight section is reported."""
    f = tmp_path / "tiny.vrp"
    f.write_text(
        explicit_file("FULL_MATRIX", EXPLICIT["FULL_MATRIX"]).replace(
            "EDGE_WEIGHT_FORMAT : FULL_MATRIX\n", ""
        )
    )
    with pytest.raises(VrplibError, match="missing header EDGE_WEIGHT_FORMAT"):
        read_vrplib(f)
    text = explicit_file("FULL_MATRIX", "").replace("EDGE_WEIGHT_SECTION\n\n", "")
    f.write_text(text)
    with pytest.raises(VrplibError, match="missing EDGE_WEIGHT_SECTION"):
        read_vrplib(f)


def test_reader_file_and_fleet_errors(tmp_path: Path) -> None:
    """A missing file and a fleet below one vehicle raise VrplibError."""
    with pytest.raises(VrplibError, match=r"nope\.vrp: cannot read file"):
        read_vrplib(tmp_path / "nope.vrp")
    f = tmp_path / "t.vrp"
    f.write_text(coord_file())
    with pytest.raises(VrplibError, match="n_vehicles must be >= 1, got 0"):
        read_vrplib(f, n_vehicles=0)


def test_reader_time_windows_service_section_and_comment(tmp_path: Path) -> None:
    """TIME_WINDOW_SECTION, SERVICE_TIME_SECTION, VEHICLES and a commented optimum are read."""
    f = tmp_path / "t.vrp"
    head = HEAD.replace("TYPE : CVRP", "TYPE : VRPTW\nVEHICLES : 4\nCOMMENT : (Best value: 12.5)")
    extra = "TIME_WINDOW_SECTION\n1 0 100\n2 5 10\n3 0 20\nSERVICE_TIME_SECTION\n1 0\n2 2\n3 3"
    f.write_text(coord_file(head=head, extra=extra))
    inst = read_vrplib(f)
    assert inst.known_fleet == 4 and inst.problem.n_vehicles == 4 and inst.known_optimum == 12.5
    assert inst.problem.service_time is not None
    assert inst.problem.service_time.tolist() == [0, 2, 3]
    assert inst.problem.time_window is not None
    assert inst.problem.time_window[1].tolist() == [5, 10]


PUBLISHED = sorted(VRP.glob("*.vrp")) + sorted(VRP.glob("*.vrptw"))


def test_reader_agrees_with_the_vrplib_package_on_every_published_file() -> None:
    """All 103 published files: our reader and the vrplib package read the same instance.

    vrplib's distances are unrounded Euclidean (EXACT_2D ×1000), so they are compared after the
    TSPLIB rule of each file: nearest integer for EUC_2D, /1000 for EXACT_2D.
    """
    vrplib = pytest.importorskip("vrplib")
    assert len(PUBLISHED) == 103
    for path in PUBLISHED:
        ours = read_vrplib(path)
        ref = vrplib.read_instance(path)
        p = ours.problem
        assert ours.name == ref["name"] and p.n_nodes == ref["dimension"], path.name
        assert ours.coordinates is not None
        assert np.array_equal(ours.coordinates, ref["node_coord"]), path.name
        assert np.array_equal(p.demand, ref["demand"]), path.name
        assert p.starts.tolist() == [int(ref["depot"][0])] * p.n_vehicles, path.name
        assert set(p.vehicle_capacity) == {ref["capacity"]}, path.name
        if ours.edge_weight_type == "EUC_2D":
            assert np.array_equal(p.distance, np.floor(ref["edge_weight"] + 0.5)), path.name
        else:
            assert ours.edge_weight_type == "EXACT_2D" and "time_window" in ref
            assert np.allclose(p.distance * 1000, ref["edge_weight"], atol=0.5), path.name
            assert p.time_window is not None and p.service_time is not None
            assert np.array_equal(p.time_window, ref["time_window"]), path.name
            assert p.service_time[0] == 0 and set(p.service_time[1:]) == {ref["service_time"]}
            assert p.n_vehicles == ref["vehicles"] and ours.fleet_source == "VEHICLES"


# --- CSV writer -----------------------------------------------------------------------------


def test_routes_csv_bytes(tmp_path: Path) -> None:
    """The time-window example writes loads, earliest service starts and cumulative distance."""
    d = np.array([[0, 1, 5], [5, 0, 1], [1, 5, 0]], dtype=float)
    p = make_problem(d, [0, 1, 2], 3, n_vehicles=1, time_window=[[0, 100], [6, 20], [0, 5]])
    r = solve(p, time_limit_s=1, solution_limit=50)
    out = tmp_path / "sub" / "routes.csv"
    write_routes_csv(out, p, r, node_ids=[1, 2, 3])
    assert out.read_text() == (
        "vehicle,stop,node,load,arrival_time,cumulative_distance\n"
        "0,0,1,0,0,0\n0,1,3,2,5,5\n0,2,2,3,10,10\n0,3,1,3,15,15\n"
    )
    assert [x.name for x in out.parent.iterdir()] == ["routes.csv"]


def test_routes_csv_without_times(tmp_path: Path) -> None:
    """No times: arrival_time is empty; unused vehicles are left out; fractions keep 10 digits."""
    p = make_problem(line_matrix([0, 1 / 3, 1]), [0, 1, 1], 5, n_vehicles=2, scale=1000)
    r = RoutingResult("feasible", 2.0, ((0, 0), (0, 1, 2, 0)), (0.0, 2.0), 2.0, 1, (), 0.0, "")
    out = tmp_path / "r.csv"
    write_routes_csv(out, p, r)
    lines = out.read_text().splitlines()
    assert lines[1:] == ["1,0,0,0,,0", "1,1,1,1,,0.3333333333", "1,2,2,2,,1", "1,3,0,2,,2"]


def test_routes_csv_errors(tmp_path: Path) -> None:
    """Wrong node_ids length or a route outside the problem raises ValueError."""
    p = make_problem(line_matrix([0, 1]), [0, 1], 5, n_vehicles=1)
    r = solve(p, time_limit_s=1, solution_limit=20)
    with pytest.raises(ValueError, match="node_ids has 1 labels, the problem has 2 nodes"):
        write_routes_csv(tmp_path / "r.csv", p, r, node_ids=[1])
    bad = RoutingResult("feasible", 0.0, ((0, 5, 0),), (0.0,), 0.0, 1, (), 0.0, "x")
    with pytest.raises(ValueError, match="route of vehicle 0 names a node outside 0..1"):
        write_routes_csv(tmp_path / "r.csv", p, bad)


# --- input errors ---------------------------------------------------------------------------

D3 = line_matrix([0, 1, 2])
BAD_PROBLEMS: list[tuple[dict[str, Any], str]] = [
    ({"distance": np.zeros((2, 3))}, r"distance must be a non-empty square matrix"),
    ({"vehicle_capacity": 5, "n_vehicles": None}, r"give n_vehicles, starts, or one capacity"),
    ({"n_vehicles": 0}, r"at least one vehicle"),
    ({"starts": [0, 0], "ends": [0]}, r"ends has 1 vehicles, starts has 2"),
    ({"starts": [3]}, r"starts names a node outside 0\.\.2"),
    ({"demand": [0, 1]}, r"demand has shape \(2,\), expected \(3,\)"),
    ({"fixed_cost": [1, 2, 3]}, r"fixed_cost has shape \(3,\), expected \(2,\)"),
    ({"demand": [0, np.nan, 1]}, r"demand contains NaN"),
    ({"scale": 0}, r"scale and load_scale must be positive integers"),
    ({"distance": -D3}, r"distance must be finite and >= 0"),
    ({"distance_cost": -1}, r"distance_cost must be finite and >= 0"),
    ({"penalty": [0, -1, 1]}, r"penalty must be >= 0"),
    ({"time_window": [[0, 9], [5, 1], [0, 9]]}, r"time window of node 1 must be finite with 0"),
    ({"time_window": [[0, 9], [0, 9], [-1, 9]]}, r"time window of node 2 must be finite"),
    ({"pickup_delivery": [[1, 7]]}, r"pickup_delivery names a node outside"),
    ({"pickup_delivery": [[0, 1]]}, r"a pickup or delivery node is a depot"),
    ({"pickup_delivery": [[1, 2], [2, 1]]}, r"more than one pickup-delivery pair"),
    ({"demand": [0, 0.5, 1]}, r"demand x load_scale 1 is not integral"),
    ({"distance": D3 * 1e18}, r"overflow int64; lower scale"),
    ({"demand": [0, 2e18, 1]}, r"demand x load_scale overflows int64"),
]


@pytest.mark.parametrize(("over", "match"), BAD_PROBLEMS)
def test_make_problem_errors(over: dict[str, Any], match: str) -> None:
    """Each malformed problem raises RoutingInputError with its reason."""
    args: dict[str, Any] = {"distance": D3, "demand": [0, 1, 1], "vehicle_capacity": 5}
    kwargs: dict[str, Any] = {"n_vehicles": 2}
    for key, value in over.items():
        (args if key in args else kwargs)[key] = value
    with pytest.raises(RoutingInputError, match=match):
        make_problem(args["distance"], args["demand"], args["vehicle_capacity"], **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"first_solution": "magic"}, r"unknown first_solution 'magic'; known: .*savings"),
        ({"metaheuristic": "luck"}, r"unknown metaheuristic 'luck'; known: .*tabu_search"),
        ({"time_limit_s": 0}, r"time_limit_s must be a positive number, got 0"),
        ({"solution_limit": 0}, r"solution_limit must be >= 1, got 0"),
    ],
)
def test_solve_parameter_errors(kwargs: dict[str, Any], match: str) -> None:
    """Unknown strategy names and non-positive limits raise RoutingInputError."""
    p = make_problem(D3, [0, 1, 1], 5, n_vehicles=1)
    with pytest.raises(RoutingInputError, match=match):
        solve(p, **kwargs)
