"""Before/after suite of the plan's projects: does each project do what it is built for?

For every project file in ``scenarios/projects/`` the suite solves a future twice, the
*put-one-in* way of the appraisal: without the project (the future plus the projects it
requires) and with it (plus the project). It then checks the *direction* of the effect the
project is built for (its ``expected_effect``), e.g. the Longchang–Xuyong upgrade must cut the
rail time Luzhou–Chengdu and must not lower rail's share of Luzhou–Chengdu tonnes, the Three Gorges
new channel must lower the locks' shadow price. Every project is also checked for the
system-optimal property that adding infrastructure never raises the total cost (objective).

Usage::

    .venv/bin/python benchmarks/projects/run_suite.py \
        --future scenarios/future_2025_central.toml --out benchmarks/projects/results

Writes ``comparison.csv`` (project, check, unit, base value, with value, expected direction,
pass), ``projects.csv`` (per project: objective, money, time, CO2 and unserved deltas, solver
status) and ``kpi_deltas.csv`` (every KPI of every project, via
:func:`freight.analysis.compare.compare_kpis`) atomically with a ``manifest.json``; prints a table; exits 1
when a check fails. Importable: :func:`run_suite` returns the rows, :data:`CHECKS` holds the check
functions (tests/test_projects.py runs them).

Directions: ``decrease`` (with < base), ``increase`` (with > base), ``not_increase`` (with ≤ base),
``not_decrease`` (with ≥ base), each with a tolerance of 1e-6 relative plus a small absolute one
(1e-6 of the unit; 1 t for tonnes, 1 CNY for money).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from freight.analysis.appraise import closure
from freight.analysis.compare import compare_kpis
from freight.data.csvio import load_network
from freight.data.network import Network
from freight.data.schema import MODES
from freight.model.graph import LINK, VirtualGraph
from freight.model.linear import ModelRun, solve_network
from freight.results.tables import Table, kpi_dict, run_tables, versions, write_result_folder
from freight.scenario.resolve import (
    ProjectFile,
    Scenario,
    build_scenario_network,
    projects_dir,
    read_project_file,
    resolve,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FUTURE = ROOT / "scenarios" / "future_2025_central.toml"
DEFAULT_OUT = Path(__file__).resolve().parent / "results"

PLAN_AREA: tuple[str, ...] = ("ZG", "LZ", "NJ", "YB", "JJ", "YC", "QJ", "WS", "DZ", "TL", "RC")
"""The plan area's zones (the plan, S1): four Sichuan cities, seven Chongqing districts."""
WEST_CQ: tuple[str, ...] = ("YC", "RC", "DZ")
"""Western Chongqing, the hinterland of the Yongchuan harbour district."""
EAST: tuple[str, ...] = ("WH", "NJG", "SH")
"""The Yangtze gateways below the Three Gorges."""

# ----------------------------------------------------------------------------- one side


@dataclass
class Side:
    """One solved network (without or with a project) and its result tables."""

    net: Network
    run: ModelRun
    tables: dict[str, Table]
    kpis: dict[str, float]
    seconds: float

    @property
    def graph(self) -> VirtualGraph:
        """The virtual graph of the run."""
        return self.run.graph


def solve_side(sc: Scenario, projects: Sequence[str], base: Network) -> Side:
    """Build the future with ``projects`` (in the given order) and solve it."""
    t0 = time.perf_counter()
    net, _ = build_scenario_network(sc, projects=tuple(projects), base=base)
    run = solve_network(net, sc.params)
    tables = run_tables(run)
    return Side(net, run, tables, kpi_dict(run), time.perf_counter() - t0)


# ----------------------------------------------------------------------------- metrics


def _num(x: Any) -> float:
    return 0.0 if x is None or x == "" else float(x)


