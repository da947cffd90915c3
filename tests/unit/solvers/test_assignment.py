"""Static traffic assignment (solvers.assignment) and the TNTP reader (solvers.formats.tntp).

Known answers: Braess by hand (UE 4, 2, 2, 2, 4 and 92 per trip; SO 3, 3, 3, 0, 3 and 83 per
trip), the published SiouxFalls UE (Beckmann objective 4,231,335.287107 and best-known link
flows), the published Chicago-Sketch UE (objective 17,313,018.7387477), small networks solved
by hand, and agreement with NetworkX shortest paths.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest

from solvers.assignment import (
    ALGORITHMS,
    DEFAULT_ALGORITHM,
    AssignmentInputError,
    ConvergenceWarning,
    UnservedDemandWarning,
    all_or_nothing,
    solve,
)
from solvers.check import check_flows
from solvers.formats import tntp
from tests import paths

TNTP = paths.VALIDATION / "tntp"
BRAESS = TNTP / "Braess-Example"
SIOUX = TNTP / "SiouxFalls"
SIOUX_BECKMANN = 4_231_335.287107
CHICAGO = paths.ROOT / "benchmarks" / "data" / "tntp" / "ChicagoSketch"
CHICAGO_OBJECTIVE = 17_313_018.7387477  # published, generalized cost time + 0.04 · length


def braess() -> dict[str, Any]:
    """Braess network and its 6 trips from node 1 to node 2 (0-based: 0 -> 1)."""
    net = tntp.read_net(BRAESS / "Braess_net.tntp")
    trips = tntp.read_trips(BRAESS / "Braess_trips.tntp")
    return tntp.assignment_arguments(net, trips)


def sioux() -> dict[str, Any]:
    """SiouxFalls network and trips as solve() arguments."""
    net = tntp.read_net(SIOUX / "SiouxFalls_net.tntp")
    trips = tntp.read_trips(SIOUX / "SiouxFalls_trips.tntp")
    return tntp.assignment_arguments(net, trips)


def two_routes(**extra: Any) -> dict[str, Any]:
    """Node 0 -> 1 by arc A (t = 10 + X) or arc B (t = 20, constant)."""
    args: dict[str, Any] = {
        "tail": [0, 0],
        "head": [1, 1],
        "free_flow_time": [10.0, 20.0],
        "capacity": [10.0, 10.0],
        "alpha": [1.0, 0.0],
        "beta": [1.0, 1.0],
        "origin": [0],
        "destination": [1],
        "demand": [15.0],
    }
    args.update(extra)
    return args


# ---------------------------------------------------------------------------------------------
# Braess (hand-checked)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_braess_user_equilibrium_every_algorithm(algorithm: str) -> None:
    """Every registered algorithm finds the Braess UE: flows 4,2,2,2,4 and 92 per trip."""
    res = solve(**braess(), algorithm=algorithm, gap=1e-9)
    assert res.converged and res.status in ("optimal", "converged")
    np.testing.assert_allclose(res.flow, [4, 2, 2, 2, 4], atol=1e-4)
    assert res.total_cost == pytest.approx(552.0, rel=1e-6)  # 6 trips x 92
    # every used path costs 92: 1-3-2, 1-4-2, 1-3-4-2
    c = res.class_cost[0]
    for path in ([0, 2], [1, 4], [0, 3, 4]):
        assert c[path].sum() == pytest.approx(92.0, rel=1e-6)
    assert res.algorithm == algorithm


def test_braess_system_optimum() -> None:
    """The Braess system optimum leaves the middle link empty: 3,3,3,0,3 and 83 per trip."""
    res = solve(**braess(), objective="so", gap=1e-10)
    np.testing.assert_allclose(res.flow, [3, 3, 3, 0, 3], atol=1e-4)
    assert res.total_cost == pytest.approx(498.0, rel=1e-6)
    assert res.objective == pytest.approx(res.total_cost, rel=1e-9)  # SO objective = total cost
    assert res.objective_type == "so"


def test_default_algorithm_is_registered() -> None:
    """The default algorithm is bi-conjugate Frank–Wolfe, and it is in the registry."""
    assert DEFAULT_ALGORITHM == "bfw"
    assert set(ALGORITHMS) == {"fw", "cfw", "bfw"}


# ---------------------------------------------------------------------------------------------
# SiouxFalls (published answer)
# ---------------------------------------------------------------------------------------------


def test_siouxfalls_matches_published_equilibrium() -> None:
    """BFW reaches gap 1e-6 on SiouxFalls; objective and link flows match the published UE."""
    res = solve(**sioux(), gap=1e-6, max_iter=5000)
    assert res.converged and res.relative_gap <= 1e-6
    assert res.history[-1] == res.relative_gap and res.history.size == res.iterations
    assert res.objective == pytest.approx(SIOUX_BECKMANN, rel=1e-6)
    best = tntp.read_flow(SIOUX / "SiouxFalls_flow.tntp")
    net = tntp.read_net(SIOUX / "SiouxFalls_net.tntp")
    assert np.array_equal(best.tail, net.tail) and np.array_equal(best.head, net.head)
    loaded = best.volume > 100
    assert loaded.sum() > 70
    np.testing.assert_allclose(res.flow[loaded], best.volume[loaded], rtol=1e-3)
    trips = tntp.read_trips(SIOUX / "SiouxFalls_trips.tntp")
    assert not check_flows(
        net.n_nodes, net.tail, net.head, np.full(net.n_links, np.inf), res.class_flow,
        trips.origin, trips.destination, trips.demand, rtol=1e-9,
    )  # fmt: skip


def test_siouxfalls_system_optimum_costs_less() -> None:
    """The SiouxFalls system optimum has a lower total cost than the user equilibrium."""
    ue = solve(**sioux(), gap=1e-5)
    so = solve(**sioux(), objective="so", gap=1e-5)
    assert so.total_cost < ue.total_cost
    # the UE's total cost cannot beat the SO objective's lower bound (1 - gap) * objective
    assert so.objective * (1 - 1e-5) <= ue.total_cost
    assert so.objective == pytest.approx(so.total_cost, rel=1e-12)


def test_same_inputs_same_flows() -> None:
    """Two solves of the same inputs give bitwise-identical flows and gap histories."""
    a = solve(**sioux(), gap=1e-4)
    b = solve(**sioux(), gap=1e-4)
    assert np.array_equal(a.flow, b.flow)
    assert np.array_equal(a.history, b.history)
    assert a.objective == b.objective


def test_large_network_code_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sorted-key arc lookup and chunked origins (used on big networks) give the same flows."""
    import solvers.assignment as asg

    ref = solve(**sioux(), gap=1e-4)
    monkeypatch.setattr(asg, "_DENSE_LOOKUP_NODES", 0)
    monkeypatch.setattr(asg, "_CHUNK_ELEMENTS", 5 * 24)  # 5 origins per chunk
    res = solve(**sioux(), gap=1e-4)
    assert res.iterations == ref.iterations
    np.testing.assert_allclose(res.flow, ref.flow, rtol=1e-9)


