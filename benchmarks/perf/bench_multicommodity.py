"""Benchmark: multi-commodity flow — column generation against the monolithic HiGHS LP, and the
column-generation variants against each other (issue #18).

Instances
---------
* ``road`` — the road-like generator of issue #18 (:func:`road_like`): places uniform in a
  square, links the Gabriel graph (a Delaunay subgraph with about 2 links, so 4 directed arcs,
  per node), cost = length × U(1, 1.5), ``K`` random origin-destination pairs with demand
  U(1, 100), capacity 0.6 × the all-or-nothing load on every loaded arc (unloaded arcs
  uncapacitated). Every used arc binds, and some demand cannot be served at all.
* ``published`` — the linear multicommodity flow set of Babonneau, du Merle and Vial shipped in
  ``tests/data/validation/multicommodity`` (best values in
  :data:`solvers.formats.mcflin.BEST_VALUES`).

Modes
-----
``compare`` (default): the default method (``"auto"``) and the origin-aggregated arc LP in
HiGHS (dual simplex, time limit ``--lp-time-limit``) on each instance: time, objective,
relative difference to the LP and to the published value, LP time / default time.

``ablation``: the column-generation variants of :data:`VARIANTS` on each instance, the
variants alternated within each repeat (``--repeats``), median time and the ratio to the
``--reference`` variant (default ``legacy``, the master before issue #18) measured in the same
run; simplex pivots and iterations are machine-independent.

Both write a CSV under ``benchmarks/perf/results/`` and print a table. The machine's load
(``os.getloadavg``) is recorded in every row: timings on shared cores are noisy, ratios from the
same run much less. ``cpu_s`` is the process CPU time (``time.process_time``; HiGHS's simplex
runs on one thread), which waiting for a core does not inflate, and ``cpu_ratio`` its ratio
(ablation) — the comparison to trust on a loaded machine.

Usage::

    .venv/bin/python benchmarks/perf/bench_multicommodity.py --sizes 200:50,500:100,1000:200
    .venv/bin/python benchmarks/perf/bench_multicommodity.py --mode ablation --sizes 500:100
    .venv/bin/python benchmarks/perf/bench_multicommodity.py --published grid1,planar30 --sizes ""
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import Delaunay, cKDTree

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from solvers import _mcf_colgen  # noqa: E402
from solvers.check import check_flows  # noqa: E402
from solvers.formats.mcflin import BEST_VALUES, DEMAND_DIVISOR, read_mcflin_instance  # noqa: E402
from solvers.multicommodity import MultiFlowResult, solve  # noqa: E402

logger = logging.getLogger("bench_multicommodity")

VALIDATION = ROOT / "tests" / "data" / "validation" / "multicommodity"
RESULTS = ROOT / "benchmarks" / "perf" / "results"

_SECOND: dict[str, Any] = {"augment_rounds": 3, "devex_below": 0, "bounded_pricing": False}
"""What the second session's default had where the current one differs."""

