"""Benchmark solvers.assignment (bi-conjugate Frank–Wolfe) against AequilibraE's BFW.

Networks:

- ``SiouxFalls`` — the TNTP network (24 zones, 24 nodes, 76 links), read from
  ``tests/data/validation/tntp``.
- ``ChicagoSketch`` — the TNTP Chicago-Sketch network (387 zones, 933 nodes, 2,950 links,
  1,260,907 trips; link time only, as AequilibraE assigns it), shipped xz-compressed in
  ``benchmarks/data/tntp/ChicagoSketch`` (source and terms in its README). AequilibraE refuses
  links with zero free-flow time (its 774 zone connectors): it gets ``AEQ_FFT_FLOOR`` there.
- ``grid`` — a generated road network: a jittered ``nx × ny`` grid of two-way links (every 4th
  row and column an arterial: faster and wider) plus random diagonals, BPR(0.15, 4) on every
  link, and ``zones`` centroids, each joined to a distinct grid node by a pair of connectors
  (centroids may not be passed through). Demand is a gravity model,
  ``T_ij ∝ P_i A_j exp(-d_ij / 8 km)``, 320,000 trips for the defaults: a congested peak
  (at UE the average trip takes 1.19 times its free-flow time, the busiest link carries 1.9
  times its capacity). Defaults: 32 × 32 grid, 128 zones → 1,152 nodes, 4,416 links.

For each network and target gap both solvers run in the same process, alternately, ``--repeat``
times (default 3): freight, AequilibraE, freight, AequilibraE, …; the CSV holds the median time
of each and every single time, and the 1-minute load average when the measurement started.
Timed: ``solvers.assignment.solve`` end to end (input checks and graph building included) and
AequilibraE's ``TrafficAssignment.execute()`` (graph and matrix preparation excluded).

Same gap definition. Both report ``(TSTT - SPTT) / TSTT``, but AequilibraE evaluates it with
the flows *after* the step of its iteration and the costs and shortest paths from *before*
it — the gap of no single flow vector, a little above or below that of its returned flows
(both seen here). So the script recomputes the gap of
AequilibraE's returned flows the way freight defines it (costs at those flows, an
all-or-nothing assignment at those costs); when it is above the target, AequilibraE is rerun
with a tighter internal target (÷ 2 each time, at most 3 times) until its returned flows meet
the target (found on the first repetition, reused by the others), and the time of that run is
its time to the target. Both times (own definition and same definition) are written.
Ratio = median freight time / median AequilibraE time (``ratio_same_def``: AequilibraE's time
to the same gap of its returned flows; ``ratio_own_def``: to its own reported gap); below 1
means freight is faster.

AequilibraE is an optional, benchmark-only dependency (``pip install -e '.[bench]'``); without
it the script runs freight alone and says so.

Usage::

    .venv/bin/python benchmarks/perf/bench_assignment.py               # all networks
    .venv/bin/python benchmarks/perf/bench_assignment.py --networks ChicagoSketch --gaps 1e-4,1e-5
    .venv/bin/python benchmarks/perf/bench_assignment.py --quick       # small grid, 1e-4 only
"""

from __future__ import annotations

import argparse
import csv
import logging
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from solvers.assignment import all_or_nothing, solve  # noqa: E402
from solvers.formats import tntp  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "assignment.csv"
VALIDATION = ROOT / "tests" / "data" / "validation" / "tntp"
TNTP_DATA = ROOT / "benchmarks" / "data" / "tntp"
#: AequilibraE refuses links with zero free-flow time (Chicago-Sketch's 774 zone connectors):
#: it gets this floor instead (network time units; 1e-6 min per connector against trips of tens
#: of minutes moves no relative gap at 1e-5). Gaps and objectives are recomputed on the data.
AEQ_FFT_FLOOR = 1e-6
FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Network:
    """An assignment instance (0-based nodes; zones are nodes ``0..n_zones-1``)."""

    name: str
    n_nodes: int
    n_zones: int
    tail: IntArray
    head: IntArray
    fft: FloatArray
    capacity: FloatArray
    alpha: FloatArray
    beta: FloatArray
    origin: IntArray
    destination: IntArray
    demand: FloatArray
    block_zones: bool

    def kwargs(self) -> dict[str, Any]:
        """Arguments of ``solvers.assignment.solve``."""
        no_through = np.zeros(self.n_nodes, dtype=bool)
        no_through[: self.n_zones] = self.block_zones
        return {
            "tail": self.tail,
            "head": self.head,
            "free_flow_time": self.fft,
            "capacity": self.capacity,
            "alpha": self.alpha,
            "beta": self.beta,
            "origin": self.origin,
            "destination": self.destination,
            "demand": self.demand,
            "no_through": no_through if self.block_zones else None,
            "n_nodes": self.n_nodes,
        }


