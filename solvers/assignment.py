"""Static equilibrium traffic assignment with congestion (BPR link times).

Problem
-------
Demand row ``d`` moves ``demand[d]`` units (tonnes, vehicles, …: the caller's unit) from
``origin[d]`` to ``destination[d]`` as class ``demand_class[d]``. Class ``k`` counts ``pcu[k]``
capacity units per demand unit (tonnes → vehicles); congestion on arc ``a`` depends on the
capacity-unit flow ``X_a = Σ_k pcu[k] · x_ka``. The time on arc ``a`` is the BPR function

    t_a(X) = free_flow_time_a · (1 + alpha_a · (X / capacity_a) ** beta_a)

and the generalized cost per demand unit of class ``k`` is ``t_a(X_a) + F_ka`` with
``F_k = fixed_cost + class_fixed_cost[k]`` (in the same unit as time; fold money into time with a
value of time before calling). Arcs with ``alpha == 0``, ``beta == 0``, ``free_flow_time == 0``
or ``capacity == inf`` have a constant time (``fft · (1 + alpha)`` when ``beta == 0``, else
``fft``).

- ``objective="ue"`` (user equilibrium, Wardrop's first principle): every used path of an OD
  pair and class has the least generalized cost. It minimizes the Beckmann potential
  ``Σ_a ∫_0^{X_a} t_a(w) dw + Σ_k pcu_k F_k · x_k``.
- ``objective="so"`` (system optimum): minimizes the total cost
  ``Σ_a X_a t_a(X_a) + Σ_k pcu_k F_k · x_k``; paths are chosen on marginal cost
  ``t + X t'`` (+ fixed cost). For BPR that is the same problem as a UE with
  ``alpha · (beta + 1)`` in place of ``alpha``, which is how it is solved.

With several classes the potential weights each class by ``pcu`` (scaling one class's costs by
a positive constant does not change its route choice, and makes the cost Jacobian symmetric, so
the equilibrium still minimizes one convex function); likewise the system optimum minimizes the
pcu-weighted total cost (a total in capacity units, e.g. vehicle-hours). With one class and
``pcu = 1`` (the default) these are the textbook Beckmann objective and total cost. Each class
gets its own shortest-path trees (its own costs).

Method
------
Link-based Frank–Wolfe family (``ALGORITHMS``): ``"fw"`` (Frank–Wolfe), ``"cfw"`` (conjugate FW)
and ``"bfw"`` (bi-conjugate FW, Mitradjieva & Lindberg 2013, *Transportation Science* 47(2)), the
default. The conjugate directions use the diagonal Hessian ``t'(X)`` of the potential. The step
is an exact line search: a safeguarded Newton/bisection root search of the derivative of the
objective along the direction (a monotone function of the step, vectorized over arcs), to
``1e-12`` relative precision. A direction that is not a descent direction is replaced by the FW
direction, and the conjugate history restarts after a full step.

All-or-nothing loads come from ``scipy.sparse.csgraph.dijkstra`` shortest-path trees, one per
origin (``indices`` = the distinct origins of a class, in chunks that bound memory), read through
their predecessor matrices. Dijkstra runs on the *core* graph: pendant nodes — those whose arcs
all join them to one other node, such as a zone on a single pair of connectors or a dead end —
are left out, since no shortest path passes through them; a path from a pendant origin is its
arc to its attachment node followed by that node's tree, a path to a pendant destination ends
with the arc from it (fixed loads, added once per assignment). On Chicago-Sketch this drops 391
of 933 nodes and cuts the Dijkstra time by about a third; the paths are the same. Loads are
pushed along the trees without any Python loop per OD pair or per arc: two tables per chunk give
each (tree, node) its parent and the arc into it, every OD pair of a chunk is a "walker" at its
destination, and each step moves all unfinished walkers one arc up their trees at once (two
gathers and an ``np.bincount`` of their demand onto the arcs) — a loop over the tree depth,
typically tens of steps; walkers that meet on a tree node are merged now and then. (Accumulating subtree sums over whole trees level by level, by pointer
doubling or in breadth-first order, was measured no faster: it touches every node of every tree,
while walkers touch only the paths that carry demand.) Parallel arcs: the shortest-path graph
keeps, per (tail, head) pair, the cheapest parallel arc at the current costs (ties: the lowest
arc index), and that arc carries the pair's load.

Nodes flagged ``no_through`` may start or end paths but are never passed through (TNTP's
"first thru node" rule for zones). They are split: the node keeps its incoming arcs, and a copy
of it holds its outgoing arcs and serves as the start of paths from it.

Relative gap, evaluated at the current flows ``x`` before each step, with the costs ``c(x)`` the
paths are chosen on (generalized cost for UE, marginal cost for SO) and the all-or-nothing flows
``y`` at those costs::

    gap = (TSTT - SPTT) / TSTT,  TSTT = Σ_k pcu_k c_k(x) · x_k,  SPTT = Σ_k pcu_k c_k(x) · y_k

It is non-negative and zero exactly at equilibrium; ``TSTT · gap`` bounds the distance of the
objective from its optimum. It is the relative gap of AequilibraE, TAPAS and most of the
literature; note that AequilibraE evaluates it with the flows *after* the step of an iteration
but the costs and shortest paths from *before* it, which is the gap of no single flow vector
(benchmarks/perf/bench_assignment.py recomputes it for AequilibraE's flows).

Demand whose destination cannot be reached from its origin is not assigned: it is reported per
demand row in ``AssignmentResult.unserved`` and an ``UnservedDemandWarning`` is issued.
Intrazonal demand (``origin == destination``) is ignored (never unserved).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "AssignmentInputError",
    "AssignmentResult",
    "ConvergenceWarning",
    "UnservedDemandWarning",
    "all_or_nothing",
    "solve",
]

#: Tree nodes (origins × nodes) per shortest-path chunk; bounds the memory of one AON call.
_CHUNK_ELEMENTS = 1 << 21
#: Largest node count for which (tail, head) → pair ids use a dense lookup table.
_DENSE_LOOKUP_NODES = 2048
#: Walkers are merged (one per tree node) at steps 3, 6, 12, … while they are at least this
#: share of the chunk's tree nodes (a merge costs a pass over them). On Chicago-Sketch 93,000
#: walkers stand on 50,000 nodes by step 3; merging there and at step 6 cuts the walk's CPU time
#: by about 20 % (merging at step 1 or 2 as well gains nothing).
_MERGE_MIN_SHARE = 0.1
#: Largest conjugate weight of CFW (keeps the direction from collapsing onto the old one).
_CONJUGATE_MAX = 1.0 - 1e-5
#: Relative precision of the exact line search on the step size.
_LINE_SEARCH_RTOL = 1e-12


class AssignmentInputError(ValueError):
    """Invalid input to :func:`solve` or :func:`all_or_nothing` (the message names the field)."""


class ConvergenceWarning(UserWarning):
    """The relative gap target was not reached within ``max_iter`` iterations."""


class UnservedDemandWarning(UserWarning):
    """Some demand has no path from its origin to its destination and was not assigned."""


@dataclass(frozen=True, eq=False)
class AssignmentResult:
    """Result of :func:`solve` (immutable).

    Attributes
    ----------
    status
        ``"optimal"`` (gap exactly 0, e.g. constant link times), ``"converged"`` (relative gap
        ≤ target) or ``"not_converged"`` (``max_iter`` reached first; a ``ConvergenceWarning``
        was issued).
    objective
        Beckmann potential (``"ue"``) or total system cost (``"so"``), pcu-weighted (see the
        module docstring); time units × capacity units.
    flow
        Flow per arc summed over classes, demand units, shape ``(n_arcs,)``.
    class_flow
        Flow per class and arc, demand units, shape ``(n_classes, n_arcs)``.
    vehicle_flow
        ``Σ_k pcu_k · class_flow[k]``, capacity units, shape ``(n_arcs,)``: what congests.
    time
        BPR time per arc at the final flows (without fixed costs), shape ``(n_arcs,)``.
    class_cost
        Generalized cost per demand unit (time + fixed cost) per class and arc at the final
        flows, shape ``(n_classes, n_arcs)``.
    total_cost
        ``Σ_k pcu_k · class_cost[k] · class_flow[k]`` — total generalized cost, pcu-weighted.
    relative_gap
        Relative gap of the final flows (definition in the module docstring).
    iterations
        Number of equilibration iterations (gap evaluations); each costs one all-or-nothing
        assignment, plus one for the initial free-flow loading.
    converged
        ``relative_gap <= gap`` target.
    history
        Relative gap at each iteration, shape ``(iterations,)``; ``history[-1] == relative_gap``.
    unserved
        Demand per demand row that has no path (demand units), shape ``(n_demands,)``.
    algorithm
        Name of the algorithm used (a key of :data:`ALGORITHMS`).
    objective_type
        ``"ue"`` or ``"so"``.
    runtime
        Wall time of the solve, seconds.
    """

    status: str
    objective: float
    flow: FloatArray
    class_flow: FloatArray
    vehicle_flow: FloatArray
    time: FloatArray
    class_cost: FloatArray
    total_cost: float
    relative_gap: float
    iterations: int
    converged: bool
    history: FloatArray
    unserved: FloatArray
    algorithm: str
    objective_type: str
    runtime: float

    def summary(self) -> str:
        """One line: status, objective, gap, iterations, runtime."""
        return (
            f"{self.algorithm}/{self.objective_type}: {self.status}, objective "
            f"{self.objective:.10g}, relative gap {self.relative_gap:.3e} after "
            f"{self.iterations} iterations, {self.runtime:.3f} s"
        )


# ---------------------------------------------------------------------------------------------
# Link performance (BPR)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Bpr:
    """BPR link costs split into variable arcs (index ``var``) and constant-time arcs."""

    n_arcs: int
    var: IntArray
    fft: FloatArray  # on var arcs
    alpha: FloatArray  # on var arcs (already × (beta + 1) for the system optimum)
    inv_cap: FloatArray  # on var arcs
    beta: FloatArray  # on var arcs
    beta_m1: FloatArray  # beta - 1 on var arcs
    const_time: FloatArray  # all arcs; time of constant arcs, 0 on var arcs

    @staticmethod
    def build(fft: FloatArray, cap: FloatArray, alpha: FloatArray, beta: FloatArray) -> _Bpr:
        variable = (alpha > 0) & (beta > 0) & (fft > 0) & np.isfinite(cap)
        var = np.flatnonzero(variable).astype(np.int64)
        const_time = np.where(beta == 0, fft * (1.0 + alpha), fft)
        const_time[var] = 0.0
        return _Bpr(
            n_arcs=fft.size,
            var=var,
            fft=fft[var],
            alpha=alpha[var],
            inv_cap=1.0 / cap[var],
            beta=beta[var],
            beta_m1=beta[var] - 1.0,
            const_time=const_time,
        )

    def time(self, x: FloatArray) -> FloatArray:
        """Link time at capacity-unit flows ``x`` (all arcs)."""
        t = self.const_time.copy()
        r = x[self.var] * self.inv_cap
        t[self.var] = self.fft * (1.0 + self.alpha * r**self.beta)
        return t

    def derivative(self, x: FloatArray) -> FloatArray:
        """d time / d flow at ``x`` (all arcs; 0 on constant arcs)."""
        d = np.zeros(self.n_arcs)
        r = x[self.var] * self.inv_cap
        d[self.var] = self.fft * self.alpha * self.beta * self.inv_cap * r**self.beta_m1
        return d

    def integral(self, x: FloatArray) -> float:
        """``Σ_a ∫_0^{x_a} t_a(w) dw``."""
        xv = x[self.var]
        r = xv * self.inv_cap
        v = self.fft * xv * (1.0 + self.alpha * r**self.beta / (self.beta + 1.0))
        return float(np.sum(v) + self.const_time @ x)


# ---------------------------------------------------------------------------------------------
# Shortest-path graph and all-or-nothing loading
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Graph:
    """Shortest-path graph on (tail, head) pairs: zones split for ``no_through``, pendant nodes
    taken out of the *core* graph that Dijkstra runs on (see :meth:`build`)."""

    n_nodes: int  # after splitting
    n_arcs: int
    n_pairs: int
    arc_pair: IntArray  # pair of each arc
    pair_arc: IntArray  # arc of each pair when there are no parallel arcs
    parallel: bool
    group_start: IntArray  # first position of each pair in arcs sorted by pair
    source_of: IntArray  # node → node that starts paths from it (its copy if split)
    pendant: NDArray[np.bool_]  # split node → taken out of the core graph
    attach: IntArray  # split node → its core node; a pendant node → the core node it hangs on
    out_pair: IntArray  # pendant node → pair (node, attach), -1 if none or not pendant
    in_pair: IntArray  # pendant node → pair (attach, node), -1 if none or not pendant
    n_core: int
    indptr: NDArray[np.int32]  # core graph, CSR over core nodes
    indices: NDArray[np.int32]
    core_pair: IntArray  # pair of each core CSR entry
    core_keys: IntArray  # tail * n_core + head of each core CSR entry, sorted
    dense: NDArray[np.int32] | None  # core CSR entry by tail * n_core + head, -1 if none

    @staticmethod
    def build(
        n_nodes: int, tail: IntArray, head: IntArray, no_through: NDArray[np.bool_]
    ) -> _Graph:
        """Pairs, zone splitting and the core graph.

        A node is *pendant* when all its arcs (self-loops aside) join it to one other node
        ``a`` that is not pendant itself — a zone on a single pair of connectors, a dead end.
        No shortest path passes through it (that would be the cycle ``a → node → a``), so it is
        left out of the core graph: a path from it is its arc to ``a`` plus the tree from
        ``a``, a path to it the path to ``a`` plus the arc from ``a``. Same paths, smaller
        Dijkstra.
        """
        split = np.flatnonzero(no_through)
        source_of = np.arange(n_nodes, dtype=np.int64)
        source_of[split] = n_nodes + np.arange(split.size)
        n = n_nodes + split.size
        tail_s = source_of[tail]  # outgoing arcs of a no-through node leave from its copy
        key = tail_s * n + head
        keys, arc_pair = np.unique(key, return_inverse=True)
        arc_pair = arc_pair.astype(np.int64).ravel()
        n_pairs = keys.size
        parallel = n_pairs < tail.size
        if parallel:
            order = np.argsort(arc_pair, kind="stable")
            group_start = np.searchsorted(arc_pair[order], np.arange(n_pairs)).astype(np.int64)
            pair_arc = np.empty(0, dtype=np.int64)
        else:
            group_start = np.empty(0, dtype=np.int64)
            pair_arc = np.empty(n_pairs, dtype=np.int64)
            pair_arc[arc_pair] = np.arange(tail.size)
        pair_tail = keys // n
        pair_head = keys % n
        # Pendant nodes: exactly one neighbour (either direction), itself not pendant.
        link = pair_tail != pair_head
        ends = np.concatenate([pair_tail[link], pair_head[link]])
        other = np.concatenate([pair_head[link], pair_tail[link]])
        nb = np.unique(ends * n + other)
        nb_node = nb // n
        n_nb = np.bincount(nb_node, minlength=n)
        single = n_nb[nb_node] == 1
        neighbour = np.full(n, -1, dtype=np.int64)
        neighbour[nb_node[single]] = nb[single] % n
        candidate = n_nb == 1
        pendant = candidate.copy()
        pendant[candidate] = ~candidate[neighbour[candidate]]  # two nodes joined only: keep
        core_nodes = np.flatnonzero(~pendant)
        n_core = core_nodes.size
        core_of = np.full(n, -1, dtype=np.int64)
        core_of[core_nodes] = np.arange(n_core)
        attach = core_of.copy()
        pend = np.flatnonzero(pendant)
        attach[pend] = core_of[neighbour[pend]]
        out_pair = np.full(n, -1, dtype=np.int64)
        in_pair = np.full(n, -1, dtype=np.int64)
        out_pair[pend] = _find(keys, pend * n + neighbour[pend])
        in_pair[pend] = _find(keys, neighbour[pend] * n + pend)
        # Core graph: pairs between core nodes (self-loops never shorten a path).
        core_pair = np.flatnonzero(link & ~pendant[pair_tail] & ~pendant[pair_head])
        ct = core_of[pair_tail[core_pair]]
        ch = core_of[pair_head[core_pair]]
        core_keys = ct * n_core + ch  # sorted: keys are, and core_of is increasing
        indptr = np.zeros(n_core + 1, dtype=np.int32)
        np.cumsum(np.bincount(ct, minlength=n_core), out=indptr[1:])
        dense: NDArray[np.int32] | None = None
        if n_core <= _DENSE_LOOKUP_NODES:
            dense = np.full(n_core * n_core, -1, dtype=np.int32)
            dense[core_keys] = np.arange(core_pair.size, dtype=np.int32)
        return _Graph(
            n_nodes=n,
            n_arcs=tail.size,
            n_pairs=n_pairs,
            arc_pair=arc_pair,
            pair_arc=pair_arc,
            parallel=parallel,
            group_start=group_start,
            source_of=source_of,
            pendant=pendant,
            attach=attach,
            out_pair=out_pair,
            in_pair=in_pair,
            n_core=n_core,
            indptr=indptr,
            indices=ch.astype(np.int32),
            core_pair=core_pair.astype(np.int64),
            core_keys=core_keys,
            dense=dense,
        )

    def csr(self) -> csr_matrix:
        """A CSR matrix of the core graph (explicit entries, zero costs kept as arcs)."""
        data = np.zeros(self.indices.size)
        return csr_matrix((data, self.indices, self.indptr), shape=(self.n_core, self.n_core))

    def chosen_arcs(self, cost: FloatArray) -> IntArray:
        """The arc of each pair: the cheapest of its parallel arcs (ties: lowest index)."""
        if not self.parallel:
            return self.pair_arc
        order = np.lexsort((cost, self.arc_pair))  # by pair, then cost, then arc index
        chosen: IntArray = order[self.group_start]
        return chosen

    def entries(self, tail: NDArray[np.int32], head: NDArray[np.int32]) -> NDArray[np.intp]:
        """Core CSR entry of each core (tail, head); meaningless where there is none."""
        if self.dense is not None:  # n_core <= 2048: the key fits in int32
            found: NDArray[np.intp] = self.dense[tail * np.int32(self.n_core) + head]
        else:
            found = np.searchsorted(self.core_keys, tail.astype(np.int64) * self.n_core + head)
        return found


def _find(keys: IntArray, query: IntArray) -> IntArray:
    """Position of each ``query`` in the sorted ``keys``, -1 where absent."""
    pos = np.searchsorted(keys, query)
    inside = pos < keys.size
    hit = np.zeros(query.size, dtype=bool)
    hit[inside] = keys[pos[inside]] == query[inside]
    return np.where(hit, pos, -1).astype(np.int64)


@dataclass
class _Chunk:
    """A batch of core origins of one class and their aggregated demand."""

    sources: IntArray  # core source node per row of the shortest-path matrices
    cell: IntArray  # row * n_core + core destination, unique
    amount: FloatArray  # demand per cell
    rows: IntArray  # positions (among the loader's demand rows) of this chunk's rows
    row_cell: IntArray  # cell of each of those rows


class _Loader:
    """All-or-nothing loading of one demand class."""

    def __init__(
        self,
        graph: _Graph,
        origin: IntArray,
        destination: IntArray,
        demand: FloatArray,
        rows: IntArray,
    ) -> None:
        g = graph
        self.graph = g
        self._csr = g.csr()  # its data (pair costs) is rewritten by each load
        self.rows = rows
        self.demand = demand
        src = g.source_of[origin]
        self.o_pair = g.out_pair[src]
        self.d_pair = g.in_pair[destination]
        # A pendant origin without an arc out, or destination without an arc in: no path.
        dead = (g.pendant[src] & (self.o_pair < 0)) | (g.pendant[destination] & (self.d_pair < 0))
        self.ok = ~dead  # reachable (core paths are checked by the first load)
        self.unreachable_rows: list[IntArray] = [rows[dead]] if dead.any() else []
        o_core = g.attach[src]
        d_core = g.attach[destination]
        need = np.flatnonzero(self.ok & (o_core != d_core))  # rows with a core path
        m = g.n_core
        sources, src_row = np.unique(o_core[need], return_inverse=True)
        src_row = src_row.ravel()
        per_chunk = max(1, _CHUNK_ELEMENTS // max(m, 1))
        self.chunks: list[_Chunk] = []
        for start in range(0, sources.size, per_chunk):
            stop = min(start + per_chunk, sources.size)
            sel = (src_row >= start) & (src_row < stop)
            cell, row_cell = np.unique(
                (src_row[sel] - start) * m + d_core[need[sel]], return_inverse=True
            )
            row_cell = row_cell.ravel().astype(np.int64)
            amount = np.bincount(row_cell, weights=demand[need[sel]], minlength=cell.size).astype(
                np.float64
            )
            self.chunks.append(
                _Chunk(sources[start:stop].astype(np.int64), cell, amount, need[sel], row_cell)
            )
        self._pend_pair = np.empty(0, dtype=np.int64)
        self._pend_amount = np.empty(0)
        self._checked = False

    def load(self, cost: FloatArray) -> FloatArray:
        """Arc flows (demand units) of all-or-nothing assignment at arc costs ``cost``."""
        g = self.graph
        chosen = g.chosen_arcs(cost)
        self._csr.data[:] = cost[chosen[g.core_pair]]
        entry_flow = np.zeros(g.core_pair.size + 1)  # per core CSR entry, + a sentinel
        for chunk in self.chunks:
            if chunk.cell.size == 0:
                continue
            pred = dijkstra(
                self._csr, directed=True, indices=chunk.sources, return_predecessors=True
            )[1]
            if not self._checked:
                self._drop_unreachable(chunk, pred)
            entry_flow += self._walk(pred, chunk.cell, chunk.amount)
        if not self._checked:
            self._set_pendant_loads()
            self._checked = True
        flow = np.zeros(g.n_arcs)
        flow += np.bincount(chosen[g.core_pair], weights=entry_flow[:-1], minlength=g.n_arcs)
        if self._pend_pair.size:
            flow += np.bincount(
                chosen[self._pend_pair], weights=self._pend_amount, minlength=g.n_arcs
            )
        return flow

    def _walk(self, pred: NDArray[np.int32], cell: IntArray, amount: FloatArray) -> FloatArray:
        """Push each OD demand along its tree path, all OD pairs of the chunk at once.

        Two tables over the chunk's trees, built once per call, give for every (tree, node)
        the flat index of its parent and the core CSR entry of the arc into it (a sentinel at
        roots). Each step then moves every walker one arc towards its root: two gathers and a
        ``bincount`` of the walkers' demand onto the entries — a loop over the tree depth,
        vectorized over OD pairs. Walkers that reached their root stay there, loading the
        sentinel, until they are a quarter of the walkers and are dropped. Walkers that meet on
        a node continue as one: at steps 3, 6, 12, … they are merged by a ``bincount`` over the
        tree nodes while they number at least ``_MERGE_MIN_SHARE`` of them.
        """
        g = self.graph
        m = g.n_core
        sentinel = g.core_pair.size
        # int32 tables and walkers (a chunk has at most _CHUNK_ELEMENTS tree nodes): less
        # memory traffic than int64, measured 15-20 % faster.
        p = pred.astype(np.int32, copy=False)
        has = p >= 0
        col = np.arange(m, dtype=np.int32)
        base = (np.arange(p.shape[0], dtype=np.int32) * np.int32(m))[:, None]
        parent = np.where(has, p + base, base + col).ravel()  # roots stay where they are
        entry = np.where(
            has, g.entries(np.where(has, p, 0), col).astype(np.int32, copy=False), sentinel
        ).ravel()
        n_tree = parent.size
        flow = np.zeros(sentinel + 1)
        cur = cell.astype(np.int32)
        amt = amount
        e = entry[cur]
        step = 0
        while True:
            flow += np.bincount(e, weights=amt, minlength=sentinel + 1)
            cur = parent[cur]
            step += 1
            q, r = divmod(step, 3)
            if r == 0 and q & (q - 1) == 0 and cur.size >= _MERGE_MIN_SHARE * n_tree:
                # Walkers on the same tree node go the same way from here: merge them.
                w = np.asarray(np.bincount(cur, weights=amt, minlength=n_tree), np.float64)
                cur = np.flatnonzero(w).astype(np.int32)
                amt = w[cur]
            e = entry[cur]
            alive = e != sentinel
            k = int(np.count_nonzero(alive))
            if k == 0:
                return flow
            if k < 0.75 * cur.size:
                cur, e, amt = cur[alive], e[alive], amt[alive]

    def _drop_unreachable(self, chunk: _Chunk, pred: NDArray[np.int32]) -> None:
        reach = pred.ravel()[chunk.cell] >= 0  # destinations are never the root
        if not reach.all():
            lost = chunk.rows[~reach[chunk.row_cell]]
            self.ok[lost] = False
            self.unreachable_rows.append(self.rows[lost])
            chunk.cell = chunk.cell[reach]
            chunk.amount = chunk.amount[reach]

    def _set_pendant_loads(self) -> None:
        """Demand on the arcs of pendant origins and destinations (fixed: one arc each)."""
        o = self.ok & (self.o_pair >= 0)
        d = self.ok & (self.d_pair >= 0)
        total = np.bincount(
            np.concatenate([self.o_pair[o], self.d_pair[d]]),
            weights=np.concatenate([self.demand[o], self.demand[d]]),
            minlength=self.graph.n_pairs,
        )
        self._pend_pair = np.flatnonzero(total).astype(np.int64)
        self._pend_amount = total[self._pend_pair].astype(np.float64)


# ---------------------------------------------------------------------------------------------
# Direction rules (the algorithm registry)
# ---------------------------------------------------------------------------------------------


@dataclass
class _History:
    """Previous targets ``s_{k-1}``, ``s_{k-2}`` (class flows) and the last step size."""

    s1: FloatArray | None = None
    s2: FloatArray | None = None
    tau1: float = 0.0

    def reset(self) -> None:
        self.s1 = None
        self.s2 = None
        self.tau1 = 0.0


_DirectionRule = Callable[
    [_History, FloatArray, FloatArray, FloatArray, FloatArray, FloatArray], FloatArray
]


def _fw_direction(
    hist: _History,
    x: FloatArray,
    y: FloatArray,
    hess: FloatArray,
    pcu: FloatArray,
    xv: FloatArray,
) -> FloatArray:
    """Frank–Wolfe: the target is the all-or-nothing solution."""
    return y


def _cfw_direction(
    hist: _History,
    x: FloatArray,
    y: FloatArray,
    hess: FloatArray,
    pcu: FloatArray,
    xv: FloatArray,
) -> FloatArray:
    """Conjugate FW: target ``α s_{k-1} + (1 - α) y`` conjugate to the previous direction."""
    if hist.s1 is None:
        return y
    s1v = pcu @ hist.s1
    yv = pcu @ y
    dbar = hess * (s1v - xv)
    num = float(dbar @ (yv - xv))
    den = float(dbar @ (yv - s1v))
    if den == 0.0:
        return y
    a = min(max(num / den, 0.0), _CONJUGATE_MAX)
    return a * hist.s1 + (1.0 - a) * y


def _bfw_direction(
    hist: _History,
    x: FloatArray,
    y: FloatArray,
    hess: FloatArray,
    pcu: FloatArray,
    xv: FloatArray,
) -> FloatArray:
    """Bi-conjugate FW: target conjugate to the last two directions (Mitradjieva & Lindberg)."""
    if hist.s2 is None or hist.s1 is None or not 0.0 < hist.tau1 < 1.0:
        return _cfw_direction(hist, x, y, hess, pcu, xv)
    tau = hist.tau1
    s1v = pcu @ hist.s1
    s2v = pcu @ hist.s2
    yv = pcu @ y
    d_fw = yv - xv
    dbarbar = tau * s1v + (1.0 - tau) * s2v - xv
    dbar = s1v - xv
    mu_den = float(dbarbar @ (hess * (s2v - s1v)))
    mu = 0.0 if mu_den == 0.0 else max(0.0, -float(dbarbar @ (hess * d_fw)) / mu_den)
    nu_den = float(dbar @ (hess * dbar))
    nu = (
        0.0
        if nu_den == 0.0
        else max(0.0, -float(dbar @ (hess * d_fw)) / nu_den + mu * tau / (1.0 - tau))
    )
    b0 = 1.0 / (1.0 + mu + nu)
    return b0 * y + (nu * b0) * hist.s1 + (mu * b0) * hist.s2


#: Algorithm registry: name → direction rule. All share the exact line search.
ALGORITHMS: Mapping[str, _DirectionRule] = MappingProxyType(
    {"fw": _fw_direction, "cfw": _cfw_direction, "bfw": _bfw_direction}
)
#: The fastest algorithm of the registry (fewest iterations to a given gap on SiouxFalls).
DEFAULT_ALGORITHM = "bfw"


# ---------------------------------------------------------------------------------------------
# Exact line search
# ---------------------------------------------------------------------------------------------


def _line_search(bpr: _Bpr, xv: FloatArray, dv: FloatArray, const: float) -> float:
    """Step ``τ ∈ [0, 1]`` minimizing the objective along ``x + τ d``.

    ``φ'(τ) = Σ_a t_a(xv + τ dv) dv_a + const`` is non-decreasing in τ; its root is found by
    Newton steps kept inside a shrinking bracket (bisection when Newton leaves it).
    Returns 0 when ``φ'(0) >= 0`` (not a descent direction).
    """
    moving = dv[bpr.var] != 0.0
    idx = bpr.var[moving]
    fft = bpr.fft[moving]
    alpha = bpr.alpha[moving]
    inv_cap = bpr.inv_cap[moving]
    beta = bpr.beta[moving]
    beta_m1 = bpr.beta_m1[moving]
    x0 = xv[idx]
    d = dv[idx]
    c0 = const + float(bpr.const_time @ dv)

    def deriv(tau: float) -> tuple[float, float]:
        r = np.maximum((x0 + tau * d) * inv_cap, 0.0)  # >= 0 up to rounding
        rb1 = r**beta_m1
        g = c0 + float(np.sum(fft * (1.0 + alpha * r * rb1) * d))
        h = float(np.sum(fft * alpha * beta * inv_cap * rb1 * d * d))
        return g, h

    g0, h0 = deriv(0.0)
    if g0 >= 0.0:
        return 0.0
    g1, h1 = deriv(1.0)
    if g1 <= 0.0:
        return 1.0
    lo, hi = 0.0, 1.0
    # Start from the secant root of the bracket, then safeguarded Newton.
    tau = g0 / (g0 - g1)
    for _ in range(100):
        g, h = deriv(tau)
        if g == 0.0:
            return tau
        if g < 0.0:
            lo = tau
        else:
            hi = tau
        step = g / h if h > 0.0 else np.inf
        new = tau - step
        if not lo < new < hi:
            new = 0.5 * (lo + hi)
        if abs(new - tau) <= _LINE_SEARCH_RTOL * max(tau, 1e-300) or hi - lo <= (
            _LINE_SEARCH_RTOL * hi
        ):
            return new
        tau = new
    return tau


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _vector(name: str, value: ArrayLike, n: int) -> FloatArray:
    arr: FloatArray = np.asarray(value, dtype=np.float64)
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    if arr.shape != (n,):
        raise AssignmentInputError(f"{name} must have shape ({n},), got {arr.shape}")
    return arr


def _index_vector(name: str, value: ArrayLike, n: int | None = None) -> IntArray:
    raw = np.asarray(value)
    if raw.ndim != 1:
        raise AssignmentInputError(f"{name} must be one-dimensional, got shape {raw.shape}")
    if raw.size and not np.issubdtype(raw.dtype, np.integer):
        as_int = raw.astype(np.int64)
        if not np.array_equal(as_int, raw):
            raise AssignmentInputError(f"{name} must hold integers")
        raw = as_int
    arr = raw.astype(np.int64)
    if n is not None and arr.shape != (n,):
        raise AssignmentInputError(f"{name} must have shape ({n},), got {arr.shape}")
    return arr


def _check_nodes(name: str, nodes: IntArray, n_nodes: int) -> None:
    if nodes.size and (nodes.min() < 0 or nodes.max() >= n_nodes):
        bad = nodes[(nodes < 0) | (nodes >= n_nodes)][0]
        raise AssignmentInputError(f"{name} has node {bad} outside 0..{n_nodes - 1}")


def _check_finite_nonneg(name: str, arr: NDArray[np.float64], allow_inf: bool = False) -> None:
    bad = np.isnan(arr) | (arr < 0) | (np.isinf(arr) if not allow_inf else False)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        kind = "non-negative" if allow_inf else "finite and non-negative"
        raise AssignmentInputError(f"{name}[{i}] = {float(arr[i])!r} must be {kind}")


@dataclass(frozen=True)
class _Problem:
    n_nodes: int
    tail: IntArray
    head: IntArray
    bpr_user: _Bpr  # real times
    bpr: _Bpr  # times paths are chosen on (marginal for SO)
    fixed: FloatArray  # (n_classes, n_arcs)
    has_fixed: bool
    pcu: FloatArray
    origin: IntArray
    destination: IntArray
    demand: FloatArray
    demand_class: IntArray
    no_through: NDArray[np.bool_]


def _prepare(
    tail: ArrayLike,
    head: ArrayLike,
    free_flow_time: ArrayLike,
    capacity: ArrayLike,
    alpha: ArrayLike,
    beta: ArrayLike,
    origin: ArrayLike,
    destination: ArrayLike,
    demand: ArrayLike,
    objective: str,
    fixed_cost: ArrayLike | None,
    no_through: ArrayLike | None,
    n_nodes: int | None,
    demand_class: ArrayLike | None,
    class_fixed_cost: ArrayLike | None,
    pcu: ArrayLike | None,
) -> _Problem:
    if objective not in ("ue", "so"):
        raise AssignmentInputError(f"objective must be 'ue' or 'so', got {objective!r}")
    t = _index_vector("tail", tail)
    n_arcs = t.size
    h = _index_vector("head", head, n_arcs)
    o = _index_vector("origin", origin)
    n_dem = o.size
    d = _index_vector("destination", destination, n_dem)
    dem = _vector("demand", demand, n_dem)
    _check_finite_nonneg("demand", dem)
    if n_nodes is None:
        n_nodes = int(max((a.max() + 1 if a.size else 0) for a in (t, h, o, d)))
    if n_nodes < 0:
        raise AssignmentInputError(f"n_nodes must be non-negative, got {n_nodes}")
    for name, arr in (("tail", t), ("head", h), ("origin", o), ("destination", d)):
        _check_nodes(name, arr, n_nodes)
    fft = _vector("free_flow_time", free_flow_time, n_arcs)
    cap = _vector("capacity", capacity, n_arcs)
    a = _vector("alpha", alpha, n_arcs)
    b = _vector("beta", beta, n_arcs)
    _check_finite_nonneg("free_flow_time", fft)
    _check_finite_nonneg("alpha", a)
    _check_finite_nonneg("beta", b)
    _check_finite_nonneg("capacity", cap, allow_inf=True)
    if np.any(cap == 0):
        i = int(np.flatnonzero(cap == 0)[0])
        raise AssignmentInputError(f"capacity[{i}] = 0 must be positive (inf for none)")
    if np.any((b > 0) & (b < 1)):
        i = int(np.flatnonzero((b > 0) & (b < 1))[0])
        raise AssignmentInputError(
            f"beta[{i}] = {float(b[i])!r} must be 0 or at least 1 (below 1 the BPR derivative is "
            "infinite at zero flow)"
        )
    # Classes.
    n_classes = 1
    if class_fixed_cost is not None:
        cfc = np.asarray(class_fixed_cost, dtype=float)
        if cfc.ndim != 2 or cfc.shape[1] != n_arcs:
            raise AssignmentInputError(
                f"class_fixed_cost must have shape (n_classes, {n_arcs}), got {cfc.shape}"
            )
        n_classes = cfc.shape[0]
    if pcu is not None:
        p = np.atleast_1d(np.asarray(pcu, dtype=float))
        if p.ndim != 1:
            raise AssignmentInputError(f"pcu must be one-dimensional, got shape {p.shape}")
        if class_fixed_cost is not None and p.size != n_classes:
            raise AssignmentInputError(
                f"pcu has {p.size} classes but class_fixed_cost has {n_classes}"
            )
        n_classes = p.size
    if demand_class is not None:
        k = _index_vector("demand_class", demand_class, n_dem)
        if class_fixed_cost is None and pcu is None:
            n_classes = int(k.max()) + 1 if k.size else 1
        if k.size and (k.min() < 0 or k.max() >= n_classes):
            bad = k[(k < 0) | (k >= n_classes)][0]
            raise AssignmentInputError(f"demand_class has class {bad} outside 0..{n_classes - 1}")
    else:
        k = np.zeros(n_dem, dtype=np.int64)
    p = np.ones(n_classes) if pcu is None else np.atleast_1d(np.asarray(pcu, dtype=float))
    if np.any(~np.isfinite(p) | (p <= 0)):
        i = int(np.flatnonzero(~np.isfinite(p) | (p <= 0))[0])
        raise AssignmentInputError(f"pcu[{i}] = {float(p[i])!r} must be positive and finite")
    fixed = np.zeros((n_classes, n_arcs))
    if fixed_cost is not None:
        fc = _vector("fixed_cost", fixed_cost, n_arcs)
        if not np.all(np.isfinite(fc)):
            raise AssignmentInputError("fixed_cost must be finite")
        fixed += fc
    if class_fixed_cost is not None:
        cfc = np.asarray(class_fixed_cost, dtype=float)
        if not np.all(np.isfinite(cfc)):
            raise AssignmentInputError("class_fixed_cost must be finite")
        fixed += cfc
    low = fft + fixed < 0
    if np.any(low):
        kk, i = (int(v[0]) for v in np.nonzero(low))
        raise AssignmentInputError(
            f"arc {i} of class {kk} has a negative cost at zero flow "
            f"(free_flow_time + fixed cost = {float(fft[i] + fixed[kk, i])!r})"
        )
    if no_through is None:
        nt = np.zeros(n_nodes, dtype=bool)
    else:
        nt = np.asarray(no_through)
        if nt.shape != (n_nodes,):
            raise AssignmentInputError(f"no_through must have shape ({n_nodes},), got {nt.shape}")
        nt = nt.astype(bool)
    bpr_user = _Bpr.build(fft, cap, a, b)
    bpr = bpr_user if objective == "ue" else _Bpr.build(fft, cap, a * (b + 1.0), b)
    keep = (o != d) & (dem > 0)
    return _Problem(
        n_nodes=n_nodes,
        tail=t,
        head=h,
        bpr_user=bpr_user,
        bpr=bpr,
        fixed=fixed,
        has_fixed=bool(np.any(fixed != 0)),
        pcu=p,
        origin=np.where(keep, o, 0),
        destination=np.where(keep, d, 0),
        demand=np.where(keep, dem, 0.0),
        demand_class=k,
        no_through=nt,
    )


def _loaders(prob: _Problem, graph: _Graph) -> list[_Loader]:
    rows = np.arange(prob.demand.size, dtype=np.int64)
    active = prob.demand > 0
    out = []
    for k in range(prob.pcu.size):
        sel = active & (prob.demand_class == k)
        out.append(
            _Loader(graph, prob.origin[sel], prob.destination[sel], prob.demand[sel], rows[sel])
        )
    return out


# ---------------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------------


def all_or_nothing(
    tail: ArrayLike,
    head: ArrayLike,
    cost: ArrayLike,
    origin: ArrayLike,
    destination: ArrayLike,
    demand: ArrayLike,
    *,
    n_nodes: int | None = None,
    no_through: ArrayLike | None = None,
) -> FloatArray:
    """All-or-nothing assignment: every OD demand on one shortest path at fixed arc costs.

    Parameters
    ----------
    tail, head
        Arc end points (nodes ``0..n_nodes-1``), shape ``(n_arcs,)``.
    cost
        Arc cost (≥ 0), shape ``(n_arcs,)``.
    origin, destination, demand
        Demand rows (demand units); intrazonal rows are ignored.
    n_nodes
        Number of nodes (default: largest node id + 1).
    no_through
        Nodes that may start or end paths but not be passed through, shape ``(n_nodes,)``.

    Returns
    -------
    numpy.ndarray
        Arc flows, shape ``(n_arcs,)``. Unreachable demand is left out.
    """
    c = np.asarray(cost, dtype=float)
    n = np.asarray(tail).size
    if c.shape != (n,):
        raise AssignmentInputError(f"cost must have shape ({n},), got {c.shape}")
    _check_finite_nonneg("cost", c)
    zeros = np.zeros(n)
    prob = _prepare(
        tail, head, c, np.full(n, np.inf), zeros, zeros, origin, destination, demand,
        "ue", None, no_through, n_nodes, None, None, None,
    )  # fmt: skip
    graph = _Graph.build(prob.n_nodes, prob.tail, prob.head, prob.no_through)
    (loader,) = _loaders(prob, graph)
    return loader.load(prob.bpr.const_time)


def solve(
    tail: ArrayLike,
    head: ArrayLike,
    free_flow_time: ArrayLike,
    capacity: ArrayLike,
    alpha: ArrayLike,
    beta: ArrayLike,
    origin: ArrayLike,
    destination: ArrayLike,
    demand: ArrayLike,
    objective: str = "ue",
    algorithm: str | None = None,
    gap: float = 1e-4,
    max_iter: int = 1000,
    fixed_cost: ArrayLike | None = None,
    no_through: ArrayLike | None = None,
    *,
    n_nodes: int | None = None,
    demand_class: ArrayLike | None = None,
    class_fixed_cost: ArrayLike | None = None,
    pcu: ArrayLike | None = None,
) -> AssignmentResult:
    """Static equilibrium assignment with BPR link times (see the module docstring).

    Parameters
    ----------
    tail, head
        Arc end points, nodes ``0..n_nodes-1``, shape ``(n_arcs,)``. Parallel arcs allowed.
    free_flow_time
        Time at zero flow (≥ 0; hours, or any time unit used consistently), ``(n_arcs,)``.
    capacity
        BPR capacity in capacity units (> 0, ``inf`` = uncongested), ``(n_arcs,)``.
    alpha, beta
        BPR parameters (≥ 0; ``beta`` 0 or ≥ 1), scalars or ``(n_arcs,)``.
    origin, destination, demand
        Demand rows: ``demand[d]`` demand units (≥ 0) from ``origin[d]`` to
        ``destination[d]``. Intrazonal rows are ignored.
    objective
        ``"ue"`` (user equilibrium) or ``"so"`` (system optimum).
    algorithm
        A key of :data:`ALGORITHMS` (``"fw"``, ``"cfw"``, ``"bfw"``); default
        :data:`DEFAULT_ALGORITHM`.
    gap
        Target relative gap (≥ 0); iterations stop once the gap is at or below it.
    max_iter
        Maximum number of iterations (≥ 1).
    fixed_cost
        Flow-independent cost per demand unit added to every class's arc cost (in time units,
        may be negative as long as ``free_flow_time + fixed cost ≥ 0``), ``(n_arcs,)``.
    no_through
        Boolean mask ``(n_nodes,)`` of nodes that may start or end paths but not be passed
        through (zones / centroids).
    n_nodes
        Number of nodes (default: largest node id in arcs and demand + 1).
    demand_class
        Class of each demand row (default all 0).
    class_fixed_cost
        Extra fixed cost per class and arc, ``(n_classes, n_arcs)``.
    pcu
        Capacity units per demand unit of each class (> 0), ``(n_classes,)``; default 1.

    Returns
    -------
    AssignmentResult
        Flows, times, costs, gap history and status. Not reaching ``gap`` within
        ``max_iter`` is status ``"not_converged"`` plus a :class:`ConvergenceWarning`.

    Raises
    ------
    AssignmentInputError
        Inconsistent shapes, nodes out of range, negative or non-finite data, unknown
        objective or algorithm, invalid ``gap`` or ``max_iter``.
    """
    start = time.perf_counter()
    name = DEFAULT_ALGORITHM if algorithm is None else algorithm
    if name not in ALGORITHMS:
        raise AssignmentInputError(
            f"algorithm must be one of {sorted(ALGORITHMS)}, got {algorithm!r}"
        )
    rule = ALGORITHMS[name]
    if not (np.isfinite(gap) and gap >= 0):
        raise AssignmentInputError(f"gap must be finite and non-negative, got {gap!r}")
    if int(max_iter) != max_iter or max_iter < 1:
        raise AssignmentInputError(f"max_iter must be a positive integer, got {max_iter!r}")
    prob = _prepare(
        tail, head, free_flow_time, capacity, alpha, beta, origin, destination, demand,
        objective, fixed_cost, no_through, n_nodes, demand_class, class_fixed_cost, pcu,
    )  # fmt: skip
    graph = _Graph.build(prob.n_nodes, prob.tail, prob.head, prob.no_through)
    loaders = _loaders(prob, graph)
    bpr, pcu_v, fixed = prob.bpr, prob.pcu, prob.fixed
    wfixed = pcu_v[:, None] * fixed  # pcu-weighted fixed costs

    def aon(t: FloatArray) -> FloatArray:
        return np.stack([ld.load(t + fixed[k]) for k, ld in enumerate(loaders)])

    x = aon(bpr.time(np.zeros(graph.n_arcs)))
    xv = pcu_v @ x
    hist = _History()
    history: list[float] = []
    rel_gap = np.inf
    for it in range(1, int(max_iter) + 1):
        t = bpr.time(xv)
        y = aon(t)
        yv = pcu_v @ y
        tstt = float(t @ xv + np.sum(wfixed * x))
        sptt = float(t @ yv + np.sum(wfixed * y))
        # Negative only by rounding: SPTT is a minimum over the same costs.
        rel_gap = max(tstt - sptt, 0.0) / tstt if tstt > 0 else 0.0
        history.append(rel_gap)
        if rel_gap <= gap or it == max_iter:
            break
        hess = bpr.derivative(xv)
        s = rule(hist, x, y, hess, pcu_v, xv)
        tau = _step(bpr, pcu_v, wfixed, x, xv, s)
        if tau <= 0.0 and s is not y:  # not a descent direction: fall back to Frank–Wolfe
            hist.reset()
            s = y
            tau = _step(bpr, pcu_v, wfixed, x, xv, s)
        if tau <= 0.0:
            break  # no descent even along FW: converged to rounding
        hist.s2, hist.s1, hist.tau1 = hist.s1, s, tau
        if tau >= 1.0:
            hist.reset()
            hist.s1 = s
            x = s.copy()
        else:
            x = x + tau * (s - x)
        xv = pcu_v @ x
    # Final quantities at the final flows.
    unserved = np.zeros(prob.demand.size)
    bad_rows = [r for ld in loaders for r in ld.unreachable_rows]
    if bad_rows:
        rows = np.concatenate(bad_rows)
        unserved[rows] = prob.demand[rows]
        warnings.warn(
            f"{rows.size} demand rows ({unserved.sum():.6g} demand units) have no path and were "
            "not assigned; see AssignmentResult.unserved",
            UnservedDemandWarning,
            stacklevel=2,
        )
    converged = rel_gap <= gap
    if not converged:
        warnings.warn(
            f"assignment did not reach relative gap {gap:g} in {len(history)} iterations "
            f"(final gap {rel_gap:.3e})",
            ConvergenceWarning,
            stacklevel=2,
        )
    status = "optimal" if rel_gap == 0.0 else ("converged" if converged else "not_converged")
    time_user = prob.bpr_user.time(xv)
    class_cost = time_user[None, :] + fixed
    objective_value = bpr.integral(xv) + float(np.sum(wfixed * x))
    total_cost = float(np.sum(pcu_v[:, None] * class_cost * x))
    return AssignmentResult(
        status=status,
        objective=objective_value,
        flow=x.sum(axis=0),
        class_flow=x,
        vehicle_flow=xv,
        time=time_user,
        class_cost=class_cost,
        total_cost=total_cost,
        relative_gap=float(rel_gap),
        iterations=len(history),
        converged=bool(converged),
        history=np.asarray(history, dtype=float),
        unserved=unserved,
        algorithm=name,
        objective_type=objective,
        runtime=time.perf_counter() - start,
    )


def _step(
    bpr: _Bpr, pcu: FloatArray, wfixed: FloatArray, x: FloatArray, xv: FloatArray, s: FloatArray
) -> float:
    """Exact step along ``s - x`` (class flows); 0 if it is not a descent direction."""
    d = s - x
    return _line_search(bpr, xv, pcu @ d, float(np.sum(wfixed * d)))