def test_not_converged_is_a_status_and_a_warning() -> None:
    """Stopping at max_iter before the gap target gives status not_converged and a warning."""
    with pytest.warns(ConvergenceWarning, match="did not reach relative gap 1e-08 in 3"):
        res = solve(**sioux(), gap=1e-8, max_iter=3)
    assert res.status == "not_converged" and not res.converged
    assert res.iterations == 3 and res.relative_gap > 1e-8


# ---------------------------------------------------------------------------------------------
# Constant times = all-or-nothing (independent check with NetworkX)
# ---------------------------------------------------------------------------------------------


def test_alpha_zero_is_all_or_nothing_braess() -> None:
    """With alpha 0 on Braess every trip takes the free-flow shortest path 1-3-4-2."""
    args = braess()
    args["alpha"] = np.zeros(5)
    res = solve(**args)
    np.testing.assert_allclose(res.flow, [6, 0, 0, 6, 6])
    assert res.status == "optimal" and res.relative_gap == 0.0 and res.iterations == 1


def test_alpha_zero_matches_networkx_shortest_paths() -> None:
    """With alpha 0 the UE flows equal NetworkX shortest-path loads on a random network."""
    rng = np.random.default_rng(3)
    n = 40
    tail = rng.integers(0, n, 300)
    head = rng.integers(0, n, 300)
    keep = tail != head
    tail, head = tail[keep], head[keep]
    fft = rng.uniform(1.0, 10.0, tail.size)  # continuous costs: no ties
    ring = np.arange(n)
    tail = np.concatenate([tail, ring])  # a ring keeps it strongly connected
    head = np.concatenate([head, (ring + 1) % n])
    fft = np.concatenate([fft, np.full(n, 50.0)])
    origin = rng.integers(0, n, 60)
    destination = rng.integers(0, n, 60)
    demand = rng.uniform(1.0, 5.0, 60)
    res = solve(tail, head, fft, np.full(tail.size, 10.0), 0.0, 4.0, origin, destination, demand)
    g = nx.DiGraph()
    for a, (u, v) in enumerate(zip(tail, head, strict=True)):
        if not g.has_edge(u, v) or g[u][v]["w"] > fft[a]:
            g.add_edge(int(u), int(v), w=fft[a], arc=a)
    expected = np.zeros(tail.size)
    for o, d, q in zip(origin, destination, demand, strict=True):
        if o == d:
            continue
        path = nx.dijkstra_path(g, int(o), int(d), weight="w")
        for u, v in zip(path[:-1], path[1:], strict=True):
            expected[g[u][v]["arc"]] += q
    np.testing.assert_allclose(res.flow, expected, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(
        all_or_nothing(tail, head, fft, origin, destination, demand), expected, atol=1e-9
    )


def networkx_loads(
    tail: Any, head: Any, cost: Any, origin: Any, destination: Any, demand: Any,
    no_through: Any = None,
) -> tuple[Any, Any]:  # fmt: skip
    """Shortest-path loads by NetworkX (cheapest parallel arc, no-through nodes only at ends)
    and the demand with no path per row."""
    blocked = set() if no_through is None else set(np.flatnonzero(no_through).tolist())
    g = nx.DiGraph()
    for a, (u, v) in enumerate(zip(tail, head, strict=True)):
        u, v = int(u), int(v)
        if u != v and (not g.has_edge(u, v) or g[u][v]["w"] > cost[a]):
            g.add_edge(u, v, w=float(cost[a]), arc=a)
    flow = np.zeros(len(tail))
    lost = np.zeros(len(origin))
    for i, (o, d, q) in enumerate(zip(origin, destination, demand, strict=True)):
        o, d = int(o), int(d)
        if o == d:
            continue
        sub = g.subgraph([v for v in g if v not in blocked or v in (o, d)])
        try:
            path = nx.dijkstra_path(sub, o, d, weight="w")
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            lost[i] = q
            continue
        for u, v in zip(path[:-1], path[1:], strict=True):
            flow[g[u][v]["arc"]] += q
    return flow, lost


def pendant_network(seed: int) -> dict[str, Any]:
    """A random core network with zones hanging on it: every kind of pendant node.

    Core nodes 0..29 (random arcs plus a ring). Zones 30..41 each join one core node by a
    connector pair; zone 42 has only an arc out (a pure source), zone 43 only an arc in (a pure
    sink), zone 44 two parallel connectors each way (one at zero cost), zones 45 and 46 hang on
    the same core node as zone 30, nodes 47 and 48 are joined only to each other (neither is
    taken out), and zone 49 joins two core nodes (not pendant). Continuous costs: no ties.
    """
    rng = np.random.default_rng(seed)
    n_core = 30
    tail = list(rng.integers(0, n_core, 120))
    head = list(rng.integers(0, n_core, 120))
    ring = list(range(n_core))
    tail += ring
    head += [(v + 1) % n_core for v in ring]
    attach = rng.integers(0, n_core, 12)
    for z, a in zip(range(30, 42), attach, strict=True):
        tail += [z, int(a)]
        head += [int(a), z]
    tail += [42, 7, 44, 44, 3, 3, 45, int(attach[0]), int(attach[0]), 46, 47, 48, 49, 5, 49, 9]
    head += [5, 43, 3, 3, 44, 44, int(attach[0]), 45, 46, int(attach[0]), 48, 47, 5, 49, 9, 49]
    cost = rng.uniform(1.0, 10.0, len(tail))
    cost[len(tail) - 13] = 0.0  # a zero-cost parallel connector 44 -> 3
    zones = np.array([*range(30, 47), 47, 48, 49, 0, 11])
    origin = np.repeat(zones, zones.size)
    destination = np.tile(zones, zones.size)
    demand = rng.uniform(1.0, 5.0, origin.size)
    return {
        "tail": np.array(tail), "head": np.array(head), "cost": cost, "origin": origin,
        "destination": destination, "demand": demand,
    }  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("block_zones", [False, True])
def test_pendant_zones_match_networkx(seed: int, block_zones: bool) -> None:
    """Zones taken out of the Dijkstra graph (pendant nodes) load exactly NetworkX's paths.

    Covers sources and sinks without a return arc (their demand is unserved), parallel and
    zero-cost connectors, several zones on one node, OD pairs on the same attachment node, a
    two-node component, a zone that is not pendant, and zones that may not be passed through.
    """
    net = pendant_network(seed)
    n = 50
    no_through = np.zeros(n, dtype=bool)
    if block_zones:
        no_through[30:] = True
    expected, lost = networkx_loads(**net, no_through=no_through)
    assert lost.sum() > 0 and np.count_nonzero(expected) > 50  # the instance is not trivial
    flow = all_or_nothing(
        net["tail"], net["head"], net["cost"], net["origin"], net["destination"],
        net["demand"], n_nodes=n, no_through=no_through,
    )  # fmt: skip
    np.testing.assert_allclose(flow, expected, rtol=1e-12, atol=1e-9)
    with pytest.warns(UnservedDemandWarning):
        res = solve(
            net["tail"], net["head"], net["cost"], np.inf, 0.0, 0.0, net["origin"],
            net["destination"], net["demand"], no_through=no_through, n_nodes=n,
        )  # fmt: skip
    np.testing.assert_allclose(res.flow, expected, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(res.unserved, lost, rtol=0, atol=0)


def test_pendant_zones_congested_equilibrium_by_hand() -> None:
    """Zones on single connectors around a two-route core: the split of the hand solution.

    Zone 3 -> core 0 (connector, t = 1 + X/100, BPR alpha 1, beta 1), core 0 -> 1 by arc A
    (t = 10 + X) or arc B (t = 20), core 1 -> zone 4 (constant 2). 15 units: A carries 10
    (10 + 10 = 20), B 5; every trip costs 1 + 15/100 + 20 + 2.
    """
    res = solve(
        [3, 0, 0, 1, 0, 1], [0, 1, 1, 4, 3, 0], [1.0, 10.0, 20.0, 2.0, 1.0, 1.0],
        [100.0, 10.0, 10.0, np.inf, 1.0, 1.0], [1.0, 1.0, 0.0, 0.0, 1.0, 1.0], 1.0, [3], [4],
        [15.0], gap=1e-10, no_through=[False, False, False, True, True],
    )  # fmt: skip
    np.testing.assert_allclose(res.flow, [15.0, 10.0, 5.0, 15.0, 0.0, 0.0], rtol=1e-6)
    assert res.total_cost == pytest.approx(15.0 * (1.15 + 20.0 + 2.0), rel=1e-7)


# ---------------------------------------------------------------------------------------------
# Small hand-solved networks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", sorted(ALGORITHMS))
def test_parallel_arcs_split_at_equal_cost(algorithm: str) -> None:
    """Two parallel arcs: 15 units split 10 / 5 where 10 + X = 20 (parallel arcs handled)."""
    res = solve(**two_routes(), algorithm=algorithm, gap=1e-10)
    np.testing.assert_allclose(res.flow, [10.0, 5.0], rtol=1e-6)
    np.testing.assert_allclose(res.time, [20.0, 20.0], rtol=1e-6)
    # Beckmann: int_0^10 (10 + w) dw + 20 * 5 = 150 + 100
    assert res.objective == pytest.approx(250.0, rel=1e-9)


def test_fixed_cost_shifts_the_split() -> None:
    """A fixed cost of 4 on arc A: 10 + X + 4 = 20 moves the split to 6 / 9."""
    res = solve(**two_routes(fixed_cost=[4.0, 0.0]), gap=1e-10)
    np.testing.assert_allclose(res.flow, [6.0, 9.0], rtol=1e-6)
    np.testing.assert_allclose(res.class_cost[0], [20.0, 20.0], rtol=1e-6)


def test_multiclass_by_hand() -> None:
    """Cars (pcu 1) and trucks (pcu 2, fixed cost -4 on A) share arc A's capacity.

    Hand solution: cars' A cost 10 + X exceeds 20 whenever trucks alone put X = 14, so cars
    (20) all take B; trucks (8) split so that 10 + X - 4 = 20: 7 trucks on A (X = 14), 1 on B.
    """
    res = solve(
        **two_routes(
            origin=[0, 0],
            destination=[1, 1],
            demand=[20.0, 8.0],
            demand_class=[0, 1],
            class_fixed_cost=[[0.0, 0.0], [-4.0, 0.0]],
            pcu=[1.0, 2.0],
        ),
        gap=1e-10,
    )
    np.testing.assert_allclose(res.class_flow, [[0.0, 20.0], [7.0, 1.0]], atol=1e-5)
    np.testing.assert_allclose(res.vehicle_flow, [14.0, 22.0], atol=1e-5)
    np.testing.assert_allclose(res.flow, [7.0, 21.0], atol=1e-5)
    np.testing.assert_allclose(res.time, [24.0, 20.0], atol=1e-5)
    np.testing.assert_allclose(res.class_cost, [[24.0, 20.0], [20.0, 20.0]], atol=1e-5)
    # potential: int_0^14 (10 + w) dw + 20 * 22 + 2 * (-4) * 7 = 238 + 440 - 56
    assert res.objective == pytest.approx(622.0, rel=1e-7)
    # total cost, pcu-weighted: cars 20 * 20 + trucks 2 * (20 * 7 + 20 * 1)
    assert res.total_cost == pytest.approx(720.0, rel=1e-7)


def test_no_through_node_is_not_passed_through() -> None:
    """Zone 1 lies on the cheap path 0-1-2 but may not be passed: 0->2 takes the direct arc."""
    args: dict[str, Any] = {
        "tail": [0, 1, 0],
        "head": [1, 2, 2],
        "free_flow_time": [1.0, 1.0, 10.0],
        "capacity": [100.0, 100.0, 100.0],
        "alpha": 0.15,
        "beta": 4.0,
        "origin": [0, 1, 0],
        "destination": [2, 2, 1],
        "demand": [10.0, 3.0, 2.0],
    }
    free = solve(**args)
    np.testing.assert_allclose(free.flow, [12.0, 13.0, 0.0])
    blocked = solve(**args, no_through=[False, True, False])
    # zone 1 still starts (1->2) and ends (0->1) trips
    np.testing.assert_allclose(blocked.flow, [2.0, 3.0, 10.0])
    np.testing.assert_allclose(
        all_or_nothing(
            args["tail"], args["head"], args["free_flow_time"], args["origin"],
            args["destination"], args["demand"], no_through=[False, True, False],
        ),
        [2.0, 3.0, 10.0],
    )  # fmt: skip


def test_zero_cost_arcs_are_used() -> None:
    """Arcs with zero time are arcs (not missing entries): 0->1->2 at cost 0 beats 0->2 at 5."""
    res = solve([0, 1, 0], [1, 2, 2], [0.0, 0.0, 5.0], [1.0, 1.0, 1.0], 0.15, 4.0, [0], [2], [4.0])
    np.testing.assert_allclose(res.flow, [4.0, 4.0, 0.0])
    assert res.status == "optimal" and res.total_cost == 0.0


def test_unreachable_demand_is_reported_not_assigned() -> None:
    """Demand to a node without a path is reported in unserved, with a warning."""
    with pytest.warns(UnservedDemandWarning, match="1 demand rows"):
        res = solve([0], [1], [1.0], [10.0], 0.15, 4.0, [0, 1, 0], [1, 2, 0], [5.0, 7.0, 9.0])
    np.testing.assert_allclose(res.unserved, [0.0, 7.0, 0.0])  # intrazonal 0->0 is ignored
    np.testing.assert_allclose(res.flow, [5.0])
    assert res.converged


def test_zero_demand_is_trivially_optimal() -> None:
    """No demand: zero flows, gap 0, status optimal."""
    res = solve([0], [1], [1.0], [10.0], 0.15, 4.0, [0], [1], [0.0])
    assert res.status == "optimal" and res.objective == 0.0
    np.testing.assert_array_equal(res.flow, [0.0])


# ---------------------------------------------------------------------------------------------
# Input errors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"algorithm": "msa"}, "algorithm must be one of"),
        ({"objective": "fast"}, "objective must be 'ue' or 'so'"),
        ({"gap": -1.0}, "gap must be finite and non-negative"),
        ({"max_iter": 0}, "max_iter must be a positive integer"),
        ({"demand": [-1.0]}, r"demand\[0\] = -1.0 must be finite and non-negative"),
        ({"destination": [5], "n_nodes": 2}, "destination has node 5 outside 0..1"),
        ({"head": [1]}, r"head must have shape \(2,\)"),
        ({"beta": [0.5, 1.0]}, r"beta\[0\] = 0.5 must be 0 or at least 1"),
        ({"capacity": [0.0, 1.0]}, r"capacity\[0\] = 0 must be positive"),
        ({"fixed_cost": [-11.0, 0.0]}, "arc 0 of class 0 has a negative cost at zero flow"),
        ({"pcu": [0.0]}, r"pcu\[0\] = 0.0 must be positive and finite"),
        ({"demand_class": [3], "pcu": [1.0]}, "demand_class has class 3 outside 0..0"),
        ({"no_through": [True]}, r"no_through must have shape \(2,\)"),
        ({"class_fixed_cost": [[0.0, 0.0, 0.0]]}, "class_fixed_cost must have shape"),
        ({"origin": [[0]]}, "origin must be one-dimensional"),
        ({"origin": [0.5]}, "origin must hold integers"),
        ({"n_nodes": -1}, "n_nodes must be non-negative"),
        ({"fixed_cost": [np.inf, 0.0]}, "fixed_cost must be finite"),
        ({"class_fixed_cost": [[np.nan, 0.0]]}, "class_fixed_cost must be finite"),
        ({"pcu": [[1.0]]}, "pcu must be one-dimensional"),
        (
            {"pcu": [1.0, 2.0], "class_fixed_cost": [[0.0, 0.0]]},
            "pcu has 2 classes but class_fixed_cost has 1",
        ),
        ({"free_flow_time": [np.nan, 1.0]}, r"free_flow_time\[0\] = nan must be finite"),
        ({"capacity": [-1.0, 1.0]}, r"capacity\[0\] = -1.0 must be non-negative"),
    ],
)
def test_invalid_input_raises(change: dict[str, Any], message: str) -> None:
    """Each invalid input raises AssignmentInputError naming the field."""
    with pytest.raises(AssignmentInputError, match=message):
        solve(**two_routes(**change))


