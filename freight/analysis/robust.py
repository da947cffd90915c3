"""Robust project ranking: project NPVs across sampled futures, the probability that each
project is in the top k, and a regret table.

Each future is a sweep case (a scenario file that ``extends`` the plan with sampled demand growth,
carbon price, tariffs …); every future is appraised with put-one-in tests. Regret of a project in
a future = best NPV among the projects in that future − the project's NPV (CNY); a robust choice
has a small maximum regret. NPVs and BCRs are those of :mod:`freight.analysis.appraise` (price
base, economic prices, optimism bias, freight share of a mixed-purpose capex); projects of the
do-minimum (open before the base year, no cost) are not ranked.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from freight.analysis.appraise import appraise
from freight.analysis.sweep import Case, case_file, case_toml, content_key, write_atomic
from freight.results.folder import check_output_folder
from freight.results.tables import Table, versions, write_result_folder


def robust_ranking(
    appraisal: Table, top_k: int = 3, test: str = "put_one_in"
) -> tuple[Table, Table]:
    """Summaries per project and the regret table from appraisal rows of several futures.

    Returns
    -------
    summary, regret
        ``summary``: project, futures, mean/min/max NPV, P(top k), mean and max regret, mean BCR,
        sorted by max regret then mean NPV. ``regret``: one row per future and project.
    """
    rows = [r for r in appraisal if r["test"] == test and not r.get("do_minimum")]
    futures = sorted({r["future"] for r in rows})
    by_future: dict[str, list[dict[str, Any]]] = {
        f: [r for r in rows if r["future"] == f] for f in futures
    }
    regret: Table = []
    for f in futures:
        best = max(r["npv_cny"] for r in by_future[f])
        ranked = sorted(by_future[f], key=lambda r: (-r["npv_cny"], r["project"]))
        for rank, r in enumerate(ranked, 1):
            regret.append(
                {"future": f, "project": r["project"], "npv_cny": r["npv_cny"], "rank": rank,
                 "regret_cny": best - r["npv_cny"]}
            )  # fmt: skip
    summary: Table = []
    for p in sorted({r["project"] for r in rows}):
        npvs = [r["npv_cny"] for r in rows if r["project"] == p]
        regs = [r["regret_cny"] for r in regret if r["project"] == p]
        ranks = [r["rank"] for r in regret if r["project"] == p]
        bcrs = [r["bcr"] for r in rows if r["project"] == p and r["bcr"] is not None]
        summary.append(
            {
                "project": p,
                "futures": len(npvs),
                "npv_mean_cny": statistics.fmean(npvs),
                "npv_min_cny": min(npvs),
                "npv_max_cny": max(npvs),
                "p_npv_positive": sum(v > 0 for v in npvs) / len(npvs),
                f"p_top_{top_k}": sum(r <= top_k for r in ranks) / len(ranks),
                "regret_mean_cny": statistics.fmean(regs),
                "regret_max_cny": max(regs),
                "bcr_mean": statistics.fmean(bcrs) if bcrs else None,
            }
        )
    summary.sort(key=lambda r: (r["regret_max_cny"], -r["npv_mean_cny"], r["project"]))
    for i, r in enumerate(summary, 1):
        r["robust_rank"] = i
    return summary, regret


def robust_to_folder(
    cases: Sequence[Case],
    out: str | Path,
    *,
    top_k: int = 3,
    progress: Callable[[int, int], None] | None = None,
    **kw: Any,
) -> tuple[Table, Table]:
    """Appraise the plan under every case's future and write the robust ranking folder.

    Resumable: each future's appraisal tables are kept in the sibling work folder
    ``.OUT.scenarios/cases/`` under the future's content key (its resolved inputs, values and
    method) and the appraisal options; a rerun appraises only the futures not yet done.
    """
    folder = Path(out)
    parents = sorted({c.parent for c in cases})
    check_output_folder(folder, inputs=parents)
    scen_dir = folder.parent / f".{folder.name}.scenarios"
    cache = scen_dir / "cases"
    cache.mkdir(parents=True, exist_ok=True)
    options = json.dumps(
        {k: v for k, v in sorted(kw.items()) if k in ("method", "carbon_price")}, sort_keys=True
    )
    files: list[str] = []
    per_case: list[dict[str, Table]] = []
    manifest: dict[str, Any] = {}
    if progress:
        progress(0, len(cases))
    for n, c in enumerate(cases, 1):
        f = case_file(c, scen_dir)
        if c.values:
            write_atomic(f, case_toml(c))
        files.append(str(f))
        key = hashlib.sha256((content_key(c, f) + options).encode()).hexdigest()
        record = cache / f"{c.case_id}.json"
        tables: dict[str, Table] | None = None
        if record.is_file():
            try:
                saved = json.loads(record.read_text(encoding="utf-8"))
                if saved.get("key") == key:
                    tables = saved["tables"]
                    manifest = manifest or saved.get("manifest", {})
            except (json.JSONDecodeError, UnicodeDecodeError, KeyError, AttributeError):
                tables = None
        if tables is None:
            tables, m = appraise([str(f)], **kw)
            manifest = manifest or m
            write_atomic(
                record,
                json.dumps(
                    {"key": key, "tables": tables, "manifest": m}, sort_keys=True, default=str
                )
                + "\n",
            )
        per_case.append(tables)
        if progress:
            progress(n, len(cases))
    merged: dict[str, Table] = {}
    for tables in per_case:
        for name, rows in tables.items():
            merged.setdefault(name, []).extend(rows)
    summary, regret = robust_ranking(merged["appraisal.csv"], top_k=top_k)
    extra = {
        f"scenarios/{Path(f).name}": Path(f).read_text(encoding="utf-8")
        for f in files
        if Path(f).parent == scen_dir / "scenarios"
    }
    write_result_folder(
        folder,
        {"robust_ranking.csv": summary, "regret.csv": regret, **merged},
        {**manifest, "command": "sweep --appraise", "top_k": top_k, "cases": [dict(c.values) for c in cases],
         "versions": versions()},
        extra_files={k.replace("/", "__"): v for k, v in extra.items()},
        inputs=parents,
    )  # fmt: skip
    return summary, regret
