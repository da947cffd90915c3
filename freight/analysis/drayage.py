"""First and last mile at a terminal: daily truck tours from a run's terminal throughput.

For terminal ``T`` (at place ``P``) the run's own path table (``od_paths.csv``: every OD's paths
with their tonnes and elements) is read — nothing is solved again; a zone is a *collection*
customer of ``T`` for the tonnes whose path goes from the zone by road into ``T``, and a
*delivery* customer for the tonnes that leave ``T`` by road to the zone. A terminal with no road
side (a rail–water transfer) has no drayage: its tables are empty and the summary says why.
Annual tonnes become daily tonnes over ``operating_days`` (300, assumption: six days a week less
holidays). Full truckloads go as direct shuttles (terminal ↔ customer and back empty); what is
left (less than a truckload per customer) is consolidated into tours by
:func:`solvers.routing.solve` — one collection problem and one delivery problem, depot = the
terminal, capacity = the road mode's payload, a shift limit on every tour and a service time per
stop. Distances and times are shortest paths on the road layer of the network.

Costs per vehicle-km = road ``cost_per_t_km × payload`` (the data's full-truck rate; an empty
return is charged like a loaded one, as trucking rates include backhaul risk); CO2 per vehicle-km
= road ``co2_g_per_t_km × payload × load factor`` with the average load factor of the trip
(1 loaded leg, empty return: 0.5 for shuttles; tours: the mean load over the tour's km).

Every stop's time window is the shift ``[0, SHIFT_H]`` and tours leave the terminal at 0, so a
customer whose road time from the terminal exceeds the shift, or whose round trip (there, the
stop's service, back) does, can be on no tour. The behavioural model spreads a few tonnes over
far zones, so such customers occur: they are dropped from the tour problem before it is solved
(:func:`unreachable`), their less-than-truckload tonnes are left uncarried and reported
(``unreached_customers`` and ``unreached_t_per_day`` of ``summary.csv``, the one line of
:func:`unreached_line`); the tours of the others are those of the problem without them. Full
truckloads still go as shuttles (a shuttle is a whole shift's trip, with no window).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from freight.data.network import Network
from freight.data.schema import MODES
from freight.errors import DataError, Problem
from freight.model.graph import LINK, VirtualGraph
from freight.results.folder import ResultFolder, check_output_folder
from freight.results.tables import Table, versions, write_result_folder
from freight.scenario.case import load_result_case
from solvers.shortest_paths import shortest_path_tree

OPERATING_DAYS = 300.0
SHIFT_H = 10.0
SERVICE_H = 1.0


@dataclass(frozen=True)
class Customer:
    """A zone served by the terminal: daily tonnes collected from it and delivered to it."""

    zone: str
    collect_t_day: float
    deliver_t_day: float


@dataclass(frozen=True)
class PathRow:
    """One path of a run's ``od_paths.csv``: its OD, tonnes per year and elements in order."""

    origin: str
    destination: str
    tonnes: float
    elements: tuple[str, ...]


def terminal_customers(
    net: Network, paths: Iterable[PathRow], terminal: str, days: float = OPERATING_DAYS
) -> list[Customer]:
    """Zones whose freight reaches or leaves ``terminal`` by road, with daily tonnes.

    A path's tonnes count for its origin when every link before the terminal is a road link,
    and for its destination when every link after it is.
    """
    if terminal not in net.terminal_by_id:
        known = ", ".join(sorted(net.terminal_by_id))
        raise DataError(
            [Problem("--terminal", None, "", f"unknown terminal {terminal!r}; known: {known}")]
        )
    links = net.link_by_id
    collect: dict[str, float] = {}
    deliver: dict[str, float] = {}
    for p in paths:
        if terminal not in p.elements:
            continue
        i = p.elements.index(terminal)
        before = [links[e].mode for e in p.elements[:i] if e in links]
        after = [links[e].mode for e in p.elements[i + 1 :] if e in links]
        if before and all(m == "road" for m in before):
            collect[p.origin] = collect.get(p.origin, 0.0) + p.tonnes
        if after and all(m == "road" for m in after):
            deliver[p.destination] = deliver.get(p.destination, 0.0) + p.tonnes
    zones = sorted(set(collect) | set(deliver))
    return [Customer(z, collect.get(z, 0.0) / days, deliver.get(z, 0.0) / days) for z in zones]


