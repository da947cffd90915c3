"""Checks that need the virtual graph: can every demand row be carried at all, and does every
commodity's unserved penalty exceed its routes' costs.

:func:`check_network` is the full check of a network: the table checks of
:func:`freight.data.checks.check_tables` and, when those pass, :func:`check_reachability`. The
case loader (:mod:`freight.scenario.case`), scenario resolution and ``freight validate`` call it.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from freight.data.checks import check_tables, row_origins
from freight.data.network import Network
from freight.data.schema import MODES
from freight.errors import Problem
from freight.model.graph import build_graph
from solvers.shortest_paths import shortest_path_tree


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
    carrying it, and unserved tonnes would be misreported)."""
    g = build_graph(net)
    out: list[Problem] = []
    lines = row_origins(net, "demand")
    clines = row_origins(net, "commodities")
    by_comm: dict[int, list[int]] = defaultdict(list)
    ci = g.commodity_index
    for i, d in enumerate(net.demand):
        by_comm[ci[d.commodity]].append(i)
    n = g.n_nodes
    for k, rows in sorted(by_comm.items()):
        origins = sorted({g.src_node[net.demand[i].origin] for i in rows})
        weight = np.where(g.allowed[k], g.generalized[k], np.inf)
        dist, _ = shortest_path_tree(
            n, g.tail, g.head, weight, np.asarray(origins, dtype=np.int64), predecessors=False
        )
        row_of = {o: j for j, o in enumerate(origins)}
        com = net.commodity_by_id[g.commodities[k]]
        c_row = next(i for i, c in enumerate(net.commodities) if c.id == com.id)
        worst: tuple[float, int] | None = None
        for i in rows:
            d = net.demand[i]
            cost = dist[row_of[g.src_node[d.origin]], g.sink_node[d.destination]]
            if not np.isfinite(cost):
                modes = "/".join(m for m in MODES if m in com.allowed_modes)
                out.append(
                    lines[i].problem(
                        "destination",
                        f"no path from {d.origin!r} to {d.destination!r} for {d.commodity!r} "
                        f"using {modes}",
                    )
                )
            elif cost > com.unserved_penalty_cny_per_t and (worst is None or cost > worst[0]):
                worst = (float(cost), i)
        if worst is not None:
            d = net.demand[worst[1]]
            out.append(
                clines[c_row].problem(
                    "unserved_penalty_cny_per_t",
                    f"penalty {com.unserved_penalty_cny_per_t:g} CNY/t is below the cheapest route "
                    f"{d.origin}->{d.destination} ({worst[0]:.2f} CNY/t); it must exceed every "
                    "route's cost",
                )
            )
    return out
