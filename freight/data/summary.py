"""Summaries of a network for the terminal and for reports (no printing here)."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from freight.data.network import Network
from freight.data.schema import MODES


def network_summary(net: Network) -> dict[str, Any]:
    """Counts and totals of a network.

    Returns
    -------
    dict
        ``places`` (total and by kind), ``links`` (count and km by mode), ``terminals`` (count,
        transfers and zone access rows), ``commodities`` (ids) and ``demand`` (tonnes per year by
        commodity and in total).
    """
    links_n: Counter[str] = Counter()
    links_km: defaultdict[str, float] = defaultdict(float)
    for lk in net.links:
        links_n[lk.mode] += 1
        links_km[lk.mode] += lk.length_km
    tonnes: defaultdict[str, float] = defaultdict(float)
    for d in net.demand:
        tonnes[d.commodity] += d.tonnes
    return {
        "name": net.name,
        "places": len(net.places),
        "places_by_kind": dict(sorted(Counter(p.kind for p in net.places).items())),
        "zones": sum(1 for p in net.places if p.zone),
        "links_by_mode": {m: (links_n[m], links_km[m]) for m in MODES if links_n[m]},
        "terminals": len(net.terminals),
        "transfers": sum(1 for t in net.terminals if t.from_mode != "zone"),
        "zone_access": sum(1 for t in net.terminals if t.from_mode == "zone"),
        "commodities": [c.id for c in net.commodities],
        "demand_by_commodity": {c.id: tonnes.get(c.id, 0.0) for c in net.commodities},
        "demand_rows": len(net.demand),
        "demand_total": net.total_demand(),
    }
