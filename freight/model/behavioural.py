"""The behavioural freight model (``--method logit``): nested-logit mode-chain and route choice
in a stochastic user equilibrium with road congestion over background traffic, the Three Gorges
lock queue, and the hard capacities of rail lines and terminals.

Pipeline
--------
1. :func:`freight.model.costs.cost_parts`: the generalized cost per arc and commodity split into
   vehicle distance, vehicle time, cargo time, handling, tolls (transfers) and CO2; tonnes to
   vehicles and PCU (:mod:`freight.model.vehicles`).
2. :func:`freight.model.congestion.congestion`: which arcs slow down with volume (BPR of
   truck + background PCU on roads, the fitted queue curve of the locks), which keep a hard
   capacity (rail lines, terminals).
3. :func:`freight.model.choice.generate`: the choice set (best path of every feasible mode chain
   and a route alternative within it) at the free-flow costs with the background's congestion.
4. :func:`solvers.sue.solve`: the nested-logit SUE (chain above, route below, path-size factor
   within each chain, per-commodity constants, an unserved alternative at the commodity's
   penalty), stopped at ``gap`` and ``capacity_gap`` ≤ :data:`GAP` (default 1e-4).

Scales
------
The logit scales of an OD row are dimensionless parameters of its commodity divided by the
OD's *reference cost* (CNY/t)::

    θ_chain = chain_scale / C_ref,   θ_route = route_scale / C_ref
    C_ref   = road entering charge + DETOUR × crow-fly km × (road rate × cost_factor
              + value of time / road speed)

from ``modes.csv`` and ``commodities.csv`` as stated (no tariff factor, no project): a change of
price or network never changes the scales, so logsums of two runs compare. A cost difference of
``C_ref / chain_scale`` between two chains changes their odds by ``e``.
"""

from __future__ import annotations

import logging
import math
import time
import weakref
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from freight.data.network import Network
from freight.data.schema import MODES
from freight.model.capacity import free_capacity
from freight.model.choice import ChoiceSet, generate, with_paths
from freight.model.congestion import Congestion, congestion
from freight.model.costs import PARTS, CostParts, cost_parts
from freight.model.graph import (
    LINK,
    CostParams,
    DemandArrays,
    VirtualGraph,
    build_graph,
    demand_arrays,
)
from freight.model.linear import ModelRun, flow_classes
from freight.model.methods import as_status
from freight.model.paths import PathFlow
from solvers.sue import SUEResult

log = logging.getLogger(__name__)

GAP = 1e-4
"""Stopping gap of the behavioural equilibrium (flow gap and capacity gap of solvers.sue)."""
DETOUR = 1.2
"""Road distance over crow-fly distance of the reference cost (assumption: the detour factor
of the basin's road network, SOURCES.md)."""
MIN_REFERENCE_COST = 10.0
"""Floor of the reference cost, CNY/t (an OD a few km apart still has handling costs)."""
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True, eq=False)
class BehaviouralRun(ModelRun):
    """A :class:`~freight.model.linear.ModelRun` of the behavioural model with its choice data.

    Attributes
    ----------
    choice
        The choice set solved over.
    sue
        The solver's result (path and nest flows, shares, logsums, arc times, multipliers).
    parts
        The cost parts of every arc.
    cong
        The congestion arrays.
    path_parts
        Cost per tonne of each path by part (:data:`freight.model.costs.PARTS` plus
        ``capacity_price`` and ``asc``), CNY/t, ``(n_paths, len(PARTS) + 2)``.
    theta_chain, theta_route
        Logit scales per demand row, 1/(CNY/t).
    """

    choice: ChoiceSet | None = None
    sue: SUEResult | None = None
    parts: CostParts | None = None
    cong: Congestion | None = None
    path_parts: NDArray[np.float64] = field(default_factory=lambda: np.zeros((0, 0)))
    theta_chain: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    theta_route: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    path_size: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))


def _crow_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def reference_cost(net: Network) -> NDArray[np.float64]:
    """Reference cost ``C_ref`` of each demand row of the canonical network, CNY/t (module doc)."""
    net = net.canonical()
    places = net.place_by_id
    comm = net.commodity_by_id
    road = net.mode_by_name.get("road")
    rate = road.cost_per_t_km if road is not None else 0.35
    speed = road.speed_kmh if road is not None else 55.0
    fixed = road.fixed_cost_per_t if road is not None else 0.0
    out = np.empty(len(net.demand))
    for i, r in enumerate(net.demand):
        o, dd, c = places[r.origin], places[r.destination], comm[r.commodity]
        km = DETOUR * _crow_km(o.lon, o.lat, dd.lon, dd.lat)
        cost = fixed + km * (rate * c.cost_factor + c.value_of_time_cny_per_t_h / speed)
        out[i] = max(cost, MIN_REFERENCE_COST)
    return out


