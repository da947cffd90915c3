"""Shortest-path trees on arc arrays (parallel arcs, forbidden arcs and zero weights handled).

Shared by the multi-commodity pricing and by callers that need distances on a network given as
parallel arrays (data checks, drayage distances).
"""

from __future__ import annotations

from collections.abc import Iterator
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
        self._reverse: sp.csr_matrix | None = None

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

    def _step(
        self, pred: NDArray[np.int32], tree: IntArray, start: IntArray, end: IntArray, back: bool
    ) -> tuple[IntArray, IntArray]:
        """Walk each path ``i`` from ``start[i]`` along ``pred[tree[i]]`` to ``end[i]``:
        ``(ptr, arcs)`` in the order walked. ``back``: ``pred`` holds the predecessors of a
        forward tree rooted at ``end`` (each step is the arc predecessor -> current node); else
        the next nodes of a reverse tree rooted at ``end`` (the arc current -> next node)."""
        m = int(end.shape[0])
        cur = start.astype(np.int64)
        idx = np.flatnonzero(cur != end)
        owners: list[IntArray] = []
        arcs: list[IntArray] = []
        steps = 0
        n = self.n_nodes
        while idx.shape[0]:
            p = pred[tree[idx], cur[idx]].astype(np.int64)
            if (p < 0).any() or steps > n:  # pragma: no cover - guarded by finite distances
                raise RuntimeError("shortest-path tree walk failed")
            owners.append(idx)
            key = p * n + cur[idx] if back else cur[idx] * n + p
            arcs.append(self.chosen[np.searchsorted(self.chosen_key, key)])
            cur[idx] = p
            idx = idx[cur[idx] != end[idx]]
            steps += 1
        return paths_csr(owners, arcs, m)

    def walk(
        self, pred: NDArray[np.int32], src_idx: IntArray, origin: IntArray, dest: IntArray
    ) -> tuple[IntArray, IntArray]:
        """Arcs of the tree paths ``origin[i] -> dest[i]`` in tree ``src_idx[i]`` of ``pred``
        (from :meth:`search`), vectorized over the paths: ``(ptr, arcs)``, path ``i`` is
        ``arcs[ptr[i]:ptr[i+1]]`` listed from the destination back to the origin. Every
        destination must be reached."""
        return self._step(pred, src_idx, dest, origin, back=True)

    def walk_reverse(
        self, pred: NDArray[np.int32], root_idx: IntArray, origin: IntArray, dest: IntArray
    ) -> tuple[IntArray, IntArray]:
        """As :meth:`walk`, on trees of a ``reverse`` :meth:`search` rooted at the destinations:
        path ``i`` follows ``pred[root_idx[i]]`` from ``origin[i]`` to ``dest[i]``; its arcs are
        listed, like :meth:`walk`'s, from the destination back to the origin."""
        ptr, arcs = self._step(pred, root_idx, origin, dest, back=False)
        return ptr, reverse_segments(ptr, arcs)

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

    With ``start``, the searches grow in rounds (:func:`limited_searches`, the limit doubling
    each round from ``start`` up to ``bound``, a pair still open after a few rounds searched
    from its destination backwards when that side is the smaller); the pairs farther than
    ``bound`` (or with no path) are then searched once without a limit. A search explores only
    the nodes within its limit, so when every origin's destinations are near it (as in a large
    network of regions) or are reached through a narrow corridor, the work grows with the size
    of the network, not with its square. Distances are exact in every round (see ``limit`` of
    :func:`shortest_path_tree`); a pair settled backwards sums its arcs the other way round
    (equal to the last bits). Without ``start``: one unlimited search per origin.

    Parameters
    ----------
    n_nodes, tail, head, weight
        The graph as for :func:`shortest_path_tree`.
    origin, destination
        The pairs, ``(n_pairs,)``.
    start
        The first round's limit (``> 0``; ``None`` or not positive: no rounds).
    bound
        No limited round beyond this distance (e.g. a cost above which the caller treats a pair
        as failing anyway): the last limited round uses at most ``bound``.
    block
        Origins (or destinations) per Dijkstra call (memory: ``block × n_nodes`` distances at
        a time).
    """
    origin = np.asarray(origin, dtype=np.int64)
    destination = np.asarray(destination, dtype=np.int64)
    m = int(origin.shape[0])
    out = np.full(m, np.inf)
    if m == 0:
        return out
    graph = ArcGraph(n_nodes, tail, head, weight)
    srcs, inv = np.unique(origin, return_inverse=True)
    inv = inv.reshape(-1)
    if start is not None and 0.0 < float(start) < bound:
        rounds = max(1, int(np.ceil(np.log2(bound / float(start))))) if np.isfinite(bound) else 32
        need = np.full(m, float(bound))
        final = np.zeros(m, dtype=bool)
        for blk in limited_searches(
            graph, srcs, inv, destination, need, np.full(m, float(start)),
            predecessors=False, block=block, growth=2.0, rounds=rounds,
        ):  # fmt: skip
            out[blk.targets[blk.exact]] = blk.value[blk.exact]
            final[blk.targets] = blk.exact | np.isinf(blk.value)  # inf: an unlimited search
        todo = np.flatnonzero(~final)  # beyond the bound
    else:
        todo = np.arange(m)
    if todo.shape[0]:
        srcs, inv = np.unique(origin[todo], return_inverse=True)
        inv = inv.reshape(-1)
        for lo in range(0, srcs.shape[0], block):
            sel = (inv >= lo) & (inv < lo + block)
            dist, _ = graph.search(srcs[lo : lo + block], predecessors=False)
            pairs = todo[sel]
            out[pairs] = dist[inv[sel] - lo, destination[pairs]]
    return out


@dataclass(frozen=True)
class SearchBlock:
    """One Dijkstra call of :func:`limited_searches`: the targets it settled and its trees."""

    targets: IntArray
    """Indices into the caller's target arrays settled by this call."""
    value: FloatArray
    """Their distances: exact where ``exact``, else a lower bound ``>= need`` (the call's limit)."""
    exact: NDArray[np.bool_]
    local: IntArray
    """Row of each settled target's tree in ``pred``."""
    pred: NDArray[np.int32]
    """``(trees of the call, n_nodes)`` predecessor nodes (``-9999``: none; empty without
    ``predecessors``); :meth:`walk` turns them into arcs."""
    sources: IntArray
    """The call's sources (indices into ``sources`` of :func:`limited_searches`); empty for a
    ``reverse`` call."""
    dist: FloatArray
    """``(trees of the call, n_nodes)`` distances (``inf`` beyond the call's limit)."""
    reverse: bool = False
    """The call searched backwards from target nodes (:meth:`ArcGraph.search` ``reverse``): its
    trees are rooted at the targets, ``dist`` rows are distances to them."""

    def walk(
        self, graph: ArcGraph, pick: IntArray, origin: IntArray, dest: IntArray
    ) -> tuple[IntArray, IntArray]:
        """The tree paths of the settled targets at positions ``pick`` (of ``targets``), from
        ``origin`` to ``dest``: ``(ptr, arcs)`` as :meth:`ArcGraph.walk` (arcs listed from the
        destination back to the origin), whichever way the call searched."""
        if self.reverse:
            return graph.walk_reverse(self.pred, self.local[pick], origin, dest)
        return graph.walk(self.pred, self.local[pick], origin, dest)


