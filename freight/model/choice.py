"""The choice set of the behavioural model, generated on the virtual graph.

For each commodity and each feasible *chain set* — road only; rail, water or air with road
access; rail and water together (:data:`CHAIN_SETS`, kept to the commodity's allowed modes) — the
cheapest path that uses every main mode of the set at least once and no mode outside it (road is
always allowed, for access) is found by Dijkstra on a layered copy of the graph: layer ``L`` is a
bit mask of the main modes already used, a link of main mode ``m`` leads to layer ``L | bit(m)``,
the origin is in layer 0 and the destination in the full layer. Then a route alternative within
each set: the link arcs of the origin's shortest-path tree are made :data:`ROUTE_PENALTY` times
dearer, and the handling arcs of its terminals :data:`TERMINAL_PENALTY` times, and the search is
repeated (the link-penalty method): the alternative takes another route or another terminal of the same
place (e.g. a port's bulk berths beside its container terminal); the air set gets one search more
(:data:`EXTRA_ROUTES`: its routes are airports). Paths are deduplicated per OD.

The *nest* of a path (its mode chain) is the sequence of modes of its links, repeats collapsed:
``road``, ``road-rail-road``, ``road-water-rail-road`` …; paths of one OD with the same sequence
share a nest. Search costs are the free-flow generalized costs at the background's congestion
(:func:`freight.model.behavioural.free_flow_cost`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from freight.data.schema import MODES
from freight.model.graph import LINK, DemandArrays, VirtualGraph

CHAIN_SETS: tuple[tuple[str, ...], ...] = (
    (),
    ("rail",),
    ("water",),
    ("air",),
    ("rail", "water"),
)
"""Main modes of each chain set searched (road is always allowed for access)."""

ROUTE_PENALTY = 1.5
"""Cost multiplier on the links of the first search's tree for the route alternative
(assumption: large enough to find a distinct route where one exists within 50 % of the best)."""

TERMINAL_PENALTY = 3.0
"""Cost multiplier on the handling arcs of the first search's paths for the route alternative
(assumption: a second terminal of the same place whose handling charge is up to 3 x the first's
is found, e.g. a port's container terminal at 40 CNY/t beside its bulk berths at 15 CNY/t, so
that a binding terminal can spill to its neighbour; the choice set has no capacity-driven column
generation)."""

ROUTES_PER_SET = 2
"""Searches per chain set: the best path and one link-penalty alternative."""

EXTRA_ROUTES: dict[tuple[str, ...], int] = {("air",): 1}
"""More link-penalty searches for some chain sets (assumption): an air chain's routes are its
airports, and an origin between several (Yibin: its own, Luzhou's and Chongqing's within a few
tens of CNY/t) needs a third search to reach the third, so that each airport's catchment is a
choice and not the by-product of a few km of flight length."""


@dataclass(frozen=True, eq=False)
class ChoiceSet:
    """Paths of every demand row (OD-class), their nests and incidence.

    Attributes
    ----------
    path_arcs
        Arc indices of each path, in order.
    path_od
        Demand row of each path, ``(n_paths,)``.
    path_nest
        Global nest index of each path, ``(n_paths,)``.
    nest_od
        Demand row of each nest, ``(n_nests,)``.
    nest_label
        Mode chain of each nest, e.g. ``road-rail-road``.
    incidence
        Path × arc incidence (times the path uses the arc), CSR ``(n_paths, n_arcs)``.
    """

    path_arcs: tuple[tuple[int, ...], ...]
    path_od: NDArray[np.int64]
    path_nest: NDArray[np.int64]
    nest_od: NDArray[np.int64]
    nest_label: tuple[str, ...]
    incidence: sp.csr_matrix

    @property
    def n_paths(self) -> int:
        """Number of paths."""
        return len(self.path_arcs)


def chain_label(g: VirtualGraph, arcs: tuple[int, ...]) -> str:
    """Mode sequence of a path's links, repeats collapsed (``road-rail-road``)."""
    seq: list[str] = []
    for a in arcs:
        if g.kind[a] == LINK:
            m = MODES[int(g.mode[a])]
            if not seq or seq[-1] != m:
                seq.append(m)
    return "-".join(seq) if seq else "none"


