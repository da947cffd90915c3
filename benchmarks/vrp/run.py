"""Side-by-side benchmark of the routing engines on published CVRP and VRPTW instances.

For every instance of ``best_known.csv`` (CVRPLIB sets A, B, P; Solomon R1, C1, RC1 with 100
customers, all in tests/data/validation/vrp) it solves with the instance's fleet (the file's
``VEHICLES``, else the ``-kN`` of the name) and a fixed time limit, checks every result with the
independent checker (tests/vrp_checker.py: every customer once, capacity, time windows, vehicles
<= fleet, distance recomputed from coordinates) and appends one row per run to a CSV.

Usage (from the repository root)::

    python benchmarks/vrp/run.py --engine pyvrp --time-limit 20 --out benchmarks/vrp/results_pyvrp.csv
    python benchmarks/vrp/run.py --engine ortools --time-limit 20 --only A-n45-k6,R101 --out ...

Rows already in ``--out`` are skipped, so an interrupted run can be resumed.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from vrp_checker import check_routes, load_instance  # noqa: E402

from solvers.formats.vrplib import read_vrplib  # noqa: E402
from solvers.routing import solve  # noqa: E402

VRP = ROOT / "tests" / "data" / "validation" / "vrp"
COLUMNS = (
    "instance",
    "set",
    "engine",
    "time_limit_s",
    "fleet",
    "best_known",
    "cost",
    "gap_pct",
    "vehicles",
    "checker",
    "status",
    "first_solution",
    "runtime_s",
    "load1",
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="pyvrp", choices=("pyvrp", "ortools", "auto"))
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", default="", help="comma-separated instance names (default: all)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    wanted = {s for s in args.only.split(",") if s}
    table = list(csv.DictReader((Path(__file__).parent / "best_known.csv").open()))
    done: set[tuple[str, str]] = set()
    if args.out.exists():
        done = {(r["instance"], r["engine"]) for r in csv.DictReader(args.out.open())}
    new = not args.out.exists()
    with args.out.open("a", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        if new:
            w.writerow(COLUMNS)
        for row in table:
            name = row["instance"]
            if (wanted and name not in wanted) or (name, args.engine) in done:
                continue
            fleet = int(row["fleet"])
            best = float(row["best_known"])
            path = VRP / row["file"]
            inst = read_vrplib(path, n_vehicles=fleet)
            t0 = time.perf_counter()
            res = solve(
                inst.problem, engine=args.engine, time_limit_s=args.time_limit, seed=args.seed
            )
            wall = time.perf_counter() - t0
            ref = load_instance(path)
            n = len(ref.distance)
            problems = (
                check_routes(
                    [list(r) for r in res.routes],
                    distance=ref.distance,
                    demand=ref.demand,
                    capacity=[ref.capacity] * fleet,
                    starts=[ref.depot] * fleet,
                    ends=[ref.depot] * fleet,
                    travel_time=ref.distance if ref.time_window is not None else None,
                    time_window=ref.time_window,
                    service_time=ref.service_time,
                    claimed_distance=res.distance,
                    max_vehicles=fleet,
                )
                if res.routes
                else ["no solution"]
            )
            cost = res.distance
            gap = 100.0 * (cost - best) / best if math.isfinite(cost) else math.nan
            w.writerow(
                [
                    name,
                    row["set"],
                    args.engine,
                    f"{args.time_limit:g}",
                    fleet,
                    row["best_known"],
                    f"{cost:.2f}",
                    f"{gap:.2f}",
                    res.vehicles_used,
                    "ok" if not problems else "; ".join(problems)[:200],
                    res.status,
                    res.first_solution,
                    f"{wall:.1f}",
                    f"{os.getloadavg()[0]:.1f}",
                ]
            )
            fh.flush()
            print(
                f"{name} {args.engine} {cost:.2f} ({gap:+.2f} %) {res.vehicles_used}/{fleet} "
                f"{'ok' if not problems else problems[0]} {wall:.1f}s n={n}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
