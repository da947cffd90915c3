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
            assert np.array_equal(got, ref)


def test_limited_searches_settle_each_target_once_exactly_or_by_a_lower_bound() -> None:
    """Every target is settled once; within its need its distance is exact (and the tree walks
    to it along arcs whose costs sum to it), beyond it the value is a lower bound >= need; any
    start, block size and full_at give the same exact values."""
    from solvers.shortest_paths import ArcGraph, half_radius, limited_searches

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
        for start, block, full_at in (
            (np.full(m, 0.5), 1, None),
            (rng.uniform(0, 5, m), 3, None),
            (np.full(m, np.inf), 8, None),
            (np.full(m, 0.5), 2, half_radius(full)),
        ):
            seen = np.zeros(m, dtype=int)
            for blk in limited_searches(
                graph, sources, t_src, t_node, need, start, predecessors=True, block=block,
                full_at=full_at,
            ):  # fmt: skip
                seen[blk.targets] += 1
                ex = blk.exact
                assert np.array_equal(blk.value[ex], ref[blk.targets[ex]])
                lb = blk.value[~ex]
                assert (lb >= need[blk.targets[~ex]]).all()
                assert (lb <= ref[blk.targets[~ex]]).all()
                # within its need every reachable target is exact
                inside = ref[blk.targets] <= need[blk.targets]
                assert ex[inside & np.isfinite(ref[blk.targets])].all()
                tg = blk.targets[ex]
                walk_ok = t_node[tg] != sources[t_src[tg]]
                tg = tg[walk_ok]
                loc = blk.local[ex][walk_ok]
                ptr, arcs = graph.walk(blk.pred, loc, sources[t_src[tg]], t_node[tg])
                cost = np.add.reduceat(w[arcs], ptr[:-1]) if arcs.shape[0] else np.zeros(0)
                has = np.diff(ptr) > 0
                assert np.allclose(cost[has], ref[tg][has], rtol=0, atol=1e-9)
            assert (seen == 1).all()