@pytest.mark.parametrize(
    ("cost", "message"),
    [([1.0], r"cost must have shape \(2,\)"), ([1.0, -2.0], r"cost\[1\] = -2.0 must be finite")],
)
def test_all_or_nothing_rejects_bad_costs(cost: list[float], message: str) -> None:
    """all_or_nothing names a cost array of the wrong shape or with a negative entry."""
    with pytest.raises(AssignmentInputError, match=message):
        all_or_nothing([0, 1], [1, 2], cost, [0], [2], [1.0])


# ---------------------------------------------------------------------------------------------
# TNTP reader
# ---------------------------------------------------------------------------------------------


def test_tntp_braess_reads_glued_semicolon_row() -> None:
    """The Braess net's last row '…1;' (no space) is read; ids become 0-based."""
    net = tntp.read_net(BRAESS / "Braess_net.tntp")
    assert net.n_links == 5 and net.n_nodes == 4 and net.n_zones == 2
    np.testing.assert_array_equal(net.tail, [0, 0, 2, 2, 3])
    np.testing.assert_array_equal(net.head, [2, 3, 1, 3, 1])
    np.testing.assert_array_equal(net.link_type, [1, 1, 1, 1, 1])
    assert net.free_flow_time[4] == pytest.approx(1e-8) and net.alpha[4] == 1e9
    assert not net.no_through.any()  # FIRST THRU NODE 1
    trips = tntp.read_trips(BRAESS / "Braess_trips.tntp")
    np.testing.assert_array_equal(trips.matrix(), [[0.0, 6.0], [0.0, 0.0]])