def _adjacency(g: VirtualGraph, weight: NDArray[np.float64], mask: NDArray[np.bool_]) -> csr_matrix:
    """Sparse adjacency of the arcs in ``mask`` weighted by ``weight`` (+1e-12 so that zero-cost
    arcs stay edges); of parallel arcs only the cheapest is kept (csr would sum them)."""
    t, h, w = g.tail[mask], g.head[mask], weight[mask] + 1e-12
    order = np.lexsort((w, h, t))
    t, h, w = t[order], h[order], w[order]
    first = np.ones(len(t), dtype=bool)
    first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    return csr_matrix((w[first], (t[first], h[first])), shape=(g.n_nodes, g.n_nodes))


def _shortest(
    g: VirtualGraph, weight: NDArray[np.float64], mask: NDArray[np.bool_], src: int, dst: int
) -> float:
    """Shortest ``weight`` path from node ``src`` to ``dst`` over the arcs in ``mask``."""
    return float(dijkstra(_adjacency(g, weight, mask), directed=True, indices=src)[dst])


def graph_mode_time(g: VirtualGraph, mode: str, a: str, b: str) -> float:
    """Shortest time (h) from place ``a`` to place ``b`` on links of one mode only (inf = no
    such route), on a virtual graph."""
    if (a, mode) not in g.mode_node or (b, mode) not in g.mode_node:
        return math.inf
    mask = (g.kind == LINK) & (g.mode == MODES.index(mode))
    return _shortest(g, g.time_h, mask, g.mode_node[(a, mode)], g.mode_node[(b, mode)])


def mode_time(s: Side, mode: str, a: str, b: str) -> float:
    """Shortest time (h) from place ``a`` to place ``b`` on links of one mode only."""
    return graph_mode_time(s.graph, mode, a, b)


def route_cost(
    s: Side,
    commodity: str,
    a: tuple[str, str],
    b: tuple[str, str],
    *,
    only_mode: str | None = None,
    money: bool = False,
) -> float:
    """Cheapest generalized (or money) cost per tonne of ``commodity`` between two mode nodes
    ``(place, mode)``, over the arcs the commodity may use (optionally links of one mode only).

    With ``only_mode`` the route ends where that mode's links arrive: at a hub of the mode
    (Guoyuan for water, :mod:`freight.model.graph` "Hubs") the links that end there attach to its
    arrival node, not to the mode node behind the hub's transhipment rows."""
    g = s.graph
    if a not in g.mode_node or b not in g.mode_node:
        return math.inf
    k = g.commodity_index[commodity]
    mask = g.allowed[k].copy()
    target = g.mode_node[b]
    if only_mode is not None:
        mask &= (g.kind == LINK) & (g.mode == MODES.index(only_mode))
        target = g.meta.get("arrival_node", {}).get(b, target)
    weight = g.money[k] if money else g.generalized[k]
    return _shortest(g, weight, mask, g.mode_node[a], target)


def air_route_cost(s: Side, commodity: str, origin: str, destination: str) -> float:
    """Cheapest generalized cost per tonne from zone ``origin`` to zone ``destination`` over
    routes that use at least one air link (CNY/t; inf = none)."""
    g = s.graph
    k = g.commodity_index[commodity]
    mask = g.allowed[k]
    c = g.generalized[k]
    adj = _adjacency(g, c, mask)
    d_from = dijkstra(adj, directed=True, indices=g.src_node[origin])
    d_to = dijkstra(adj.T.tocsr(), directed=True, indices=g.sink_node[destination])
    air = np.flatnonzero(mask & (g.kind == LINK) & (g.mode == MODES.index("air")))
    if len(air) == 0:
        return math.inf
    return float(np.min(d_from[g.tail[air]] + c[air] + d_to[g.head[air]]))


def nearest_airport_time(s: Side, place: str) -> float:
    """Road time (h) from ``place`` to the nearest airport (inf = none reachable)."""
    airports = [p.id for p in s.net.places if p.kind == "airport"]
    return min((mode_time(s, "road", place, a) for a in airports), default=math.inf)


