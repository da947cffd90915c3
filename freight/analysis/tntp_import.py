"""`freight import-tntp`: a TNTP network and trip table as tidy CSVs, optionally assigned.

Writes ``links.csv`` (one row per link: 1-based node ids as in the file, capacity, length,
free-flow time, BPR b and power, toll, link type), ``trips.csv`` (origin, destination, flow; zero
and intrazonal entries left out, as in assignment) and, with ``assign``, ``link_flows.csv``
(flow and time at equilibrium) and ``convergence.csv`` (relative gap per iteration), with a
``manifest.json``. Units are those of the data set (see its README).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from freight.errors import DataError, Problem
from freight.results.folder import check_output_folder
from freight.results.tables import Table, input_hashes, versions, write_result_folder


def import_tntp(
    net_file: str | Path,
    trips_file: str | Path,
    out: str | Path,
    *,
    assign: str | None = None,
    gap: float = 1e-4,
    max_iter: int = 1000,
    algorithm: str | None = None,
) -> tuple[dict[str, Table], dict[str, Any]]:
    """Read, optionally assign, and write a TNTP case (see the module docstring)."""
    check_output_folder(out, inputs=(net_file, trips_file))
    from solvers.formats.tntp import TntpFormatError, assignment_arguments, read_net, read_trips

    for f in (net_file, trips_file):
        if not Path(f).is_file():
            raise DataError([Problem(str(f), None, "", "file not found")])
    try:
        net = read_net(net_file)
        trips = read_trips(trips_file)
        args = assignment_arguments(net, trips)
    except TntpFormatError as exc:
        raise DataError([Problem(str(net_file), None, "", str(exc))]) from None
    bad = [
        Problem(
            str(net_file),
            None,
            f"link {i + 1} ({int(net.tail[i]) + 1}->{int(net.head[i]) + 1}).capacity",
            f"capacity {float(net.capacity[i])!r} must be positive for a link with BPR b > 0 "
            "(the volume-delay function divides by it)",
        )
        for i in range(net.n_links)
        if not (net.capacity[i] > 0) and net.alpha[i] > 0
    ]
    bad += [
        Problem(str(net_file), None, f"link {i + 1}.capacity", f"capacity {float(c)!r} is negative")
        for i, c in enumerate(net.capacity)
        if c < 0 and not net.alpha[i] > 0
    ]
    if bad:
        raise DataError(bad)
    links: Table = [
        {
            "link": i + 1,
            "init_node": int(net.tail[i]) + 1,
            "term_node": int(net.head[i]) + 1,
            "capacity": float(net.capacity[i]),
            "length": float(net.length[i]),
            "free_flow_time": float(net.free_flow_time[i]),
            "b": float(net.alpha[i]),
            "power": float(net.beta[i]),
            "toll": float(net.toll[i]),
            "link_type": int(net.link_type[i]),
        }
        for i in range(net.n_links)
    ]
    keep = trips.origin != trips.destination
    trip_rows: Table = [
        {"origin": int(o) + 1, "destination": int(d) + 1, "flow": float(q)}
        for o, d, q in zip(
            trips.origin[keep], trips.destination[keep], trips.demand[keep], strict=True
        )
    ]
    tables: dict[str, Table] = {"links.csv": links, "trips.csv": trip_rows}
    manifest: dict[str, Any] = {
        "command": "import-tntp",
        "inputs": input_hashes([net_file, trips_file]),
        "zones": net.n_zones,
        "nodes": net.n_nodes,
        "links": net.n_links,
        "first_thru_node": net.first_thru_node,
        "total_flow": float(trips.demand[keep].sum()),
        "versions": versions(),
    }
    if assign:
        from solvers import assignment

        t0 = time.perf_counter()
        res = assignment.solve(
            objective=assign, gap=gap, max_iter=max_iter, algorithm=algorithm, **args
        )
        manifest["assignment"] = {
            "objective": assign,
            "algorithm": res.algorithm,
            "status": res.status,
            "relative_gap": float(res.relative_gap),
            "iterations": int(res.iterations),
            "objective_value": float(res.objective),
            "timings_s": {"solve": time.perf_counter() - t0},
        }
        tables["link_flows.csv"] = [
            {
                **{k: r[k] for k in ("link", "init_node", "term_node")},
                "flow": float(x),
                "time": float(t),
            }
            for r, x, t in zip(links, np.asarray(res.flow), np.asarray(res.time), strict=True)
        ]
        tables["convergence.csv"] = [
            {"iteration": i + 1, "relative_gap": float(g)}
            for i, g in enumerate(np.asarray(res.history))
        ]
    write_result_folder(out, tables, dict(manifest), inputs=(net_file, trips_file))
    return tables, manifest
