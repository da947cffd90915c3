"""Tests of the column-generation master of solvers.multicommodity (issue #18): every tuning of
:class:`solvers._mcf_colgen.ColgenConfig` (warm-started primal simplex, the explicit dual master
by dual simplex or the interior-point hybrid, Wentges smoothing, greedy augmentation, pruning of
columns and of slack capacity rows) returns the LP's optimum with its optimality proof."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from scipy.spatial import Delaunay

from solvers import _mcf_colgen
from solvers.check import check_flows
from solvers.multicommodity import MultiFlowResult, solve
from solvers.shortest_paths import shortest_path_tree

VARIANTS = {
    "legacy": _mcf_colgen.ColgenConfig(
        master="hybrid",
        ipm_share=0.0,
        switch_share=0.1,
        simplex_strategy=1,
        smoothing=0.0,
        augment_rounds=0,
        prune_age=0,
    ),
    "simplex": _mcf_colgen.ColgenConfig(
        master="simplex", dual_master=False, smoothing=0.0, augment_rounds=0, prune_age=0
    ),
    "simplex_dual": _mcf_colgen.ColgenConfig(
        master="simplex",
        dual_master=False,
        simplex_strategy=1,
        smoothing=0.0,
        augment_rounds=0,
        prune_age=0,
    ),
    "smooth_exact": _mcf_colgen.ColgenConfig(
        master="simplex", smoothing=0.5, exact_every_iteration=True, augment_rounds=0
    ),
    "smooth_strong": _mcf_colgen.ColgenConfig(master="simplex", smoothing=0.8, augment_rounds=0),
    "warmup": _mcf_colgen.ColgenConfig(master="simplex", warmup_rounds=5),
    "prune_fast": _mcf_colgen.ColgenConfig(master="simplex", prune_age=1),
    "hybrid_ipm": _mcf_colgen.ColgenConfig(master="hybrid", ipm_share=0.0),
    "primal_master": _mcf_colgen.ColgenConfig(dual_master=False),
    "dual_bare": _mcf_colgen.ColgenConfig(
        master="simplex", smoothing=0.0, augment_rounds=0, prune_age=0
    ),
    "dual_rowprune": _mcf_colgen.ColgenConfig(master="simplex", row_age=1, prune_age=1),
    "primal_rowprune": _mcf_colgen.ColgenConfig(master="simplex", dual_master=False, row_age=1),
    "no_partition": _mcf_colgen.ColgenConfig(partition_load=None),
    "partition": _mcf_colgen.ColgenConfig(partition_min_groups=0),
    "partition_overloaded_only": _mcf_colgen.ColgenConfig(
        partition_load=1.0, partition_min_groups=0
    ),
    "default": _mcf_colgen.ColgenConfig(),
}


@pytest.fixture
def variant(request: pytest.FixtureRequest) -> Iterator[str]:
    """Swap the module's configuration for the test, restore it afterwards."""
    saved = _mcf_colgen.CONFIG
    _mcf_colgen.CONFIG = VARIANTS[request.param]
    try:
        yield str(request.param)
    finally:
        _mcf_colgen.CONFIG = saved


def _road_like(n: int, k: int, seed: int) -> tuple[int, tuple[Any, ...]]:
    """A small instance of the benchmark's road-like kind: Delaunay links, capacity 0.6 × the
    all-or-nothing load on loaded arcs (so some demand is unservable)."""
    rng = np.random.default_rng(seed)
    pts = rng.random((n, 2))
    simp = Delaunay(pts).simplices
    e = np.unique(
        np.sort(np.concatenate([simp[:, [0, 1]], simp[:, [1, 2]], simp[:, [2, 0]]]), 1), axis=0
    )
    tail = np.concatenate([e[:, 0], e[:, 1]]).astype(np.int64)
    head = np.concatenate([e[:, 1], e[:, 0]]).astype(np.int64)
    cost = np.linalg.norm(pts[tail] - pts[head], axis=1) * rng.uniform(1.0, 1.5, tail.shape[0])
    o = rng.integers(0, n, k)
    d = (o + rng.integers(1, n, k)) % n
    dem = rng.uniform(1.0, 100.0, k)
    free = solve(tail, head, np.full(tail.shape[0], np.inf), cost, o, d, dem, n_nodes=n)
    load = free.flow.sum(axis=0)
    cap = np.where(load > 0, 0.6 * load, np.inf)
    return n, (tail, head, cap, cost, o, d, dem, None)