VARIANTS: dict[str, _mcf_colgen.ColgenConfig] = {
    "legacy": _mcf_colgen.ColgenConfig(
        seed_rounds=0,
        master="hybrid",
        ipm_share=0.0,
        switch_share=0.1,
        simplex_strategy=1,
        smoothing=0.0,
        exact_every_iteration=True,
        augment_rounds=0,
        prune_age=0,
        devex_below=0,
        bounded_pricing=False,
    ),
    "simplex": _mcf_colgen.ColgenConfig(
        seed_rounds=0,
        master="simplex",
        dual_master=False,
        smoothing=0.0,
        augment_rounds=0,
        prune_age=0,
        bounded_pricing=False,
    ),
    "+smooth": _mcf_colgen.ColgenConfig(
        seed_rounds=0,
        master="simplex",
        dual_master=False,
        augment_rounds=0,
        prune_age=0,
        bounded_pricing=False,
    ),
    "+smooth+augment": _mcf_colgen.ColgenConfig(
        seed_rounds=0, master="simplex", dual_master=False, prune_age=0, **_SECOND
    ),
    "+smooth+augment+prune": _mcf_colgen.ColgenConfig(
        seed_rounds=0, master="simplex", dual_master=False, **_SECOND
    ),
    "before-dual-master": _mcf_colgen.ColgenConfig(seed_rounds=0, dual_master=False, **_SECOND),
    "+dual-master": _mcf_colgen.ColgenConfig(seed_rounds=0, **_SECOND),
    "+bounded-pricing": _mcf_colgen.ColgenConfig(seed_rounds=0, augment_rounds=3, devex_below=0),
    "+devex-tail": _mcf_colgen.ColgenConfig(seed_rounds=0, augment_rounds=3),
    "+augment6": _mcf_colgen.ColgenConfig(seed_rounds=0),
    "+seed30": _mcf_colgen.ColgenConfig(),
    "+seed30-everywhere": _mcf_colgen.ColgenConfig(seed_dual_only=False),
    "+dual+rowprune": _mcf_colgen.ColgenConfig(row_age=3),
    "+dual+exact-every-it": _mcf_colgen.ColgenConfig(exact_every_iteration=True),
}
# every variant above as it was: every group in the master
VARIANTS = {k: dataclasses.replace(v, partition_load=None) for k, v in VARIANTS.items()}
VARIANTS["+partition-everywhere"] = _mcf_colgen.ColgenConfig(partition_min_groups=0)
VARIANTS["+partition(default)"] = _mcf_colgen.ColgenConfig()
"""Column-generation variants of the ablation (``legacy`` = the master before issue #18:
interior point, then dual simplex, no smoothing, one column per group and iteration;
``before-dual-master`` = the default before the explicit dual master (the same as
``+smooth+augment+prune`` on masters with few groups per row); ``+dual-master`` = on those
masters the explicit LP dual re-solved by dual simplex, interior point first on the others, as
before, with one full tree per origin and cost row every pricing (the default of the second
session); ``+bounded-pricing`` = the pricing searches only groups that can price out, each
search stopped once its groups are settled; ``+devex-tail`` = and the dual master switches to
Devex once a re-solve takes fewer than 300 pivots; ``+augment6`` = and 6 rounds of
augmentation instead of 3 (the third session's default); ``+seed30`` =
and 30 rounds of congestion-priced routing
seed the explicit dual master's first columns; ``+seed30-everywhere`` = the seed on every
master, also those solved by interior point first; ``+median-start`` = the first limit of the
uncapacitated pricing at the median target distance instead of the farthest (not kept);
``+partition-everywhere`` = ``+seed30`` and only the groups whose uncapacitated path crosses an arc loaded
above 0.8 of its capacity in the master, the others fixed on their paths until a dual lies on
it; ``+partition(default)`` = :class:`solvers._mcf_colgen.ColgenConfig` as it is: the
partition only from 20,000 groups). Variants before ``+seed30`` set
``seed_rounds=0``, variants before ``+partition`` put every group in the master. Every variant
runs on this checkout's searches (backward searches from far targets included)."""


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
    commodity: NDArray[np.int64] | None = None
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


def road_like(n_nodes: int, n_pairs: int, seed: int = 1) -> Instance:
    """The road-like instance of issue #18 (see the module docstring).

    Parameters
    ----------
    n_nodes
        Number of places (nodes).
    n_pairs
        Number of distinct origin-destination pairs (commodities), one demand row each.
    seed
        Random seed.

    Returns
    -------
    Instance
        Costs in length units per unit of flow, demand and capacity in flow units.
    """
    rng = np.random.default_rng(seed)
    pts = rng.random((n_nodes, 2)) * 100.0
    simp = Delaunay(pts).simplices
    edges = np.sort(np.concatenate([simp[:, [0, 1]], simp[:, [1, 2]], simp[:, [2, 0]]]), axis=1)
    edges = np.unique(edges, axis=0)
    # Gabriel graph: keep a Delaunay edge when no other place lies in the circle on it
    mid = (pts[edges[:, 0]] + pts[edges[:, 1]]) / 2.0
    radius = np.linalg.norm(pts[edges[:, 0]] - pts[edges[:, 1]], axis=1) / 2.0
    tree = cKDTree(pts)
    inside = tree.query_ball_point(mid, radius * (1.0 - 1e-9), return_length=True)
    edges = edges[np.asarray(inside) == 0]
    tail = np.concatenate([edges[:, 0], edges[:, 1]]).astype(np.int64)
    head = np.concatenate([edges[:, 1], edges[:, 0]]).astype(np.int64)
    cost = np.linalg.norm(pts[tail] - pts[head], axis=1) * rng.uniform(1.0, 1.5, tail.shape[0])
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < n_pairs:
        o, d = (int(v) for v in rng.integers(0, n_nodes, 2))
        if o != d:
            pairs.add((o, d))
    od = np.array(sorted(pairs), dtype=np.int64)
    demand = rng.uniform(1.0, 100.0, n_pairs)
    free = solve(
        tail,
        head,
        np.full(tail.shape[0], np.inf),
        cost,
        od[:, 0],
        od[:, 1],
        demand,
        n_nodes=n_nodes,
    )
    load = free.flow.sum(axis=0)
    capacity = np.where(load > 0, 0.6 * load, np.inf)
    return Instance(
        f"road{n_nodes}-K{n_pairs}",
        n_nodes,
        tail,
        head,
        capacity,
        cost,
        od[:, 0],
        od[:, 1],
        demand,
    )


