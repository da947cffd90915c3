"""Benchmark: multi-commodity flow, default method (column generation) vs the monolithic HiGHS LP.

Instances: the published linear MCF set (../shared/validation/multicommodity: ndo22, grid1,
grid3, planar30) and generated freight-like networks (Delaunay graph of random places, each
link one of three modes with a per-commodity rate, some commodity/mode pairs forbidden, demand
from a limited set of origin zones, capacities set around the uncongested load so that a share
of the arcs bind).

For each instance and method the script reports build, solve and extract times (seconds), the
objective, the agreement with the LP and the speed ratio LP time / default time, prints a table
and writes ``benchmarks/perf/results/multicommodity.csv``. The LP runs with HiGHS's default
(dual simplex) and, with ``--lp-ipm``, also with HiGHS's interior point; the ratio uses the
faster of the LP runs.

Usage::

    .venv/bin/python benchmarks/perf/bench_multicommodity.py            # everything
    .venv/bin/python benchmarks/perf/bench_multicommodity.py --quick    # small sizes only
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import Delaunay

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from solvers.check import check_flows  # noqa: E402
from solvers.formats.mcflin import INSTANCES, read_mcflin_instance  # noqa: E402
from solvers.multicommodity import MultiFlowResult, solve  # noqa: E402

VALIDATION = ROOT.parent / "shared" / "validation" / "multicommodity"
BEST = {"ndo22": 1.88237e3, "grid1": 8.27323e5, "grid3": 1.52464e6, "planar30": 4.43508e7}


@dataclass
class Instance:
    """Arrays for :func:`solvers.multicommodity.solve` plus a description."""

    name: str
    n_nodes: int
    tail: NDArray[np.int64]
    head: NDArray[np.int64]
    capacity: NDArray[np.float64]
    cost: NDArray[np.float64]
    origin: NDArray[np.int64]
    destination: NDArray[np.int64]
    demand: NDArray[np.float64]
    commodity: NDArray[np.int64] | None
    best: float | None = None

    def args(self) -> tuple[Any, ...]:
        return (
            self.tail,
            self.head,
            self.capacity,
            self.cost,
            self.origin,
            self.destination,
            self.demand,
            self.commodity,
        )


def generate(
    n_nodes: int,
    n_demands: int,
    n_origins: int,
    n_commodities: int,
    seed: int,
    *,
    bind_share: float = 0.3,
) -> Instance:
    """A freight-like network with capacities that bind on part of the loaded arcs.

    Places are uniform in a 100 × 100 km square, links the Delaunay edges (both directions),
    each of mode road/rail/water; the cost of commodity k on a link is length × a rate per
    (commodity, mode) drawn in [0.5, 2] CNY/t-km, and 5 % of (commodity, arc) pairs are
    forbidden (``inf``). Demand rows: origin among ``n_origins`` zones, any destination,
    1–100 kt. Capacity of every arc: ``max(load, q) × U(0.75, 1.5)`` with ``load`` the
    uncongested all-or-nothing load and ``q`` its ``bind_share`` quantile over loaded arcs.
    """
    rng = np.random.default_rng(seed)
    pts = rng.random((n_nodes, 2)) * 100.0
    tri = Delaunay(pts)
    edges = np.sort(
        np.concatenate(
            [tri.simplices[:, [0, 1]], tri.simplices[:, [1, 2]], tri.simplices[:, [2, 0]]]
        ),
        axis=1,
    )
    edges = np.unique(edges, axis=0)
    tail = np.concatenate([edges[:, 0], edges[:, 1]]).astype(np.int64)
    head = np.concatenate([edges[:, 1], edges[:, 0]]).astype(np.int64)
    length = np.linalg.norm(pts[tail] - pts[head], axis=1)
    link_mode = rng.integers(0, 3, edges.shape[0])
    mode = np.concatenate([link_mode, link_mode])
    rate = rng.uniform(0.5, 2.0, (n_commodities, 3))
    cost = rate[:, mode] * length[None, :]
    cost[rng.random(cost.shape) < 0.05] = np.inf
    zones = rng.choice(n_nodes, n_origins, replace=False)
    origin = rng.choice(zones, n_demands).astype(np.int64)
    dest = rng.integers(0, n_nodes, n_demands).astype(np.int64)
    dest = np.where(dest == origin, (dest + 1) % n_nodes, dest)
    comm = rng.integers(0, n_commodities, n_demands).astype(np.int64)
    demand = rng.uniform(1.0, 100.0, n_demands) * 1000.0
    free = solve(tail, head, np.full(tail.shape[0], np.inf), cost, origin, dest, demand, comm)
    load = free.flow.sum(axis=0)
    q = float(np.quantile(load[load > 0], bind_share))
    capacity = np.maximum(load, q) * rng.uniform(0.75, 1.5, tail.shape[0])
    return Instance(
        f"gen{n_nodes}-{n_demands}x{n_commodities}",
        n_nodes,
        tail,
        head,
        capacity,
        cost,
        origin,
        dest,
        demand,
        comm,
    )


def published(name: str) -> Instance:
    inst = read_mcflin_instance(VALIDATION, name)
    return Instance(
        name,
        inst.n_nodes,
        inst.tail,
        inst.head,
        inst.capacity,
        inst.cost,
        inst.origin,
        inst.destination,
        inst.demand,
        None,
        BEST[name],
    )


def run(
    inst: Instance,
    label: str,
    method: str,
    options: dict[str, Any] | None,
    time_limit: float | None,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    r: MultiFlowResult = solve(
        *inst.args(),
        method=method,
        n_nodes=inst.n_nodes,
        highs_options=options,
        time_limit=time_limit,
    )
    wall = time.perf_counter() - t0
    ok = r.status == "optimal"
    problems = (
        check_flows(
            inst.n_nodes,
            inst.tail,
            inst.head,
            inst.capacity,
            r.flow,
            inst.origin,
            inst.destination,
            inst.demand,
            inst.commodity,
            r.unserved,
        )
        if ok
        else ["not solved"]
    )
    tm = r.timings
    solve_t = tm.get("solve", tm.get("shortest_path", 0.0) + tm.get("master", 0.0))
    return {
        "instance": inst.name,
        "nodes": inst.n_nodes,
        "arcs": int(inst.tail.shape[0]),
        "demand_rows": int(inst.demand.shape[0]),
        "commodities": int(1 if inst.commodity is None else inst.commodity.max() + 1),
        "method": label,
        "status": r.status,
        "objective": r.objective,
        "lower_bound": r.lower_bound,
        "unserved": float(np.sum(r.unserved)),
        "build_s": tm.get("build", 0.0) + tm.get("validate", 0.0),
        "solve_s": solve_t,
        "extract_s": tm.get("extract", 0.0),
        "total_s": wall,
        "iterations": r.iterations,
        "size": ";".join(f"{k}={v}" for k, v in (r.stats or {}).items()),
        "check_flows": "ok" if not problems else f"{len(problems)} problems",
        "rel_diff_vs_lp": float("nan"),
        "rel_diff_vs_best": (
            (r.objective - inst.best) / inst.best if inst.best is not None else float("nan")
        ),
        "speedup_vs_lp": float("nan"),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small generated instances only")
    ap.add_argument("--no-published", action="store_true")
    ap.add_argument("--no-generated", action="store_true")
    ap.add_argument("--lp-ipm", action="store_true", help="also run the LP with HiGHS IPM")
    ap.add_argument("--no-lp-simplex", action="store_true", help="skip the LP with simplex")
    ap.add_argument("--lp-time-limit", type=float, default=3600.0, help="seconds per LP run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks/perf/results/multicommodity.csv")
    args = ap.parse_args()

    instances: list[Instance] = []
    if not args.no_published:
        instances += [published(n) for n in INSTANCES]
    if not args.no_generated:
        sizes = [(100, 300, 10, 5)] if args.quick else [(200, 500, 15, 5), (500, 1000, 10, 10)]
        instances += [generate(n, d, o, k, args.seed) for n, d, o, k in sizes]

    rows: list[dict[str, Any]] = []
    for inst in instances:
        print(
            f"{inst.name}: {inst.n_nodes} nodes, {inst.tail.shape[0]} arcs, "
            f"{inst.demand.shape[0]} demand rows",
            flush=True,
        )
        batch = [run(inst, "default(colgen)", "auto", None, None)]
        if not args.no_lp_simplex:
            batch.append(run(inst, "lp(simplex)", "lp", None, args.lp_time_limit))
        if args.lp_ipm:
            batch.append(run(inst, "lp(ipm)", "lp", {"solver": "ipm"}, args.lp_time_limit))
        lp_done = [b for b in batch[1:] if b["status"] == "optimal"]
        if lp_done:
            ref = min(lp_done, key=lambda b: b["total_s"])
            for b in batch:
                b["rel_diff_vs_lp"] = (b["objective"] - ref["objective"]) / abs(ref["objective"])
            batch[0]["speedup_vs_lp"] = ref["total_s"] / batch[0]["total_s"]
        for b in batch:
            print(
                f"  {b['method']:16s} {b['status']:9s} obj {b['objective']:.10g}  "
                f"build {b['build_s']:.3f}  solve {b['solve_s']:.3f}  extract "
                f"{b['extract_s']:.3f}  total {b['total_s']:.3f} s  flows {b['check_flows']}",
                flush=True,
            )
        rows += batch

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)

    print()
    head = (
        f"{'instance':22s} {'method':16s} {'status':9s} {'objective':>16s} {'vs LP':>9s} "
        f"{'vs best':>9s} {'build':>7s} {'solve':>8s} {'extract':>7s} {'total':>8s} "
        f"{'speedup':>7s}"
    )
    print(head)
    print("-" * len(head))
    for b in rows:
        print(
            f"{b['instance']:22s} {b['method']:16s} {b['status']:9s} {b['objective']:16.10g} "
            f"{b['rel_diff_vs_lp']:9.1e} {b['rel_diff_vs_best']:9.1e} {b['build_s']:7.3f} "
            f"{b['solve_s']:8.3f} {b['extract_s']:7.3f} {b['total_s']:8.3f} "
            f"{b['speedup_vs_lp']:7.1f}"
        )
    print(f"\nwritten {args.out}")


if __name__ == "__main__":
    main()