def _random(seed: int) -> tuple[int, tuple[Any, ...], Any]:
    """15-40 nodes, 40-200 arcs, 1-3 commodities, 20-80 rows, some inf costs and capacities."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(15, 40)), int(rng.integers(40, 200))
    n_comm, r = int(rng.integers(1, 4)), int(rng.integers(20, 80))
    tail, head = rng.integers(0, n, m), rng.integers(0, n, m)
    cost = rng.integers(1, 20, (n_comm, m)).astype(float) + rng.random((n_comm, m))
    cost[rng.random((n_comm, m)) < 0.1] = np.inf
    cap = rng.integers(1, 25, m).astype(float)
    cap[rng.random(m) < 0.3] = np.inf
    o, d = rng.integers(0, n, r), rng.integers(0, n, r)
    dem = rng.integers(1, 20, r).astype(float)
    k = rng.integers(0, n_comm, r)
    pen = None if seed % 2 else rng.uniform(50, 500, r)
    return n, (tail, head, cap, cost, o, d, dem, k), pen


def _assert_proven(n: int, args: tuple[Any, ...], r: MultiFlowResult, ref: float) -> None:
    """Optimal, feasible, equal to the LP's objective, certified by its duals and reduced costs."""
    tail, head, cap, _cost, o, d, dem, comm = args
    assert r.status == "optimal", r.message
    assert not check_flows(n, tail, head, cap, r.flow, o, d, dem, comm, r.unserved)
    assert r.objective == pytest.approx(ref, rel=1e-7)
    assert r.lower_bound == pytest.approx(r.objective, rel=1e-7)
    assert np.isfinite(r.min_reduced_cost)


@pytest.mark.parametrize("variant", sorted(VARIANTS), indirect=True)
@pytest.mark.parametrize("seed", [3, 8, 21, 34])
def test_every_variant_matches_the_lp_on_random_networks(variant: str, seed: int) -> None:
    """Each master tuning reaches the monolithic LP's objective (1e-7) with a valid certificate."""
    n, args, pen = _random(seed)
    ref = solve(*args, method="lp", n_nodes=n, unserved_penalty=pen)
    r = solve(*args, method="colgen", n_nodes=n, unserved_penalty=pen)
    _assert_proven(n, args, r, ref.objective)


@pytest.mark.parametrize("variant", sorted(VARIANTS), indirect=True)
def test_every_variant_matches_the_lp_on_a_road_like_network(variant: str) -> None:
    """60 nodes, 25 OD pairs, every loaded arc at 0.6 × its free load: same optimum and unserved
    total as the LP, capacities bind, and the column-generation proof holds."""
    n, args = _road_like(60, 25, 5)
    ref = solve(*args, method="lp", n_nodes=n)
    r = solve(*args, method="colgen", n_nodes=n)
    _assert_proven(n, args, r, ref.objective)
    assert r.iterations > 1 and (r.capacity_dual > 0).any()  # the master had work to do
    np.testing.assert_allclose(r.unserved.sum(), ref.unserved.sum(), rtol=1e-6)


def test_reduced_cost_proof_is_stated_and_nonnegative() -> None:
    """On the hand network of two commodities sharing a capacity-10 arc, the stop is by reduced
    costs: the message says so and the smallest reduced cost is >= -tol (1 + |sigma|)."""
    cost = np.array([[1.0, 2.0, 2.0], [1.0, 5.0, 5.0]])
    r = solve(
        [0, 0, 2], [1, 2, 1], [10.0, np.inf, np.inf], cost, [0, 0], [1, 1], [8.0, 8.0], [0, 1]
    )
    assert r.status == "optimal"
    assert "reduced costs >= -1e-07 (1 + |sigma|) on all 2 groups" in r.message
    # sigma is at most the detour cost 10 per unit for these groups
    assert r.min_reduced_cost >= -1e-7 * (1 + 10.0)
    assert r.objective == pytest.approx(34.0)


