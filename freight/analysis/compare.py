"""Compare two runs (before/after a project, two futures, LP vs equilibrium): KPI deltas, mode
shares, changes per link, per terminal and per OD.

Each side is a result folder (with ``manifest.json``), a network folder or a scenario file; the
latter two are solved first. Comparisons work on the result tables, so a comparison of two result
folders written earlier gives the same CSVs as solving both again.

The method of a side that is solved: ``method`` when given (``--method``), else the scenario's
``[solver] method``, else :data:`~freight.model.methods.DEFAULT_METHOD` (``logit``, the behavioural
model) — the precedence of ``freight run``. A result folder keeps the method it was solved with.
The manifest records each side's method.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from freight.errors import DataError, Problem
from freight.model.methods import DEFAULT_METHOD, Method, solve
from freight.results.declared import declared_table
from freight.results.folder import ResultFolder, check_output_folder
from freight.results.tables import (
    Table,
    input_hashes,
    run_tables,
    versions,
    write_result_folder,
)
from freight.scenario.case import is_result_folder, load_source

Progress = Callable[[str], None]


def _num(x: Any) -> float | None:
    if x is None or x == "":
        return None
    try:
        return float(x)
    except (TypeError, ValueError):
        return None


RUN_TABLES = ("link_flows.csv", "od_flows.csv", "mode_summary.csv", "terminals.csv", "kpis.csv")


def read_result_folder(path: Path) -> dict[str, Table]:
    """The tables of a result folder written by ``freight run``, its manifest hashes verified.

    Raises
    ------
    DataError
        If the folder is not a run's result folder, or a file is missing or damaged.
    """
    folder = ResultFolder.open(path, verify=True)
    if folder.command != "run":
        raise DataError(
            [
                Problem(
                    str(path),
                    None,
                    "",
                    f"not a result folder of 'freight run' ({folder.command!r})",
                )
            ]
        )
    return {name: folder.read(name) for name in RUN_TABLES}


def tables_for(
    path: str | Path, *, method: Method | None = None
) -> tuple[dict[str, Table], dict[str, Any]]:
    """Result tables of one side of a comparison, solving it when it is not a result folder
    (with ``method``, else the scenario's ``[solver] method``, else the default method)."""
    p = Path(path)
    if is_result_folder(p):
        meta = ResultFolder.open(p).manifest
        return read_result_folder(p), {
            "result_folder": p.as_posix(),
            "scenario": meta.get("scenario"),
            "method": meta.get("method"),
        }
    prep = load_source(p)
    chosen = method if method is not None else prep.method_or(DEFAULT_METHOD)
    run = solve(prep.net, prep.params, chosen)
    # through the declared CSV text, so that a solved side compares exactly like a result folder
    tables = {
        name: list(csv.DictReader(io.StringIO(declared_table("run", name).csv_text(rows))))
        for name, rows in run_tables(run).items()
        if name in RUN_TABLES
    }
    return tables, {
        "scenario": prep.scenario,
        "inputs": input_hashes(prep.inputs),
        "method": chosen,
        "status": run.status,
    }


def _delta(b: float | None, s: float | None) -> tuple[float | None, float | None]:
    if b is None or s is None:
        return None, None
    d = s - b
    return d, (d / b if b not in (0.0,) and math.isfinite(b) else None)


def compare_kpis(base: Table, scen: Table) -> Table:
    """metric, unit, base, scenario, delta, delta_pct (outer join on metric)."""
    b = {r["metric"]: r for r in base}
    s = {r["metric"]: r for r in scen}
    order = [r["metric"] for r in base] + [m for m in s if m not in b]
    rows: Table = []
    for m in order:
        bv = _num(b.get(m, {}).get("value"))
        sv = _num(s.get(m, {}).get("value"))
        d, pct = _delta(bv, sv)
        rows.append(
            {
                "metric": m,
                "unit": (b.get(m) or s.get(m) or {}).get("unit", ""),
                "base": bv,
                "scenario": sv,
                "delta": d,
                "delta_pct": None if pct is None else 100 * pct,
            }
        )
    return rows


def _join(
    base: Table, scen: Table, key: Sequence[str], fields: Sequence[str], keep: Sequence[str] = ()
) -> Table:
    def k(r: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(r[c]) for c in key)

    b = {k(r): r for r in base}
    s = {k(r): r for r in scen}
    keys = list(b) + [x for x in s if x not in b]
    rows: Table = []
    for kk in keys:
        rb, rs = b.get(kk, {}), s.get(kk, {})
        row: dict[str, Any] = dict(zip(key, kk, strict=True))
        for c in keep:
            row[c] = rs.get(c, rb.get(c, ""))
        row["status"] = "both" if rb and rs else ("removed" if rb else "added")
        for f in fields:
            bv, sv = _num(rb.get(f)), _num(rs.get(f))
            row[f"{f}_base"] = bv
            row[f"{f}_scenario"] = sv
            row[f"{f}_delta"] = _delta(
                bv if bv is not None else 0.0, sv if sv is not None else 0.0
            )[0]
        rows.append(row)
    return rows


def compare_tables(base: dict[str, Table], scen: dict[str, Table]) -> dict[str, Table]:
    """Every comparison table, keyed by file name."""
    links = _join(
        base["link_flows.csv"],
        scen["link_flows.csv"],
        ("link", "direction"),
        (
            "flow_t",
            "utilization",
            "shadow_price_cny_per_t",
            "tonne_km",
            "co2_t",
            "time_h",
            "capacity_t",
        ),
        keep=("name", "name_zh", "mode", "from", "to"),
    )
    links.sort(key=lambda r: (-abs(r["flow_t_delta"] or 0.0), r["link"], r["direction"]))
    ods = _join(
        base["od_flows.csv"],
        scen["od_flows.csv"],
        ("origin", "destination", "commodity"),
        (
            "demand_t",
            "served_t",
            "unserved_t",
            "generalized_cny_per_t",
            "money_cny_per_t",
            "time_h",
            "co2_kg_per_t",
        ),
        keep=("origin_name", "origin_name_zh", "destination_name", "destination_name_zh"),
    )
    bmodes = {
        (r["origin"], r["destination"], r["commodity"]): r.get("modes", "")
        for r in base["od_flows.csv"]
    }
    smodes = {
        (r["origin"], r["destination"], r["commodity"]): r.get("modes", "")
        for r in scen["od_flows.csv"]
    }
    for r in ods:
        key = (r["origin"], r["destination"], r["commodity"])
        r["modes_base"] = bmodes.get(key, "")
        r["modes_scenario"] = smodes.get(key, "")
        r["mode_changed"] = r["modes_base"] != r["modes_scenario"]
    terms = _join(
        base["terminals.csv"],
        scen["terminals.csv"],
        ("terminal",),
        ("throughput_t", "utilization", "shadow_price_cny_per_t", "capacity_t"),
        keep=("place", "place_name", "place_name_zh", "from_mode", "to_mode"),
    )
    modes = _join(
        base["mode_summary.csv"],
        scen["mode_summary.csv"],
        ("mode",),
        (
            "tonnes_lifted",
            "tonnes_share",
            "tonne_km",
            "tonne_km_share",
            "money_cost_cny",
            "tonne_hours",
            "co2_t",
        ),
    )
    return {
        "kpi_comparison.csv": compare_kpis(base["kpis.csv"], scen["kpis.csv"]),
        "mode_comparison.csv": modes,
        "link_changes.csv": links,
        "terminal_changes.csv": terms,
        "od_changes.csv": ods,
    }


def compare_to_folder(
    base: str | Path,
    scenario: str | Path,
    out: str | Path,
    *,
    method: Method | None = None,
    progress: Progress | None = None,
) -> dict[str, Table]:
    """Compare two sides and write the comparison folder atomically (with ``manifest.json``).

    ``method`` solves every side that is not a result folder; ``None``: each side's scenario
    ``[solver] method``, else :data:`~freight.model.methods.DEFAULT_METHOD`. The manifest's
    ``method`` is the scenario side's (what a map or report of the comparison shows)."""
    say = progress or (lambda _msg: None)
    check_output_folder(out, inputs=(base, scenario))
    say(f"base: {base}")
    bt, bmeta = tables_for(base, method=method)
    say(f"scenario: {scenario}")
    st, smeta = tables_for(scenario, method=method)
    say("comparing")
    tables = compare_tables(bt, st)
    manifest = {
        "command": "compare",
        "base": {"path": Path(base).as_posix(), **bmeta},
        "scenario": {"path": Path(scenario).as_posix(), **smeta},
        "method": smeta.get("method"),
        "versions": versions(),
    }
    write_result_folder(out, tables, manifest, inputs=(base, scenario))
    return tables