def published(name: str) -> Instance:
    """A published instance read from the repository's validation folder."""
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
        inst.demand / DEMAND_DIVISOR.get(name, 1.0),
        None,
        BEST_VALUES[name],
    )


def run(
    inst: Instance,
    label: str,
    method: str,
    *,
    options: dict[str, Any] | None = None,
    time_limit: float | None = None,
    config: _mcf_colgen.ColgenConfig | None = None,
) -> dict[str, Any]:
    """Solve once and return one CSV row (``config`` swaps the column-generation tuning)."""
    saved = _mcf_colgen.CONFIG
    if config is not None:
        _mcf_colgen.CONFIG = config
    try:
        t0 = time.perf_counter()
        c0 = time.process_time()
        r: MultiFlowResult = solve(
            *inst.args(),
            method=method,
            n_nodes=inst.n_nodes,
            highs_options=options,
            time_limit=time_limit,
        )
        wall = time.perf_counter() - t0
        cpu = time.process_time() - c0
    finally:
        _mcf_colgen.CONFIG = saved
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
    stats = dict(r.stats or {})
    return {
        "instance": inst.name,
        "nodes": inst.n_nodes,
        "arcs": int(inst.tail.shape[0]),
        "demand_rows": int(inst.demand.shape[0]),
        "method": label,
        "status": r.status,
        "objective": r.objective,
        "lower_bound": r.lower_bound,
        "relative_gap": r.relative_gap,
        "min_reduced_cost": r.min_reduced_cost,
        "unserved": float(np.nansum(r.unserved)),
        "total_s": wall,
        "cpu_s": cpu,
        "master_s": tm.get("master", tm.get("solve", float("nan"))),
        "shortest_path_s": tm.get("shortest_path", 0.0),
        "iterations": r.iterations,
        "simplex_pivots": stats.get("simplex_pivots", ""),
        "columns": stats.get("columns", ""),
        "capacity_rows": stats.get("capacity_rows", ""),
        "check_flows": "ok" if not problems else f"{len(problems)} problems",
        "rel_diff_vs_lp": float("nan"),
        "rel_diff_vs_best": (
            (r.objective - inst.best) / inst.best if inst.best is not None else float("nan")
        ),
        "ratio": float("nan"),
        "cpu_ratio": float("nan"),
        "load_avg": os.getloadavg()[0],
    }


def compare(instances: list[Instance], lp_time_limit: float) -> list[dict[str, Any]]:
    """Default method against the arc LP; ``ratio`` = LP time / default time."""
    rows: list[dict[str, Any]] = []
    for inst in instances:
        logger.info(
            "%s: %d nodes, %d arcs, %d demand rows",
            inst.name,
            inst.n_nodes,
            inst.tail.shape[0],
            inst.demand.shape[0],
        )
        cg = run(inst, "default", "auto")
        lp = run(inst, "lp", "lp", time_limit=lp_time_limit)
        if lp["status"] == "optimal":
            cg["rel_diff_vs_lp"] = (cg["objective"] - lp["objective"]) / abs(lp["objective"])
            lp["rel_diff_vs_lp"] = 0.0
            cg["ratio"] = lp["total_s"] / cg["total_s"]
        else:  # the LP did not finish: the ratio is at least this
            cg["ratio"] = lp_time_limit / cg["total_s"]
        rows += [cg, lp]
        for b in (cg, lp):
            logger.info(
                "  %-8s %-13s obj %.10g  %.3f s  vs LP %.1e  vs best %.1e",
                b["method"],
                b["status"],
                b["objective"],
                b["total_s"],
                b["rel_diff_vs_lp"],
                b["rel_diff_vs_best"],
            )
    return rows