def _rows(s: Side, a: Iterable[str], b: Iterable[str], both: bool) -> list[int]:
    sa, sb = set(a), set(b)
    out = []
    for i, d in enumerate(s.net.demand):
        if (d.origin in sa and d.destination in sb) or (
            both and d.origin in sb and d.destination in sa
        ):
            out.append(i)
    return out


def od_cost(
    s: Side,
    a: Iterable[str],
    b: Iterable[str],
    *,
    both: bool = True,
    commodities: Iterable[str] | None = None,
) -> float:
    """Average generalized cost per tonne (CNY/t, unserved tonnes at their penalty) of the demand
    between zone sets ``a`` and ``b`` (both directions when ``both``)."""
    keep = set(commodities) if commodities is not None else None
    od = s.tables["od_flows.csv"]
    num = den = 0.0
    for i in _rows(s, a, b, both):
        r = od[i]
        if keep is not None and r["commodity"] not in keep:
            continue
        pen = s.net.commodity_by_id[r["commodity"]].unserved_penalty_cny_per_t
        served, unserved = _num(r["served_t"]), _num(r["unserved_t"])
        num += served * _num(r["generalized_cny_per_t"]) + unserved * pen
        den += served + unserved
    return num / den if den > 0 else math.nan


def _path_uses(g: VirtualGraph, arcs: tuple[int, ...], mode: int) -> bool:
    idx = np.asarray(arcs, dtype=np.int64)
    return bool(np.any((g.kind[idx] == LINK) & (g.mode[idx] == mode)))


def od_mode_tonnes(s: Side, a: Iterable[str], b: Iterable[str], mode: str, both: bool) -> float:
    """Tonnes per year of the demand between zone sets ``a`` and ``b`` carried on paths that use
    ``mode`` for at least one link."""
    g, m = s.graph, MODES.index(mode)
    return sum(
        p.tonnes
        for i in _rows(s, a, b, both)
        for p in s.run.od_paths[i]
        if _path_uses(g, p.arcs, m)
    )


def od_mode_share(s: Side, a: Iterable[str], b: Iterable[str], mode: str) -> float:
    """Share of the tonnes between zone sets ``a`` and ``b`` (both directions) carried on paths
    that use ``mode``."""
    rows = _rows(s, a, b, True)
    total = sum(float(s.run.demand.tonnes[i]) for i in rows)
    return od_mode_tonnes(s, a, b, mode, True) / total if total > 0 else math.nan


def zone_mode_tonnes(s: Side, zones: Iterable[str], mode: str) -> float:
    """Tonnes per year to or from any of ``zones`` carried on paths that use ``mode``."""
    z = set(zones)
    g, m = s.graph, MODES.index(mode)
    return sum(
        p.tonnes
        for i, d in enumerate(s.net.demand)
        if d.origin in z or d.destination in z
        for p in s.run.od_paths[i]
        if _path_uses(g, p.arcs, m)
    )


def terminal_value(s: Side, ids: Iterable[str], column: str = "throughput_t") -> float:
    """Sum of a terminals.csv column over terminals (absent terminals count 0)."""
    want = set(ids)
    return sum(_num(r[column]) for r in s.tables["terminals.csv"] if r["terminal"] in want)


def link_value(
    s: Side, link: str, column: str = "flow_t", direction: str | None = None, agg: str = "sum"
) -> float:
    """A link_flows.csv column of a link (both directions summed or maxed, or one direction)."""
    vals = [
        _num(r[column])
        for r in s.tables["link_flows.csv"]
        if r["link"] == link and (direction is None or r["direction"] == direction)
    ]
    if not vals:
        return 0.0
    return max(vals) if agg == "max" else sum(vals)


def arc_co2(s: Side, link: str) -> float:
    """CO2 per tonne (kg/t) of a link's forward arc (inf when the link is absent)."""
    g = s.graph
    for a in range(g.n_arcs):
        if g.element[a] == link and g.kind[a] == LINK and g.direction[a] > 0:
            return float(g.co2_kg_per_t[a])
    return math.inf


# ----------------------------------------------------------------------------- checks

Metric = Callable[[Side], float]