def test_tntp_siouxfalls_files() -> None:
    """SiouxFalls net, trips (360,600 trips), node and best-known flow files read fully."""
    net = tntp.read_net(SIOUX / "SiouxFalls_net.tntp")
    assert net.n_links == 76 and net.capacity[0] == pytest.approx(25900.20064)
    trips = tntp.read_trips(SIOUX / "SiouxFalls_trips.tntp")
    assert trips.total_flow == pytest.approx(360600.0) and trips.n_zones == 24
    assert trips.matrix()[0, 9] == 1300.0  # Origin 1, destination 10
    nodes = tntp.read_nodes(SIOUX / "SiouxFalls_node.tntp")
    assert nodes.node.size == 24 and nodes.x[0] == pytest.approx(-96.77041974)
    flow = tntp.read_flow(SIOUX / "SiouxFalls_flow.tntp")
    assert flow.volume.size == 76 and flow.volume[0] == pytest.approx(4494.6576464564205)


@pytest.mark.parametrize(
    ("suffix", "compress"),
    [(".gz", gzip.compress), (".xz", lzma.compress), (".bz2", bz2.compress)],
)
def test_tntp_reads_compressed_files(tmp_path: Path, suffix: str, compress: Any) -> None:
    """A ``.gz`` / ``.xz`` / ``.bz2`` file reads as the plain one; a corrupt one names itself."""
    plain = {
        "net": tntp.read_net(SIOUX / "SiouxFalls_net.tntp"),
        "trips": tntp.read_trips(SIOUX / "SiouxFalls_trips.tntp"),
    }
    for kind, reader in (("net", tntp.read_net), ("trips", tntp.read_trips)):
        packed = tmp_path / f"SiouxFalls_{kind}.tntp{suffix}"
        packed.write_bytes(compress((SIOUX / f"SiouxFalls_{kind}.tntp").read_bytes()))
        got, ref = reader(packed), plain[kind]
        for field in ("tail", "head", "capacity", "origin", "destination", "demand"):
            if hasattr(ref, field):
                np.testing.assert_array_equal(getattr(got, field), getattr(ref, field))
    broken = tmp_path / f"broken_net.tntp{suffix}"
    broken.write_bytes(b"<NUMBER OF NODES> 3\n")  # not compressed
    with pytest.raises(tntp.TntpFormatError, match=rf"broken_net.tntp\{suffix}: not a valid"):
        tntp.read_net(broken)