def solve_behavioural(
    net: Network,
    params: CostParams | None = None,
    *,
    gap: float = GAP,
    max_iter: int = 100,
    choice: ChoiceSet | None = None,
    warm_start: BehaviouralRun | None = None,
    include: BehaviouralRun | None = None,
    capacity: NDArray[np.float64] | None = None,
) -> BehaviouralRun:
    """Solve the behavioural model of a network (module docstring).

    Parameters
    ----------
    net
        A loaded network (demand included).
    params
        Prices (carbon price, value-of-time and tariff factors).
    gap
        Target of the flow gap and the capacity gap (dimensionless, ≤ 1e-4 documented).
    max_iter
        Newton iterations at most.
    choice
        A choice set on the same graph (e.g. the base case's, to keep it fixed while a price
        varies); default: generated at this run's free-flow costs.
    warm_start
        A run on the same arcs whose times and multipliers start the iteration.
    include
        Another run (e.g. without a project) whose paths join this choice set wherever all
        their arcs exist here (matched by element and end nodes) and are usable, so that two
        runs compared in an appraisal choose over the same paths where both networks have them;
        a path both runs have takes the other run's path-size factor, so that the overlap
        correction of a shared path does not change between the two sides (else a project that
        adds an overlapping route would raise the cost of the routes it overlaps and could show
        a negative logsum benefit). Solve the with-project run including the without-project
        one, then the without-project run including that.
    capacity
        Arc capacities as stated (t/yr), replacing the graph's (a derated or closed element, as
        criticality passes them; :func:`freight.model.congestion.congestion`).

    Returns
    -------
    BehaviouralRun
        ``graph.time_h`` holds the equilibrium times and ``graph.generalized`` the generalized
        cost per commodity without capacity multipliers; ``capacity_dual`` the multipliers
        (CNY/t, 0 where no hard capacity binds, blank where there is none).
    """
    from solvers import sue as sue_solver

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    net = net.canonical()
    g = build_graph(net, params)
    d = demand_arrays(net, g)
    parts = cost_parts(net, g)
    cong = congestion(net, g, parts.vehicles, capacity)
    money = parts.money()
    w = parts.time_value()
    # constant time outside the volume-delay curve is valued in c0
    c0 = money + w * cong.constant_time[None, :]
    usable = g.allowed & ~cong.closed[None, :]
    comms = net.commodities
    allowed_modes = [frozenset(c.allowed_modes) for c in comms]
    timings["build_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    if choice is None:
        t_bg = cong.background_time()
        search = np.where(usable, c0 + w * (t_bg - cong.constant_time)[None, :], 0.0)
        choice = generate(g, d, np.maximum(search, 0.0), usable, allowed_modes)
    if include is not None:
        choice = with_paths(g, d, choice, _mapped_paths(include, g, d, net, usable))
    timings["choice_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    n_rows = len(d.tonnes)
    c_ref = reference_cost(net)
    scale_c = np.array([c.chain_scale for c in comms])[d.commodity]
    scale_r = np.array([max(c.route_scale, c.chain_scale) for c in comms])[d.commodity]
    theta_c = scale_c / c_ref
    theta_r = scale_r / c_ref
    asc_mode = np.array([[c.asc_rail, c.asc_water, c.asc_air] for c in comms])
    path_asc = np.zeros(choice.n_paths)
    labels = choice.nest_label
    for j, (m, col) in enumerate((("rail", 0), ("water", 1), ("air", 2))):
        del j
        has = np.array([m in labels[n].split("-") for n in choice.path_nest.tolist()], dtype=bool)
        path_asc += np.where(has, asc_mode[d.commodity[choice.path_od], col], 0.0)
    ps = sue_solver.path_size_factor(choice.incidence, g.length_km, choice.path_nest)
    if include is not None:
        ps = _borrow_path_size(include, net, g, choice, ps)
    hard = cong.hard_capacity.copy()
    used_arcs = np.asarray(choice.incidence.sum(axis=0)).ravel() > 0
    hard[~used_arcs] = np.inf
    res = sue_solver.solve(
        choice.incidence,
        choice.path_od,
        choice.path_nest,
        d.tonnes,
        theta_r,
        theta_c,
        np.where(usable, c0, 0.0),
        od_class=d.commodity,
        time_value=w,
        pcu=cong.pcu,
        free_flow_time=cong.free_flow_time,
        capacity=cong.capacity,
        alpha=cong.alpha,
        beta=cong.beta,
        background=cong.background,
        hard_capacity=hard,
        asc=path_asc,
        path_size=ps,
        unserved_penalty=d.penalty,
        tol=gap,
        max_iter=max_iter,
        warm_start=warm_start.sue if warm_start is not None else None,
    )
    timings["solve_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    t_eq = cong.constant_time + np.asarray(res.time, dtype=float)
    generalized = money + w * t_eq[None, :]
    geq = replace(g, time_h=t_eq, generalized=generalized)
    flow = np.asarray(res.class_flow, dtype=float)
    pf = np.asarray(res.path_flow, dtype=float)
    cls_comm, cls_origin, demand_class = flow_classes(d)
    del cls_comm
    path_class = demand_class[choice.path_od]
    sel = sp.csr_matrix(
        (pf, (path_class, np.arange(choice.n_paths))), shape=(len(cls_origin), choice.n_paths)
    )
    class_flow = np.asarray((sel @ choice.incidence).todense(), dtype=float)
    unserved = np.asarray(res.unserved, dtype=float)
    od_paths: list[list[PathFlow]] = [[] for _ in range(n_rows)]
    for p in np.flatnonzero(pf > 1e-9 * max(1.0, float(d.tonnes.max(initial=1.0)))):
        od_paths[int(choice.path_od[p])].append(PathFlow(choice.path_arcs[p], float(pf[p])))
    for lst in od_paths:
        lst.sort(key=lambda x: (-x.tonnes, x.arcs))
    mult = np.asarray(res.multiplier, dtype=float)
    inc = choice.incidence
    kp = d.commodity[choice.path_od]
    # the paths of each commodity, for the per-commodity cost rows (a path's part is its
    # incidence row times its commodity's row: one sparse product per commodity, never a
    # paths × arcs dense array, which is 357 GB at 100× the regional size)
    by_comm = [(int(k), np.flatnonzero(kp == k)) for k in np.unique(kp)]
    inc_k = {k: inc[sel] for k, sel in by_comm}

    def path_sums(arr: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.zeros(choice.n_paths)
        for k, sel in by_comm:
            out[sel] = inc_k[k] @ np.asarray(arr[k], dtype=float)
        return out

    cols: list[NDArray[np.float64]] = []
    vt = parts.vehicle_time_value * t_eq
    for name in PARTS:
        if name == "vehicle_distance":
            arr = parts.distance
        elif name == "tolls":
            arr = parts.tolls
        elif name == "handling":
            arr = np.broadcast_to(parts.handling, parts.distance.shape)
        elif name == "co2":
            arr = np.broadcast_to(parts.co2, parts.distance.shape)
        elif name == "vehicle_time":
            arr = np.broadcast_to(vt, parts.distance.shape)
        else:  # cargo_time
            arr = parts.cargo_time_value[:, None] * t_eq[None, :]
        cols.append(path_sums(arr))
    cols.append(np.asarray(inc @ mult).ravel())
    cols.append(path_asc)
    path_parts = np.stack(cols, axis=1)
    total = float((pf * (path_parts.sum(axis=1) - path_asc - cols[-2])).sum())
    objective = total + float((unserved * d.penalty).sum())
    hard_arc = np.isfinite(cong.hard_capacity)
    dual = np.where(hard_arc, mult, np.nan)
    bg_delay = np.asarray(res.background_delay, dtype=float)
    lock = cong.is_queue
    lock_wait = np.where(lock, np.asarray(res.time, dtype=float) - cong.free_flow_time, 0.0)
    lock_vol = np.asarray(res.volume, dtype=float)
    lock_info = {
        g.arc_label(int(a)): {
            "volume_t": float(lock_vol[a]),
            "wait_h": float(lock_wait[a]),
            "background_wait_change_h": float(
                lock_wait[a]
                - (np.asarray(res.time_background_only, dtype=float)[a] - cong.free_flow_time[a])
            ),
        }
        for a in np.flatnonzero(lock)
    }
    timings["extract_s"] = time.perf_counter() - t0
    status = as_status(str(res.status))
    log.info("behavioural: %s", res.summary())
    return BehaviouralRun(
        net=net,
        graph=geq,
        demand=d,
        method="logit",
        status=status,
        objective=objective,
        flow=flow,
        class_flow=class_flow,
        demand_class=demand_class,
        capacity_dual=dual,
        unserved=unserved,
        od_paths=tuple(tuple(x) for x in od_paths),
        capacity=g.capacity_t if capacity is None else np.asarray(capacity, dtype=float),
        capacity_free=free_capacity(
            g.capacity_t if capacity is None else np.asarray(capacity, dtype=float), g.background_t
        ),
        timings=timings,
        solver_info={
            "gap": float(res.gap),
            "capacity_gap": float(res.capacity_gap),
            "target_gap": float(gap),
            "iterations": int(res.iterations),
            "paths": int(choice.n_paths),
            "nests": len(choice.nest_label),
            "logsum_total_cny": float((res.logsum * d.tonnes).sum()),
            "background_delay_road_pcu_h": float(bg_delay[cong.is_road].sum()),
            "background_delay_lock_t_h": float(bg_delay[lock].sum()),
            "locks": lock_info,
        },
        choice=choice,
        sue=res,
        parts=parts,
        cong=cong,
        path_parts=path_parts,
        theta_chain=theta_c,
        theta_route=theta_r,
        path_size=ps,
    )


_LABELS: weakref.WeakKeyDictionary[VirtualGraph, list[str]] = weakref.WeakKeyDictionary()


def _labels(g: VirtualGraph) -> list[str]:
    """Every arc's :meth:`~freight.model.graph.VirtualGraph.arc_label`, built once per graph."""
    labels = _LABELS.get(g)
    if labels is None:
        labels = [g.arc_label(a) for a in range(g.n_arcs)]
        _LABELS[g] = labels
    return labels


def _path_key(run: BehaviouralRun, net: Network, g: VirtualGraph, p: int) -> tuple[object, ...]:
    assert run.choice is not None
    r = net.demand[int(run.choice.path_od[p])]
    labels = _labels(g)
    arcs = tuple(labels[a] for a in run.choice.path_arcs[p])
    return (r.origin, r.destination, r.commodity, arcs)


def _borrow_path_size(
    other: BehaviouralRun,
    net: Network,
    g: VirtualGraph,
    choice: ChoiceSet,
    ps: NDArray[np.float64],
) -> NDArray[np.float64]:
    """``ps`` with the factor of ``other`` for every path both choice sets hold."""
    assert other.choice is not None
    theirs = {
        _path_key(other, other.net, other.graph, p): float(other.path_size[p])
        for p in range(other.choice.n_paths)
    }
    out = ps.copy()
    labels = _labels(g)
    for p in range(choice.n_paths):
        r = net.demand[int(choice.path_od[p])]
        key = (
            r.origin,
            r.destination,
            r.commodity,
            tuple(labels[a] for a in choice.path_arcs[p]),
        )
        if key in theirs:
            out[p] = theirs[key]
    return out


def _mapped_paths(
    other: BehaviouralRun,
    g: VirtualGraph,
    d: DemandArrays,
    net: Network,
    usable: NDArray[np.bool_],
) -> dict[int, set[tuple[int, ...]]]:
    """Paths of ``other`` translated onto graph ``g`` (rows by OD and commodity, arcs by label)."""
    assert other.choice is not None
    arc_of = {label: a for a, label in enumerate(_labels(g))}
    olabels = _labels(other.graph)
    row_of = {(r.origin, r.destination, r.commodity): i for i, r in enumerate(net.demand)}
    out: dict[int, set[tuple[int, ...]]] = {}
    for arcs, orow in zip(other.choice.path_arcs, other.choice.path_od.tolist(), strict=True):
        r = other.net.demand[int(orow)]
        row = row_of.get((r.origin, r.destination, r.commodity))
        if row is None:
            continue
        mapped = [arc_of.get(olabels[a]) for a in arcs]
        if any(m is None for m in mapped):
            continue
        path = tuple(int(m) for m in mapped if m is not None)
        if usable[d.commodity[row], list(path)].all():
            out.setdefault(row, set()).add(path)
    return out


def mode_tonne_km(run: ModelRun, mode: str) -> float:
    """Tonne-km per year on the links of ``mode`` (t·km/yr)."""
    g = run.graph
    sel = (g.kind == LINK) & (g.mode == MODES.index(mode))
    return float((run.flow.sum(axis=0)[sel] * g.length_km[sel]).sum())


def check_behavioural(run: BehaviouralRun, *, rtol: float = 2 * GAP) -> list[str]:
    """Problems of a behavioural result (empty when none), by :func:`solvers.check.check_flows`.

    Checks flow conservation per flow class (commodity, origin), the hard capacities (rail
    lines, terminals; within ``rtol``, the capacity gap the solve stops at) and served +
    unserved = demand per row; and that path flows add up to the class flows.
    """
    from solvers.check import check_flows

    assert run.cong is not None and run.choice is not None and run.sue is not None
    g, d = run.graph, run.demand
    problems = check_flows(
        g.n_nodes,
        g.tail,
        g.head,
        run.cong.hard_capacity,
        run.class_flow,
        d.origin,
        d.destination,
        d.tonnes,
        commodity=run.demand_class,
        unserved=run.unserved,
        rtol=rtol,
    )
    pf = np.asarray(run.sue.path_flow, dtype=float)
    arc_total = np.asarray(run.choice.incidence.T @ pf).ravel()
    if not np.allclose(arc_total, run.flow.sum(axis=0), rtol=1e-9, atol=1e-6):
        problems.append("path flows do not add up to the arc flows")
    served = np.bincount(run.choice.path_od, weights=pf, minlength=len(d.tonnes))
    if not np.allclose(served + run.unserved, d.tonnes, rtol=1e-9, atol=1e-6):
        problems.append("served + unserved differs from demand")
    return problems


def od_chain_rows(run: BehaviouralRun) -> list[dict[str, object]]:
    """One row per demand row and mode chain: share, tonnes, composite cost, the logsum of the
    row, how much dearer the chain is than the row's cheapest, and the cost of each part (the
    path costs of the chain averaged with their shares within it), CNY/t."""
    assert run.choice is not None and run.sue is not None
    res, ch = run.sue, run.choice
    n_nests = len(ch.nest_label)
    w = np.asarray(res.path_share_in_nest, dtype=float)
    names = [*PARTS, "capacity_price", "asc"]
    part_sum = np.zeros((n_nests, len(names)))
    np.add.at(part_sum, ch.path_nest, run.path_parts * w[:, None])
    n_paths = np.bincount(ch.path_nest, minlength=n_nests)
    best_path = np.full(n_nests, np.inf)
    np.minimum.at(best_path, ch.path_nest, np.asarray(res.path_cost, dtype=float))
    nest_cost = np.asarray(res.nest_cost, dtype=float)
    best_of_od = np.full(len(run.demand.tonnes), np.inf)
    np.minimum.at(best_of_od, ch.nest_od, nest_cost)
    rows: list[dict[str, object]] = []
    for n in range(n_nests):
        r = int(ch.nest_od[n])
        dem = run.net.demand[r]
        row: dict[str, object] = {
            "origin": dem.origin,
            "destination": dem.destination,
            "commodity": dem.commodity,
            "chain": ch.nest_label[n].replace("-", ">"),
            "share": float(res.nest_share[n]),
            "tonnes_t": float(res.nest_flow[n]),
            "paths": int(n_paths[n]),
            "cost_cny_per_t": float(nest_cost[n]),
            "best_path_cny_per_t": float(best_path[n]),
            "above_best_chain_cny_per_t": float(nest_cost[n] - best_of_od[r]),
            "logsum_cny_per_t": float(res.logsum[r]),
        }
        for j, name in enumerate(names):
            row[f"{name}_cny_per_t"] = float(part_sum[n, j])
        rows.append(row)
    return rows


def link_behaviour(run: BehaviouralRun) -> dict[int, dict[str, float]]:
    """Per link arc: speed, volume over capacity with background, delay, lock wait and the change
    of background users' time (columns of ``link_flows.csv`` for the behavioural model)."""
    assert run.cong is not None and run.sue is not None
    cong, res, g = run.cong, run.sue, run.graph
    t = g.time_h
    t_free = cong.constant_time + cong.free_flow_time
    vc = np.asarray(res.volume_capacity_ratio, dtype=float)
    bg = np.asarray(res.background_delay, dtype=float)
    out: dict[int, dict[str, float]] = {}
    for a in np.flatnonzero(g.kind == LINK).tolist():
        congested = bool(cong.is_road[a] or cong.is_queue[a])
        out[a] = {
            "speed_kmh": float(g.length_km[a] / t[a]) if t[a] > 0 else math.nan,
            "volume_capacity_ratio": float(vc[a]) if congested else math.nan,
            "delay_h": float(t[a] - t_free[a]),
            "lock_wait_h": float(t[a] - t_free[a]) if cong.is_queue[a] else math.nan,
            "background_delay_pcu_h": float(bg[a]) if cong.is_road[a] else math.nan,
            "background_delay_t_h": float(bg[a]) if cong.is_queue[a] else math.nan,
        }
    return out