def test_min_reduced_cost_is_zero_for_all_or_nothing_and_nan_for_lp() -> None:
    """No capacity binds: no master and a zero reduced cost; the LP states none (NaN)."""
    args = ([0, 0, 2], [1, 2, 1], [100.0, 1.0, 1.0], [1.0, 2.0, 2.0], [0], [1], [8.0])
    assert solve(*args).min_reduced_cost == 0.0
    assert np.isnan(solve(*args, method="lp").min_reduced_cost)


@pytest.mark.parametrize("seed", range(3))
def test_congestion_seed_gives_the_same_proven_optimum(seed: int) -> None:
    """The capacity-aware initial columns (``ColgenConfig.seed_rounds``: every group routed on
    shortest paths under congestion-raised costs before the first master) change only where the
    column generation starts: on road-like instances whose every loaded arc binds (the master is
    the explicit dual master, where the seed runs) the optimum equals the unseeded one's and the
    arc LP's, the proof by reduced costs is stated, and the seed did run."""
    n, args = _road_like(120, 40, 300 + seed)
    tail, head, cap, _, o, d, dem, _ = args
    saved = _mcf_colgen.CONFIG
    try:
        _mcf_colgen.CONFIG = _mcf_colgen.ColgenConfig(seed_rounds=0)
        plain = solve(*args, method="colgen", n_nodes=n)
        _mcf_colgen.CONFIG = _mcf_colgen.ColgenConfig()
        seeded = solve(*args, method="colgen", n_nodes=n)
    finally:
        _mcf_colgen.CONFIG = saved
    lp = solve(*args, method="lp", n_nodes=n)
    assert plain.status == seeded.status == lp.status == "optimal"
    assert "seed" in seeded.timings and "seed" not in plain.timings
    assert seeded.iterations > 0 and (seeded.capacity_dual > 0).any()
    assert "reduced costs >= -" in seeded.message, seeded.message
    assert seeded.relative_gap <= 1e-6
    assert abs(seeded.objective - lp.objective) <= 1e-7 * abs(lp.objective)
    assert abs(seeded.objective - plain.objective) <= 1e-7 * abs(lp.objective)
    assert not check_flows(n, tail, head, cap, seeded.flow, o, d, dem, None, seeded.unserved)


# The hand network of the partition tests: A (0 -> 3, 25 t) overloads its direct arc 0 (capacity
# 10) and detours by 0 -> 1 -> 3 (cost 3), whose arc 2, 1 -> 3 (capacity 20), carries B (1 -> 3,
# 10 t) at half its capacity; 1 -> 2 -> 3 (2.5) is B's detour, 0 -> 2 -> 3 (10) A's dearest.
_HAND = (
    [0, 0, 1, 0, 1, 2],
    [3, 1, 3, 2, 2, 3],
    [10.0, np.inf, 20.0, np.inf, np.inf, np.inf],
    [1.0, 1.0, 2.0, 8.0, 0.5, 2.0],
    [0, 1],
    [3, 3],
    [25.0, 10.0],
)


def _solve_partitioned(*args: Any, **kw: Any) -> MultiFlowResult:
    """``solve(*args, method="colgen", **kw)`` with the partition on whatever the size."""
    saved = _mcf_colgen.CONFIG
    try:
        _mcf_colgen.CONFIG = _mcf_colgen.ColgenConfig(partition_min_groups=0)
        return solve(*args, method="colgen", **kw)
    finally:
        _mcf_colgen.CONFIG = saved


def test_partition_brings_a_group_into_the_master_when_a_dual_lies_on_its_path() -> None:
    """On the hand network B starts outside the master, fixed on 1 -> 3 at half its capacity.
    The first master leaves A only
    10 t of room there, sends A's other 5 t by 0 -> 1 -> 2 -> 3 (3.5) and prices the arc at the
    difference, 0.5 CNY/t; B has that dual on its path and joins. The optimum is 10 x 1 + 15 x 3
    + 5 x 2 + 5 x 2.5 = 77.5 (the LP's), the arc still priced at 0.5 (B's detour premium)."""
    r = _solve_partitioned(*_HAND, return_paths=True)
    lp = solve(*_HAND, method="lp")
    assert r.status == "optimal"
    assert r.objective == pytest.approx(77.5, rel=1e-9)
    assert lp.objective == pytest.approx(77.5, rel=1e-9)
    assert r.stats["partition_rounds"] == 2 and r.stats["groups_in_master"] == 2
    np.testing.assert_allclose(r.flow.sum(axis=0), [10.0, 15.0, 20.0, 0.0, 5.0, 5.0], atol=1e-7)
    assert r.capacity_dual[2] == pytest.approx(0.5, abs=1e-7)  # B's detour premium
    assert r.paths is not None
    served = np.bincount(r.paths.demand_row, weights=r.paths.flow, minlength=2)
    np.testing.assert_allclose(served, [25.0, 10.0], atol=1e-7)


