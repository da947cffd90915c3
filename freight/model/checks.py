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
from solvers.shortest_paths import pair_distances, shortest_path_tree


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
    hubs (the best-connected mode nodes, :func:`_hubs`) costs at most the penalty has a path and a
    cheapest route within the penalty (triangle inequality), and two searches per hub clear the
    rows of every origin. Only the rows left are searched, exactly, each search growing in rounds
    up to the penalty (:func:`solvers.shortest_paths.pair_distances`), and only those can be
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
        hubs = _hubs(g.tail, g.head, weight, g.n_nodes)
        to_hub, _ = shortest_path_tree(g.n_nodes, g.head, g.tail, weight, hubs, predecessors=False)
        from_hub, _ = shortest_path_tree(
            g.n_nodes, g.tail, g.head, weight, hubs, predecessors=False
        )
        via = (to_hub[:, orig[rows]] + from_hub[:, dest[rows]]).min(axis=0, initial=np.inf)
        left = np.flatnonzero(~(via <= penalty * (1.0 - 1e-9)))  # the others have a path within it
        cost = pair_distances(
            g.n_nodes, g.tail, g.head, weight, orig[rows[left]], dest[rows[left]],
            start=penalty / 64 if penalty > 0 else None, bound=penalty,
        )  # fmt: skip
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
    tail: NDArray[np.int64], head: NDArray[np.int64], weight: NDArray[np.float64], n_nodes: int
) -> NDArray[np.int64]:
    """Up to 8 hubs of a commodity's graph: the nodes with the most usable arcs (in + out; ties:
    lowest node), which on a regional network are its big interchanges."""
    ok = np.isfinite(weight)
    degree = np.bincount(tail[ok], minlength=n_nodes) + np.bincount(head[ok], minlength=n_nodes)
    order = np.lexsort((np.arange(n_nodes), -degree))
    return np.asarray(order[: min(8, int((degree > 0).sum()))], dtype=np.int64)
