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
