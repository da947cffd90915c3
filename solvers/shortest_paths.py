"""Shortest-path trees on arc arrays (parallel arcs, forbidden arcs and zero weights handled).

Shared by the multi-commodity pricing and by callers that need distances on a network given as
parallel arrays (data checks, drayage distances).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def shortest_path_tree(
    n_nodes: int,
    tail: IntArray,
    head: IntArray,
    weight: FloatArray,
    sources: IntArray,
    *,
    predecessors: bool = True,
) -> tuple[FloatArray, IntArray]:
    """Shortest-path trees from several sources on a directed graph with non-negative weights.

    Parameters
    ----------
    n_nodes
        Number of nodes.
    tail, head
        Arc end points, ``(n_arcs,)``.
    weight
        Arc weights ``>= 0``, ``(n_arcs,)``; ``inf`` (or NaN) removes the arc.
    sources
        Source nodes, ``(n_sources,)``.
    predecessors
        Map the trees back to arcs (``pred_arc``); ``False`` computes distances only (faster,
        and ``pred_arc`` is returned empty, shape ``(0, 0)``).

    Returns
    -------
    dist : ndarray, shape (n_sources, n_nodes)
        Shortest distance from each source; ``inf`` when unreachable.
    pred_arc : ndarray, shape (n_sources, n_nodes)
        Index of the last arc on a shortest path to each node; ``-1`` at the source and at
        unreachable nodes.

    Notes
    -----
    ``scipy.sparse.csgraph`` keeps one entry per (tail, head) pair, so of parallel arcs only the
    cheapest under ``weight`` is offered to Dijkstra (ties: lowest arc index). Explicitly stored
    zero weights are edges for scipy's sparse input, so zero-cost arcs work. Self-loops are
    dropped (with non-negative weights they never shorten a path).
    """
    n_src = int(sources.shape[0])
    if n_src == 0:
        return np.zeros((0, n_nodes)), np.zeros((0, n_nodes), dtype=np.int64)
    ok = np.isfinite(weight) & (tail != head)
    idx = np.flatnonzero(ok)
    key = tail[idx] * n_nodes + head[idx]
    order = np.lexsort((idx, weight[idx], key))
    idx = idx[order]
    key = key[order]
    first = np.ones(idx.shape[0], dtype=bool)
    first[1:] = key[1:] != key[:-1]
    chosen = idx[first]
    chosen_key = key[first]  # sorted ascending
    graph = sp.csr_matrix(
        (weight[chosen], (tail[chosen], head[chosen])), shape=(n_nodes, n_nodes), dtype=np.float64
    )
    if not predecessors:
        only = dijkstra(graph, directed=True, indices=sources, return_predecessors=False)
        return (
            np.asarray(only, dtype=np.float64).reshape(n_src, n_nodes),
            np.zeros((0, 0), dtype=np.int64),
        )
    dist, pred = dijkstra(graph, directed=True, indices=sources, return_predecessors=True)
    dist = np.asarray(dist, dtype=np.float64).reshape(n_src, n_nodes)
    pred = np.asarray(pred, dtype=np.int64).reshape(n_src, n_nodes)
    pred_arc = np.full((n_src, n_nodes), -1, dtype=np.int64)
    has = pred >= 0
    if has.any() and chosen.shape[0]:
        nodes = np.broadcast_to(np.arange(n_nodes, dtype=np.int64), pred.shape)
        k = pred[has] * n_nodes + nodes[has]
        pos = np.searchsorted(chosen_key, k)
        pred_arc[has] = chosen[pos]
    return dist, pred_arc
