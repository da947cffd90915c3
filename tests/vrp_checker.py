"""An independent checker for vehicle routes, written apart from the solver and the reader.

It shares no code with ``solvers/routing.py`` or ``solvers/formats/vrplib.py``: it reads the
instance files with its own few lines of parsing, computes distances with ``math.hypot`` and
walks every route in plain Python. ``check_routes`` returns a list of violations (empty when the
routes are valid) so a test can ``assert not problems`` and see every problem at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Instance:
    """A routing instance as plain Python lists (node ``i`` = file node ``i + 1``)."""

    distance: list[list[float]]
    demand: list[float]
    capacity: float
    depot: int
    time_window: list[tuple[float, float]] | None = None
    service_time: list[float] | None = None
    extra: dict[str, str] = field(default_factory=dict)


def load_instance(path: str | Path) -> Instance:
    """Read a TSPLIB/CVRPLIB CVRP or LKH-3 VRPTW file (EUC_2D or EXACT_2D) independently."""
    headers: dict[str, str] = {}
    rows: dict[str, list[list[str]]] = {}
    section = ""
    for raw in Path(path).read_text().splitlines():
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line.endswith("_SECTION"):
            section = line
            rows[section] = []
        elif ":" in line and line[0].isalpha():
            key, _, value = line.partition(":")
            headers[key.strip()] = value.strip()
            section = ""
        else:
            rows[section].append(line.split())
    n = int(headers["DIMENSION"])
    xy = [(0.0, 0.0)] * n
    for r in rows["NODE_COORD_SECTION"]:
        xy[int(r[0]) - 1] = (float(r[1]), float(r[2]))
    kind = headers["EDGE_WEIGHT_TYPE"]
    dist = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(n):
            d = math.hypot(xy[i][0] - xy[j][0], xy[i][1] - xy[j][1])
            dist[i][j] = float(int(d + 0.5)) if kind == "EUC_2D" else d
    demand = [0.0] * n
    for r in rows["DEMAND_SECTION"]:
        demand[int(r[0]) - 1] = float(r[1])
    depot = int(rows["DEPOT_SECTION"][0][0]) - 1
    tw = None
    if "TIME_WINDOW_SECTION" in rows:
        tw = [(0.0, 0.0)] * n
        for r in rows["TIME_WINDOW_SECTION"]:
            tw[int(r[0]) - 1] = (float(r[1]), float(r[2]))
    service = None
    if "SERVICE_TIME" in headers:
        service = [float(headers["SERVICE_TIME"])] * n
        service[depot] = 0.0
    return Instance(dist, demand, float(headers["CAPACITY"]), depot, tw, service, headers)


def route_length(route: Sequence[int], distance: Sequence[Sequence[float]]) -> float:
    """Sum of ``distance[a][b]`` over consecutive stops of one route."""
    return sum(distance[a][b] for a, b in zip(route[:-1], route[1:], strict=False))


def check_routes(
    routes: Sequence[Sequence[int]],
    *,
    distance: Sequence[Sequence[float]],
    demand: Sequence[float],
    capacity: Sequence[float],
    starts: Sequence[int],
    ends: Sequence[int],
    travel_time: Sequence[Sequence[float]] | None = None,
    time_window: Sequence[tuple[float, float]] | None = None,
    service_time: Sequence[float] | None = None,
    pickup_delivery: Sequence[tuple[int, int]] = (),
    optional: Sequence[int] = (),
    claimed_distance: float | None = None,
    max_vehicles: int | None = None,
    tol: float = 1e-6,
) -> list[str]:
    """List every violation of the routes against the instance; empty when valid.

    Checks: one route per vehicle from its start to its end node; every non-depot node served
    exactly once (optional nodes at most once); load (starting empty, ``demand`` added at each
    customer) within ``[0, capacity]`` after every stop; service starting inside each time
    window when leaving the start depot at its opening and waiting at early arrivals, and the
    return before the end depot closes; each pickup before its delivery on the same route; and
    the total distance recomputed here equal to ``claimed_distance``; and at most
    ``max_vehicles`` routes serving customers.
    """
    problems: list[str] = []
    n = len(distance)
    depots = set(starts) | set(ends)
    if len(routes) != len(starts):
        problems.append(f"{len(routes)} routes for {len(starts)} vehicles")
    seen: dict[int, int] = {}
    where: dict[int, tuple[int, int]] = {}
    total = 0.0
    for v, route in enumerate(routes):
        if len(route) < 2 or route[0] != starts[v] or route[-1] != ends[v]:
            problems.append(f"vehicle {v}: route {list(route)} must run {starts[v]} -> {ends[v]}")
            continue
        load = 0.0
        clock = time_window[route[0]][0] if time_window is not None else 0.0
        for k, node in enumerate(route):
            if not 0 <= node < n:
                problems.append(f"vehicle {v}: node {node} does not exist")
                break
            if 0 < k < len(route) - 1:
                if node in depots:
                    problems.append(f"vehicle {v}: passes depot {node} mid-route")
                seen[node] = seen.get(node, 0) + 1
                where[node] = (v, k)
                load += demand[node]
                if load > capacity[v] + tol or load < -tol:
                    problems.append(
                        f"vehicle {v}: load {load:g} after node {node} outside [0, {capacity[v]:g}]"
                    )
            if k > 0 and travel_time is not None:
                prev = route[k - 1]
                svc = service_time[prev] if service_time is not None else 0.0
                clock = clock + svc + travel_time[prev][node]
                if time_window is not None:
                    early, late = time_window[node]
                    if clock > late + tol:
                        problems.append(
                            f"vehicle {v}: reaches node {node} at {clock:.6g} after {late:g}"
                        )
                    clock = max(clock, early)
        total += route_length(route, distance)
    for node in range(n):
        if node in depots:
            continue
        count = seen.get(node, 0)
        if count > 1:
            problems.append(f"node {node} served {count} times")
        elif count == 0 and node not in optional:
            problems.append(f"node {node} not served")
    for pick, drop in pickup_delivery:
        if pick in where and drop in where:
            (vp, kp), (vd, kd) = where[pick], where[drop]
            if vp != vd or kp > kd:
                problems.append(
                    f"pair {pick}->{drop}: pickup at {where[pick]}, delivery at {where[drop]}"
                )
        elif (pick in where) != (drop in where):
            problems.append(f"pair {pick}->{drop}: only one of the two is served")
    used = sum(1 for route in routes if len(route) > 2)
    if max_vehicles is not None and used > max_vehicles:
        problems.append(f"{used} vehicles used, the fleet is {max_vehicles}")
    if claimed_distance is not None and abs(total - claimed_distance) > tol * max(1.0, total):
        problems.append(f"claimed distance {claimed_distance:.9g}, recomputed {total:.9g}")
    return problems