def sioux_falls() -> Network:
    """The TNTP SiouxFalls network and trips."""
    net = tntp.read_net(VALIDATION / "SiouxFalls" / "SiouxFalls_net.tntp")
    trips = tntp.read_trips(VALIDATION / "SiouxFalls" / "SiouxFalls_trips.tntp")
    return Network(
        "SiouxFalls", net.n_nodes, net.n_zones, net.tail, net.head, net.free_flow_time,
        net.capacity, net.alpha, net.beta, trips.origin, trips.destination, trips.demand,
        bool(net.no_through.any()),
    )  # fmt: skip


def chicago_sketch() -> Network:
    """The TNTP Chicago-Sketch network and trips (link time only, zones may be passed through)."""
    d = TNTP_DATA / "ChicagoSketch"
    net = tntp.read_net(d / "ChicagoSketch_net.tntp.xz")
    trips = tntp.read_trips(d / "ChicagoSketch_trips.tntp.xz")
    return Network(
        "ChicagoSketch", net.n_nodes, net.n_zones, net.tail, net.head, net.free_flow_time,
        net.capacity, net.alpha, net.beta, trips.origin, trips.destination, trips.demand,
        bool(net.no_through.any()),
    )  # fmt: skip


def generated_grid(nx: int = 32, ny: int = 32, n_zones: int = 128, seed: int = 7) -> Network:
    """A congested jittered grid with centroid connectors and gravity demand (see docstring)."""
    rng = np.random.default_rng(seed)
    n_grid = nx * ny
    xy = np.stack(np.meshgrid(np.arange(nx, dtype=float), np.arange(ny, dtype=float)), -1)
    xy = xy.reshape(-1, 2) + rng.uniform(-0.3, 0.3, (n_grid, 2))  # km
    idx = np.arange(n_grid).reshape(ny, nx)
    a = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    b = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    arterial = np.concatenate(
        [np.repeat(np.arange(ny) % 4 == 0, nx - 1), np.tile(np.arange(nx) % 4 == 0, ny - 1)]
    )
    # random diagonals in 10 % of the cells
    cells = idx[:-1, :-1].ravel()
    diag = rng.choice(cells, size=cells.size // 10, replace=False)
    a = np.concatenate([a, diag])
    b = np.concatenate([b, diag + nx + 1])
    arterial = np.concatenate([arterial, np.zeros(diag.size, dtype=bool)])
    tail_g = np.concatenate([a, b])
    head_g = np.concatenate([b, a])
    art = np.concatenate([arterial, arterial])
    length = np.linalg.norm(xy[tail_g] - xy[head_g], axis=1)
    speed = np.where(art, 60.0, rng.uniform(30.0, 45.0, tail_g.size))  # km/h
    fft_g = length / speed * 60.0  # minutes
    cap_g = np.where(art, 3600.0, rng.choice([900.0, 1200.0, 1800.0], tail_g.size))  # veh/h
    # zones 0..n_zones-1, grid nodes shifted by n_zones
    attach = rng.choice(n_grid, size=n_zones, replace=False)
    zones = np.arange(n_zones)
    tail = np.concatenate([zones, attach + n_zones, tail_g + n_zones])
    head = np.concatenate([attach + n_zones, zones, head_g + n_zones])
    n_conn = 2 * n_zones
    fft = np.concatenate([np.full(n_conn, 0.5), fft_g])
    cap = np.concatenate([np.full(n_conn, 99999.0), cap_g])
    # gravity demand between zones
    zxy = xy[attach]
    dist = np.linalg.norm(zxy[:, None, :] - zxy[None, :, :], axis=2)
    prod = rng.uniform(0.5, 1.5, n_zones)
    attr = rng.uniform(0.5, 1.5, n_zones)
    w = prod[:, None] * attr[None, :] * np.exp(-dist / 8.0)
    np.fill_diagonal(w, 0.0)
    total = 2500.0 * n_zones * (n_grid / 1024.0) ** 0.5  # veh/h
    od = np.round(w / w.sum() * total, 2)
    o, d = np.nonzero(od)
    m = tail.size
    return Network(
        f"grid{nx}x{ny}z{n_zones}", n_zones + n_grid, n_zones, tail.astype(np.int64),
        head.astype(np.int64), fft, cap, np.full(m, 0.15), np.full(m, 4.0), o.astype(np.int64),
        d.astype(np.int64), od[o, d], True,
    )  # fmt: skip


def true_gap(net: Network, flow: FloatArray) -> tuple[float, float]:
    """freight's relative gap and Beckmann objective of the link flows ``flow``."""
    r = flow / net.capacity
    t = net.fft * (1.0 + net.alpha * r**net.beta)
    kw = net.kwargs()
    y = all_or_nothing(
        net.tail, net.head, t, net.origin, net.destination, net.demand,
        n_nodes=net.n_nodes, no_through=kw["no_through"],
    )  # fmt: skip
    tstt = float(t @ flow)
    gap = (tstt - float(t @ y)) / tstt
    beck = float(np.sum(net.fft * flow * (1.0 + net.alpha * r**net.beta / (net.beta + 1.0))))
    return gap, beck


def run_freight(net: Network, target: float, max_iter: int) -> dict[str, Any]:
    """Solve with freight's default (BFW)."""
    t0 = time.perf_counter()
    res = solve(**net.kwargs(), gap=target, max_iter=max_iter)
    wall = time.perf_counter() - t0
    gap, beck = true_gap(net, res.flow)
    return {
        "time_s": wall,
        "time_same_def_s": wall,
        "iterations": res.iterations,
        "reported_gap": res.relative_gap,
        "true_gap": gap,
        "objective": beck,
    }


class Aequilibrae:
    """AequilibraE's BFW on a :class:`Network` (graph and matrix built once)."""

    def __init__(self, net: Network, cores: int) -> None:
        os.environ.setdefault("AEQ_SHOW_PROGRESS", "FALSE")
        import pandas as pd
        from aequilibrae.matrix import AequilibraeMatrix
        from aequilibrae.paths import Graph

        self.net = net
        self.cores = cores
        m = net.tail.size
        frame = pd.DataFrame(
            {
                "link_id": np.arange(1, m + 1, dtype=np.int64),
                "a_node": net.tail + 1,
                "b_node": net.head + 1,
                "direction": np.ones(m, dtype=np.int8),
                "free_flow_time": np.maximum(net.fft, AEQ_FFT_FLOOR),
                "capacity": net.capacity,
                "alpha": net.alpha,
                "beta": net.beta,
            }
        )
        graph = Graph()
        graph.network = frame
        graph.prepare_graph(np.arange(1, net.n_zones + 1, dtype=np.int64))
        graph.set_graph("free_flow_time")
        graph.set_skimming(["free_flow_time"])
        graph.set_blocked_centroid_flows(net.block_zones)
        mat = AequilibraeMatrix()
        mat.create_empty(zones=net.n_zones, matrix_names=["demand"], memory_only=True)
        mat.index[:] = np.arange(1, net.n_zones + 1)
        od = np.zeros((net.n_zones, net.n_zones))
        np.add.at(od, (net.origin, net.destination), net.demand)
        mat.matrices[:, :, 0] = od
        mat.computational_view(["demand"])
        self.graph = graph
        self.matrix = mat

    def run(self, target: float, max_iter: int) -> tuple[float, int, float, FloatArray]:
        """Time of ``execute()``, iterations, own final gap, link flows."""
        from aequilibrae.paths import TrafficAssignment, TrafficClass

        tc = TrafficClass("car", self.graph, self.matrix)
        assig = TrafficAssignment()
        assig.set_classes([tc])
        assig.set_vdf("BPR")
        assig.set_vdf_parameters({"alpha": "alpha", "beta": "beta"})
        assig.set_capacity_field("capacity")
        assig.set_time_field("free_flow_time")
        assig.set_algorithm("bfw")
        assig.set_cores(self.cores)
        assig.max_iter = max_iter
        assig.rgap_target = target
        t0 = time.perf_counter()
        assig.execute()
        wall = time.perf_counter() - t0
        report = assig.report()
        res = assig.results()
        flow = np.zeros(self.net.tail.size)
        ids = res.index.to_numpy(dtype=np.int64) - 1
        flow[ids] = np.nan_to_num(res["demand_ab"].to_numpy(dtype=float))
        return wall, int(report.shape[0]), float(report["rgap"].iloc[-1]), flow

    def timed(self, target: float, max_iter: int) -> dict[str, Any]:
        """One run to its own gap ``target``, with the gap of its flows recomputed."""
        wall, iters, own_gap, flow = self.run(target, max_iter)
        gap, beck = true_gap(self.net, flow)
        return {
            "time_s": wall,
            "iterations": iters,
            "reported_gap": own_gap,
            "true_gap": gap,
            "objective": beck,
        }

    def solve_to(
        self, target: float, max_iter: int
    ) -> tuple[float, dict[str, Any], dict[str, Any]]:
        """Run to ``target`` by its own gap, then tighten until the returned flows meet it.

        Returns the internal target found, the run to the own gap and the same-definition run
        (the same dict when no tightening was needed).
        """
        own = self.timed(target, max_iter)
        same, internal = own, target
        while same["true_gap"] > target and internal > target / 8 and same["iterations"] < max_iter:
            internal /= 2
            same = self.timed(internal, max_iter)
        return internal, own, same


def aequilibrae_available() -> str | None:
    """``None`` if AequilibraE imports, else the reason it cannot be used."""
    os.environ.setdefault("AEQ_SHOW_PROGRESS", "FALSE")
    try:
        import aequilibrae.paths  # noqa: F401
    except Exception as exc:  # any import failure means: skip it, and say why
        return f"{type(exc).__name__}: {exc}"
    return None


FIELDS = [
    "network", "nodes", "links", "zones", "solver", "target_gap", "time_s", "time_same_def_s",
    "iterations", "reported_gap", "true_gap", "objective", "ratio_same_def", "ratio_own_def",
    "repeats", "times_s", "times_same_def_s", "load_1min", "note",
]  # fmt: skip


def measure(
    net: Network, aeq: Aequilibrae | None, target: float, max_iter: int, repeat: int
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Alternate freight and AequilibraE ``repeat`` times to ``target``; median times."""
    load = os.getloadavg()[0]
    f_runs: list[dict[str, Any]] = []
    own_runs: list[dict[str, Any]] = []
    same_runs: list[dict[str, Any]] = []
    internal = target
    for rep in range(repeat):
        f_runs.append(run_freight(net, target, max_iter))
        if aeq is None:
            continue
        if rep == 0:
            internal, own, same = aeq.solve_to(target, max_iter)
        else:
            own = aeq.timed(target, max_iter)
            same = own if internal == target else aeq.timed(internal, max_iter)
        own_runs.append(own)
        same_runs.append(same)
    f_times = [r["time_s"] for r in f_runs]
    fr = {**f_runs[-1], "time_s": float(np.median(f_times))}
    fr.update(
        time_same_def_s=fr["time_s"], repeats=repeat, times_s=_times(f_times),
        times_same_def_s=_times(f_times), load_1min=load,
    )  # fmt: skip
    if aeq is None:
        return fr, None
    own_t = [r["time_s"] for r in own_runs]
    same_t = [r["time_s"] if r["true_gap"] <= target else np.nan for r in same_runs]
    last = same_runs[-1]
    ae = {k: last[k] for k in ("true_gap", "objective")}
    ae.update(
        time_s=float(np.median(own_t)), time_same_def_s=float(np.median(same_t)),
        iterations=own_runs[-1]["iterations"], reported_gap=own_runs[-1]["reported_gap"],
        repeats=repeat, times_s=_times(own_t), times_same_def_s=_times(same_t),
        load_1min=load,
        note=(
            f"own gap {own_runs[-1]['reported_gap']:.2e} at target {target:.0e}; same "
            f"definition at internal target {internal:.2e}: {last['iterations']} iterations, "
            f"true gap {last['true_gap']:.2e}"
        ),
    )  # fmt: skip
    fr["ratio_same_def"] = fr["time_s"] / ae["time_same_def_s"]
    fr["ratio_own_def"] = fr["time_s"] / ae["time_s"]
    return fr, ae


def _times(values: list[float]) -> str:
    return ";".join(f"{v:.3f}" for v in values)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, write the CSV and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gaps", default="1e-4,1e-5", help="target relative gaps, comma-separated")
    ap.add_argument("--grid", default="32x32", help="generated grid size NXxNY")
    ap.add_argument("--zones", type=int, default=128, help="zones of the generated network")
    ap.add_argument(
        "--networks", default="SiouxFalls,ChicagoSketch,grid", help="which networks to run"
    )
    ap.add_argument("--repeat", type=int, default=3, help="alternated runs of each solver")
    ap.add_argument("--max-iter", type=int, default=20000, help="iteration limit of each run")
    ap.add_argument("--aeq-cores", type=int, default=0, help="AequilibraE threads (0 = all)")
    ap.add_argument("--no-aequilibrae", action="store_true", help="run freight only")
    ap.add_argument("--quick", action="store_true", help="16x16 grid, 32 zones, gap 1e-4")
    ap.add_argument("--out", type=Path, default=RESULTS, help="CSV to write")
    args = ap.parse_args(argv)
    gaps = [float(g) for g in args.gaps.split(",")]
    nx, ny = (int(v) for v in args.grid.lower().split("x"))
    zones = args.zones
    if args.quick:
        gaps, nx, ny, zones = [1e-4], 16, 16, 32
        args.repeat = 1
    networks: list[Network] = []
    for name in args.networks.split(","):
        if name == "SiouxFalls":
            networks.append(sioux_falls())
        elif name == "ChicagoSketch":
            networks.append(chicago_sketch())
        elif name == "grid":
            networks.append(generated_grid(nx, ny, zones))
        else:
            ap.error(f"unknown network {name!r}")
    reason = "disabled by --no-aequilibrae" if args.no_aequilibrae else aequilibrae_available()
    logging.getLogger("aequilibrae").setLevel(logging.CRITICAL)  # its per-run log lines
    if reason is not None:
        print(f"AequilibraE skipped: {reason}")
    rows: list[dict[str, Any]] = []
    for net in networks:
        aeq = None if reason is not None else Aequilibrae(net, args.aeq_cores)
        # warm-up (imports, caches) — not timed, its non-convergence expected
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            solve(**net.kwargs(), gap=1e-2, max_iter=5)
            if aeq is not None:
                aeq.run(1e-2, 5)
        base = {"network": net.name, "nodes": net.n_nodes, "links": net.tail.size}
        base["zones"] = net.n_zones
        for target in gaps:
            fr, ae = measure(net, aeq, target, args.max_iter, args.repeat)
            done = f"{net.name} {target:.0e}: freight {fr['times_s']} s"
            if ae is not None:
                done += (
                    f", AequilibraE {ae['times_same_def_s']} s, ratio {fr['ratio_same_def']:.2f}"
                )
            print(done, flush=True)
            rows.append({**base, "solver": "freight-bfw", "target_gap": target, **fr})
            if ae is None:
                rows[-1]["note"] = f"AequilibraE skipped: {reason}"
            else:
                rows.append({**base, "solver": "aequilibrae-bfw", "target_gap": target, **ae})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _fmt(row.get(k, "")) for k in FIELDS})
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cpus")
    head = (
        f"{'network':<16} {'solver':<16} {'target':>7} {'time s':>8} {'same-def s':>10} "
        f"{'iters':>6} {'true gap':>9} {'objective':>16} {'ratio':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio = r.get("ratio_same_def", "")
        print(
            f"{r['network']:<16} {r['solver']:<16} {r['target_gap']:>7.0e} {r['time_s']:>8.3f} "
            f"{r['time_same_def_s']:>10.3f} {r['iterations']:>6d} {r['true_gap']:>9.2e} "
            f"{r['objective']:>16.6f} {(f'{ratio:.2f}' if ratio != '' else ''):>6}"
        )
    print(f"wrote {args.out}")
    return 0


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        return f"{v:.10g}"
    return v


if __name__ == "__main__":
    raise SystemExit(main())
