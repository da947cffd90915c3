"""Shortest-path trees on arc arrays (parallel arcs, forbidden arcs and zero weights handled).

Shared by the multi-commodity pricing and by callers that need distances on a network given as
parallel arrays (data checks, drayage distances).
"""

from __future__ import annotations

from dataclasses import dataclass

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
    tail = np.asarray(tail, dtype=np.int64)  # int32 ids would overflow the keys past 46,340 nodes
    head = np.asarray(head, dtype=np.int64)
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


def paths_csr(owners: list[IntArray], arcs: list[IntArray], m: int) -> tuple[IntArray, IntArray]:
    """``(ptr, arcs)`` of ``m`` paths from the steps of a vectorized tree walk: step ``j`` moved
    paths ``owners[j]`` one arc back, ``arcs[j]``. Path ``i`` is ``arcs[ptr[i]:ptr[i+1]]``, in the
    order walked (destination back to origin)."""
    if not owners:
        return np.zeros(m + 1, dtype=np.int64), np.zeros(0, dtype=np.int64)
    own = np.concatenate(owners)
    order = np.argsort(own, kind="stable")
    ptr = np.zeros(m + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(np.bincount(own, minlength=m))
    return ptr, np.concatenate(arcs)[order]


def reverse_segments(ptr: IntArray, arcs: IntArray) -> IntArray:
    """``arcs`` with each segment ``arcs[ptr[i]:ptr[i+1]]`` in reverse order."""
    if not arcs.shape[0]:
        return arcs
    lens = np.diff(ptr)
    owner = np.repeat(np.arange(lens.shape[0]), lens)
    pos = np.arange(arcs.shape[0]) - ptr[owner]
    return arcs[ptr[owner] + lens[owner] - 1 - pos]


class ArcGraph:
    """The scipy graph of one weight vector on arc arrays, built once and searched many times
    (see :func:`shortest_path_tree` for the rules on parallel arcs, self-loops and forbidden
    arcs)."""

    def __init__(self, n_nodes: int, tail: IntArray, head: IntArray, weight: FloatArray) -> None:
        self.n_nodes = n_nodes
        self.graph, self.chosen, self.chosen_key = _csgraph(n_nodes, tail, head, weight)
        self._weight = weight
        self._reverse: sp.csr_matrix | None = None
        self._rows: tuple[IntArray, IntArray, FloatArray, IntArray] | None = None
        self._reverse_rows: tuple[IntArray, IntArray, FloatArray, IntArray] | None = None

    @property
    def rows(self) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
        """The kept arcs as compressed rows for :func:`target_searches`: ``(indptr, head,
        weight, arc)``, entry ``e`` of node ``u`` (``indptr[u] <= e < indptr[u+1]``) being arc
        ``arc[e]`` to ``head[e]`` (built on first use)."""
        if self._rows is None:
            if (self._weight[self.chosen] < 0).any():
                raise ValueError("target_searches needs weights >= 0 (Dijkstra)")
            n = self.n_nodes
            tails = self.chosen_key // max(n, 1)
            indptr = np.searchsorted(tails, np.arange(n + 1)).astype(np.int64)
            self._rows = (
                indptr,
                (self.chosen_key % max(n, 1)).astype(np.int64),
                np.ascontiguousarray(self._weight[self.chosen], dtype=np.float64),
                self.chosen.astype(np.int64),
            )
        return self._rows

    @property
    def reverse_rows(self) -> tuple[IntArray, IntArray, FloatArray, IntArray]:
        """As :attr:`rows` for the arcs turned around: entry ``e`` of node ``v`` is arc
        ``arc[e]`` from ``head[e]`` into ``v`` (built on first use)."""
        if self._reverse_rows is None:
            n = max(self.n_nodes, 1)
            tails, heads = self.chosen_key // n, self.chosen_key % n
            order = np.lexsort((tails, heads))
            self._reverse_rows = (
                np.searchsorted(heads[order], np.arange(self.n_nodes + 1)).astype(np.int64),
                tails[order].astype(np.int64),
                np.ascontiguousarray(self._weight[self.chosen[order]], dtype=np.float64),
                self.chosen[order].astype(np.int64),
            )
        return self._reverse_rows

    @property
    def reverse_graph(self) -> sp.csr_matrix:
        """The same arcs turned around (built on first use): a search on it from ``t`` gives
        every node's distance *to* ``t``."""
        if self._reverse is None:
            self._reverse = sp.csr_matrix(self.graph.T)  # explicit zero weights are kept
        return self._reverse

    def search(
        self,
        sources: IntArray,
        *,
        predecessors: bool,
        limit: float = np.inf,
        reverse: bool = False,
    ) -> tuple[FloatArray, NDArray[np.int32]]:
        """scipy's distances and predecessor nodes (``-9999``: none; empty when not asked).

        ``reverse``: search the turned-around graph, so row ``i`` holds each node's distance to
        ``sources[i]`` and its predecessor is the next node on its shortest path there."""
        n_src = int(sources.shape[0])
        graph = self.reverse_graph if reverse else self.graph
        if not predecessors:
            d = dijkstra(graph, directed=True, indices=sources, limit=limit)
            return d.reshape(n_src, self.n_nodes), np.zeros((0, 0), dtype=np.int32)
        d, pred = dijkstra(
            graph, directed=True, indices=sources, return_predecessors=True, limit=limit
        )
        return d.reshape(n_src, self.n_nodes), pred.reshape(n_src, self.n_nodes)

    def trees(
        self, sources: IntArray, *, predecessors: bool = True, limit: float = np.inf
    ) -> tuple[FloatArray, IntArray]:
        """Distances (and last arcs) from ``sources``; as :func:`shortest_path_tree`."""
        n_nodes = self.n_nodes
        n_src = int(sources.shape[0])
        if n_src == 0:
            return np.zeros((0, n_nodes)), np.zeros((0, n_nodes), dtype=np.int64)
        if not predecessors:
            only = dijkstra(
                self.graph, directed=True, indices=sources, return_predecessors=False, limit=limit
            )
            return (
                np.asarray(only, dtype=np.float64).reshape(n_src, n_nodes),
                np.zeros((0, 0), dtype=np.int64),
            )
        dist, pred = dijkstra(
            self.graph, directed=True, indices=sources, return_predecessors=True, limit=limit
        )
        dist = np.asarray(dist, dtype=np.float64).reshape(n_src, n_nodes)
        pred = np.asarray(pred, dtype=np.int64).reshape(n_src, n_nodes)
        pred_arc = np.full((n_src, n_nodes), -1, dtype=np.int64)
        has = np.flatnonzero(pred.reshape(-1) >= 0)
        if has.shape[0] and self.chosen.shape[0]:
            k = pred.reshape(-1)[has] * n_nodes + has % n_nodes
            pos = np.searchsorted(self.chosen_key, k)
            pred_arc.reshape(-1)[has] = self.chosen[pos]
        return dist, pred_arc


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
    dropped (with non-negative weights they never shorten a path). Many searches on one weight
    vector: :class:`ArcGraph` builds the graph once.
    """
    if int(sources.shape[0]) == 0:
        return np.zeros((0, n_nodes)), np.zeros((0, n_nodes), dtype=np.int64)
    return ArcGraph(n_nodes, tail, head, weight).trees(
        sources, predecessors=predecessors, limit=limit
    )


@dataclass(frozen=True)
class TargetDistances:
    """What :func:`target_searches` found, per target (in the caller's order)."""

    value: FloatArray
    """Exact distance where ``exact``; else a lower bound above the target's need, or ``inf``
    when no path reaches it."""
    exact: NDArray[np.bool_]
    offset: IntArray
    """With paths asked: where the target's tree path starts in ``arcs`` (exact targets only)."""
    length: IntArray
    """Number of arcs of that path (0 when not exact, or at its source)."""
    arcs: IntArray
    """The paths' arcs, each listed from the target back to its source."""
    settled: IntArray
    """Per source, the nodes its search settled (its work)."""
    backward: IntArray
    """The targets settled by a search from their own node (see ``defer``)."""

    def paths(self, pick: IntArray) -> tuple[IntArray, IntArray]:
        """The paths of targets ``pick`` (exact ones) as ``(ptr, arcs)``: path ``i`` is
        ``arcs[ptr[i]:ptr[i+1]]``, from the target back to the source."""
        return _segments(self.offset[pick], self.length[pick], self.arcs)


def _segments(offset: IntArray, length: IntArray, arcs: IntArray) -> tuple[IntArray, IntArray]:
    """The segments ``arcs[offset[i]:offset[i] + length[i]]`` one after another: ``(ptr,
    arcs)``, segment ``i`` being ``arcs[ptr[i]:ptr[i+1]]``."""
    ptr = np.zeros(offset.shape[0] + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(length)
    return ptr, arcs[np.repeat(offset - ptr[:-1], length) + np.arange(int(ptr[-1]))]


def take_segments(ptr: IntArray, arcs: IntArray, pick: IntArray) -> tuple[IntArray, IntArray]:
    """Segments ``pick`` (in that order; repeats allowed) of the segments ``arcs[ptr[i]:ptr[i+1]]``,
    as ``(ptr, arcs)`` of their own."""
    return _segments(ptr[:-1][pick], np.diff(ptr)[pick], arcs)


def _by_owner(owner: IntArray, n_owners: int) -> tuple[IntArray, IntArray]:
    """The items grouped by owner: ``(order, ptr)``, owner ``k``'s items being
    ``order[ptr[k]:ptr[k+1]]`` (in their order)."""
    order = np.argsort(owner, kind="stable").astype(np.int64)
    return order, np.searchsorted(owner[order], np.arange(n_owners + 1)).astype(np.int64)


DEFER = 1.5
"""Default ``defer`` of :func:`target_searches` (measured at 10x and 100x the regional size:
``benchmarks/README.md``)."""


def target_searches(
    graph: ArcGraph,
    sources: IntArray,
    target_src: IntArray,
    target_node: IntArray,
    need: FloatArray | None = None,
    *,
    paths: bool = False,
    defer: float = DEFER,
) -> TargetDistances:
    """Distances from sources to their targets, each search stopped once its targets are settled.

    Target ``i`` is node ``target_node[i]`` seen from ``sources[target_src[i]]``; its exact
    distance is needed only up to ``need[i]`` (default ``inf``: always): a search stops once
    all its targets are settled or once every node left is farther than the largest need of
    its targets (the targets left then get that distance, a lower bound above their need,
    ``exact`` false; ``inf`` when no path reaches them). One compiled Dijkstra per source
    (:mod:`solvers._dijkstra`): it costs the nodes nearer the source than its farthest needed
    target, whatever the size of the graph (no dense ``sources × nodes`` array).

    A far target would make its source's search settle every node nearer than it (a gateway at
    the end of a long line: the whole region around the source). So once a search has settled
    a target, it gives up the ones left when it has settled more than ``defer`` times as many
    nodes as at that target (plus 64); each of their nodes is then searched backwards (on the
    turned-around graph), once for all the sources that gave it up, up to the farthest of them
    (or their need): a corridor's neighbourhood instead of every source's region. ``inf``:
    forward only. The distances are exact either way (a path settled backwards sums its arcs in
    the other order: equal to the last bits).

    ``paths``: also the tree path of every exact target (:meth:`TargetDistances.paths`). The
    graph's rules are :func:`shortest_path_tree`'s (cheapest of parallel arcs, no self-loops,
    no forbidden arcs)."""
    from solvers._dijkstra import settle

    m = int(target_node.shape[0])
    need_t = np.full(m, np.inf) if need is None else np.ascontiguousarray(need, dtype=np.float64)
    t_node = np.ascontiguousarray(target_node, dtype=np.int64)
    srcs = np.ascontiguousarray(sources, dtype=np.int64)
    order, t_ptr = _by_owner(target_src, int(srcs.shape[0]))
    indptr, head, weight, arc = graph.rows
    value, exact, deferred, offset, length, arcs, settled = settle(
        indptr, head, weight, arc, srcs, t_ptr, order, t_node, need_t, paths, float(defer)
    )
    back = np.flatnonzero(deferred)
    if back.shape[0]:
        roots, root_of = np.unique(t_node[back], return_inverse=True)
        b_order, b_ptr = _by_owner(root_of.reshape(-1), int(roots.shape[0]))
        r_indptr, r_head, r_weight, r_arc = graph.reverse_rows
        b_value, b_exact, _, b_offset, b_length, b_arcs, _ = settle(
            r_indptr, r_head, r_weight, r_arc, roots, b_ptr, b_order,
            srcs[target_src[back]], need_t[back], paths, np.inf,
        )  # fmt: skip
        value[back], exact[back] = b_value, b_exact
        if paths:  # walked from the source to the target: listed the other way, after the rest
            b_ptr_p, b_walked = _segments(b_offset, b_length, b_arcs)
            offset[back] = arcs.shape[0] + b_ptr_p[:-1]
            length[back] = b_length
            arcs = np.concatenate([arcs, reverse_segments(b_ptr_p, b_walked)])
    return TargetDistances(value, exact, offset, length, arcs, settled, back)


def pair_distances(
    n_nodes: int,
    tail: IntArray,
    head: IntArray,
    weight: FloatArray,
    origin: IntArray,
    destination: IntArray,
) -> FloatArray:
    """The shortest distance of each (origin, destination) pair, exact (``inf``: no path).

    One search per distinct origin, stopped once its destinations are settled
    (:func:`target_searches`): when every origin's destinations are near it (as in a large
    network of regions) the work grows with the size of the network, not with its square.
    The graph's rules are :func:`shortest_path_tree`'s.
    """
    origin = np.asarray(origin, dtype=np.int64)
    destination = np.asarray(destination, dtype=np.int64)
    if int(origin.shape[0]) == 0:
        return np.zeros(0)
    graph = ArcGraph(n_nodes, tail, head, weight)
    srcs, inv = np.unique(origin, return_inverse=True)
    return target_searches(graph, srcs, inv.reshape(-1), destination).value
