"""solvers.shortest_paths: distances against networkx, and the distances-only mode."""

from __future__ import annotations

import networkx as nx
import numpy as np

from solvers.shortest_paths import shortest_path_tree


def _random_graph(seed: int) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n, m = 60, 300
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m)
    w = rng.uniform(0, 10, m)
    w[rng.random(m) < 0.1] = np.inf  # forbidden arcs
    w[rng.random(m) < 0.05] = 0.0  # zero-cost arcs
    return n, tail.astype(np.int64), head.astype(np.int64), w


def test_distances_equal_networkx_and_distances_only_mode() -> None:
    """Distances equal networkx's Dijkstra (parallel, zero and forbidden arcs); predecessors=False
    gives the same distances and no predecessor table."""
    for seed in range(5):
        n, tail, head, w = _random_graph(seed)
        sources = np.array([0, 7, 19], dtype=np.int64)
        dist, pred = shortest_path_tree(n, tail, head, w, sources)
        only, empty = shortest_path_tree(n, tail, head, w, sources, predecessors=False)
        assert np.array_equal(dist, only) and empty.shape == (0, 0)
        g = nx.DiGraph()
        g.add_nodes_from(range(n))
        for t, h, c in zip(tail, head, w, strict=True):
            if np.isfinite(c) and t != h and (not g.has_edge(t, h) or g[t][h]["w"] > c):
                g.add_edge(int(t), int(h), w=float(c))
        for i, s in enumerate(sources):
            ref = nx.single_source_dijkstra_path_length(g, int(s), weight="w")
            expect = np.array([ref.get(v, np.inf) for v in range(n)])
            assert np.allclose(dist[i], expect, rtol=0, atol=1e-9)
            reached = np.isfinite(dist[i]) & (np.arange(n) != s)
            arcs = pred[i][reached]
            assert (arcs >= 0).all() and np.array_equal(head[arcs], np.flatnonzero(reached))


def test_limit_keeps_exact_distances_and_drops_farther_nodes() -> None:
    """With ``limit``, every node within it keeps its exact distance (and tree arc), the others
    are unreachable; no limit is the default."""
    from solvers.shortest_paths import shortest_path_tree as spt

    for seed in range(5):
        n, tail, head, w = _random_graph(seed)
        sources = np.array([0, 7, 19], dtype=np.int64)
        full, pred = spt(n, tail, head, w, sources)
        lim = float(np.nanmedian(full[np.isfinite(full)]))
        cut, cut_pred = spt(n, tail, head, w, sources, limit=lim)
        near = full <= lim
        assert np.array_equal(cut[near], full[near]) and np.isinf(cut[~near]).all()
        assert (cut_pred[~near] == -1).all() and np.array_equal(
            np.isfinite(cut), near
        )  # the same nodes are reached
        only, _ = spt(n, tail, head, w, sources, predecessors=False, limit=lim)
        assert np.array_equal(only, cut)


def test_pair_distances_in_rounds_equal_full_searches() -> None:
    """Growing the searches in rounds (any start, with or without a bound, small blocks) gives
    every pair's exact distance, inf where there is no path."""
    from solvers.shortest_paths import pair_distances

    for seed in range(5):
        n, tail, head, w = _random_graph(seed)
        n += 1  # node n has no arc: the pairs to it have no path
        rng = np.random.default_rng(seed)
        o = rng.integers(0, n - 1, 200).astype(np.int64)
        d = rng.integers(0, n, 200).astype(np.int64)
        d[:5] = n - 1
        full, _ = shortest_path_tree(n, tail, head, w, np.arange(n), predecessors=False)
        ref = full[o, d]
        assert np.isinf(ref).any() and np.isfinite(ref).any()
        for kw in ({}, {"start": 0.5}, {"start": 2.0, "bound": 9.0, "block": 7}):
            got = pair_distances(n, tail, head, w, o, d, **kw)  # type: ignore[arg-type]
            assert np.array_equal(np.isinf(got), np.isinf(ref))
            fin = np.isfinite(ref)  # a pair settled backwards: equal to the last bits
            assert np.allclose(got[fin], ref[fin], rtol=1e-12, atol=0)


