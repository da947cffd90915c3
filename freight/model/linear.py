"""Solve the capacity-aware freight model of a network: the planner's (system-optimal) view.

Pipeline: build the virtual graph → demand arrays → :func:`solvers.multicommodity.solve` with one
cost row per commodity (exact, with capacity duals and unserved demand; the solver groups the rows
by (commodity, origin) itself) → each demand row's path flows as the solver returns them
(``return_paths``), kept as flat arrays (:class:`~freight.model.paths.PathTable`). Nothing of size
classes × arcs is built. Results are kept as arrays; :mod:`freight.results.tables` turns them into
the tables of DESIGN §6.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from freight.data.network import Network
from freight.model.capacity import free_capacity
from freight.model.graph import CostParams, DemandArrays, VirtualGraph, build_graph, demand_arrays
from freight.model.methods import Method, Status, as_status
from freight.model.paths import PathFlow, PathTable, decompose

if TYPE_CHECKING:
    from solvers.multicommodity import PathFlows

LinearMethod = Literal["mcf", "lp"]
SOLVER_METHOD: dict[LinearMethod, Literal["auto", "lp"]] = {"mcf": "auto", "lp": "lp"}
"""The :func:`solvers.multicommodity.solve` method behind each linear method (see
:data:`freight.model.methods.Method`)."""


class ClassFlows:
    """Arc flows per flow class (commodity, origin) of a linear run, kept as its paths.

    ``np.asarray(run.class_flow)`` gives the ``(n_classes, n_arcs)`` array (tonnes per year) and
    ``run.class_flow[c]`` one class's row; nothing in a run needs the whole array, which is
    classes × arcs (5 GB at 100× the regional size), so it is only built when asked for.
    """

    def __init__(
        self,
        paths: PathTable | None,
        demand_class: NDArray[np.int64],
        n_classes: int,
        n_arcs: int,
    ) -> None:
        self.paths = paths
        self.demand_class = demand_class
        self.shape = (n_classes, n_arcs)
        self.ndim = 2

    def _table(self) -> PathTable:
        if self.paths is None:
            raise ValueError("solved with paths=False: the class flows were not kept")
        return self.paths

    def __getitem__(self, c: int) -> NDArray[np.float64]:
        pt = self._table()
        on = self.demand_class[pt.path_row] == c
        sel = on[pt.arc_path]
        out = np.bincount(
            pt.arcs[sel], weights=pt.tonnes[pt.arc_path[sel]], minlength=self.shape[1]
        )
        return np.asarray(out, dtype=np.float64)

    def __array__(self, dtype: Any = None, copy: Any = None) -> NDArray[np.float64]:
        pt = self._table()
        n_c, n_a = self.shape
        key = self.demand_class[pt.path_row][pt.arc_path] * n_a + pt.arcs
        out = np.bincount(key, weights=pt.tonnes[pt.arc_path], minlength=n_c * n_a)
        return np.asarray(out.reshape(n_c, n_a), dtype=dtype or np.float64)


@dataclass(frozen=True, eq=False)
class ModelRun:
    """A solved model: the graph, the demand and every flow (tonnes per year).

    Attributes
    ----------
    flow
        Per commodity and arc, ``(n_commodities, n_arcs)``.
    class_flow
        Per flow class (commodity, origin) and arc, ``(n_classes, n_arcs)``: an array (the
        equilibrium and behavioural views) or :class:`ClassFlows` (the linear model: built from
        the paths when converted with ``np.asarray``).
    capacity_dual
        CNY saved per year by one more tonne per year of capacity on each arc (≥ 0); NaN where
        the method has no dual (the equilibrium view), written blank.
    capacity
        Arc capacities as stated (t/yr, ``inf`` = unbounded; after any closure of this run).
    capacity_free
        What was left of ``capacity`` for modelled freight (the solver's capacity, t/yr).
    unserved
        Tonnes per year of each demand row that the network cannot carry.
    od_paths
        The paths of each demand row (largest first): a :class:`~freight.model.paths.PathTable`
        (the linear model) or a tuple per row.
    """

    net: Network
    graph: VirtualGraph
    demand: DemandArrays
    method: Method
    status: Status
    objective: float
    flow: NDArray[np.float64]
    class_flow: NDArray[np.float64] | ClassFlows
    demand_class: NDArray[np.int64]
    capacity_dual: NDArray[np.float64]
    unserved: NDArray[np.float64]
    od_paths: Sequence[tuple[PathFlow, ...]]
    capacity: NDArray[np.float64]
    capacity_free: NDArray[np.float64]
    timings: dict[str, float] = field(default_factory=dict)
    solver_info: dict[str, Any] = field(default_factory=dict)


def flow_classes(
    d: DemandArrays,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """One class per (commodity, origin) pair.

    Returns
    -------
    class_commodity, class_origin, demand_class
        Commodity row and origin node of each class, and the class of each demand row. Classes
        are numbered in order of (commodity, origin), so the numbering is deterministic.
    """
    comm = np.asarray(d.commodity, dtype=np.int64)
    orig = np.asarray(d.origin, dtype=np.int64)
    if len(comm) == 0:
        z = np.zeros(0, dtype=np.int64)
        return z, z.copy(), z.copy()
    span = int(orig.max()) + 1  # one integer key per pair, ordered as (commodity, origin)
    keys, inverse = np.unique(comm * span + orig, return_inverse=True)
    return keys // span, keys % span, inverse.reshape(-1).astype(np.int64)


def rows_by_class(demand_class: NDArray[np.int64], n_classes: int) -> list[NDArray[np.int64]]:
    """The demand rows of each class (ascending), in one sort instead of one scan per class."""
    order = np.argsort(demand_class, kind="stable")
    bounds = np.searchsorted(demand_class[order], np.arange(n_classes + 1))
    return [order[bounds[c] : bounds[c + 1]] for c in range(n_classes)]


def class_paths(
    g: VirtualGraph,
    d: DemandArrays,
    class_origin: NDArray[np.int64],
    demand_class: NDArray[np.int64],
    class_flow: NDArray[np.float64],
    served: NDArray[np.float64],
    *,
    tol: float = 1e-6,
) -> PathTable:
    """Each demand row's paths: the single-source flow of its class decomposed to its
    destination (see :func:`freight.model.paths.decompose`); rows with nothing served get none."""
    od_paths: list[tuple[PathFlow, ...]] = [()] * len(d.tonnes)
    dest = d.destination.tolist()
    served_l = np.asarray(served, dtype=float).tolist()
    for c, rows in enumerate(rows_by_class(demand_class, len(class_origin))):
        rows_l = rows.tolist()
        sinks: dict[int, float] = {}
        for r in rows_l:
            if served_l[r] > 0:
                sinks[dest[r]] = sinks.get(dest[r], 0.0) + served_l[r]
        if not sinks:
            continue
        by_sink = decompose(g.tail, g.head, class_flow[c], int(class_origin[c]), sinks, tol=tol)
        for r in rows_l:
            od_paths[r] = tuple(by_sink.get(dest[r], ()))
    return PathTable.from_rows(od_paths)


def solve_network(
    net: Network,
    params: CostParams | None = None,
    *,
    method: LinearMethod = "mcf",
    graph: VirtualGraph | None = None,
    capacity: NDArray[np.float64] | None = None,
    paths: bool = True,
) -> ModelRun:
    """Solve the system-optimal multimodal assignment of a network's demand.

    Parameters
    ----------
    net
        A loaded network (demand included).
    params
        Prices of the generalized cost (carbon price, value-of-time and tariff factors).
    method
        ``"mcf"`` (default, fast exact) or ``"lp"`` (monolithic LP reference).
    graph
        A prebuilt graph of ``net`` with ``params`` (saves the build in sweeps).
    capacity
        Arc capacities as stated, replacing the graph's (tonnes per year; e.g. a closed element
        derated by :func:`freight.model.capacity.derated_capacity`). The solver gets what is left
        for modelled freight (:func:`freight.model.capacity.free_capacity`).
    paths
        Keep each OD's paths (``od_paths``, and the class flows built from them); sweeps that
        need only totals skip it.

    Returns
    -------
    ModelRun
        Flows, duals, unserved tonnes and each OD's paths. Demand that cannot be carried is
        reported in ``unserved`` at its commodity's penalty, never an exception.
    """
    from solvers import multicommodity

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    c0 = time.process_time()
    net = net.canonical()  # row order of the inputs never changes an answer
    g = graph if graph is not None else build_graph(net, params)
    d = demand_arrays(net, g)
    cls_comm, _, demand_class = flow_classes(d)
    cap = g.capacity_t if capacity is None else np.asarray(capacity, dtype=float)
    cap_free = g.capacity_free_t if capacity is None else free_capacity(cap, g.background_t)
    timings["build_s"] = time.perf_counter() - t0
    timings["build_cpu_s"] = time.process_time() - c0

    t0 = time.perf_counter()
    c0 = time.process_time()
    res = multicommodity.solve(
        g.tail,
        g.head,
        cap_free,
        g.cost_matrix(),  # one cost row per commodity, never one per (commodity, origin)
        d.origin,
        d.destination,
        d.tonnes,
        commodity=d.commodity,
        method=SOLVER_METHOD[method],
        unserved_penalty=d.penalty,
        return_paths=paths,
    )
    timings["solve_s"] = time.perf_counter() - t0
    timings["solve_cpu_s"] = time.process_time() - c0

    t0 = time.perf_counter()
    c0 = time.process_time()
    flow = np.asarray(res.flow, dtype=float)
    unserved = np.asarray(res.unserved, dtype=float)
    od_paths = (
        path_table(res.paths, len(d.tonnes))
        if paths and res.paths is not None
        else PathTable.empty(len(d.tonnes))
    )
    class_flow = ClassFlows(
        od_paths if paths and res.paths is not None else None,
        demand_class,
        len(cls_comm),
        g.n_arcs,
    )
    timings["extract_s"] = time.perf_counter() - t0
    timings["extract_cpu_s"] = time.process_time() - c0

    return ModelRun(
        net=net,
        graph=g,
        demand=d,
        method=method,
        status=as_status(str(res.status)),
        objective=float(res.objective),
        flow=flow,
        class_flow=class_flow,
        demand_class=demand_class,
        capacity_dual=np.asarray(res.capacity_dual, dtype=float),
        unserved=unserved,
        od_paths=od_paths,
        capacity=cap,
        capacity_free=cap_free,
        timings=timings,
        solver_info={"solver_method": str(getattr(res, "method", SOLVER_METHOD[method]))},
    )


def path_table(paths: PathFlows, n_rows: int) -> PathTable:
    """The solver's path flows per demand row as a :class:`~freight.model.paths.PathTable`,
    each row's paths largest first (ties: by their arcs, as :func:`~freight.model.paths.decompose`
    orders them)."""
    row_start = paths.row_ptr(n_rows)
    arc_start = np.asarray(paths.arc_ptr, dtype=np.int64)
    arcs = np.asarray(paths.arcs, dtype=np.int64)
    tonnes = np.asarray(paths.flow, dtype=float)
    counts = np.diff(row_start)
    multi = np.flatnonzero(counts > 1)
    if len(multi):
        order = np.arange(len(tonnes))
        for r in multi.tolist():
            lo, hi = int(row_start[r]), int(row_start[r + 1])
            order[lo:hi] = sorted(
                range(lo, hi),
                key=lambda p: (-tonnes[p], arcs[arc_start[p] : arc_start[p + 1]].tolist()),
            )
        if (order != np.arange(len(tonnes))).any():
            lens = np.diff(arc_start)[order]
            new_start = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
            gather = np.repeat(arc_start[:-1][order] - new_start[:-1], lens) + np.arange(
                int(new_start[-1])
            )
            arcs, arc_start, tonnes = arcs[gather], new_start, tonnes[order]
    return PathTable(row_start, arc_start, arcs, tonnes)
