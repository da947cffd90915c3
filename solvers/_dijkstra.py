"""Compiled Dijkstra searches that stop once their targets are settled (numba).

Private module behind :func:`solvers.shortest_paths.target_searches`. One search per source on
a graph in compressed sparse rows (``indptr``, ``head``, ``weight``, ``arc``: the arc id of each
entry), with a binary heap (lazy deletion) and work arrays of one graph's size reused from one
search to the next: a search costs the nodes it settles, not the size of the graph, and it stops
as soon as the last of its targets is settled (or once the heap's minimum exceeds the largest
distance its targets need). Deterministic: the same graph and sources give the same distances
and the same tree paths (among equal shortest paths, the first found in heap order).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Settled = tuple[
    FloatArray, NDArray[np.bool_], NDArray[np.bool_], IntArray, IntArray, IntArray, IntArray
]
"""What :func:`_settle` returns: value, exact, deferred, path offset and length per target, the
paths' arcs, and the nodes settled per source."""


def _settle(  # pragma: no cover - compiled by numba; tested through target_searches
    indptr: IntArray,
    head: IntArray,
    weight: FloatArray,
    arc: IntArray,
    sources: IntArray,
    t_ptr: IntArray,
    t_index: IntArray,
    t_node: IntArray,
    t_need: FloatArray,
    paths: bool,
    defer: float,
) -> Settled:
    """Per source ``s``, its targets ``t_index[t_ptr[s]:t_ptr[s+1]]`` (indices into ``t_node``
    and ``t_need``). Returns per target its value (exact distance, or a lower bound above its
    need, or ``inf`` when unreachable), whether it is exact, whether it was deferred, and with
    ``paths`` the offset and length of its tree path in the returned arc array (arcs in the
    order walked: from the target back to the source); and per source the number of nodes its
    search settled.

    ``defer``: once a search has settled one of its targets, it gives up the targets left when
    it has settled more than ``defer`` times the nodes it had settled at its last target, plus
    64 (a far target beyond a corridor); those are returned ``deferred`` (value ``nan``), for a
    search from their own node. ``inf``: never."""
    n = indptr.shape[0] - 1
    n_t = t_node.shape[0]
    value = np.full(n_t, np.inf)
    exact = np.zeros(n_t, dtype=np.bool_)
    p_off = np.zeros(n_t, dtype=np.int64)
    p_len = np.zeros(n_t, dtype=np.int64)
    deferred = np.zeros(n_t, dtype=np.bool_)
    n_settled = np.zeros(sources.shape[0], dtype=np.int64)
    cap = 16 + (8 * n_t if paths else 0)
    p_arcs = np.empty(cap, dtype=np.int64)
    used = 0
    dist = np.full(n, np.inf)
    pred = np.full(n, -1, dtype=np.int64)
    pred_arc = np.full(n, -1, dtype=np.int64)
    settled = np.zeros(n, dtype=np.int64)  # stamp of the search that settled the node
    marked = np.zeros(n, dtype=np.int64)  # stamp of the search that seeks the node
    touched = np.empty(n, dtype=np.int64)
    h_cap = head.shape[0] + 1
    h_key = np.empty(h_cap)
    h_node = np.empty(h_cap, dtype=np.int64)
    for s in range(sources.shape[0]):
        lo = t_ptr[s]
        hi = t_ptr[s + 1]
        if lo == hi:
            continue
        stamp = s + 1
        pending = 0
        need_max = -np.inf
        for j in range(lo, hi):
            i = t_index[j]
            v = t_node[i]
            if marked[v] != stamp:
                marked[v] = stamp
                pending += 1
            if t_need[i] > need_max:
                need_max = t_need[i]
        root = sources[s]
        n_touched = 1
        touched[0] = root
        dist[root] = 0.0
        h_key[0] = 0.0
        h_node[0] = root
        size = 1
        stop = np.inf
        last = -1  # nodes settled when the last target was (-1: none yet)
        gave_up = False
        while size > 0:
            d = h_key[0]
            u = h_node[0]
            # pop: move the last entry to the top and sift it down
            size -= 1
            if size > 0:
                key = h_key[size]
                node = h_node[size]
                pos = 0
                while True:
                    c = 2 * pos + 1
                    if c >= size:
                        break
                    if c + 1 < size and h_key[c + 1] < h_key[c]:
                        c += 1
                    if h_key[c] < key:
                        h_key[pos] = h_key[c]
                        h_node[pos] = h_node[c]
                        pos = c
                    else:
                        break
                h_key[pos] = key
                h_node[pos] = node
            if settled[u] == stamp:
                continue  # a stale entry: the node was settled at a shorter distance
            if d > need_max:
                stop = d  # every target left is farther than its need
                break
            settled[u] = stamp
            n_settled[s] += 1
            if marked[u] == stamp:
                pending -= 1
                if pending == 0:
                    break
                last = n_settled[s]
            elif last >= 0 and n_settled[s] > defer * last + 64:
                gave_up = True
                break
            for e in range(indptr[u], indptr[u + 1]):
                v = head[e]
                nd = d + weight[e]
                if nd < dist[v]:
                    if dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = nd
                    pred[v] = u
                    pred_arc[v] = arc[e]
                    # push: sift up
                    pos = size
                    size += 1
                    while pos > 0:
                        parent = (pos - 1) // 2
                        if h_key[parent] > nd:
                            h_key[pos] = h_key[parent]
                            h_node[pos] = h_node[parent]
                            pos = parent
                        else:
                            break
                    h_key[pos] = nd
                    h_node[pos] = v
        for j in range(lo, hi):
            i = t_index[j]
            v = t_node[i]
            if settled[v] == stamp:
                value[i] = dist[v]
                exact[i] = True
                if paths:
                    length = 0
                    w = v
                    while w != root:
                        length += 1
                        w = pred[w]
                    if used + length > cap:
                        cap = max(2 * cap, used + length)
                        grown = np.empty(cap, dtype=np.int64)
                        grown[:used] = p_arcs[:used]
                        p_arcs = grown
                    p_off[i] = used
                    p_len[i] = length
                    w = v
                    while w != root:
                        p_arcs[used] = pred_arc[w]
                        used += 1
                        w = pred[w]
            elif gave_up:
                value[i] = np.nan
                deferred[i] = True
            else:
                value[i] = stop
        for j in range(n_touched):
            dist[touched[j]] = np.inf
    return value, exact, deferred, p_off, p_len, p_arcs[:used], n_settled


_compiled: Any = None


def settle(
    indptr: IntArray,
    head: IntArray,
    weight: FloatArray,
    arc: IntArray,
    sources: IntArray,
    t_ptr: IntArray,
    t_index: IntArray,
    t_node: IntArray,
    t_need: FloatArray,
    paths: bool,
    defer: float,
) -> Settled:
    """:func:`_settle` compiled (on first use; numba caches the machine code on disk)."""
    global _compiled
    if _compiled is None:
        import numba

        _compiled = numba.njit(cache=True, nogil=True)(_settle)
    out: Settled = _compiled(
        indptr, head, weight, arc, sources, t_ptr, t_index, t_node, t_need, paths, defer
    )
    return out


def warm() -> None:
    """Load (or compile) the machine code now, e.g. to time it apart from a first search."""
    one = np.zeros(1, dtype=np.int64)
    settle(
        np.zeros(2, dtype=np.int64), one[:0], np.zeros(0), one[:0], one, np.array([0, 1]),
        one, one, np.zeros(1), True, np.inf,
    )  # fmt: skip
