"""Sweeps: many scenarios solved independently and collected into one tidy CSV.

Cases come from a list of scenario files, a grid over parameters, or Latin hypercube samples over
ranges of parameters. Each generated case is written as a small scenario TOML that ``extends``
its parent scenario with the sampled values, so every case can be rerun on its own with
``freight run``.

Parameters that can be swept: ``growth`` (overall demand growth per year), ``carbon_price``
(CNY/t CO2), ``vot_factor``, ``demand_factor`` and ``tariff_<mode>`` (a multiplier on that mode's
money costs, e.g. ``tariff_rail``).

The output folder holds ``cases/`` (one JSON per finished case, each written atomically),
``scenarios/`` (the generated case files), ``sweep.csv`` (rebuilt atomically after every case) and
``manifest.json``. A case is identified by its scenario file's full path and its values; its
*content key* is the SHA-256 of every input file of its resolved scenario (the ``extends`` chain,
the projects, the base data folder), its values and its method. A rerun skips a case only when its
recorded key equals the current one and it did not fail: an edited parent scenario, another
method or a failed case is solved again, so an interrupted sweep resumes where it stopped and
never returns stale numbers. A case that raises records its error in its row and the others
complete. A swept parameter that cannot change the resolved scenario (``growth`` where every
commodity has its own rate) is an error, not a silent no-op.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import qmc

from freight.analysis.parallel import Failed, iter_tasks
from freight.errors import FreightError
from freight.results.tables import csv_text, write_file_atomic

SWEEPABLE = ("growth", "carbon_price", "vot_factor", "demand_factor")


@dataclass(frozen=True)
class Case:
    """One scenario of a sweep: a parent scenario file and the values set on top of it."""

    case_id: str
    parent: str
    values: tuple[tuple[str, float], ...]
    method: str = "mcf"


def _check_param(name: str) -> None:
    if name in SWEEPABLE or name.startswith("tariff_"):
        return
    raise FreightError(
        f"cannot sweep {name!r}: use one of {', '.join(SWEEPABLE)} or tariff_<mode> (e.g. tariff_rail)"
    )


def case_id(parent: str, values: Sequence[tuple[str, float]]) -> str:
    """A stable id from the parent file's full path and the values: same case, same id; two
    scenario files of the same name in different folders get different ids."""
    key = json.dumps([str(Path(parent).resolve()), [[k, round(v, 12)] for k, v in values]])
    return f"{Path(parent).stem}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


def content_key(case: Case, scen_file: str | Path) -> str:
    """SHA-256 of what a case's answer depends on: every input file of its resolved scenario,
    its values and its method."""
    from freight.results.tables import input_hashes
    from freight.scenario.resolve import projects_dir, resolve

    try:
        sc = resolve(scen_file)
        folder = projects_dir(sc)
        inputs = (sc.data, *sc.chain, *(folder / f"{p}.toml" for p in sc.projects))
        hashes = sorted(input_hashes(inputs).values())
    except (FreightError, OSError):  # cannot be resolved: the case will fail and say why
        try:
            hashes = ["unresolved", hashlib.sha256(Path(scen_file).read_bytes()).hexdigest()]
        except OSError:
            hashes = ["unreadable", str(scen_file)]
    key = json.dumps(
        {"inputs": hashes, "values": [list(v) for v in case.values], "method": case.method}
    )
    return hashlib.sha256(key.encode()).hexdigest()


def check_effective(parent: str | Path, names: Sequence[str]) -> None:
    """Raise if a swept parameter cannot change the resolved scenario of ``parent``.

    ``growth`` is inert when every commodity of the network has its own rate in
    ``[demand.by_commodity]`` (the rate per commodity replaces the overall one).
    """
    if "growth" not in names:
        return
    from freight.data.csvio import load_network
    from freight.scenario.resolve import resolve

    sc = resolve(parent)
    commodities = {c.id for c in load_network(sc.data, check=False).commodities}
    if commodities and commodities <= set(sc.growth_by_commodity):
        raise FreightError(
            f"--grid/--range growth: does not change {Path(parent).name}: every commodity has its "
            "own growth rate in [demand.by_commodity] (sweep demand_factor instead)"
        )


def file_cases(files: Sequence[str | Path], method: str = "mcf") -> list[Case]:
    """One case per scenario file."""
    return [
        Case(case_id(str(Path(f).resolve()), ()), str(Path(f).resolve()), (), method) for f in files
    ]


def grid_cases(
    parent: str | Path, grid: Mapping[str, Sequence[float]], method: str = "mcf"
) -> list[Case]:
    """Every combination of the grid's values on top of ``parent``."""
    for k in grid:
        _check_param(k)
    names = sorted(grid)
    check_effective(parent, names)
    parent_s = str(Path(parent).resolve())
    out = []
    for combo in itertools.product(*(grid[n] for n in names)):
        vals = tuple(zip(names, (float(x) for x in combo), strict=True))
        out.append(Case(case_id(parent_s, vals), parent_s, vals, method))
    return out


