"""Benchmark solvers.sue (nested-logit SUE) on a generated instance of regional size.

Instance (``generate``; seeded, deterministic):

- **Road**: a jittered ``nx × ny`` grid of two-way links (defaults 24 × 24 → 2,208 links), length
  = Euclidean distance × 1.2 (km), 60 km/h (every 4th row and column an expressway at 90 km/h),
  BPR(0.15, 4). Background traffic 30–70 % of capacity (uniform per link).
- **Rail**: lines along every 6th row and column (rail nodes beside the road nodes, 80 km/h, no
  delay), a terminal (two-way transfer arcs rail ↔ road, handling cost) at every 3rd node of a
  line. **Waterway**: one river along the middle row (15 km/h) with a port every 4th node.
  About 3,000 arcs in all (2,208 road, 368 rail line, ~290 transfer, 46 waterway, ports).
- **Commodities**: 10 cost classes, each with its own money rates per mode (CNY/t·km), time
  value ``w`` on road (vot + truck time cost per tonne-hour: 3–25 CNY/(t·h)) and PCU per tonne
  on road (0.08–0.3): class-specific ``w`` and ``pcu``, so the case is asymmetric (no Fisk
  program).
- **OD-classes**: 1,300 random (origin, destination, commodity) triples at least 5 grid steps
  apart, demand lognormal (median 60 kt/yr).
- **Choice set**, nests = mode chains: road only (up to 10 routes: the shortest path, then
  link-penalty alternatives, each used arc ×1.4 before the next search), road–rail–road (the
  best path through each pair of the 3 terminals nearest the origin and the destination: up to
  9 routes) and, where a port is near both ends, road–water–road (up to 4). 10–23 paths per
  OD-class, about 20,000 paths. Scales: ``θ_route = 8 / c̄``, ``θ_chain = 4 / c̄`` with ``c̄``
  the OD-class's cheapest free-flow path cost; path-size factors per nest; ASC 0.
- **Capacities**: road capacity per link = its free-flow-logit freight PCU / 0.4 (at least 200
  kPCU/yr), so freight plus background loads the busy links to V/C ≈ 1; hard capacities on rail
  line links and terminals = 0.7 × their free-flow-logit tonnes on the busiest third of them
  (they bind), ``inf`` elsewhere; the default unserved alternative.
- ``--stress s …`` multiplies both logit scales by ``s`` and divides the road capacities by
  ``s`` (sharper choice, heavier congestion); default: the instance at 1 and at 4.

Side by side (each stress, hard capacities removed, since the baseline has no multipliers): the
textbook path-flow averaging with self-regulated steps (``sra_baseline``; Liu, He & He 2009),
time and iterations to the same gap, and the ratio of its time to ``solvers.sue``'s.

For each target gap (1e-4, 1e-6) the solve is timed end to end (input checks, sorting, incidence
blocks included) ``--repeat`` times; the table gives the median time, Newton iterations,
flow-map evaluations, the final gap and capacity gap, binding capacities and unserved tonnes.
Run under a memory cap, e.g. ``ulimit -v 8000000``.

Usage::

    .venv/bin/python benchmarks/perf/bench_sue.py            # regional size
    .venv/bin/python benchmarks/perf/bench_sue.py --quick    # 12 × 12 grid, 300 OD-classes
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from solvers.sue import nested_logit, path_size_factor, solve  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "sue.csv"
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

ROAD, RAIL, WATER, TRANSFER = 0, 1, 2, 3


@dataclass
class Instance:
    """Arrays of a generated SUE instance (keyword arguments of ``solvers.sue.solve``)."""

    kwargs: dict[str, Any]
    n_arcs: int
    n_paths: int
    n_od: int
    n_nests: int
    description: str


def _add(
    arcs: list[tuple[int, int, int, float, float]],
    a: int,
    b: int,
    mode: int,
    length: float,
    speed: float,
) -> None:
    arcs.append((a, b, mode, length, speed))
    arcs.append((b, a, mode, length, speed))


def _paths_from_tree(
    pred: NDArray[np.int32], src_row: int, dest: int, arc_of: dict[tuple[int, int], int]
) -> list[int] | None:
    out = []
    cur = dest
    while True:
        p = int(pred[src_row, cur])
        if p < 0:
            break
        out.append(arc_of[(p, cur)])
        cur = p
    return out[::-1] if out else None


def generate(
    nx: int = 24,
    ny: int = 24,
    n_od: int = 1300,
    n_classes: int = 10,
    seed: int = 7,
    stress: float = 1.0,
) -> Instance:
    """Build the instance described in the module docstring."""
    rng = np.random.default_rng(seed)
    n_road = nx * ny
    grid = np.stack(np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij"), -1).reshape(-1, 2)
    xy = grid * 10.0 + rng.uniform(-2.0, 2.0, size=grid.shape)  # km
    node = np.arange(n_road).reshape(nx, ny)
    arcs: list[tuple[int, int, int, float, float]] = []

    def dist(a: int, b: int) -> float:
        return float(np.hypot(*(xy[a] - xy[b]))) * 1.2

    for i in range(nx):
        for j in range(ny):
            for step_i, step_j in ((1, 0), (0, 1)):
                if i + step_i < nx and j + step_j < ny:
                    a, b = int(node[i, j]), int(node[i + step_i, j + step_j])
                    fast = (step_i == 1 and j % 4 == 0) or (step_j == 1 and i % 4 == 0)
                    _add(arcs, a, b, ROAD, dist(a, b), 90.0 if fast else 60.0)
    n_nodes = n_road
    terminals: list[tuple[int, int]] = []  # (road node, rail node)
    rail_node: dict[int, int] = {}

    def rail_of(r: int) -> int:
        nonlocal n_nodes
        if r not in rail_node:
            rail_node[r] = n_nodes
            n_nodes += 1
        return rail_node[r]

    lines = [[int(node[i, j]) for j in range(ny)] for i in range(0, nx, 6)]
    lines += [[int(node[i, j]) for i in range(nx)] for j in range(0, ny, 6)]
    for line in lines:
        for a, b in zip(line[:-1], line[1:], strict=True):
            _add(arcs, rail_of(a), rail_of(b), RAIL, dist(a, b), 80.0)
        for k, r in enumerate(line):
            if k % 3 == 0 and (r, rail_node[r]) not in terminals:
                terminals.append((r, rail_node[r]))
    ports: list[tuple[int, int]] = []
    river = [int(node[i, ny // 2 + 1]) for i in range(nx)]
    water_node = {r: n_nodes + k for k, r in enumerate(river)}
    n_nodes += len(river)
    for a, b in zip(river[:-1], river[1:], strict=True):
        _add(arcs, water_node[a], water_node[b], WATER, dist(a, b), 15.0)
    for k, r in enumerate(river):
        if k % 4 == 0:
            ports.append((r, water_node[r]))
    for r, t in terminals + ports:
        _add(arcs, r, t, TRANSFER, 0.0, 0.0)
    tail = np.array([a[0] for a in arcs])
    head = np.array([a[1] for a in arcs])
    mode = np.array([a[2] for a in arcs])
    length = np.array([a[3] for a in arcs])
    speed = np.array([a[4] for a in arcs])
    n_arcs = tail.size
    fft = np.where(speed > 0, length / np.maximum(speed, 1e-9), 0.5)  # transfer: 0.5 h
    arc_of = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(tail, head, strict=True))}

    # money rates per class and mode (CNY/t·km), handling (CNY/t per transfer)
    road_rate = rng.uniform(0.35, 0.6, n_classes)
    rail_rate = rng.uniform(0.12, 0.2, n_classes)
    water_rate = rng.uniform(0.04, 0.08, n_classes)
    handling = rng.uniform(12.0, 25.0, n_classes)
    w_road = rng.uniform(3.0, 25.0, n_classes)
    w_other = rng.uniform(0.5, 4.0, n_classes)
    pcu_road = rng.uniform(0.08, 0.3, n_classes)
    rate = np.select([mode == ROAD, mode == RAIL, mode == WATER], [1, 2, 3], 0)
    per_km = np.stack([road_rate, rail_rate, water_rate], 1)  # (classes, 3)
    c0 = np.zeros((n_classes, n_arcs))
    for m, col in ((1, 0), (2, 1), (3, 2)):
        c0[:, rate == m] = per_km[:, col, None] * length[None, rate == m]
    c0[:, mode == TRANSFER] = handling[:, None] / 2.0  # half per direction of the transfer
    w = np.where(mode[None, :] == ROAD, w_road[:, None], w_other[:, None])
    pcu = np.where(mode[None, :] == ROAD, pcu_road[:, None], 0.0)
    free_cost = c0 + w * fft[None, :]

    # OD-classes
    oi = rng.integers(0, n_road, size=4 * n_od)
    di = rng.integers(0, n_road, size=4 * n_od)
    far = np.abs(xy[oi] - xy[di]).sum(axis=1) >= 50.0
    oi, di = oi[far][:n_od], di[far][:n_od]
    commodity = rng.integers(0, n_classes, size=n_od)
    demand = np.exp(rng.normal(np.log(6e4), 0.8, size=n_od))

    road_mask = mode == ROAD
    rows: list[list[int]] = []
    path_od: list[int] = []
    path_nest: list[int] = []
    n_nests = 0

    def graph(cost: FloatArray, keep: NDArray[np.bool_]) -> sp.csr_matrix:
        return sp.csr_matrix((cost[keep], (tail[keep], head[keep])), shape=(n_nodes, n_nodes))

    for k in range(n_classes):
        ods = np.flatnonzero(commodity == k)
        if ods.size == 0:
            continue
        cost = free_cost[k].copy()
        origins, o_row = np.unique(oi[ods], return_inverse=True)
        # road routes by link penalty (per OD: its own penalized costs)
        road_paths: dict[int, list[list[int]]] = {int(o): [] for o in ods}
        pen = np.ones((ods.size, n_arcs))
        for _ in range(10):
            for j, o in enumerate(ods):
                g = graph(cost * pen[j], road_mask)
                _, pred = dijkstra(g, indices=int(oi[o]), return_predecessors=True)
                path = _paths_from_tree(pred[None, :], 0, int(di[o]), arc_of)
                if path is not None and path not in road_paths[int(o)]:
                    road_paths[int(o)].append(path)
                if path is not None:
                    pen[j, path] *= 1.4
        # rail / water chains via the nearest terminals
        for stations, line_mode in ((terminals, RAIL), (ports, WATER)):
            keep = road_mask | (mode == line_mode) | (mode == TRANSFER)
            road_nodes = np.array([s[0] for s in stations])
            g_road = graph(cost, road_mask)
            d_road, p_road = dijkstra(g_road, indices=road_nodes, return_predecessors=True)
            line_keep = mode == line_mode
            g_line = graph(cost, line_keep)
            line_nodes = np.array([s[1] for s in stations])
            _, p_line = dijkstra(g_line, indices=line_nodes, return_predecessors=True)
            del keep
            for o in ods:
                near_o = np.argsort(d_road[:, oi[o]])[:3]
                near_d = np.argsort(d_road[:, di[o]])[:3]
                if line_mode == WATER:
                    ok_o = d_road[near_o, oi[o]] < 60.0 * road_rate[k] * 1.2
                    ok_d = d_road[near_d, di[o]] < 60.0 * road_rate[k] * 1.2
                    near_o, near_d = near_o[ok_o][:2], near_d[ok_d][:2]
                chain_paths: list[list[int]] = []
                for s1 in near_o:
                    for s2 in near_d:
                        if s1 == s2:
                            continue
                        r1, t1 = stations[s1]
                        r2, t2 = stations[s2]
                        # reversed access: tree from r1 gives r1 -> oi; the grid is symmetric
                        acc = _paths_from_tree(p_road, int(s1), int(oi[o]), arc_of)
                        mid = _paths_from_tree(p_line, int(s1), t2, arc_of)
                        egr = _paths_from_tree(p_road, int(s2), int(di[o]), arc_of)
                        if mid is None:
                            continue
                        access = (
                            []
                            if acc is None
                            else [arc_of[(int(head[a]), int(tail[a]))] for a in acc[::-1]]
                        )
                        path = access + [arc_of[(r1, t1)]] + mid + [arc_of[(t2, r2)]]
                        path += [] if egr is None else egr
                        if path not in chain_paths:
                            chain_paths.append(path)
                if chain_paths:
                    for path in chain_paths:
                        rows.append(path)
                        path_od.append(int(o))
                        path_nest.append(n_nests)
                    n_nests += 1
        for o in ods:
            for path in road_paths[int(o)]:
                rows.append(path)
                path_od.append(int(o))
                path_nest.append(n_nests)
            n_nests += 1
    indptr = np.cumsum([0] + [len(r) for r in rows])
    indices = np.concatenate([np.asarray(r, dtype=np.int64) for r in rows])
    inc = sp.csr_matrix((np.ones(indices.size), indices, indptr), shape=(len(rows), n_arcs))
    inc.sum_duplicates()
    inc.data[:] = 1.0
    od_arr = np.asarray(path_od)
    nest_arr = np.asarray(path_nest)
    k_path = commodity[od_arr]
    pcost = np.zeros(inc.shape[0])
    for k in range(n_classes):
        sel = np.flatnonzero(k_path == k)
        pcost[sel] = inc[sel] @ free_cost[k]
    cbar = np.full(n_od, np.inf)
    np.minimum.at(cbar, od_arr, pcost)
    theta_r = 8.0 * stress / cbar
    theta_c = 4.0 * stress / cbar
    ps = path_size_factor(inc, np.maximum(length, 1.0), nest_arr)
    # capacities from the free-flow logit loading
    f0, _ = nested_logit(
        pcost - np.log(ps) / theta_r[od_arr], od_arr, nest_arr, demand, theta_r, theta_c
    )
    tonnes = np.zeros(n_arcs)
    pcu_load = np.zeros(n_arcs)
    for k in range(n_classes):
        sel = np.flatnonzero(k_path == k)
        xk = inc[sel].T @ f0[sel]
        tonnes += xk
        pcu_load += pcu[k] * xk
    capacity = np.where(road_mask, np.maximum(pcu_load / (0.4 * stress), 2e5 / stress), np.inf)
    background = np.where(road_mask, rng.uniform(0.3, 0.7, n_arcs) * capacity, 0.0)
    alpha = np.where(road_mask, 0.15, 0.0)
    beta = np.where(road_mask, 4.0, 0.0)
    hard = np.full(n_arcs, np.inf)
    for m in (RAIL, TRANSFER):
        idx = np.flatnonzero((mode == m) & (tonnes > 0))
        busiest = idx[np.argsort(tonnes[idx])[::-1][: max(1, idx.size // 3)]]
        hard[busiest] = 0.7 * tonnes[busiest]
    per_od = np.bincount(od_arr, minlength=n_od)
    desc = (
        f"{nx}x{ny} grid: {n_nodes} nodes, {n_arcs} arcs ({int(road_mask.sum())} road), "
        f"{n_od} OD-classes, {inc.shape[0]} paths ({per_od.min()}-{per_od.max()} per OD), "
        f"{n_nests} nests, {n_classes} classes, {int(np.isfinite(hard).sum())} hard capacities"
    )
    kwargs: dict[str, Any] = dict(
        incidence=inc,
        path_od=od_arr,
        path_nest=nest_arr,
        demand=demand,
        theta_route=theta_r,
        theta_chain=theta_c,
        arc_cost=c0,
        od_class=commodity,
        time_value=w,
        pcu=pcu,
        free_flow_time=fft,
        capacity=capacity,
        alpha=alpha,
        beta=beta,
        background=background,
        hard_capacity=hard,
        path_size=ps,
    )
    return Instance(kwargs, n_arcs, inc.shape[0], n_od, n_nests, desc)


def sra_baseline(
    kwargs: dict[str, Any], targets: tuple[float, ...], time_limit: float
) -> dict[float, tuple[float, int, float]]:
    """Path-flow averaging with self-regulated steps (Liu, He & He 2009), the textbook method.

    ``f ← f + (y(f) − f) / β``, ``β += 1.9`` when ``‖y − f‖`` grew, else ``β += 0.02``, started
    from the free-flow logit loading; the same gap ``Σ|f − y(f)| / Σq`` as ``solvers.sue``.
    No hard capacities (it has no multipliers). Returns, per target, (seconds, iterations, gap)
    at the first iterate at or below it (``inf`` seconds if not reached within the limit).
    """
    start = time.perf_counter()  # set-up included, as in solvers.sue's runtime
    inc = sp.csr_matrix(kwargs["incidence"])
    od = np.asarray(kwargs["path_od"])
    nest = np.asarray(kwargs["path_nest"])
    q = np.asarray(kwargs["demand"], dtype=float)
    tr = np.asarray(kwargs["theta_route"], dtype=float)
    tc = np.asarray(kwargs["theta_chain"], dtype=float)
    c0 = np.asarray(kwargs["arc_cost"], dtype=float)
    w = np.asarray(kwargs["time_value"], dtype=float)
    pcu = np.asarray(kwargs["pcu"], dtype=float)
    fft = np.asarray(kwargs["free_flow_time"], dtype=float)
    cap = np.asarray(kwargs["capacity"], dtype=float)
    alpha = np.asarray(kwargs["alpha"], dtype=float)
    beta = np.asarray(kwargs["beta"], dtype=float)
    back = np.asarray(kwargs["background"], dtype=float)
    const = -np.log(np.asarray(kwargs["path_size"], dtype=float)) / tr[od]
    k_path = np.asarray(kwargs["od_class"])[od]
    blocks = [np.flatnonzero(k_path == k) for k in range(c0.shape[0])]
    rows = [inc[b] for b in blocks]
    rows_t = [sp.csr_matrix(r.T) for r in rows]
    inv_cap = np.where(np.isfinite(cap), 1.0 / cap, 0.0)

    def response(f: FloatArray) -> FloatArray:
        vol = back.copy()
        for k, b in enumerate(blocks):
            vol += pcu[k] * (rows_t[k] @ f[b])
        t = fft * (1.0 + alpha * (vol * inv_cap) ** beta)
        g = const.copy()
        for k, b in enumerate(blocks):
            g[b] += rows[k] @ (c0[k] + w[k] * t)
        y, _ = nested_logit(g, od, nest, q, tr, tc)
        return y

    f = response(np.zeros(od.size))
    out: dict[float, tuple[float, int, float]] = {}
    b_step, prev, it = 1.0, np.inf, 0
    while len(out) < len(targets):
        y = response(f)
        dist = float(np.abs(y - f).sum())
        gap = dist / q.sum()
        elapsed = time.perf_counter() - start
        for tgt in targets:
            if tgt not in out and gap <= tgt:
                out[tgt] = (elapsed, it, gap)
        if elapsed > time_limit:
            for tgt in targets:
                out.setdefault(tgt, (float("inf"), it, gap))
            break
        b_step += 1.9 if dist >= prev else 0.02
        prev = dist
        f = f + (y - f) / b_step
        it += 1
    return out


def run(quick: bool, stress: float, repeat: int) -> list[dict[str, object]]:
    """Generate one instance and time the solve to each target gap (median of ``repeat``)."""
    t0 = time.perf_counter()
    inst = generate(12, 12, 300, stress=stress) if quick else generate(stress=stress)
    gen_s = time.perf_counter() - t0
    print(f"instance: {inst.description} (generated in {gen_s:.1f} s)")
    demand = float(np.sum(np.asarray(inst.kwargs["demand"])))
    hard = np.asarray(inst.kwargs["hard_capacity"])
    rows: list[dict[str, object]] = []
    for tol in (1e-4, 1e-6):
        load = os.getloadavg()[0]
        times = []
        res = None
        for _ in range(repeat):
            res = solve(**inst.kwargs, tol=tol)
            times.append(res.runtime)
        assert res is not None
        row: dict[str, object] = {
            "instance": ("quick" if quick else "regional") + f" stress {stress:g}",
            "tol": tol,
            "median_s": round(statistics.median(times), 4),
            "min_s": round(min(times), 4),
            "iterations": res.iterations,
            "evaluations": res.evaluations,
            "gap": f"{res.gap:.3e}",
            "capacity_gap": f"{res.capacity_gap:.3e}",
            "status": res.status,
            "history": " ".join(f"{h:.1e}" for h in res.history),
            "binding_capacities": f"{int(np.sum(res.multiplier > 1e-6))}/"
            f"{int(np.isfinite(hard).sum())}",
            "max_vc": round(float(res.volume_capacity_ratio.max()), 3),
            "unserved_share": f"{res.unserved.sum() / demand:.2e}",
            "load_1min": round(load, 2),
            "machine": f"{platform.machine()} {os.cpu_count()} cpu",
        }
        rows.append(row)
        print(", ".join(f"{k} {v}" for k, v in row.items()))
    # side by side with the textbook averaging method, without hard capacities
    uncap = dict(inst.kwargs)
    uncap["hard_capacity"] = None
    base = sra_baseline(uncap, (1e-4, 1e-6), time_limit=120.0)
    for tol in (1e-4, 1e-6):
        load = os.getloadavg()[0]
        newton = solve(**uncap, tol=tol)
        secs, its, gap = base[tol]
        row = {
            "instance": ("quick" if quick else "regional")
            + f" stress {stress:g} no hard capacities",
            "tol": tol,
            "newton_s": round(newton.runtime, 4),
            "newton_iterations": newton.iterations,
            "sra_s": round(secs, 4),
            "sra_iterations": its,
            "sra_gap": f"{gap:.3e}",
            "ratio_sra_to_newton": round(secs / newton.runtime, 1),
            "load_1min": round(load, 2),
        }
        rows.append(row)
        print(", ".join(f"{k} {v}" for k, v in row.items()))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="12 x 12 grid, 300 OD-classes")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--stress",
        type=float,
        nargs="+",
        default=[1.0, 4.0],
        help="multiply the logit scales and divide the road capacities by each (harder cases)",
    )
    ap.add_argument("--out", default=str(RESULTS))
    args = ap.parse_args()
    rows = []
    for stress in args.stress:
        rows += run(args.quick, stress, args.repeat)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fields = list(dict.fromkeys(k for row in rows for k in row))
    with out.open("w", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=fields)
        wr.writeheader()
        wr.writerows(rows)
    print(f"wrote {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")


if __name__ == "__main__":
    main()
