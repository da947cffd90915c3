"""The behavioural view: equilibrium assignment with flow-dependent times (``--method ue|so``).

The linear model treats capacities as hard walls (the planner's view). Here shippers choose
routes on generalized cost while link times rise with volume (BPR, per-mode ``bpr_alpha`` and
``bpr_beta`` from modes.csv): road congestion (capacities in tonnes already fold in trucks per
tonne and passenger-car units, see SOURCES.md), rail train paths, and queueing at the Three Gorges
locks. ``ue`` is the user equilibrium, ``so`` the system optimum.

Mapping onto :func:`solvers.assignment.solve`:

* one class per (commodity, origin), as in the linear model, so that each OD's paths come out
  exactly; the time unit is the hour and each class's money (plus carbon) cost per tonne is
  folded into hours by its value of time (``fixed = money / VoT``); dividing a class's whole cost
  by its positive VoT does not change its choices;
* capacity is what the linear model sees (``capacity_t − background_t``), a stated approximation
  of ``(x + background) / capacity`` in the BPR ratio; unbounded arcs and non-link arcs keep a
  constant time;
* arcs a commodity may not use carry a prohibitive cost (1e12 h) and never carry its flow, because
  the data checks guarantee an allowed path for every OD.

Results are reported like the linear model's: link, OD, mode, terminal tables and KPIs at the
equilibrium times. Capacity shadow prices do not exist here and are written blank; for ``so`` the
congestion toll ``X · t'(X)`` is the analogue (kept in ``solver_info``).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Literal

import numpy as np

from freight.data.network import Network
from freight.data.schema import MODES
from freight.model.graph import LINK, CostParams, build_graph, demand_arrays
from freight.model.linear import ModelRun, class_paths, flow_classes
from freight.model.methods import as_status

FORBIDDEN_H = 1e12
MIN_VOT = 1e-6


def solve_equilibrium(
    net: Network,
    params: CostParams | None = None,
    *,
    objective: Literal["ue", "so"] = "ue",
    gap: float = 1e-4,
    max_iter: int = 500,
    algorithm: str | None = None,
) -> ModelRun:
    """User equilibrium (``"ue"``) or system optimum (``"so"``) assignment of a network.

    Returns
    -------
    ModelRun
        Flows in tonnes per year at the equilibrium; ``graph.time_h`` holds the equilibrium times
        and ``graph.generalized`` the matching generalized costs (CNY per tonne).
    """
    from solvers import assignment

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    net = net.canonical()  # row order of the inputs never changes an answer
    g = build_graph(net, params)
    d = demand_arrays(net, g)
    cls_comm, cls_origin, demand_class = flow_classes(d)
    modes = net.mode_by_name
    alpha = np.zeros(g.n_arcs)
    beta = np.zeros(g.n_arcs)
    link = g.kind == LINK
    for mi, m in enumerate(MODES):
        sel = link & (g.mode == mi)
        if m in modes and sel.any():
            alpha[sel] = modes[m].bpr_alpha
            beta[sel] = modes[m].bpr_beta
    cap = g.capacity_free_t.copy()
    closed = cap <= 0  # no capacity left: closed to the modelled freight
    cap[closed] = np.inf
    vot = np.maximum(g.vot, MIN_VOT)
    carbon = g.params.carbon_price * g.co2_kg_per_t / 1000.0
    money = g.money + carbon[None, :]
    fixed_k = np.where(g.allowed & ~closed[None, :], money / vot[:, None], FORBIDDEN_H)
    class_fixed = fixed_k[cls_comm]
    n = g.n_nodes
    no_through = np.zeros(n, dtype=bool)
    timings["build_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    res = assignment.solve(
        g.tail,
        g.head,
        g.time_h,
        cap,
        alpha,
        beta,
        d.origin,
        d.destination,
        d.tonnes,
        objective=objective,
        algorithm=algorithm,
        gap=gap,
        max_iter=max_iter,
        no_through=no_through,
        n_nodes=n,
        demand_class=demand_class,
        class_fixed_cost=class_fixed,
        pcu=np.ones(len(cls_comm)),
    )
    timings["solve_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    t_eq = np.asarray(res.time, dtype=float)
    generalized = g.money + g.vot[:, None] * t_eq[None, :] + carbon[None, :]
    geq = replace(g, time_h=t_eq, generalized=generalized)
    class_flow = np.asarray(res.class_flow, dtype=float)
    flow = np.zeros((len(g.commodities), g.n_arcs))
    np.add.at(flow, cls_comm, class_flow)
    unserved = np.asarray(res.unserved, dtype=float)
    served = d.tonnes - unserved
    od_paths = class_paths(geq, d, cls_origin, demand_class, class_flow, served, tol=1e-7)
    total_cost = float((flow * generalized).sum() + (unserved * d.penalty).sum())
    dtdx = np.where(
        (alpha > 0) & (beta > 0) & np.isfinite(cap),
        g.time_h * alpha * beta * np.power(res.flow / cap, np.maximum(beta - 1, 0)) / cap,
        0.0,
    )
    timings["extract_s"] = time.perf_counter() - t0
    return ModelRun(
        net=net,
        graph=geq,
        demand=d,
        method=objective,
        status=as_status(str(res.status)),
        objective=total_cost,
        flow=flow,
        class_flow=class_flow,
        demand_class=demand_class,
        capacity_dual=np.full(g.n_arcs, np.nan),  # no dual in an equilibrium: written blank
        unserved=unserved,
        od_paths=od_paths,
        capacity=g.capacity_t,
        capacity_free=g.capacity_free_t,
        timings=timings,
        solver_info={
            "algorithm": res.algorithm,
            "relative_gap": float(res.relative_gap),
            "iterations": int(res.iterations),
            "converged": bool(res.converged),
            "beckmann_or_system_objective_h": float(res.objective),
            "max_congestion_toll_h_per_t": float(np.max(res.flow * dtdx, initial=0.0)),
        },
    )
