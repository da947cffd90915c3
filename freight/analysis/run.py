"""`freight run`: load a case (a data folder or a scenario), solve, write the result folder.

The one function :func:`run_to_folder` is what the command line calls; it reports progress
through an optional callback (the CLI draws a progress display; the library never prints).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from freight.model.linear import ModelRun
from freight.model.methods import DEFAULT_METHOD, Method, solve
from freight.results.folder import check_output_folder
from freight.results.tables import input_hashes, run_tables, versions, write_result_folder
from freight.scenario.case import load_case

Progress = Callable[[str], None]


def _noop(_: str) -> None:
    return None


def run_to_folder(
    path: str | Path,
    out: str | Path,
    *,
    method: Method | None = None,
    progress: Progress | None = None,
) -> tuple[ModelRun, Path]:
    """Solve a network or scenario and write its result folder atomically.

    Parameters
    ----------
    path
        A network folder or a scenario TOML file.
    out
        The result folder to (re)write.
    method
        A :data:`freight.model.methods.Method`, which wins over the scenario's; ``None`` = the
        scenario's ``[solver] method`` (inherited along its ``extends`` chain), else
        :data:`~freight.model.methods.DEFAULT_METHOD` (``logit``, the behavioural model).
    progress
        Called with a short stage description before each stage.
    """
    say = progress or _noop
    t_start = time.perf_counter()
    say("loading and checking the data")
    t0 = time.perf_counter()
    check_output_folder(out, inputs=(path,))
    case = load_case(path)
    check_output_folder(out, inputs=case.inputs)
    t_load = time.perf_counter() - t0
    chosen = method if method is not None else case.method_or(DEFAULT_METHOD)
    say("building the multimodal graph and solving")
    run = solve(case.net, case.params, chosen)
    say("writing results")
    t0 = time.perf_counter()
    tables = run_tables(run)
    manifest = {
        "command": "run",
        "scenario": case.scenario,
        "network": case.net.name,
        "method": chosen,
        "status": run.status,
        "objective_cny": run.objective,
        "solver_info": run.solver_info,
        "inputs": input_hashes(case.inputs),
        "graph": {"nodes": run.graph.n_nodes, "arcs": run.graph.n_arcs},
        "versions": versions(),
        "timings_s": {
            "load": t_load,
            **run.timings,
            "tables": time.perf_counter() - t0,
            "total": time.perf_counter() - t_start,
        },
        "units": {"flow": "t/yr", "money": "CNY (2023 prices)", "time": "h", "co2": "t"},
    }
    written = write_result_folder(out, tables, manifest, inputs=case.inputs)
    return run, written