def test_tntp_chicago_sketch_shipped_files() -> None:
    """The shipped Chicago-Sketch files: 387 zones, 933 nodes, 2,950 links, 1,260,907.44 trips,
    zones on single connector pairs (so the Dijkstra graph drops them, and 4 dead ends),
    best-known flows."""
    net = tntp.read_net(CHICAGO / "ChicagoSketch_net.tntp.xz")
    trips = tntp.read_trips(CHICAGO / "ChicagoSketch_trips.tntp.xz")
    flow = tntp.read_flow(CHICAGO / "ChicagoSketch_flow.tntp.xz")
    assert (net.n_zones, net.n_nodes, net.n_links) == (387, 933, 2950)
    assert trips.total_flow == pytest.approx(1_260_907.44, rel=1e-12)
    np.testing.assert_array_equal(flow.tail, net.tail)
    np.testing.assert_array_equal(flow.head, net.head)
    from solvers.assignment import _Graph

    graph = _Graph.build(net.n_nodes, net.tail, net.head, net.no_through)
    assert graph.pendant[:387].all()  # every zone, plus the network's 4 dead-end nodes
    assert graph.pendant.sum() == 391 and graph.n_core == 933 - 391


@pytest.mark.slow
def test_chicago_sketch_matches_published_equilibrium() -> None:
    """Chicago-Sketch with the published generalized cost (time + 0.04 · length): the objective
    lies between the published optimum 17,313,018.7387477 and optimum + TSTT · gap (convexity),
    the cost of the best-known flows agrees, and the link flows are close to them."""
    net = tntp.read_net(CHICAGO / "ChicagoSketch_net.tntp.xz", distance_factor=0.04)
    trips = tntp.read_trips(CHICAGO / "ChicagoSketch_trips.tntp.xz")
    best = tntp.read_flow(CHICAGO / "ChicagoSketch_flow.tntp.xz")
    res = solve(**tntp.assignment_arguments(net, trips), gap=1e-4)
    assert res.converged and res.unserved.sum() == 0.0
    excess = res.objective - CHICAGO_OBJECTIVE
    assert -1e-9 * CHICAGO_OBJECTIVE <= excess <= res.total_cost * res.relative_gap
    # The published flows' generalized cost per link is time + 0.04 · length at those flows.
    r = best.volume / net.capacity
    cost = net.free_flow_time * (1 + net.alpha * r**net.beta) + net.fixed_cost()
    np.testing.assert_allclose(cost, best.cost, rtol=1e-12, atol=1e-12)
    busy = best.volume > 1000.0
    rel = np.abs(res.flow[busy] - best.volume[busy]) / best.volume[busy]
    assert np.median(rel) < 0.01