def test_limited_searches_settle_each_target_once_exactly_or_by_a_lower_bound() -> None:
    """Every target is settled once; within its need its distance is exact (and the tree walks
    to it along arcs whose costs sum to it), beyond it the value is a lower bound >= need; any
    start, block size and full_at give the same exact values."""
    from solvers.shortest_paths import ArcGraph, half_radius, limited_searches

    backward_blocks = 0
    for seed in range(5):
        n, tail, head, w = _random_graph(seed)
        rng = np.random.default_rng(seed)
        sources = np.array([0, 7, 19, 33], dtype=np.int64)
        full, _ = shortest_path_tree(n, tail, head, w, sources, predecessors=False)
        m = 120
        t_src = rng.integers(0, sources.shape[0], m).astype(np.int64)
        t_node = rng.integers(0, n, m).astype(np.int64)
        ref = full[t_src, t_node]
        need = np.where(rng.random(m) < 0.3, np.inf, rng.uniform(0, 20, m))
        graph = ArcGraph(n, tail, head, w)
        for start, block, full_at, backward in (
            (np.full(m, 0.5), 1, None, True),
            (np.full(m, 0.5), 1, None, False),
            (rng.uniform(0, 5, m), 3, None, True),
            (np.full(m, np.inf), 8, None, True),
            (np.full(m, 0.5), 2, half_radius(full), True),
        ):
            seen = np.zeros(m, dtype=int)
            for blk in limited_searches(
                graph, sources, t_src, t_node, need, start, predecessors=True, block=block,
                full_at=full_at, backward=backward,
            ):  # fmt: skip
                seen[blk.targets] += 1
                ex = blk.exact
                # a backward search sums the same arcs the other way round: equal to the
                # last bits
                assert np.allclose(blk.value[ex], ref[blk.targets[ex]], rtol=1e-12, atol=0)
                lb = blk.value[~ex]
                assert (lb >= need[blk.targets[~ex]]).all()
                assert (lb <= ref[blk.targets[~ex]]).all()
                # within its need every reachable target is exact
                inside = ref[blk.targets] <= need[blk.targets]
                assert ex[inside & np.isfinite(ref[blk.targets])].all()
                tg = blk.targets[ex]
                walk_ok = t_node[tg] != sources[t_src[tg]]
                tg = tg[walk_ok]
                pick = np.flatnonzero(ex)[walk_ok]
                ptr, arcs = blk.walk(graph, pick, sources[t_src[tg]], t_node[tg])
                backward_blocks += blk.reverse
                # listed from the destination back to the origin, each arc joined to the next
                for i in range(ptr.shape[0] - 1):
                    path = arcs[ptr[i] : ptr[i + 1]]
                    if path.shape[0]:
                        assert head[path[0]] == t_node[tg[i]]
                        assert tail[path[-1]] == sources[t_src[tg[i]]]
                        assert np.array_equal(tail[path[:-1]], head[path[1:]])
                cost = np.add.reduceat(w[arcs], ptr[:-1]) if arcs.shape[0] else np.zeros(0)
                has = np.diff(ptr) > 0
                assert np.allclose(cost[has], ref[tg][has], rtol=0, atol=1e-9)
            assert (seen == 1).all()
    assert backward_blocks > 0  # the backward side was exercised


def test_backward_searches_reach_a_gateway_through_its_corridor_not_the_whole_grid() -> None:
    """A grid whose corner node leads, by one long arc, to a gateway: every grid node's
    distance to the gateway is exact either way, but searching backwards from the gateway
    explores its corridor instead of every node nearer the origins than the gateway."""
    from solvers.shortest_paths import ArcGraph, limited_searches

    side = 30
    n_grid = side * side
    gate = n_grid
    ids = np.arange(n_grid).reshape(side, side)
    t = np.concatenate([ids[:, :-1].ravel(), ids[:, 1:].ravel(), ids[:-1].ravel(), ids[1:].ravel()])
    h = np.concatenate([ids[:, 1:].ravel(), ids[:, :-1].ravel(), ids[1:].ravel(), ids[:-1].ravel()])
    tail = np.concatenate([t, [0]]).astype(np.int64)
    head = np.concatenate([h, [gate]]).astype(np.int64)
    w = np.ones(tail.shape[0])
    w[-1] = 200.0  # the long line: farther than any grid node from any other

    class Counting(ArcGraph):
        reached = 0

        def search(self, sources, **kw):  # type: ignore[no-untyped-def]
            dist, pred = super().search(sources, **kw)
            self.reached += int(np.isfinite(dist).sum())
            return dist, pred

    sources = np.arange(0, n_grid, 7, dtype=np.int64)
    m = sources.shape[0]
    t_src = np.arange(m, dtype=np.int64)
    t_node = np.full(m, gate, dtype=np.int64)
    full, _ = shortest_path_tree(n_grid + 1, tail, head, w, sources, predecessors=False)
    reached = {}
    for backward in (False, True):
        graph = Counting(n_grid + 1, tail, head, w)
        got = np.full(m, np.nan)
        for blk in limited_searches(
            graph, sources, t_src, t_node, np.full(m, np.inf), np.full(m, 5.0),
            predecessors=True, block=16, backward=backward,
        ):  # fmt: skip
            got[blk.targets] = blk.value
            ptr, arcs = blk.walk(graph, np.arange(blk.targets.shape[0]), sources[blk.targets],
                                 t_node[blk.targets])  # fmt: skip
            assert np.allclose(np.add.reduceat(w[arcs], ptr[:-1]), blk.value)
        assert np.allclose(got, full[t_src, gate], rtol=1e-12, atol=0)  # 200 + to node 0
        reached[backward] = graph.reached
    assert reached[True] < 0.5 * reached[False]
