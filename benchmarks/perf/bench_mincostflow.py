"""Benchmark solvers.mincostflow against networkx.network_simplex on NETGEN-like networks.

Each size is a random network built the way NETGEN builds the published NETGEN-8 family
(tests/data/validation/mincostflow): ``n_arcs / 8`` nodes, ``n / 16`` pure sources and as many
pure sinks, 1000 units of supply per source on average, a capacitated maximum-cost skeleton of
source chains that makes the problem feasible, and random arcs with integer costs 1..10000 and
capacities 1..1000 (see :func:`netgen_like`). Arcs are unique, so NetworkX uses a plain
``DiGraph``.

Timed, per size: freight's ``build`` (checks, scaling, arrays into OR-Tools), ``solve``
(OR-Tools) and ``extract`` (flows, objective) wall times from ``FlowResult.timings`` (best of
``--repeat`` runs), the CPU time of the whole ``solve`` call, and ``networkx.network_simplex``
(wall and CPU; building the NetworkX graph is timed separately and not counted) up to
``--nx-max-arcs``. The speedup is reported on wall time and on CPU time; both programs are
single-threaded, and CPU time is the fairer measure on a shared machine. Writes
``benchmarks/perf/results/mincostflow.csv`` and prints a table.

Usage::

    .venv/bin/python benchmarks/perf/bench_mincostflow.py --sizes 1e3,1e4,1e5,1e6
"""

from __future__ import annotations

import argparse
import csv
import platform
import sys
import time
from pathlib import Path

import networkx as nx
import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from solvers.check import check_single  # noqa: E402
from solvers.mincostflow import solve  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "mincostflow.csv"
MAX_COST = 10_000
MAX_CAP = 1_000

Problem = tuple[
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.float64],
    NDArray[np.float64],
    NDArray[np.float64],
]


def _split(rng: np.random.Generator, total: int, parts: int) -> NDArray[np.float64]:
    """``total`` split into ``parts`` random positive integers."""
    cuts = np.sort(rng.choice(np.arange(1, total), parts - 1, replace=False))
    return np.diff(np.concatenate([[0], cuts, [total]])).astype(np.float64)