def test_partition_keeps_groups_outside_on_their_uncapacitated_paths() -> None:
    """Groups whose paths cross no loaded arc stay outside the master; the answer is the LP's
    optimum with its proof, every row's od_cost is its shortest path at the final duals
    (recomputed independently, capped at its penalty), and the paths carry what is served."""
    n, args, pen = _random(8)
    part = _solve_partitioned(*args, n_nodes=n, unserved_penalty=pen, return_paths=True)
    saved = _mcf_colgen.CONFIG
    try:
        _mcf_colgen.CONFIG = _mcf_colgen.ColgenConfig(partition_load=None)
        whole = solve(*args, method="colgen", n_nodes=n, unserved_penalty=pen, return_paths=True)
    finally:
        _mcf_colgen.CONFIG = saved
    ref = solve(*args, method="lp", n_nodes=n, unserved_penalty=pen)
    _assert_proven(n, args, part, ref.objective)
    assert part.stats["groups_in_master"] < part.stats["groups"]
    assert part.objective == pytest.approx(whole.objective, rel=1e-7)
    tail, head, _cap, cost, o, d, _dem, comm = args
    for i in range(len(o)):
        if o[i] == d[i]:
            continue
        w = np.asarray(cost)[comm[i]] + part.capacity_dual
        dist, _ = shortest_path_tree(n, np.asarray(tail), np.asarray(head), w, np.array([o[i]]))
        want = min(dist[0, d[i]], part.unserved_penalty[i])
        assert part.od_cost[i] == pytest.approx(want, rel=1e-9, abs=1e-9)
    assert part.paths is not None
    served = np.bincount(part.paths.demand_row, weights=part.paths.flow, minlength=len(args[6]))
    routed = np.asarray(o) != np.asarray(d)  # a row from a node to itself has no path
    want_served = (np.asarray(args[6]) - part.unserved)[routed]
    np.testing.assert_allclose(served[routed], want_served, atol=1e-6)


def test_partition_stopped_early_still_carries_the_groups_outside() -> None:
    """Stopped after one master solve (max_iter=1), the partitioned answer is not optimal but
    still holds every group: B, outside the master, is on its path (10 t on 1 -> 3), A's first
    master routes 10 t and leaves 15 t unserved; served + unserved = demand."""
    r = _solve_partitioned(*_HAND, max_iter=1)
    assert r.status == "not_converged"
    np.testing.assert_allclose(r.flow.sum(axis=0), [10.0, 0.0, 10.0, 0.0, 0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(r.unserved, [15.0, 0.0], atol=1e-9)


def test_partition_out_of_iterations_between_rounds_keeps_the_feasible_answer() -> None:
    """When the iterations run out after a round that a group would join, the answer is that
    round's (feasible: 77.5 here, by the degenerate split) with the groups outside on their
    paths, marked not converged, its smallest reduced cost showing the group left out; a
    partition_load above 1 is refused (an arc over capacity could then hold fixed groups)."""
    first = _solve_partitioned(*_HAND)
    r = _solve_partitioned(*_HAND, max_iter=5)
    # 5 iterations are enough for round 1 but not for round 2
    assert first.status == "optimal" and first.stats["partition_rounds"] == 2
    assert first.iterations > 5
    assert r.status == "not_converged" and "groups outside the master" in r.message
    assert r.objective == pytest.approx(77.5, rel=1e-9)
    assert r.min_reduced_cost == pytest.approx(-0.5, abs=1e-9)
    tail, head, cap, _, o, d, dem = (np.asarray(a) for a in _HAND)
    assert not check_flows(4, tail, head, cap, r.flow, o, d, dem, None, r.unserved)
    with pytest.raises(ValueError, match="partition_load"):
        _mcf_colgen.ColgenConfig(partition_load=3.0)