NET_HEAD = """<NUMBER OF ZONES> 2
<NUMBER OF NODES> 3
<FIRST THRU NODE> 3
<NUMBER OF LINKS> {links}
{extra}<END OF METADATA>
~ init term cap len fft b power speed toll type ;
"""


def write_net(tmp_path: Path, rows: str, links: int = 2, extra: str = "") -> Path:
    """A small net file with the given link rows."""
    path = tmp_path / "x_net.tntp"
    path.write_text(NET_HEAD.format(links=links, extra=extra) + rows)
    return path


def test_tntp_first_thru_node_and_generalized_cost(tmp_path: Path) -> None:
    """Zones below FIRST THRU NODE are no-through; toll/distance factors come from metadata."""
    rows = "1 3 100 2.0 5 0.15 4 0 3.0 1 ;\n3 2 100 4.0 5 0.15 4 0 0 1 ; ~ comment\n"
    path = write_net(tmp_path, rows, extra="<TOLL FACTOR> 0.5\n<DISTANCE FACTOR> 0.25\n")
    net = tntp.read_net(path)
    np.testing.assert_array_equal(net.no_through, [True, True, False])
    np.testing.assert_allclose(net.fixed_cost(), [0.5 * 3 + 0.25 * 2, 0.25 * 4])
    over = tntp.read_net(path, toll_factor=1.0, distance_factor=0.0)  # arguments win
    np.testing.assert_allclose(over.fixed_cost(), [3.0, 0.0])
    trips = tmp_path / "x_trips.tntp"
    trips.write_text("<NUMBER OF ZONES> 2\n<END OF METADATA>\nOrigin 1\n 2 : 7.5;\n")
    args = tntp.assignment_arguments(net, tntp.read_trips(trips))
    res = solve(**args)
    np.testing.assert_allclose(res.flow, [7.5, 7.5])
    np.testing.assert_array_equal(args["no_through"], [True, True, False])