def _node_mode(g: VirtualGraph) -> NDArray[np.int64]:
    known = g.meta.get("node_mode")
    if known is not None:  # the graph's own (hubs' arrival nodes included)
        return np.asarray(known, dtype=np.int64)
    out = np.full(g.n_nodes, -1, dtype=np.int64)
    for (_, m), n in g.mode_node.items():
        out[n] = MODES.index(m)
    return out


def generate(
    g: VirtualGraph,
    d: DemandArrays,
    cost: NDArray[np.float64],
    usable: NDArray[np.bool_],
    allowed_modes: Sequence[frozenset[str]],
    *,
    chain_sets: tuple[tuple[str, ...], ...] = CHAIN_SETS,
    routes_per_set: int = ROUTES_PER_SET,
    penalty: float = ROUTE_PENALTY,
    terminal_penalty: float = TERMINAL_PENALTY,
) -> ChoiceSet:
    """Generate the choice set of the module docstring.

    Parameters
    ----------
    g
        The virtual graph.
    d
        Its demand rows.
    cost
        Search cost per commodity and arc, CNY/t (finite, ≥ 0), ``(n_commodities, n_arcs)``.
    usable
        Arcs each commodity may use, ``(n_commodities, n_arcs)`` (allowed and not closed).
    allowed_modes
        Allowed modes of each commodity.
    chain_sets, routes_per_set, penalty, terminal_penalty
        See :data:`CHAIN_SETS`, :data:`ROUTES_PER_SET`, :data:`ROUTE_PENALTY`,
        :data:`TERMINAL_PENALTY`.

    Returns
    -------
    ChoiceSet
        Paths ordered by demand row, then by nest label, then by arcs (deterministic).
    """
    node_mode = _node_mode(g)
    tm, hm = node_mode[g.tail], node_mode[g.head]
    link = g.kind == LINK
    handling = g.is_handling
    n = g.n_nodes
    found: dict[int, set[tuple[int, ...]]] = {}
    for k in range(len(g.commodities)):
        rows = np.flatnonzero(d.commodity == k)
        if rows.size == 0:
            continue
        origins = np.unique(d.origin[rows])
        for cs in chain_sets:
            if any(m not in allowed_modes[k] for m in cs):
                continue
            ok_modes = {MODES.index("road"), *(MODES.index(m) for m in cs)}
            ok_end = np.array([m == -1 or m in ok_modes for m in range(-1, len(MODES))])
            arc_ok = usable[k] & ok_end[tm + 1] & ok_end[hm + 1]
            bit = np.zeros(g.n_arcs, dtype=np.int64)
            for i, m in enumerate(cs):
                bit[link & (g.mode == MODES.index(m))] = 1 << i
            n_layers = 1 << len(cs)
            full = n_layers - 1
            idx = _cheapest_parallel(g, np.flatnonzero(arc_ok), cost[k])
            lay = _Layered(g, idx, bit[idx], n, n_layers)
            base_cost = cost[k, idx]
            for o in origins:
                c = base_cost.copy()
                n_routes = routes_per_set + EXTRA_ROUTES.get(cs, 0)
                for r in range(n_routes):
                    pred = lay.search(c, int(o))
                    used: set[int] = set()
                    for row in rows[d.origin[rows] == o]:
                        path = lay.trace(pred, int(d.destination[row]), full, int(o))
                        if path is None:
                            continue
                        found.setdefault(int(row), set()).add(path)
                        used.update(path)
                    if r + 1 < n_routes and used:
                        pos = np.searchsorted(idx, np.fromiter(used, np.int64))
                        c[pos[link[idx[pos]]]] *= penalty
                        c[pos[handling[idx[pos]]]] *= terminal_penalty
    return _assemble(g, d, found)


def _cheapest_parallel(
    g: VirtualGraph, idx: NDArray[np.int64], cost: NDArray[np.float64]
) -> NDArray[np.int64]:
    """``idx`` without parallel arcs (same tail and head): the cheapest of each, sorted."""
    order = np.lexsort((cost[idx], g.head[idx], g.tail[idx]))
    s = idx[order]
    first = np.ones(s.size, dtype=bool)
    first[1:] = (g.tail[s][1:] != g.tail[s][:-1]) | (g.head[s][1:] != g.head[s][:-1])
    return np.sort(s[first])