def lhs_cases(
    parent: str | Path,
    ranges: dict[str, tuple[float, float]],
    n: int,
    seed: int = 0,
    method: str = "mcf",
) -> list[Case]:
    """``n`` Latin hypercube samples over ``ranges`` (same seed, same samples)."""
    for k, (lo, hi) in ranges.items():
        _check_param(k)
        if hi < lo:
            raise FreightError(f"range of {k!r}: upper bound {hi} is below lower bound {lo}")
    names = sorted(ranges)
    check_effective(parent, names)
    sample = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed)).random(n)
    lows = np.array([ranges[k][0] for k in names])
    highs = np.array([ranges[k][1] for k in names])
    values = lows + sample * (highs - lows)
    parent_s = str(Path(parent).resolve())
    out = []
    for row in values:
        vals = tuple((k, float(round(v, 9))) for k, v in zip(names, row, strict=True))
        out.append(Case(case_id(parent_s, vals), parent_s, vals, method))
    return out


def case_toml(case: Case) -> str:
    """The scenario TOML of a generated case (``extends`` its parent)."""
    v = dict(case.values)
    lines = [
        f'id = "{case.case_id}"',
        f'title = "sweep case of {Path(case.parent).name}"',
        f"extends = {json.dumps(case.parent)}",
    ]
    demand = {k: v[k] for k in ("growth",) if k in v}
    if "demand_factor" in v:
        demand["factor"] = v["demand_factor"]
    if demand:
        lines.append("[demand]")
        lines += [f"{k} = {x!r}" for k, x in demand.items()]
    params = {k: v[k] for k in ("carbon_price", "vot_factor") if k in v}
    tariffs = {k.removeprefix("tariff_"): x for k, x in v.items() if k.startswith("tariff_")}
    if params or tariffs:
        lines.append("[parameters]")
        lines += [f"{k} = {x!r}" for k, x in params.items()]
        if tariffs:
            inner = ", ".join(f"{m} = {x!r}" for m, x in sorted(tariffs.items()))
            lines.append(f"tariff_factors = {{ {inner} }}")
    return "\n".join(lines) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write a text file atomically (see :func:`freight.results.tables.write_file_atomic`)."""
    write_file_atomic(path, text)


def case_file(case: Case, folder: Path) -> Path:
    """Where a case's scenario file is (the parent itself when nothing is set)."""
    if not case.values:
        return Path(case.parent)
    return folder / "scenarios" / f"{case.case_id}.toml"


def run_case(args: tuple[Case, str]) -> dict[str, Any]:
    """Solve one case and return its tidy row of KPIs (runs in worker processes)."""
    from freight.model.methods import as_method, solve
    from freight.results.tables import kpi_dict
    from freight.scenario.case import load_source

    case, scen_file = args
    prep = load_source(scen_file)
    run = solve(prep.net, prep.params, as_method(case.method), paths=False)
    return {"status": run.status, **kpi_dict(run)}


