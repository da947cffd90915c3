"""Checks that need the virtual graph: can every demand row be carried at all, and does every
commodity's unserved penalty exceed its routes' costs.

:func:`check_network` is the full check of a network: the table checks of
:func:`freight.data.checks.check_tables` and, when those pass, :func:`check_reachability`. The
case loader (:mod:`freight.scenario.case`), scenario resolution and ``freight validate`` call it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from freight.data.checks import check_tables, row_origins
from freight.data.network import Network
from freight.data.schema import MODES
from freight.errors import Problem
from freight.model.graph import build_graph
from solvers.shortest_paths import ArcGraph, pair_distances


def check_network(net: Network, *, connectivity: bool = True) -> list[Problem]:
    """Every problem of a network: the table checks, then (``connectivity``, and only when the
    tables are consistent) demand with no possible path and penalties below a route's cost."""
    problems = check_tables(net)
    if connectivity and not problems:
        problems += check_reachability(net)
    return problems


def check_reachability(net: Network) -> list[Problem]:
    """Demand rows with no allowed path, and commodities whose unserved penalty is below the
    cheapest route of one of their ODs (then leaving freight unserved would look cheaper than
    carrying it, and unserved tonnes would be misreported).

    Most rows are cleared without their own search: a row whose route through one of a few
    hubs (well-connected nodes spread over the graph, :func:`_hubs`) costs at most the penalty has a path and a
    cheapest route within the penalty (triangle inequality), and two searches per hub clear the
    rows of every origin. Only the rows left are searched, exactly, each origin's search stopping
    at its last row (:func:`solvers.shortest_paths.pair_distances`), and only those can be
    problems. So the check costs a few searches per commodity on a sound network, instead of one
    search per origin (which grows with the square of the network's size).
    """
    g = build_graph(net)
    out: list[Problem] = []
    lines = row_origins(net, "demand")
    clines = row_origins(net, "commodities")
    ci = g.commodity_index
    n_rows = len(net.demand)
    comm = np.fromiter((ci[d.commodity] for d in net.demand), np.int64, n_rows)
    orig = np.fromiter((g.src_node[d.origin] for d in net.demand), np.int64, n_rows)
    dest = np.fromiter((g.sink_node[d.destination] for d in net.demand), np.int64, n_rows)
    c_row: dict[str, int] = {}
    for i, c in enumerate(net.commodities):
        c_row.setdefault(c.id, i)
    for k in np.unique(comm).tolist():
        rows = np.flatnonzero(comm == k)
        com = net.commodity_by_id[g.commodities[k]]
        penalty = float(com.unserved_penalty_cny_per_t)
        weight = np.where(g.allowed[k], g.generalized[k], np.inf)
        graph = ArcGraph(g.n_nodes, g.tail, g.head, weight)
        hubs, from_hub = _hubs(graph, g.tail, g.head, weight)
        to_hub, _ = graph.search(hubs, predecessors=False, reverse=True)
        via = (to_hub[:, orig[rows]] + from_hub[:, dest[rows]]).min(axis=0, initial=np.inf)
        left = np.flatnonzero(~(via <= penalty * (1.0 - 1e-9)))  # the others have a path within it
        cost = pair_distances(g.n_nodes, g.tail, g.head, weight, orig[rows[left]], dest[rows[left]])
        worst: tuple[float, int] | None = None
        for j in np.flatnonzero(~np.isfinite(cost) | (cost > penalty)).tolist():
            i = int(rows[left[j]])
            d = net.demand[i]
            if not np.isfinite(cost[j]):
                modes = "/".join(m for m in MODES if m in com.allowed_modes)
                out.append(
                    lines[i].problem(
                        "destination",
                        f"no path from {d.origin!r} to {d.destination!r} for {d.commodity!r} "
                        f"using {modes}",
                    )
                )
            elif worst is None or cost[j] > worst[0]:
                worst = (float(cost[j]), i)
        if worst is not None:
            d = net.demand[worst[1]]
            out.append(
                clines[c_row[com.id]].problem(
                    "unserved_penalty_cny_per_t",
                    f"penalty {com.unserved_penalty_cny_per_t:g} CNY/t is below the cheapest route "
                    f"{d.origin}->{d.destination} ({worst[0]:.2f} CNY/t); it must exceed every "
                    "route's cost",
                )
            )
    return out


def _hubs(
    graph: ArcGraph,
    tail: NDArray[np.int64],
    head: NDArray[np.int64],
    weight: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Up to 8 hubs of a commodity's graph, spread over it, and the distances from each.

    The candidates are the best-connected nodes (the most usable arcs, in + out: on a regional
    network its big interchanges; at least the 8 best, and every node tied with the 8th). The
    first hub is the best connected (ties: lowest node); each next one the candidate farthest
    from the hubs chosen (not reached from them counts farthest; ties: better connected, then
    lowest node), so that on a large network of similar regions the hubs do not crowd into
    one of them. Returns the hubs and ``(hubs, n_nodes)`` distances from them."""
    n_nodes = graph.n_nodes
    ok = np.isfinite(weight)
    degree = np.bincount(tail[ok], minlength=n_nodes) + np.bincount(head[ok], minlength=n_nodes)
    n_hubs = min(8, int((degree > 0).sum()))
    if n_hubs == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, n_nodes))
    order = np.lexsort((np.arange(n_nodes), -degree))
    cand = order[degree[order] >= degree[order[n_hubs - 1]]]
    chosen = [int(cand[0])]
    rows = [graph.search(cand[:1], predecessors=False)[0][0]]
    near = rows[0][cand].copy()
    while len(chosen) < n_hubs:
        far = np.where(np.isfinite(near), near, np.inf)
        far[np.isin(cand, chosen)] = -1.0
        pick = int(cand[int(np.argmax(far))])  # first maximum: the better connected
        chosen.append(pick)
        row = graph.search(np.array([pick], dtype=np.int64), predecessors=False)[0][0]
        rows.append(row)
        near = np.minimum(near, row[cand])
    return np.asarray(chosen, dtype=np.int64), np.vstack(rows)
