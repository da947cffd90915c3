"""One validator for every flow solver: conservation, capacity, non-negativity, demand met.

``check_flows`` returns a list of human-readable violations (empty when the flow is valid), so a
test can ``assert not check_flows(...)`` and see every problem at once when it fails.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def check_flows(
    n_nodes: int,
    tail: ArrayLike,
    head: ArrayLike,
    capacity: ArrayLike,
    flow: ArrayLike,
    origin: ArrayLike,
    destination: ArrayLike,
    demand: ArrayLike,
    commodity: ArrayLike | None = None,
    unserved: ArrayLike | None = None,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-6,
) -> list[str]:
    """Check a (multi-commodity) flow against its network and demands.

    Parameters
    ----------
    n_nodes
        Number of nodes; nodes are ``0..n_nodes-1``.
    tail, head
        Arc end points, shape ``(n_arcs,)``.
    capacity
        Shared arc capacity (tonnes per year), shape ``(n_arcs,)``; ``inf`` means unbounded.
    flow
        Arc flows, shape ``(n_arcs,)`` for one commodity or ``(n_commodities, n_arcs)``.
    origin, destination, demand
        Demand rows: ``demand[d]`` tonnes from ``origin[d]`` to ``destination[d]``.
    commodity
        Commodity index of each demand row (all 0 when omitted).
    unserved
        Unserved tonnes per demand row (all 0 when omitted). Served = demand − unserved.
    rtol, atol
        Tolerance: a violation must exceed ``atol + rtol * scale`` to be reported.

    Returns
    -------
    list of str
        One message per violation; empty when the flow is valid.
    """
    t = np.asarray(tail, dtype=np.int64)
    h = np.asarray(head, dtype=np.int64)
    cap = np.asarray(capacity, dtype=float)
    x = np.atleast_2d(np.asarray(flow, dtype=float))
    o = np.asarray(origin, dtype=np.int64)
    d = np.asarray(destination, dtype=np.int64)
    dem = np.asarray(demand, dtype=float)
    k = np.zeros(len(dem), dtype=np.int64) if commodity is None else np.asarray(commodity, np.int64)
    un = np.zeros(len(dem)) if unserved is None else np.asarray(unserved, dtype=float)
    problems: list[str] = []
    n_comm = x.shape[0]
    if x.shape[1] != len(t):
        return [f"flow has {x.shape[1]} arcs, network has {len(t)}"]
    if len(k) and k.max(initial=0) >= n_comm:
        return [f"demand names commodity {int(k.max())} but flow has {n_comm} commodities"]
    scale = max(1.0, float(np.abs(dem).max(initial=0.0)))
    tol = atol + rtol * scale

    neg = np.argwhere(x < -tol)
    for c, a in neg[:20]:
        problems.append(f"negative flow {x[c, a]:.6g} on arc {a} (commodity {c})")
    bad_un = np.flatnonzero((un < -tol) | (un > dem + tol))
    for r in bad_un[:20]:
        problems.append(f"demand row {r}: unserved {un[r]:.6g} outside [0, {dem[r]:.6g}]")

    total = x.sum(axis=0)
    finite = np.isfinite(cap)
    over = np.flatnonzero(finite & (total > cap + atol + rtol * np.where(finite, np.abs(cap), 0)))
    for a in over[:20]:
        problems.append(
            f"arc {a} ({t[a]}->{h[a]}): flow {total[a]:.6g} exceeds capacity {cap[a]:.6g}"
        )

    served = dem - un
    for c in range(n_comm):
        net = np.zeros(n_nodes)
        np.add.at(net, t, x[c])
        np.subtract.at(net, h, x[c])
        want = np.zeros(n_nodes)
        mask = k == c
        np.add.at(want, o[mask], served[mask])
        np.subtract.at(want, d[mask], served[mask])
        bad = np.flatnonzero(np.abs(net - want) > tol)
        for v in bad[:20]:
            problems.append(
                f"commodity {c}, node {v}: net outflow {net[v]:.6g}, expected {want[v]:.6g}"
            )
    return problems


def check_single(
    tail: ArrayLike,
    head: ArrayLike,
    capacity: ArrayLike,
    flow: ArrayLike,
    supply: ArrayLike,
    *,
    rtol: float = 1e-9,
    atol: float = 1e-6,
) -> list[str]:
    """Check a single-commodity flow against node supplies (``supply > 0`` is a source).

    Conservation: for every node, outflow − inflow = supply. Also capacity and non-negativity.
    """
    s = np.asarray(supply, dtype=float)
    t = np.asarray(tail, dtype=np.int64)
    h = np.asarray(head, dtype=np.int64)
    x = np.asarray(flow, dtype=float)
    cap = np.asarray(capacity, dtype=float)
    problems: list[str] = []
    scale = max(1.0, float(np.abs(s).max(initial=0.0)))
    tol = atol + rtol * scale
    for a in np.flatnonzero(x < -tol)[:20]:
        problems.append(f"negative flow {x[a]:.6g} on arc {a}")
    finite = np.isfinite(cap)
    for a in np.flatnonzero(finite & (x > np.where(finite, cap, 0) + tol))[:20]:
        problems.append(f"arc {a} ({t[a]}->{h[a]}): flow {x[a]:.6g} exceeds capacity {cap[a]:.6g}")
    net = np.zeros(len(s))
    np.add.at(net, t, x)
    np.subtract.at(net, h, x)
    for v in np.flatnonzero(np.abs(net - s) > tol)[:20]:
        problems.append(f"node {v}: net outflow {net[v]:.6g}, supply {s[v]:.6g}")
    return problems