@dataclass(frozen=True)
class Check:
    """One direction check: a metric computed on both sides and the direction expected."""

    name: str
    unit: str
    metric: Metric
    expected: str  # decrease | increase | not_increase | not_decrease
    abs_tol: float = 1e-6


EXPECTATIONS = ("decrease", "increase", "not_increase", "not_decrease")


def passes(expected: str, base: float, with_: float, abs_tol: float = 1e-6) -> bool:
    """Whether going from ``base`` to ``with_`` moves in the ``expected`` direction."""
    if expected not in EXPECTATIONS:
        raise ValueError(f"unknown direction {expected!r}; expected one of {EXPECTATIONS}")
    if math.isnan(base) or math.isnan(with_):
        return False
    if math.isinf(base) and math.isinf(with_):
        return expected.startswith("not_")
    tol = abs_tol + (1e-6 * abs(base) if math.isfinite(base) else 0.0)
    if expected == "decrease":
        return with_ < base - tol
    if expected == "increase":
        return with_ > base + tol
    if expected == "not_increase":
        return with_ <= base + tol
    return with_ >= base - tol


T = 1.0  # tonne tolerance
UNIVERSAL = Check(
    "total cost (objective incl. unserved penalty) does not rise",
    "CNY/yr",
    lambda s: s.run.objective,
    "not_increase",
    abs_tol=1.0,
)

