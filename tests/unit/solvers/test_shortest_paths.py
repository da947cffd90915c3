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


def test_pair_distances_equal_full_searches() -> None:
    """Every pair's exact distance (inf where there is no path), as one full tree per origin
    gives it."""
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
        got = pair_distances(n, tail, head, w, o, d)
        assert np.array_equal(np.isinf(got), np.isinf(ref))
        fin = np.isfinite(ref)
        assert np.allclose(got[fin], ref[fin], rtol=1e-12, atol=0)
    assert pair_distances(3, tail[:0], head[:0], w[:0], o[:0], d[:0]).shape == (0,)


def test_target_searches_exact_within_need_lower_bound_beyond_and_tree_paths() -> None:
    """Within its need each target's distance is exact (and its path, listed from the target
    back to the source, joins arc to arc and sums to it); beyond, the value is a lower bound
    above the need (inf when no path); repeated targets, a target at its source and sources
    without targets are handled; against full scipy trees."""
    from solvers.shortest_paths import ArcGraph, target_searches

    for seed in range(8):
        n, tail, head, w = _random_graph(seed)
        rng = np.random.default_rng(seed)
        sources = np.array([0, 7, 19, 33, 41], dtype=np.int64)  # 41 gets no target
        full, _ = shortest_path_tree(n, tail, head, w, sources, predecessors=False)
        m = 150
        t_src = rng.integers(0, 4, m).astype(np.int64)
        t_node = rng.integers(0, n, m).astype(np.int64)
        t_node[:3] = sources[t_src[:3]]  # at the source: distance 0, empty path
        t_src[3:6], t_node[3:6] = 1, t_node[10]  # the same target three times
        t_src[10] = 1
        ref = full[t_src, t_node]
        need = np.where(rng.random(m) < 0.4, np.inf, rng.uniform(0, 15, m))
        graph = ArcGraph(n, tail, head, w)
        got = target_searches(graph, sources, t_src, t_node, need, paths=True)
        ex = got.exact
        inside = np.isfinite(ref) & (ref <= need)
        assert ex[inside].all()
        assert np.allclose(got.value[ex], ref[ex], rtol=1e-12, atol=0)
        out = ~ex
        assert (np.isinf(ref[out]) | (got.value[out] > need[out])).all()
        assert (got.value[out] <= ref[out]).all()
        assert (got.value[:3] == 0).all() and (got.length[:3] == 0).all()
        pick = np.flatnonzero(ex)
        ptr, arcs = got.paths(pick)
        for j, i in enumerate(pick.tolist()):
            path = arcs[ptr[j] : ptr[j + 1]]
            if path.shape[0]:
                assert head[path[0]] == t_node[i] and tail[path[-1]] == sources[t_src[i]]
                assert np.array_equal(tail[path[:-1]], head[path[1:]])
            assert abs(float(w[path].sum()) - ref[i]) <= 1e-9
        assert got.settled[4] == 0
        only = target_searches(graph, sources, t_src, t_node, need)
        assert np.array_equal(only.value, got.value) and only.arcs.shape == (0,)


def test_target_searches_stop_at_the_last_target_or_the_largest_need() -> None:
    """On a line of 10,000 nodes a search settles the nodes up to its farthest target (or up to
    its largest need), not the line: its work is the neighbourhood it needs."""
    from solvers.shortest_paths import ArcGraph, target_searches

    n = 10_000
    tail = np.arange(n - 1, dtype=np.int64)
    graph = ArcGraph(n, tail, tail + 1, np.ones(n - 1))
    src = np.array([0, 5_000], dtype=np.int64)
    got = target_searches(graph, src, np.array([0, 0, 1]), np.array([3, 7, 5_010]))
    assert got.value.tolist() == [3.0, 7.0, 10.0] and got.exact.all()
    assert got.settled.tolist() == [8, 11]  # nodes 0..7 and 5,000..5,010
    capped = target_searches(
        graph, src[:1], np.array([0, 0]), np.array([3, 900]), np.array([5.0, 20.5])
    )
    assert capped.exact.tolist() == [True, False] and capped.value[1] == 21.0  # a lower bound
    assert capped.settled.tolist() == [21]  # distances 0..20
    back = target_searches(graph, src[1:], np.array([0]), np.array([10]))
    assert np.isinf(back.value[0]) and not back.exact[0]  # no path back along the line