def netgen_like(n_arcs: int, seed: int) -> Problem:
    """A feasible NETGEN-8-like network with ``n_arcs`` unique arcs (see the module docstring).

    Nodes ``0..k-1`` are pure sources, the last ``k`` pure sinks (no arc enters a source or
    leaves a sink), the rest transshipment nodes, ``k = n / 16``. Skeleton: every transshipment
    node joins the chain of a random source (arcs source -> t1 -> t2 -> ...); each source then
    reaches two distinct sinks from random nodes of its chain and its supply is split between
    them, which sets the sinks' demands. Skeleton arcs cost ``MAX_COST`` and have the source's
    supply as capacity, so the problem is feasible. The other arcs are random, unique, with
    integer cost ``1..MAX_COST`` and capacity ``1..MAX_CAP``.
    """
    rng = np.random.default_rng(seed)
    n = max(64, n_arcs // 8)
    k = n // 16
    src = np.arange(k)
    supply = np.zeros(n)
    supply[src] = _split(rng, 1000 * k, k)
    # chains
    trans = np.arange(k, n - k)
    owner = rng.integers(0, k, trans.size)
    order = np.argsort(owner, kind="stable")
    trans_s, owner_s = trans[order], owner[order]
    first = np.r_[True, owner_s[1:] != owner_s[:-1]]
    prev = np.r_[-1, trans_s[:-1]]
    prev[first] = owner_s[first]  # the chain's source (source ids are 0..k-1)
    # two distinct sinks per source, reached from a random node of its chain
    starts = np.searchsorted(owner_s, src)
    length = np.searchsorted(owner_s, src, side="right") - starts + 1  # with the source
    from_src = np.repeat(src, 2)
    pick = rng.integers(0, np.repeat(length, 2))
    idx = np.clip(np.repeat(starts, 2) + pick - 1, 0, max(trans_s.size - 1, 0))
    s_from = np.where(pick == 0, from_src, trans_s[idx])
    a = rng.integers(0, k, k)
    b = (a + rng.integers(1, k, k)) % k
    s_snk = (n - k) + np.column_stack([a, b]).ravel()
    share1 = np.floor(supply[src] * rng.uniform(0.2, 0.8, k))
    share = np.column_stack([share1, supply[src] - share1]).ravel()
    np.subtract.at(supply, s_snk, share)
    sk_t = np.concatenate([prev, s_from])
    sk_h = np.concatenate([trans_s, s_snk])
    sk_cap = np.concatenate([supply[owner_s], supply[from_src]])
    # random arcs: tails not sinks, heads not sources, no self-loops, no duplicates
    n_rand = max(0, n_arcs - sk_t.size)
    rt = rng.integers(0, n - k, int(n_rand * 1.15) + 16)
    rh = rng.integers(k, n, rt.size)
    keep = rt != rh
    rt, rh = rt[keep], rh[keep]
    key = rt * n + rh
    _, fi = np.unique(key, return_index=True)
    fi = np.sort(fi)
    fi = fi[~np.isin(key[fi], sk_t * n + sk_h)][:n_rand]
    rt, rh = rt[fi], rh[fi]
    tail = np.concatenate([sk_t, rt]).astype(np.int64)
    head = np.concatenate([sk_h, rh]).astype(np.int64)
    cost = np.concatenate([np.full(sk_t.size, MAX_COST), rng.integers(1, MAX_COST + 1, rt.size)])
    cap = np.concatenate([sk_cap, rng.integers(1, MAX_CAP + 1, rt.size)])
    return tail, head, cap.astype(np.float64), cost.astype(np.float64), supply


def time_freight(problem: Problem, repeat: int) -> dict[str, float]:
    """Best-of-``repeat`` freight timings (wall per phase, CPU of the call) and the objective."""
    tail, head, cap, cost, supply = problem
    best: dict[str, float] | None = None
    for _ in range(repeat):
        c0 = time.process_time()
        res = solve(tail, head, cap, cost, supply)
        cpu = time.process_time() - c0
        if res.status != "optimal":
            raise RuntimeError(f"freight status {res.status}: {res.message}")
        row = {**res.timings, "cpu_s": cpu, "objective": res.objective}
        if best is None or cpu < best["cpu_s"]:
            best = row
        problems = check_single(tail, head, cap, res.flow, supply)
        if problems:
            raise RuntimeError(f"invalid flow: {problems[:3]}")
    assert best is not None
    return best


def time_networkx(problem: Problem) -> dict[str, float]:
    """NetworkX graph construction (wall), network_simplex wall and CPU seconds, objective."""
    tail, head, cap, cost, supply = problem
    t0 = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from((v, {"demand": -float(d)}) for v, d in enumerate(supply))
    g.add_edges_from(
        (int(u), int(v), {"weight": int(w), "capacity": int(c)})
        if np.isfinite(c)
        else (int(u), int(v), {"weight": int(w)})
        for u, v, c, w in zip(tail, head, cap, cost, strict=True)
    )
    t1 = time.perf_counter()
    c1 = time.process_time()
    value, _ = nx.network_simplex(g)
    c2 = time.process_time()
    t2 = time.perf_counter()
    return {"build_s": t1 - t0, "wall_s": t2 - t1, "cpu_s": c2 - c1, "objective": float(value)}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; see the module docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="1e3,1e4,1e5,1e6", help="arc counts, comma-separated")
    parser.add_argument("--nx-max-arcs", type=float, default=1e5, help="largest size for NetworkX")
    parser.add_argument("--repeat", type=int, default=3, help="freight runs per size (best kept)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]

    rows: list[dict[str, object]] = []
    header = (
        f"{'arcs':>8} {'nodes':>7} {'build s':>8} {'solve s':>8} {'extr s':>7} {'(b+e)/s':>8} "
        f"{'cpu s':>8} | {'nx s':>8} {'nx cpu s':>8} {'x wall':>7} {'x cpu':>7} {'same':>5}"
    )
    print(header)
    print("-" * len(header))
    for size in sizes:
        problem = netgen_like(size, args.seed + size)
        f = time_freight(problem, args.repeat)
        wall = f["build_s"] + f["solve_s"] + f["extract_s"]
        overhead = (f["build_s"] + f["extract_s"]) / f["solve_s"]
        row: dict[str, object] = {
            "size": size,
            "n_arcs": problem[0].size,
            "n_nodes": problem[4].size,
            "build_s": round(f["build_s"], 6),
            "solve_s": round(f["solve_s"], 6),
            "extract_s": round(f["extract_s"], 6),
            "wall_s": round(wall, 6),
            "cpu_s": round(f["cpu_s"], 6),
            "build_extract_over_solve": round(overhead, 4),
            "objective": f["objective"],
            "nx_build_s": "",
            "nx_wall_s": "",
            "nx_cpu_s": "",
            "speedup_wall": "",
            "speedup_cpu": "",
            "nx_objective": "",
            "same_optimum": "",
        }
        nx_text = f"{'-':>8} {'-':>8} {'-':>7} {'-':>7} {'-':>5}"
        if size <= args.nx_max_arcs:
            r = time_networkx(problem)
            same = r["objective"] == f["objective"]
            row.update(
                nx_build_s=round(r["build_s"], 6),
                nx_wall_s=round(r["wall_s"], 6),
                nx_cpu_s=round(r["cpu_s"], 6),
                speedup_wall=round(r["wall_s"] / wall, 2),
                speedup_cpu=round(r["cpu_s"] / f["cpu_s"], 2),
                nx_objective=r["objective"],
                same_optimum=same,
            )
            nx_text = (
                f"{r['wall_s']:8.3f} {r['cpu_s']:8.3f} {r['wall_s'] / wall:6.1f}x "
                f"{r['cpu_s'] / f['cpu_s']:6.1f}x {str(same):>5}"
            )
        rows.append(row)
        print(
            f"{problem[0].size:8d} {problem[4].size:7d} {f['build_s']:8.4f} {f['solve_s']:8.3f} "
            f"{f['extract_s']:7.4f} {100 * overhead:7.1f}% {f['cpu_s']:8.3f} | {nx_text}",
            flush=True,
        )

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"\nwrote {args.out} (Python {platform.python_version()}, {platform.machine()})")

    for row in rows:
        if row["size"] == 100_000 and row["nx_cpu_s"] != "":
            ok = bool(row["same_optimum"]) and float(str(row["speedup_cpu"])) >= 50
            print(
                f"target, 1e5 arcs: same optimum and >= 50x network_simplex: "
                f"{'PASS' if ok else 'FAIL'} (same={row['same_optimum']}, "
                f"{row['speedup_cpu']}x CPU, {row['speedup_wall']}x wall)"
            )
        if row["size"] == 1_000_000:
            ratio = float(str(row["build_extract_over_solve"]))
            print(
                f"target, 1e6 arcs: build + extract <= 20 % of solve: "
                f"{'PASS' if ratio <= 0.2 else 'FAIL'} ({100 * ratio:.1f} %)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
