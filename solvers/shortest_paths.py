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


def _csgraph(
    n_nodes: int, tail: IntArray, head: IntArray, weight: FloatArray
) -> tuple[sp.csr_matrix, IntArray, IntArray]:
    """The scipy graph of the arcs (cheapest of parallel arcs, ties: lowest index; no self-loops,
    no forbidden arcs), the arc kept for each entry and the entries' sorted ``tail * n + head``."""
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
    return graph, chosen, chosen_key


def shortest_path_tree(
    n_nodes: int,
    tail: IntArray,
    head: IntArray,
    weight: FloatArray,
    sources: IntArray,
    *,
    predecessors: bool = True,
    limit: float = np.inf,
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
    limit
        Stop each search at this distance: nodes farther than ``limit`` are returned as
        unreachable (``inf``, ``pred_arc`` ``-1``); every distance up to ``limit`` is exact
        (Dijkstra settles nodes in order of distance). A search then explores only the nodes
        within ``limit`` of its source. Default: no limit.

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
    graph, chosen, chosen_key = _csgraph(n_nodes, tail, head, weight)
    if not predecessors:
        only = dijkstra(
            graph, directed=True, indices=sources, return_predecessors=False, limit=limit
        )
        return (
            np.asarray(only, dtype=np.float64).reshape(n_src, n_nodes),
            np.zeros((0, 0), dtype=np.int64),
        )
    dist, pred = dijkstra(
        graph, directed=True, indices=sources, return_predecessors=True, limit=limit
    )
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


def pair_distances(
    n_nodes: int,
    tail: IntArray,
    head: IntArray,
    weight: FloatArray,
    origin: IntArray,
    destination: IntArray,
    *,
    start: float | None = None,
    bound: float = np.inf,
    block: int = 256,
) -> FloatArray:
    """The shortest distance of each (origin, destination) pair, exact (``inf``: no path).

    With ``start``, the searches grow in rounds: every origin is searched up to distance
    ``start``; the origins with a pair not yet reached are searched again with twice the limit,
    and so on while the limit is below ``bound``; the pairs still not reached are searched once
    without a limit. A search explores only the nodes within its limit, so when every origin's
    destinations are near it (as in a large network of regions), the work grows with the size of
    the network, not with its square (doubling: the last search of an origin reaches at most
    twice as far as its farthest destination, and on a map-like network the earlier rounds
    together cost about a third of the last). Distances are exact in every round (see ``limit``
    of :func:`shortest_path_tree`). Without ``start``: one unlimited search per origin.

    Parameters
    ----------
    n_nodes, tail, head, weight
        The graph as for :func:`shortest_path_tree`.
    origin, destination
        The pairs, ``(n_pairs,)``.
    start
        The first round's limit (``> 0``), or ``None``.
    bound
        No limited round beyond this distance (e.g. a cost above which the caller treats a pair
        as failing anyway): the last limited round uses at most ``bound``.
    block
        Origins per Dijkstra call (memory: ``block × n_nodes`` distances at a time).
    """
    origin = np.asarray(origin, dtype=np.int64)
    destination = np.asarray(destination, dtype=np.int64)
    out = np.full(origin.shape[0], np.inf)
    if origin.shape[0] == 0:
        return out
    graph, _, _ = _csgraph(n_nodes, tail, head, weight)
    limits: list[float] = []
    if start is not None:
        lim = float(start)
        while lim < bound:
            limits.append(lim)
            lim *= 2.0
        limits.append(float(bound))
    if not limits or limits[-1] != np.inf:
        limits.append(np.inf)
    todo = np.arange(origin.shape[0])
    for lim in limits:
        if todo.shape[0] == 0:
            break
        srcs, inv = np.unique(origin[todo], return_inverse=True)
        for lo in range(0, srcs.shape[0], block):
            sel = (inv >= lo) & (inv < lo + block)
            dist = dijkstra(
                graph, directed=True, indices=srcs[lo : lo + block], return_predecessors=False,
                limit=lim,
            )  # fmt: skip
            dist = np.asarray(dist, dtype=np.float64).reshape(-1, n_nodes)
            pairs = todo[sel]
            out[pairs] = dist[inv[sel] - lo, destination[pairs]]
        todo = todo[~np.isfinite(out[todo])]
    return out