def test_a_far_gateway_is_searched_backwards_once_for_all_its_sources() -> None:
    """A grid whose corner leads, by one long arc, to a gateway; every source seeks a neighbour
    and the gateway. The forward searches give the gateway up after their neighbour and one
    backward search from it settles them all: the same distances as full trees, paths that sum
    to them, and under half the nodes settled of the searches that go all the way forward."""
    from solvers.shortest_paths import ArcGraph, target_searches

    side = 40
    n_grid = side * side
    gate = n_grid
    ids = np.arange(n_grid).reshape(side, side)
    t = np.concatenate([ids[:, :-1].ravel(), ids[:, 1:].ravel(), ids[:-1].ravel(), ids[1:].ravel()])
    h = np.concatenate([ids[:, 1:].ravel(), ids[:, :-1].ravel(), ids[1:].ravel(), ids[:-1].ravel()])
    tail = np.concatenate([t, [0]]).astype(np.int64)
    head = np.concatenate([h, [gate]]).astype(np.int64)
    w = np.ones(tail.shape[0])
    w[-1] = 500.0  # the long line: farther than any grid node from any other
    graph = ArcGraph(n_grid + 1, tail, head, w)
    sources = ids[1:-1:5, 1:-1:5].ravel().astype(np.int64)
    m = sources.shape[0]
    t_src = np.repeat(np.arange(m, dtype=np.int64), 2)
    t_node = np.stack([sources + 1, np.full(m, gate)], axis=1).ravel()
    full, _ = shortest_path_tree(n_grid + 1, tail, head, w, sources, predecessors=False)
    ref = full[t_src, t_node]
    work = {}
    for defer in (np.inf, 1.5):
        got = target_searches(graph, sources, t_src, t_node, paths=True, defer=defer)
        assert got.exact.all() and np.allclose(got.value, ref, rtol=1e-12, atol=0)
        ptr, arcs = got.paths(np.arange(2 * m))
        for i in range(2 * m):
            path = arcs[ptr[i] : ptr[i + 1]]
            assert head[path[0]] == t_node[i] and tail[path[-1]] == sources[t_src[i]]
            assert np.array_equal(tail[path[:-1]], head[path[1:]])
            assert abs(float(w[path].sum()) - ref[i]) <= 1e-9
        work[defer] = int(got.settled.sum())
        if np.isfinite(defer):
            assert np.array_equal(got.backward, np.flatnonzero(t_node == gate))
            work[defer] += n_grid + 1  # at most the one backward search's nodes
        else:
            assert got.backward.shape == (0,)
    assert work[1.5] < 0.5 * work[np.inf]


def test_target_searches_take_int32_ids_on_large_graphs_and_refuse_negative_weights() -> None:
    """Node ids given as int32 on a graph of more than 46,340 nodes (where tail * n + head
    overflows int32) give the same distances as scipy's; a negative weight is refused (Dijkstra
    would return a wrong distance)."""
    import pytest

    from solvers.shortest_paths import ArcGraph, pair_distances, target_searches

    n = 50_000
    tail = np.array([0, 1, 46_000, 49_999], dtype=np.int32)
    head = np.array([49_999, 49_998, 45_999, 0], dtype=np.int32)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    got = pair_distances(n, tail, head, w, tail.astype(np.int64), head.astype(np.int64))
    assert got.tolist() == [1.0, 2.0, 3.0, 4.0]
    graph = ArcGraph(n, tail, head, np.array([1.0, -2.0, 3.0, 4.0]))
    with pytest.raises(ValueError, match="weights >= 0"):
        target_searches(graph, np.array([1]), np.array([0]), np.array([49_998]))