class _Layered:
    """The layered copy of the graph for one commodity and chain set (fixed structure)."""

    def __init__(
        self,
        g: VirtualGraph,
        idx: NDArray[np.int64],
        bit: NDArray[np.int64],
        n: int,
        n_layers: int,
    ) -> None:
        layers = np.arange(n_layers, dtype=np.int64)
        tails = (layers[:, None] * n + g.tail[idx][None, :]).ravel()
        heads = ((layers[:, None] | bit[None, :]) * n + g.head[idx][None, :]).ravel()
        arcs = np.tile(idx, n_layers)
        # arcs whose bit is already set in the layer map a layer onto itself: parallel copies
        # cannot arise because idx has no parallel arcs and (layer, bit) -> layer | bit is 1:1
        order = np.lexsort((heads, tails))
        self.order = order
        self.n_layers = n_layers
        self.n = n
        size = n * n_layers
        self.size = size
        t_sorted, h_sorted = tails[order], heads[order]
        self.indptr = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(np.bincount(t_sorted, minlength=size), out=self.indptr[1:])
        self.indices = h_sorted
        self.arc_of = dict(
            zip(zip(t_sorted.tolist(), h_sorted.tolist(), strict=True),
                arcs[order].tolist(), strict=True)
        )  # fmt: skip

    def search(self, cost: NDArray[np.float64], origin: int) -> NDArray[np.int32]:
        """Predecessors of Dijkstra from ``(origin, layer 0)`` with arc costs ``cost`` (of idx)."""
        w = np.tile(cost + 1e-9, self.n_layers)[self.order]
        mat = sp.csr_matrix((w, self.indices, self.indptr), shape=(self.size, self.size))
        _, pred = dijkstra(mat, directed=True, indices=origin, return_predecessors=True)
        return np.asarray(pred)

    def trace(
        self, pred: NDArray[np.int32], dest: int, full: int, origin: int
    ) -> tuple[int, ...] | None:
        """Arcs from the origin to ``(dest, full layer)``, or None if unreachable."""
        v = full * self.n + dest
        if pred[v] < 0:
            return None
        out: list[int] = []
        while v != origin:
            u = int(pred[v])
            out.append(self.arc_of[(u, v)])
            v = u
        out.reverse()
        return tuple(out)


def with_paths(
    g: VirtualGraph, d: DemandArrays, choice: ChoiceSet, extra: dict[int, set[tuple[int, ...]]]
) -> ChoiceSet:
    """``choice`` with more paths per demand row (duplicates dropped; same ordering rules)."""
    found: dict[int, set[tuple[int, ...]]] = {}
    for p, row in zip(choice.path_arcs, choice.path_od.tolist(), strict=True):
        found.setdefault(int(row), set()).add(p)
    for row, paths in extra.items():
        found.setdefault(row, set()).update(paths)
    return _assemble(g, d, found)


def _assemble(
    g: VirtualGraph, d: DemandArrays, found: dict[int, set[tuple[int, ...]]]
) -> ChoiceSet:
    path_arcs: list[tuple[int, ...]] = []
    path_od: list[int] = []
    path_nest: list[int] = []
    nest_od: list[int] = []
    nest_label: list[str] = []
    for row in range(len(d.tonnes)):
        paths = found.get(row, set())
        labelled = sorted((chain_label(g, p), p) for p in paths)
        nest_of: dict[str, int] = {}
        for label, p in labelled:
            if label not in nest_of:
                nest_of[label] = len(nest_label)
                nest_label.append(label)
                nest_od.append(row)
            path_arcs.append(p)
            path_od.append(row)
            path_nest.append(nest_of[label])
    indptr = np.zeros(len(path_arcs) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(p) for p in path_arcs])
    indices = np.fromiter((a for p in path_arcs for a in p), np.int64, int(indptr[-1]))
    inc = sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(len(path_arcs), g.n_arcs))
    inc.sum_duplicates()
    return ChoiceSet(
        path_arcs=tuple(path_arcs),
        path_od=np.asarray(path_od, dtype=np.int64),
        path_nest=np.asarray(path_nest, dtype=np.int64),
        nest_od=np.asarray(nest_od, dtype=np.int64),
        nest_label=tuple(nest_label),
        incidence=inc,
    )