def road_matrices(g: VirtualGraph, places: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Shortest road distance (km) and time (h) between places (rows/cols in ``places`` order)."""
    road = (g.kind == LINK) & (g.mode == MODES.index("road"))
    nodes = np.asarray([g.mode_node[(p, "road")] for p in places], dtype=np.int64)
    out = []
    for w in (g.length_km, g.time_h):
        dist, _ = shortest_path_tree(g.n_nodes, g.tail, g.head, np.where(road, w, np.inf), nodes)
        out.append(dist[:, nodes])
    return out[0], out[1]


def unreachable(
    customers: list[tuple[str, float]],
    depot: str,
    hours: np.ndarray,
    index: dict[str, int],
    shift_h: float = SHIFT_H,
    service_h: float = SERVICE_H,
) -> list[tuple[str, float]]:
    """The customers no tour can serve inside the shift window ``[0, shift_h]``.

    Checked directly, before any solve: a tour leaves the depot at 0, so a customer is out of
    reach when the depot→customer road time exceeds the window's close, or when the round trip
    (there, ``service_h`` at the stop, back) ends after the depot's window closes.
    """
    d = index[depot]
    out = []
    for zone, q in customers:
        c = index[zone]
        there, back = float(hours[d, c]), float(hours[c, d])
        if there > shift_h + 1e-9 or there + service_h + back > shift_h + 1e-9:
            out.append((zone, q))
    return out


def unreached_line(summary: Table) -> str:
    """One line on the customers dropped from the tour problems ("" when none were)."""
    n = sum(int(r["unreached_customers"]) for r in summary)
    if not n:
        return ""
    t = sum(float(r["unreached_t_per_day"]) for r in summary)
    kinds = ", ".join(
        f"{r['kind']} {r['unreached_customers']}" for r in summary if r["unreached_customers"]
    )
    return (
        f"{n} customer{'s' if n != 1 else ''} ({kinds}; {t:.2f} t/day) cannot be reached and left "
        f"inside the {SHIFT_H:g} h shift: left out of the tours and uncarried"
    )


def _tours(
    kind: str,
    customers: list[tuple[str, float]],
    depot: str,
    km: np.ndarray,
    hours: np.ndarray,
    index: dict[str, int],
    payload: float,
    time_limit_s: float,
) -> tuple[Table, dict[str, float], list[tuple[str, float]]]:
    """Consolidated tours for less-than-truckload quantities (kind: collection or delivery).

    Returns the stops, the day's totals and the customers dropped by :func:`unreachable`.
    """
    from solvers.routing import make_problem, route_schedule, solve

    rows: Table = []
    stats = {"vehicles": 0.0, "km": 0.0, "hours": 0.0, "tkm": 0.0}
    if not customers:
        return rows, stats, []
    nodes = [depot] + [c for c, _ in customers]
    idx = [index[x] for x in nodes]
    reachable = (
        np.isfinite(km[np.ix_(idx, idx)]).all() and np.isfinite(hours[np.ix_(idx, idx)]).all()
    )
    if not reachable:
        raise DataError(
            [Problem("--terminal", None, "", f"a {kind} customer of {depot} has no road path")]
        )
    dropped = unreachable(customers, depot, hours, index)
    customers = [c for c in customers if c not in dropped]
    if not customers:
        return rows, stats, dropped
    nodes = [depot] + [c for c, _ in customers]
    idx = [index[x] for x in nodes]
    dist = km[np.ix_(idx, idx)]
    tim = hours[np.ix_(idx, idx)]
    demand = np.round(np.array([0.0] + [q for _, q in customers]), 3)  # kg precision
    n_veh = len(customers)
    tw = np.tile([0.0, SHIFT_H], (len(nodes), 1))
    svc = np.array([0.0] + [SERVICE_H] * len(customers))
    prob = make_problem(
        dist, demand, round(payload, 3), n_vehicles=n_veh, depot=0, time=tim, time_window=tw,
        service_time=svc, scale=1000, load_scale=1000, fixed_cost=1000.0,
    )  # fmt: skip
    res = solve(prob, time_limit_s=time_limit_s, solution_limit=2000)
    if not res.routes:
        raise DataError(
            [Problem("--terminal", None, "", f"no feasible {kind} tours ({res.solver_status})")]
        )
    v = 0
    for route, rkm in zip(res.routes, res.route_distance, strict=True):
        if len(route) <= 2:
            continue
        load, arrival_opt, cum = route_schedule(prob, route)
        arrival = arrival_opt if arrival_opt is not None else np.zeros(len(route))
        loaded_km = 0.0
        total = float(load[-1])
        for i in range(len(route) - 1):
            # collection: what was picked up so far; delivery: what is still to be dropped
            on_board = float(load[i]) if kind == "collection" else total - float(load[i])
            loaded_km += on_board * float(dist[route[i], route[i + 1]])
        for s, node in enumerate(route):
            rows.append(
                {
                    "kind": kind,
                    "vehicle": v,
                    "stop": s,
                    "place": nodes[node],
                    "load_t": float(load[s]),
                    "arrival_h": float(arrival[s]),
                    "cumulative_km": float(cum[s]),
                }
            )
        stats["vehicles"] += 1
        stats["km"] += float(rkm)
        stats["hours"] += float(arrival[-1])
        stats["tkm"] += loaded_km
        v += 1
    return rows, stats, dropped


def route_terminal(
    result_dir: str | Path,
    terminal: str,
    *,
    days: float = OPERATING_DAYS,
    time_limit_s: float = 5.0,
) -> tuple[dict[str, Table], dict[str, Any]]:
    """Daily drayage tours and shuttles of one terminal of a run.

    Returns
    -------
    tables, manifest
        ``tours.csv`` (stops of the consolidated tours), ``shuttles.csv`` (full-truckload trips
        per customer), ``summary.csv`` (vehicles, km, hours, cost, CO2 per day and drayage cost
        per tonne carried, and the customers no tour reaches inside the shift with their tonnes).
    """
    from freight.model.graph import build_graph

    case = load_result_case(result_dir)
    folder = case.path
    if case.manifest.get("command") != "run":
        raise DataError([Problem(str(folder), None, "", "not a result folder of 'freight run'")])
    net = case.net
    paths = read_path_rows(folder)
    customers = terminal_customers(net, paths, terminal, days)
    term = net.terminal_by_id[terminal]
    road = net.mode_by_name["road"]
    payload = road.payload_t
    cost_vkm = road.cost_per_t_km * payload
    co2_vkm_full = road.co2_g_per_t_km * payload / 1e6  # t CO2 per vehicle-km at full load
    places = [term.place] + [c.zone for c in customers]
    km, hours = (
        road_matrices(build_graph(net, case.params), places)
        if customers
        else (
            np.zeros((1, 1)),
            np.zeros((1, 1)),
        )
    )
    index = {p: i for i, p in enumerate(places)}

    shuttles: Table = []
    tour_rows: Table = []
    summary: Table = []
    for kind, attr in (("collection", "collect_t_day"), ("delivery", "deliver_t_day")):
        ltl: list[tuple[str, float]] = []
        s_veh = s_km = s_h = s_tkm = 0.0
        tonnes = 0.0
        for c in customers:
            q = float(getattr(c, attr))
            if q <= 0:
                continue
            tonnes += q
            full = math.floor(q / payload)
            rest = q - full * payload
            d_km = float(km[0, index[c.zone]])
            d_h = float(hours[0, index[c.zone]])
            if full:
                cycle_h = 2 * d_h + 2 * SERVICE_H
                per_truck = max(1, math.floor(SHIFT_H / cycle_h)) if cycle_h <= SHIFT_H else 1
                trucks = math.ceil(full / per_truck)
                shuttles.append(
                    {"kind": kind, "place": c.zone, "trips_per_day": full, "trucks": trucks,
                     "km_one_way": d_km, "hours_per_trip": cycle_h, "tonnes_per_day": full * payload}
                )  # fmt: skip
                s_veh += trucks
                s_km += full * 2 * d_km
                s_h += full * cycle_h
                s_tkm += full * payload * d_km
            if rest > 1e-9:
                ltl.append((c.zone, rest))
        rows, st, dropped = _tours(kind, ltl, term.place, km, hours, index, payload, time_limit_s)
        unreached_t = sum(q for _, q in dropped)
        tour_rows += rows
        veh, vkm, vh = s_veh + st["vehicles"], s_km + st["km"], s_h + st["hours"]
        tkm = s_tkm + st["tkm"]
        cost = vkm * cost_vkm
        co2_kg = tkm * road.co2_g_per_t_km / 1e3
        summary.append(
            {
                "terminal": terminal,
                "place": term.place,
                "kind": kind,
                "customers": sum(1 for c in customers if getattr(c, attr) > 0),
                "tonnes_per_day": tonnes,
                "vehicles_per_day": veh,
                "shuttle_trucks": s_veh,
                "tour_vehicles": st["vehicles"],
                "vehicle_km_per_day": vkm,
                "vehicle_hours_per_day": vh,
                "cost_cny_per_day": cost,
                "co2_kg_per_day": co2_kg,
                "co2_kg_per_day_full_load_bound": vkm * co2_vkm_full * 1e3,
                "drayage_cny_per_t": (
                    cost / (tonnes - unreached_t) if tonnes - unreached_t > 1e-9 else None
                ),
                "unreached_customers": len(dropped),
                "unreached_t_per_day": unreached_t,
            }
        )
    note = _no_drayage_reason(net, terminal) if not customers else ""
    manifest = {
        "command": "route",
        "note": note,
        "unreached": unreached_line(summary),
        "result": folder.as_posix(),
        "terminal": terminal,
        "assumptions": {"operating_days": days, "shift_h": SHIFT_H, "service_h": SERVICE_H,
                        "payload_t": payload, "cost_cny_per_vehicle_km": cost_vkm},
        "versions": versions(),
    }  # fmt: skip
    return {"tours.csv": tour_rows, "shuttles.csv": shuttles, "summary.csv": summary}, manifest


def _no_drayage_reason(net: Network, terminal: str) -> str:
    """One line saying why a terminal has no drayage customers in a run."""
    t = net.terminal_by_id[terminal]
    if "road" not in (t.from_mode, t.to_mode):
        return (
            f"{terminal} transfers {t.from_mode} to {t.to_mode}: it has no road side, so no "
            "drayage to route"
        )
    return f"no freight of this run reaches or leaves {terminal} by road"


def read_path_rows(folder: Path) -> list[PathRow]:
    """The paths of a run's result folder (``od_paths.csv``).

    Raises
    ------
    DataError
        If the folder has no ``od_paths.csv`` (written by ``freight run`` since the path table
        was added: re-run the case).
    """
    rf = ResultFolder.open(folder)
    if "od_paths.csv" not in rf.files:
        raise DataError(
            [
                Problem(
                    str(folder / "od_paths.csv"),
                    None,
                    "",
                    "missing: re-run 'freight run' to write the path table",
                )
            ]
        )
    return [
        PathRow(r["origin"], r["destination"], float(r["tonnes_t"]), tuple(r["path"].split()))
        for r in rf.read("od_paths.csv")
    ]


def route_to_folder(
    out: str | Path, result_dir: str | Path, terminal: str, **kw: Any
) -> tuple[dict[str, Table], str]:
    """Run :func:`route_terminal` and write its folder atomically.

    Returns
    -------
    tables, note
        The tables written, and the one-line reason when the terminal has no drayage ("" else).
    """
    check_output_folder(out, inputs=(result_dir,))
    tables, manifest = route_terminal(result_dir, terminal, **kw)
    write_result_folder(out, tables, manifest, inputs=(result_dir,))
    return tables, str(manifest["note"])