CHECKS: dict[str, list[Check]] = {
    "P_LONGXU": [
        Check("rail time Luzhou -> Chengdu", "h", lambda s: mode_time(s, "rail", "LZ", "CD"), "decrease"),
        Check("rail share of Luzhou <-> Chengdu tonnes", "fraction",
              lambda s: od_mode_share(s, ["LZ"], ["CD"], "rail"), "not_decrease"),
    ],
    "P_XUBI": [
        Check("rail time Bijie -> Luzhou", "h", lambda s: mode_time(s, "rail", "BJ", "LZ"), "decrease"),
        Check("generalized cost of Bijie <-> plan area freight", "CNY/t",
              lambda s: od_cost(s, ["BJ"], PLAN_AREA), "decrease"),
        Check("rail tonnes Bijie <-> plan area", "t/yr",
              lambda s: od_mode_tonnes(s, ["BJ"], PLAN_AREA, "rail", True), "increase", T),
    ],
    "P_CHENGLONG": [
        Check("rail time Chengdu -> Longchang", "h", lambda s: mode_time(s, "rail", "CD", "LC"), "decrease"),
        Check("rail tonnes on Chengdu-Neijiang (both directions)", "t/yr",
              lambda s: link_value(s, "R_CD_NJ"), "not_decrease", T),
    ],
    "P_YUGUI": [
        Check("shadow price of Yugui express paths CQ -> GY", "CNY/t",
              lambda s: link_value(s, "R_CQ_GY_YUGUI", "shadow_price_cny_per_t", "forward"), "decrease"),
        Check("tonnes on Yugui railway (both directions)", "t/yr",
              lambda s: link_value(s, "R_CQ_GY_YUGUI"), "increase", T),
    ],
    "P_WLSC_WEST": [
        Check("rail time Luzhou -> Qinzhou port", "h", lambda s: mode_time(s, "rail", "LZ", "QZP"), "decrease"),
        Check("generalized cost of plan area <-> Qinzhou freight", "CNY/t",
              lambda s: od_cost(s, PLAN_AREA, ["QZP"]), "decrease"),
    ],
    "P_WLSC_CENTRAL": [
        Check("rail time Chongqing -> Qinzhou port", "h", lambda s: mode_time(s, "rail", "CQ", "QZP"), "decrease"),
        Check("generalized cost of plan area <-> Qinzhou freight", "CNY/t",
              lambda s: od_cost(s, PLAN_AREA, ["QZP"]), "decrease"),
    ],
    "P_SPUR_YB": [
        Check("cheapest rail -> ship transfer at Yibin (containers, YB rail to YBP water)", "CNY/t",
              lambda s: route_cost(s, "general_containers", ("YB", "rail"), ("YBP", "water")), "decrease"),
        Check("Yibin port transfer throughput", "t/yr",
              lambda s: terminal_value(s, ["T_YBP_ROAD_WATER", "T_YBP_RAIL_WATER"]), "not_decrease", T),
    ],
    "P_LZ_PORT": [
        # not "increase": since the ports' bulk areas are in terminals.csv (issue 12: Luzhou's
        # 26 Mt bulk berths), the 2025 central freight fits the existing port and Shilongyan
        # carries 0 in the planner's optimum; the project must not lower the port's throughput
        Check("bulk throughput at Shilongyan", "t/yr",
              lambda s: terminal_value(s, ["T_LZS_ROAD_WATER"]), "not_decrease", T),
        Check("Luzhou port transfer throughput (LZP + LZS)", "t/yr",
              lambda s: terminal_value(s, ["T_LZP_ROAD_WATER", "T_LZP_RAIL_WATER",
                                           "T_LZS_ROAD_WATER", "T_LZS_RAIL_WATER"]), "not_decrease", T),
    ],
    "P_SPUR_LZS": [
        # not "increase": Shilongyan carries 0 in the 2025 central optimum (see P_LZ_PORT)
        Check("rail -> ship throughput at Shilongyan", "t/yr",
              lambda s: terminal_value(s, ["T_LZS_RAIL_WATER"]), "not_decrease", T),
        Check("Luzhou rail -> ship throughput (LZP + LZS)", "t/yr",
              lambda s: terminal_value(s, ["T_LZP_RAIL_WATER", "T_LZS_RAIL_WATER"]), "not_decrease", T),
    ],
    "P_SPUR_LZP": [
        Check("CO2 per tonne on the Luzhou port spur", "kg/t", lambda s: arc_co2(s, "R_LZ_LZP"), "decrease"),
        Check("cheapest rail -> ship transfer at Luzhou (containers, LZ rail to LZP water)", "CNY/t",
              lambda s: route_cost(s, "general_containers", ("LZ", "rail"), ("LZP", "water")), "decrease"),
        Check("Luzhou port rail -> ship throughput", "t/yr",
              lambda s: terminal_value(s, ["T_LZP_RAIL_WATER"]), "not_decrease", T),
    ],
    "P_YB_PORT": [
        # not "decrease"/"increase": with Yibin's bulk berths beside Zhicheng (issue 12) Zhicheng
        # carries 0.5 of its 5 Mt in the 2025 central optimum and does not bind, so doubling it
        # changes nothing there (its benefit needs a future where the port binds)
        Check("shadow price of Yibin port road <-> ship berths", "CNY/t",
              lambda s: terminal_value(s, ["T_YBP_ROAD_WATER"], "shadow_price_cny_per_t"), "not_increase"),
        Check("Yibin port road <-> ship throughput", "t/yr",
              lambda s: terminal_value(s, ["T_YBP_ROAD_WATER"]), "not_decrease", T),
    ],
    "P_YC_PORT": [
        Check("transfer throughput at Zhutuo (old and new berths, rail <-> ship)", "t/yr",
              lambda s: terminal_value(s, ["T_ZT_ROAD_WATER", "T_ZT_NEW_ROAD_WATER",
                                           "T_ZT_RAIL_WATER"]), "increase", T),
        # not "increase": no rail <-> ship at Zhutuo in the 2025 central optimum since the ports'
        # bulk areas are in terminals.csv (issue 12)
        Check("rail <-> ship throughput at Zhutuo", "t/yr",
              lambda s: terminal_value(s, ["T_ZT_RAIL_WATER"]), "not_decrease", T),
        Check("generalized cost of western Chongqing (YC/RC/DZ) <-> Wuhan/Nanjing/Shanghai", "CNY/t",
              lambda s: od_cost(s, WEST_CQ, EAST), "decrease"),
        # not "increase": western Chongqing's river freight already goes by water (via Luohuang,
        # Luzhou, Guoyuan); the new district moves it to a nearer port (scenarios/README.md)
        Check("western Chongqing (YC/RC/DZ) tonnes carried by water", "t/yr",
              lambda s: zone_mode_tonnes(s, WEST_CQ, "water"), "not_decrease", T),
    ],
    "P_DG_YARDS": [
        Check("dangerous-goods tonnes transferred at Yibin port and Zhutuo", "t/yr",
              lambda s: terminal_value(s, ["T_YBP_ROAD_WATER", "T_YBP_RAIL_WATER",
                                           "T_ZT_ROAD_WATER", "T_ZT_NEW_ROAD_WATER",
                                           "T_ZT_RAIL_WATER"], "dangerous_t"), "increase", T),
        Check("generalized cost of chemicals and batteries", "CNY/t",
              lambda s: od_cost(s, [p.id for p in s.net.places if p.zone],
                                [p.id for p in s.net.places if p.zone], both=False,
                                commodities=["chemicals", "batteries"]), "not_increase"),
    ],
    "P_NEIDA": [
        Check("road time Neijiang -> Dazu", "h", lambda s: mode_time(s, "road", "NJ", "DZ"), "decrease"),
        Check("generalized cost of Neijiang <-> Dazu freight", "CNY/t",
              lambda s: od_cost(s, ["NJ"], ["DZ"]), "decrease"),
    ],
    "P_CHENGYU_SC": [
        Check("road time Chengdu -> Longchang", "h", lambda s: mode_time(s, "road", "CD", "LC"), "decrease"),
        Check("max shadow price on the Sichuan section (E_CD_NJ, E_NJ_LC)", "CNY/t",
              lambda s: max(link_value(s, x, "shadow_price_cny_per_t", agg="max")
                            for x in ("E_CD_NJ", "E_NJ_LC")), "not_increase"),
    ],
    "P_CHENGYU_CQ": [
        Check("shadow price Yongchuan -> Chongqing expressway", "CNY/t",
              lambda s: link_value(s, "E_YC_CQ", "shadow_price_cny_per_t", "forward"), "decrease"),
        Check("road time Longchang -> Chongqing", "h", lambda s: mode_time(s, "road", "LC", "CQ"), "decrease"),
    ],
    "P_YUHEXU": [
        Check("road time Jiangjin -> Xuyong", "h", lambda s: mode_time(s, "road", "JJ", "XY"), "decrease"),
        Check("generalized cost of Chongqing/Jiangjin <-> Bijie freight", "CNY/t",
              lambda s: od_cost(s, ["CQ", "JJ"], ["BJ"]), "decrease"),
    ],
    "P_YANGTZE_III_II": [
        Check("water cost Yibin port -> Guoyuan (containers, water links only)", "CNY/t",
              lambda s: route_cost(s, "general_containers", ("YBP", "water"), ("GYP", "water"),
                                   only_mode="water"), "decrease"),
        Check("water transfer throughput at the upper-Yangtze ports", "t/yr",
              lambda s: terminal_value(s, [t.id for t in s.net.terminals
                                           if t.place in ("YBP", "LZP", "LZS", "ZT", "LH")
                                           and "water" in (t.from_mode, t.to_mode)]),
              "not_decrease", T),
    ],
    "P_TGD_NEW": [
        # the locks' practical capacity (90 Mt per direction) does not bind in the 2025 linear
        # model; their queue is the link's time, which the new channel cuts (150 -> 24 h)
        Check("time through the Three Gorges locks (downstream)", "h",
              lambda s: link_value(s, "W_TGD_YICHANG", "time_h", "forward"), "decrease"),
        Check("tonnes lifted by water", "t/yr", lambda s: s.kpis["tonnes_water"], "increase", T),
        Check("generalized cost of plan area <-> Wuhan/Nanjing/Shanghai freight", "CNY/t",
              lambda s: od_cost(s, PLAN_AREA, EAST), "decrease"),
    ],
    "P_NJ_AIRPORT": [
        Check("road time Neijiang -> nearest airport", "h",
              lambda s: nearest_airport_time(s, "NJ"), "decrease"),
        # not "decrease": trucking to Chongqing Jiangbei and flying its shorter route to Pudong
        # stays cheaper than the longer Neijiang–Pudong flight (scenarios/README.md)
        Check("cheapest air route Neijiang -> Shanghai (electronics)", "CNY/t",
              lambda s: air_route_cost(s, "electronics", "NJ", "SH"), "not_increase"),
        Check("tonnes lifted by air", "t/yr", lambda s: s.kpis["tonnes_air"], "not_decrease", T),
    ],
    "P_QJWS_HUB": [
        Check("cheapest road -> rail transfer at Qijiang (general containers)", "CNY/t",
              lambda s: route_cost(s, "general_containers", ("QJ", "road"), ("QJ", "rail")), "decrease"),
        # the hub's yard (trucks from the corridor) and the park's sidings (Qijiang's own
        # freight) together: the system optimum's split between the two is not unique (equal
        # costs: column-generation orders gave 1.20-1.29 Mt at the yard in the base, the total
        # 2.84 Mt every time)
        Check("freight reaching rail at Qijiang (hub yard and sidings)", "t/yr",
              lambda s: terminal_value(s, ["T_QJ_ROAD_RAIL", "Z_QJ_RAIL"]), "increase", T),
    ],
    "P_CRE_PORTS": [
        # not a route-cost check: the cheapest Tuanjiecun rail -> water route transfers at
        # Luohuang (15 CNY/t), which the project does not touch
        Check("rail -> ship throughput at Guoyuan", "t/yr",
              lambda s: terminal_value(s, ["T_GYP_RAIL_WATER"]), "increase", T),
        Check("Luzhou port rail -> ship throughput", "t/yr",
              lambda s: terminal_value(s, ["T_LZP_RAIL_WATER"]), "not_decrease", T),
    ],
}  # fmt: skip