@pytest.mark.parametrize(
    ("rows", "links", "message"),
    [
        ("1 3 100 2 5 0.15 4 0 0 ;\n", 1, r"x_net.tntp:7: expected 10 columns"),
        ("1 4 100 2 5 0.15 4 0 0 1 ;\n", 1, r"x_net.tntp:7: term_node 4 exceeds <NUMBER OF"),
        ("1 3 abc 2 5 0.15 4 0 0 1 ;\n", 1, r"x_net.tntp:7: capacity 'abc' is not a number"),
        ("0 3 100 2 5 0.15 4 0 0 1 ;\n", 1, r"x_net.tntp:7: init_node '0' is not a node number"),
        ("1 3 100 2 5 0.15 4 0 0 1 ;\n", 2, r"x_net.tntp: <NUMBER OF LINKS> says 2 links"),
    ],
)
def test_tntp_net_errors_name_file_and_line(
    tmp_path: Path, rows: str, links: int, message: str
) -> None:
    """Malformed net rows raise TntpFormatError with file:line and what was expected."""
    with pytest.raises(tntp.TntpFormatError, match=message):
        tntp.read_net(write_net(tmp_path, rows, links))


@pytest.mark.parametrize(
    ("meta", "message"),
    [
        ("<NUMBER OF NODES> x\n", r"metadata <NUMBER OF NODES> = 'x' is not a number"),
        ("<NUMBER OF NODES> 2.5\n", r"metadata <NUMBER OF NODES> = '2.5' is not an integer"),
        ("<NUMBER OF NODES> 3\n<TOLL FACTOR> y\n", r"metadata <TOLL FACTOR> = 'y' is not a"),
    ],
)
def test_tntp_bad_metadata_values(tmp_path: Path, meta: str, message: str) -> None:
    """Metadata values that are not numbers (or not integers) are named with the file."""
    path = tmp_path / "m_net.tntp"
    path.write_text("<NUMBER OF LINKS> 0\n" + meta + "<END OF METADATA>\n")
    with pytest.raises(tntp.TntpFormatError, match="m_net.tntp: " + message):
        tntp.read_net(path)