def half_radius(dist: FloatArray, step: int = 16) -> FloatArray:
    """Per row of a distance matrix, about the median distance to the nodes (every ``step``-th
    node; ``inf`` when fewer than half are within the search): a search beyond it covers most
    of the graph, so a search in rounds should not grow further but go to its limit."""
    sub = dist[:, ::step]
    return np.asarray(np.partition(sub, sub.shape[1] // 2, axis=1)[:, sub.shape[1] // 2])


def sample_start(
    graph: ArcGraph,
    target_src: IntArray,
    target_node: IntArray,
    sources: IntArray,
    k: int = 4,
    quantile: float = 1.0,
) -> float:
    """A first-round limit for :func:`limited_searches`: the median, over up to ``k`` sources
    spread over ``sources``, of the ``quantile`` of the distances to each one's reachable
    targets (default 1: its farthest; ``inf`` when that is not positive)."""
    n_src = int(sources.shape[0])
    if n_src == 0:
        return float("inf")
    pick = np.unique(np.linspace(0, n_src - 1, min(k, n_src)).round().astype(np.int64))
    dist, _ = graph.trees(sources[pick], predecessors=False)
    far: list[float] = []
    for row, s in enumerate(pick.tolist()):
        d = dist[row, target_node[target_src == s]]
        d = d[np.isfinite(d)]
        if d.shape[0]:
            far.append(float(np.quantile(d, quantile)))
    start = float(np.median(far)) if far else float("inf")
    return start if start > 0 else float("inf")


def limited_searches(
    graph: ArcGraph,
    sources: IntArray,
    target_src: IntArray,
    target_node: IntArray,
    need: FloatArray,
    start: FloatArray,
    *,
    predecessors: bool,
    block: int,
    growth: float = 1.25,
    rounds: int = 12,
    full_at: FloatArray | None = None,
    backward: bool = True,
) -> Iterator[SearchBlock]:
    """Distances from sources to targets, each search stopped as early as its targets allow.

    Target ``i`` is node ``target_node[i]`` seen from ``sources[target_src[i]]``; its exact
    distance is needed only up to ``need[i]`` (``inf``: always): beyond it a lower bound
    ``>= need[i]`` is reported instead. ``start[i]`` is a guess of its distance. Searches grow in
    rounds: in round ``r`` target ``i`` asks for ``min(start[i] * growth**r, need[i])`` and a
    source is searched up to the largest limit its unsettled targets ask for; after ``rounds``
    rounds the rest are searched up to their need, and so is a source at once when the limit it
    asks for reaches ``full_at`` (per source, e.g. :func:`half_radius` of an earlier search: the
    rounds would then cost more than they save). A call of Dijkstra takes up to ``block``
    sources, sorted by their limits, under the largest limit among them; distances within a
    search's limit are exact (Dijkstra settles nodes in order of distance), so a search explores
    only the nodes within about ``growth`` times its farthest needed target (on a network of
    regions a neighbourhood, not the whole graph).

    ``backward``: from the second round on, a target still unsettled may instead be searched
    from its own node on the turned-around graph (one search per target node serves all the
    sources that seek it), up to the same limit or twice its node's last backward limit,
    whichever is farther. Each round takes, per target, the side whose last search reached
    fewer nodes (a backward side not yet searched counts as none). A far
    destination entered through a narrow corridor (a gateway at the end of a long line) then
    costs a search of its corridor's neighbourhood, not of every node nearer its source than it.
    Distances are exact either way; only a tie between equal shortest paths may fall otherwise.

    Yields one :class:`SearchBlock` per call; every target is settled exactly once.
    """
    n_src = int(sources.shape[0])
    pending = np.ones(target_src.shape[0], dtype=bool)
    t_order = np.argsort(target_src, kind="stable")
    t_bounds = np.searchsorted(target_src[t_order], np.arange(n_src + 1))
    nodes, node_of = np.unique(target_node, return_inverse=True)
    node_of = node_of.reshape(-1)
    n_order = np.argsort(node_of, kind="stable")
    n_bounds = np.searchsorted(node_of[n_order], np.arange(nodes.shape[0] + 1))
    fwd_size = np.zeros(n_src)  # nodes reached by each side's last search (0: none yet)
    bwd_size = np.zeros(nodes.shape[0])
    bwd_lim = np.zeros(nodes.shape[0])  # each target node's last backward limit

    def calls(live: IntArray, lim_l: FloatArray, reverse: bool) -> Iterator[SearchBlock]:
        """Dijkstra calls from the roots ``live`` (indices into ``sources``, or into ``nodes``
        for a ``reverse`` search), block by block in the order of their limits ``lim_l``; each
        settles the pending targets its roots serve."""
        roots, t_ord, t_bnd, size = (
            (nodes, n_order, n_bounds, bwd_size)
            if reverse
            else (sources, t_order, t_bounds, fwd_size)
        )
        order = np.argsort(lim_l, kind="stable")
        live, lim_l = live[order], lim_l[order]
        for lo in range(0, live.shape[0], block):
            rr = live[lo : lo + block]
            lim = float(lim_l[min(lo + block, live.shape[0]) - 1])
            dist, pred = graph.search(
                roots[rr], predecessors=predecessors, limit=lim, reverse=reverse
            )
            if backward:
                size[rr] = np.isfinite(dist).sum(axis=1)
            counts = t_bnd[rr + 1] - t_bnd[rr]
            offs = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
            tg = t_ord[np.repeat(t_bnd[rr], counts) + offs]
            loc = np.repeat(np.arange(rr.shape[0]), counts)
            keep = pending[tg]
            tg, loc = tg[keep], loc[keep]
            d = dist[loc, sources[target_src[tg]] if reverse else target_node[tg]]
            exact = np.isfinite(d)
            done = exact | (need[tg] <= lim) | (lim == np.inf)
            tg, loc, d, exact = tg[done], loc[done], d[done], exact[done]
            pending[tg] = False
            if tg.shape[0]:
                yield SearchBlock(
                    tg, np.where(exact, d, lim), exact, loc, pred,
                    np.zeros(0, dtype=np.int64) if reverse else rr, dist, reverse=reverse,
                )  # fmt: skip

    def forward(idx: IntArray, ask: FloatArray, last: bool) -> Iterator[SearchBlock]:
        src_lim = np.full(n_src, -np.inf)
        np.maximum.at(src_lim, target_src[idx], ask)
        live = np.flatnonzero(src_lim > -np.inf)
        lim_s = src_lim[live]
        if full_at is not None and not last:
            src_need = np.full(n_src, -np.inf)
            np.maximum.at(src_need, target_src[idx], need[idx])
            lim_s = np.where(lim_s >= full_at[live], src_need[live], lim_s)
        yield from calls(live, lim_s, reverse=False)

    def reverse(idx: IntArray, ask: FloatArray) -> Iterator[SearchBlock]:
        node_lim = np.full(nodes.shape[0], -np.inf)
        np.maximum.at(node_lim, node_of[idx], ask)
        live = np.flatnonzero(node_lim > -np.inf)
        node_need = np.full(nodes.shape[0], -np.inf)
        np.maximum.at(node_need, node_of[idx], need[idx])
        # a target node searched before goes at least twice as far as last time (its search is
        # the smaller side: growing it fast is cheap), never beyond its targets' need
        lim_n = np.minimum(np.maximum(node_lim[live], 2.0 * bwd_lim[live]), node_need[live])
        bwd_lim[live] = lim_n
        yield from calls(live, lim_n, reverse=True)

    for rnd in range(rounds + 1):
        idx = np.flatnonzero(pending)
        if not idx.shape[0]:
            return
        last = rnd == rounds
        ask = need[idx] if last else np.minimum(start[idx] * growth**rnd, need[idx])
        if backward and 0 < rnd and not last:
            back = fwd_size[target_src[idx]] > bwd_size[node_of[idx]]
        else:
            back = np.zeros(idx.shape[0], dtype=bool)
        yield from forward(idx[~back], ask[~back], last)
        if back.any():
            still = pending[idx[back]]
            yield from reverse(idx[back][still], ask[back][still])
