"""`freight run`: load a data folder (or a scenario), solve, write the result folder.

The one function :func:`run_to_folder` is what the command line calls; it reports progress
through an optional callback (the CLI draws a progress display; the library never prints).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from freight.data.csvio import load_network
from freight.data.network import Network
from freight.errors import DataError, Problem
from freight.model.graph import CostParams
from freight.model.linear import METHODS, ModelRun, solve_network
from freight.results.tables import input_hashes, run_tables, versions, write_result_folder

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Prepared:
    """A network ready to solve, with its prices and a description of where it came from."""

    net: Network
    params: CostParams
    inputs: tuple[Path, ...]
    scenario: dict[str, Any]


def prepare(path: str | Path) -> Prepared:
    """Load a network folder or a scenario TOML file.

    Raises
    ------
    DataError
        If the path does not exist, or the data or scenario is invalid.
    """
    p = Path(path)
    if p.is_dir():
        net = load_network(p)
        return Prepared(net, CostParams(), (p,), {"id": "base", "data": p.as_posix()})
    if p.suffix == ".toml" and p.is_file():
        from freight.scenario.resolve import prepare_scenario

        return prepare_scenario(p)
    raise DataError(
        [
            Problem(
                str(path), None, "", "not found: expected a network folder or a scenario .toml file"
            )
        ]
    )


EQUILIBRIUM = ("ue", "so")


def solve_any(net: Network, params: CostParams, method: str) -> ModelRun:
    """Solve with the linear model (``mcf``, ``lp``) or by equilibrium assignment (``ue``, ``so``)."""
    if method in EQUILIBRIUM:
        from freight.model.equilibrium import solve_equilibrium

        return solve_equilibrium(net, params, objective=method)
    return solve_network(net, params, method=method)  # type: ignore[arg-type]


def _noop(_: str) -> None:
    return None


def run_to_folder(
    path: str | Path,
    out: str | Path,
    *,
    method: str = "mcf",
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
        ``"mcf"`` (fast exact multi-commodity method) or ``"lp"`` (monolithic LP).
    progress
        Called with a short stage description before each stage.
    """
    if method not in (*METHODS, *EQUILIBRIUM):
        expected = ", ".join((*METHODS, *EQUILIBRIUM))
        problem = Problem(
            "--method", None, "", f"unknown method {method!r}; expected one of {expected}"
        )
        raise DataError([problem])
    say = progress or _noop
    t_start = time.perf_counter()
    say("loading and checking the data")
    t0 = time.perf_counter()
    prep = prepare(path)
    t_load = time.perf_counter() - t0
    say("building the multimodal graph and solving")
    run = solve_any(prep.net, prep.params, method)
    say("writing results")
    t0 = time.perf_counter()
    tables = run_tables(run)
    manifest = {
        "command": "run",
        "scenario": prep.scenario,
        "network": prep.net.name,
        "method": method,
        "status": run.status,
        "objective_cny": run.objective,
        "solver_info": run.solver_info,
        "inputs": input_hashes(prep.inputs),
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
    written = write_result_folder(out, tables, manifest)
    return run, written