def test_tntp_non_text_and_non_finite(tmp_path: Path) -> None:
    """A file that is not UTF-8 and a non-finite number are rejected with file (and line)."""
    path = tmp_path / "b_net.tntp"
    path.write_bytes(b"<NUMBER OF NODES> 3\xff\n")
    with pytest.raises(tntp.TntpFormatError, match=r"b_net.tntp: not UTF-8 text"):
        tntp.read_net(path)
    bad = write_net(tmp_path, "1 3 inf 2 5 0.15 4 0 0 1 ;\n", 1)
    with pytest.raises(tntp.TntpFormatError, match=r"x_net.tntp:7: capacity 'inf' is not finite"):
        tntp.read_net(bad)


def test_tntp_metadata_errors(tmp_path: Path) -> None:
    """Missing <END OF METADATA> and missing <NUMBER OF NODES> are named."""
    path = tmp_path / "bad_net.tntp"
    path.write_text("<NUMBER OF NODES> 3\n1 2 3\n")
    with pytest.raises(tntp.TntpFormatError, match=r"bad_net.tntp:2: expected a metadata line"):
        tntp.read_net(path)
    path.write_text("<NUMBER OF NODES> 3\n")
    with pytest.raises(tntp.TntpFormatError, match=r"bad_net.tntp:1: missing <END OF METADATA>"):
        tntp.read_net(path)
    path.write_text("<NUMBER OF LINKS> 0\n<END OF METADATA>\n")
    with pytest.raises(tntp.TntpFormatError, match=r"metadata <NUMBER OF NODES> is missing"):
        tntp.read_net(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("2 : 1.0;\n", r"x_trips.tntp:3: destination before the first 'Origin' line"),
        ("Origin 1\n 2 - 1.0;\n", r"x_trips.tntp:4: expected 'destination : flow;'"),
        ("Origin 1\n 3 : 1.0;\n", r"x_trips.tntp:4: destination 3 exceeds"),
        ("Origin 1\n 2 : -1.0;\n", r"x_trips.tntp:4: flow -1.0 is negative"),
        ("Origin\n", r"x_trips.tntp:3: expected 'Origin <zone>'"),
    ],
)
def test_tntp_trips_errors_name_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    """Malformed trips lines raise TntpFormatError with file:line."""
    path = tmp_path / "x_trips.tntp"
    path.write_text("<NUMBER OF ZONES> 2\n<END OF METADATA>\n" + body)
    with pytest.raises(tntp.TntpFormatError, match=message):
        tntp.read_trips(path)


def test_tntp_trips_total_mismatch_warns(tmp_path: Path) -> None:
    """Trips that do not add up to <TOTAL OD FLOW> are read, with a TntpWarning."""
    path = tmp_path / "x_trips.tntp"
    path.write_text(
        "<NUMBER OF ZONES> 2\n<TOTAL OD FLOW> 10.0\n<END OF METADATA>\n"
        "Origin 1\n 1 : 0.0; 2 : 4.0;\nOrigin 2\n 1 : 5.0;\n"
    )
    with pytest.warns(tntp.TntpWarning, match="trips sum to 9.0 but <TOTAL OD FLOW> is 10.0"):
        trips = tntp.read_trips(path)
    np.testing.assert_array_equal(trips.matrix(), [[0.0, 4.0], [5.0, 0.0]])


def test_tntp_flow_and_node_file_errors(tmp_path: Path) -> None:
    """Flow and node rows with the wrong number of columns name file and line."""
    flow = tmp_path / "x_flow.tntp"
    flow.write_text("From To Volume Cost\n1 2 3.0 4.0\n1 2 3.0\n")
    with pytest.raises(tntp.TntpFormatError, match=r"x_flow.tntp:3: expected 4 columns"):
        tntp.read_flow(flow)
    node = tmp_path / "x_node.tntp"
    node.write_text("Node X Y ;\n1 0.5 ;\n")
    with pytest.raises(tntp.TntpFormatError, match=r"x_node.tntp:2: expected 3 columns"):
        tntp.read_nodes(node)


def test_tntp_trips_with_more_zones_than_nodes(tmp_path: Path) -> None:
    """A trips file with more zones than the network's nodes is rejected by name."""
    net = tntp.read_net(write_net(tmp_path, "1 3 100 2 5 0.15 4 0 0 1 ;\n", 1))
    path = tmp_path / "big_trips.tntp"
    path.write_text("<NUMBER OF ZONES> 5\n<END OF METADATA>\n")
    with pytest.raises(tntp.TntpFormatError, match="5 zones but the network"):
        tntp.assignment_arguments(net, tntp.read_trips(path))