def ablation(
    instances: list[Instance], names: list[str], repeats: int, reference: str = "legacy"
) -> list[dict[str, Any]]:
    """Column-generation variants, alternated; ``ratio`` = reference median / variant median
    (the reference is ``legacy`` by default, else the first variant if it was not run)."""
    rows: list[dict[str, Any]] = []
    for inst in instances:
        runs: dict[str, list[dict[str, Any]]] = {v: [] for v in names}
        for rep in range(repeats):
            order = names if rep % 2 == 0 else names[::-1]
            for v in order:
                row = run(inst, v, "colgen", config=VARIANTS[v])
                runs[v].append(row)
                logger.info(
                    "%s %-24s %s %.10g %.3f s, %d it, %s pivots",
                    inst.name,
                    v,
                    row["status"],
                    row["objective"],
                    row["total_s"],
                    row["iterations"],
                    row["simplex_pivots"],
                )
        med = {v: statistics.median(r["total_s"] for r in runs[v]) for v in names}
        med_cpu = {v: statistics.median(r["cpu_s"] for r in runs[v]) for v in names}
        ref = med.get(reference, med[names[0]])
        ref_obj = runs[names[0]][0]["objective"]
        for v in names:
            row = dict(runs[v][len(runs[v]) // 2])
            row["total_s"] = med[v]
            row["ratio"] = ref / med[v]
            row["cpu_s"] = med_cpu[v]
            row["cpu_ratio"] = med_cpu.get(reference, med_cpu[names[0]]) / med_cpu[v]
            row["rel_diff_vs_lp"] = (row["objective"] - ref_obj) / abs(ref_obj)
            rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--mode", choices=["compare", "ablation"], default="compare")
    ap.add_argument(
        "--sizes",
        default="200:50,500:100,1000:200",
        help="road-like sizes N:K, comma-separated ('' for none)",
    )
    ap.add_argument(
        "--published",
        default="",
        help="published instances, comma-separated, or 'all' (default none)",
    )
    ap.add_argument("--variants", default=",".join(VARIANTS), help="ablation variants")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--reference", default="legacy", help="ablation: variant the ratios divide")
    ap.add_argument("--lp-time-limit", type=float, default=300.0, help="seconds per LP run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    instances: list[Instance] = []
    if args.published:
        names = list(BEST_VALUES) if args.published == "all" else args.published.split(",")
        instances += [published(n) for n in names]
    for size in filter(None, args.sizes.split(",")):
        n, k = (int(v) for v in size.split(":"))
        instances.append(road_like(n, k, args.seed))
    if args.mode == "compare":
        rows = compare(instances, args.lp_time_limit)
    else:
        rows = ablation(instances, args.variants.split(","), args.repeats, args.reference)
    out = args.out or RESULTS / f"multicommodity_{args.mode}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    logger.info("")
    logger.info(
        "%-18s %-24s %-13s %16s %9s %9s %8s %6s %8s %7s",
        "instance",
        "method",
        "status",
        "objective",
        "vs ref",
        "vs best",
        "total s",
        "iter",
        "pivots",
        "ratio",
    )
    for b in rows:
        logger.info(
            "%-18s %-24s %-13s %16.10g %9.1e %9.1e %8.3f %6d %8s %7.2f",
            b["instance"],
            b["method"],
            b["status"],
            b["objective"],
            b["rel_diff_vs_lp"],
            b["rel_diff_vs_best"],
            b["total_s"],
            b["iterations"],
            b["simplex_pivots"],
            b["ratio"],
        )
    logger.info("written %s (load average %.1f)", out, os.getloadavg()[0])


if __name__ == "__main__":
    main()