def run_sweep(
    cases: Sequence[Case],
    out: str | Path,
    *,
    jobs: int = 1,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Solve every case not yet done in ``out`` and (re)write ``out/sweep.csv``.

    Returns
    -------
    list of dict
        The rows of ``sweep.csv``: case id, scenario file, swept values, status, error, KPIs.
    """
    folder = Path(out)
    _check_sweep_folder(folder)
    (folder / "cases").mkdir(parents=True, exist_ok=True)
    write_atomic(
        folder / "manifest.json",
        json.dumps({"command": "sweep", "written_by": "freight", "cases": len(cases)}, indent=2)
        + "\n",
    )
    todo: list[tuple[Case, str]] = []
    keys: dict[str, str] = {}
    for c in cases:
        f = case_file(c, folder)
        if c.values:
            write_atomic(f, case_toml(c))
        keys[c.case_id] = content_key(c, f)
        if not _finished(folder / "cases" / f"{c.case_id}.json", keys[c.case_id]):
            todo.append((c, str(f)))
    done_before = len(cases) - len(todo)
    if progress:
        progress(done_before, len(cases))
    for n, (i, outcome) in enumerate(iter_tasks(run_case, todo, jobs=jobs, scheduler=scheduler), 1):
        c, fname = todo[i]
        rec: dict[str, Any] = {
            "case": c.case_id,
            "scenario": Path(fname).name,
            "parent": Path(c.parent).name,
            "method": c.method,
            "key": keys[c.case_id],
        }
        rec.update(dict(c.values))
        if isinstance(outcome, Failed):
            rec.update({"status": "error", "error": f"{outcome.error}: {outcome.message}"})
        else:
            rec.update({"error": "", **outcome})
        write_atomic(folder / "cases" / f"{c.case_id}.json", json.dumps(rec, sort_keys=True) + "\n")
        rows = collect(folder, cases)
        write_atomic(folder / "sweep.csv", csv_text(rows, _columns(rows)))
        if progress:
            progress(done_before + n, len(cases))
    rows = collect(folder, cases)
    write_atomic(folder / "sweep.csv", csv_text(rows, _columns(rows)))
    return rows


def _finished(record: Path, key: str) -> bool:
    """Whether a case's record exists for the current content key and did not fail."""
    if not record.is_file():
        return False
    try:
        rec = json.loads(record.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        return False
    return isinstance(rec, dict) and rec.get("key") == key and rec.get("status") != "error"


def _check_sweep_folder(folder: Path) -> None:
    """A sweep folder is absent, empty, or a sweep folder of freight (resumed)."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise FreightError(f"--out {folder}: exists and is not a folder")
    entries = [e.name for e in folder.iterdir()]
    if not entries:
        return
    manifest = folder / "manifest.json"
    ok = False
    if manifest.is_file():
        try:
            meta = json.loads(manifest.read_text(encoding="utf-8"))
            ok = isinstance(meta, dict) and meta.get("command") == "sweep"
        except (json.JSONDecodeError, UnicodeDecodeError):
            ok = False
    if not ok:
        raise FreightError(
            f"--out {folder}: not empty and not a sweep folder of freight; refusing to write into it"
        )


def collect(folder: Path, cases: Sequence[Case]) -> list[dict[str, Any]]:
    """The finished cases' rows, in case order."""
    rows = []
    for c in cases:
        f = folder / "cases" / f"{c.case_id}.json"
        if f.is_file():
            rows.append(json.loads(f.read_text(encoding="utf-8")))
    return rows


def _columns(rows: Sequence[dict[str, Any]]) -> list[str]:
    first = ["case", "scenario", "parent"]
    params = sorted({k for r in rows for k in r if k in SWEEPABLE or k.startswith("tariff_")})
    status = ["status", "error"]
    rest = []
    for r in rows:
        for k in r:
            if k not in first and k not in params and k not in status and k not in rest:
                rest.append(k)
    return first + params + status + rest