# ----------------------------------------------------------------------------- the suite


def project_files(folder: Path) -> dict[str, ProjectFile]:
    """Every project file of a folder, by id."""
    return {p.stem: read_project_file(p) for p in sorted(folder.glob("*.toml"))}


def apply_order(ids: Iterable[str], projects: dict[str, ProjectFile]) -> list[str]:
    """``ids`` ordered so that every project comes after the projects it requires (ties by id):
    a project that edits an element another adds must require it."""
    todo = sorted(set(ids))
    done: list[str] = []
    while todo:
        ready = [p for p in todo if all(r in done or r not in todo for r in projects[p].requires)]
        if not ready:
            raise ValueError(f"cycle in 'requires' among {todo}")
        done.append(ready[0])
        todo.remove(ready[0])
    return done


@dataclass
class SuiteResult:
    """Rows of the three result tables and whether every check passed."""

    comparison: Table = field(default_factory=list)
    projects: Table = field(default_factory=list)
    kpi_deltas: Table = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(r["pass"] for r in self.comparison)


def run_suite(
    future: str | Path = DEFAULT_FUTURE,
    *,
    only: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> SuiteResult:
    """Run the before/after suite on a future scenario.

    Parameters
    ----------
    future
        A scenario TOML without projects (its project folder holds the project files).
    only
        Project ids to run (default: every project file).
    progress
        Called with a short message before each project.
    """
    sc = resolve(future)
    folder = projects_dir(sc)
    projects = project_files(folder)
    ids = sorted(only) if only is not None else sorted(projects)
    unknown = [p for p in ids if p not in CHECKS]
    if unknown:
        raise KeyError(f"no checks defined for {unknown}")
    base_net = load_network(sc.data)
    cache: dict[frozenset[str], Side] = {}

    def side(ps: set[str]) -> Side:
        key = frozenset(ps)
        if key not in cache:
            cache[key] = solve_side(sc, apply_order(ps, projects), base_net)
        return cache[key]

    out = SuiteResult()
    for pid in ids:
        if progress:
            progress(pid)
        cl = closure(pid, projects)
        t0 = time.perf_counter()
        b, w = side(cl - {pid}), side(cl)
        for chk in [*CHECKS[pid], UNIVERSAL]:
            bv, wv = float(chk.metric(b)), float(chk.metric(w))
            out.comparison.append(
                {
                    "project": pid,
                    "check": chk.name,
                    "unit": chk.unit,
                    "base": bv,
                    "with": wv,
                    "expected": chk.expected,
                    "pass": passes(chk.expected, bv, wv, chk.abs_tol),
                }
            )
        out.projects.append(
            {
                "project": pid,
                "requires": " ".join(sorted(cl - {pid})),
                "benefit_cny_per_yr": b.run.objective - w.run.objective,
                "money_saving_cny": b.kpis["money_cost"] - w.kpis["money_cost"],
                "time_saving_cny": b.kpis["time_cost"] - w.kpis["time_cost"],
                "co2_avoided_t": b.kpis["co2"] - w.kpis["co2"],
                "unserved_avoided_t": b.kpis["unserved"] - w.kpis["unserved"],
                "status_without": b.run.status,
                "status_with": w.run.status,
            }
        )
        out.seconds[pid] = time.perf_counter() - t0
        for r in compare_kpis(_kpi_table(b), _kpi_table(w)):
            out.kpi_deltas.append({"project": pid, **r})
    return out


def _kpi_table(s: Side) -> Table:
    return s.tables["kpis.csv"]


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1e5:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def print_table(res: SuiteResult) -> None:
    """Print the checks and the annual benefits."""
    w = max(len(r["check"]) for r in res.comparison)
    print(f"{'project':18} {'check':{w}} {'base':>16} {'with':>16} {'expected':>13} pass")
    for r in res.comparison:
        mark = "ok" if r["pass"] else "FAIL"
        print(
            f"{r['project']:18} {r['check']:{w}} {_fmt(r['base']):>16} {_fmt(r['with']):>16} "
            f"{r['expected']:>13} {mark}"
        )
    print()
    print(f"{'project':18} {'benefit 亿 CNY/yr':>18} {'CO2 avoided t/yr':>17} {'s':>6}")
    for p in res.projects:
        print(
            f"{p['project']:18} {p['benefit_cny_per_yr'] / 1e8:18.3f} "
            f"{p['co2_avoided_t']:17,.0f} {res.seconds[p['project']]:6.1f}"
        )
    n_fail = sum(not r["pass"] for r in res.comparison)
    print(f"\n{len(res.comparison)} checks, {n_fail} failed")


def _relative(path: Path) -> str:
    """``path`` relative to the repository when inside it (manifests stay machine-independent)."""
    p = path.resolve()
    return p.relative_to(ROOT).as_posix() if p.is_relative_to(ROOT) else p.as_posix()


def main(argv: list[str] | None = None) -> int:
    """Command line: run the suite, write the results, print them; 1 when a check fails."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--future", default=str(DEFAULT_FUTURE), help="future scenario TOML")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="result folder")
    ap.add_argument("--only", nargs="*", help="project ids (default: all)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    res = run_suite(args.future, only=args.only, progress=lambda p: print(f"... {p}", flush=True))
    manifest = {
        "command": "benchmarks/projects/run_suite.py",
        "future": _relative(Path(args.future)),
        "projects": [p["project"] for p in res.projects],
        "checks": len(res.comparison),
        "failed": sum(not r["pass"] for r in res.comparison),
        "seconds": time.perf_counter() - t0,
        "seconds_per_project": res.seconds,
        "versions": versions(),
    }
    write_result_folder(
        args.out,
        {
            "comparison.csv": res.comparison,
            "projects.csv": res.projects,
            "kpi_deltas.csv": res.kpi_deltas,
        },
        manifest,
    )
    print_table(res)
    print(f"results written to {args.out} ({manifest['seconds']:.0f} s)")
    return 0 if res.ok else 1


if __name__ == "__main__":
    sys.exit(main())
