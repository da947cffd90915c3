"""Criticality: close (or derate) every link, terminal and lock in turn and re-solve.

For each element the model is re-solved with the capacity of the element's arcs set to zero (or
multiplied by the derating factor) on the same virtual graph, so nothing is rebuilt. The extra
generalized cost (objective, unserved penalty included), the extra unserved tonnes, the change in
tonnes by mode (modal shift) and the OD rows that lose freight are reported, ranked by extra cost.

Skipping is exact: an element that carries no flow in the base solution cannot change the optimum
when it is closed or derated — the base solution stays feasible, and the feasible set only shrank,
so it stays optimal. Such elements are reported with zero effect and ``skipped = true`` without a
re-solve.

Closing an element with zero capacity is the same optimization as removing it from the network, so
a criticality row equals a ``freight run`` of a scenario that closes that element all year.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from freight.analysis.parallel import Failed, map_tasks
from freight.data.schema import MODES
from freight.model.capacity import derated_capacity
from freight.model.graph import LINK
from freight.model.linear import ModelRun
from freight.model.methods import CAPACITY_METHODS, Method, solve
from freight.results.folder import check_output_folder
from freight.results.tables import Table, input_hashes, kpi_dict, versions, write_result_folder
from freight.scenario.case import Case, load_source

Only = Literal["rail", "road", "water", "air", "terminals"]


@dataclass(frozen=True)
class Element:
    """A link or terminal and the arcs of the virtual graph it owns."""

    id: str
    kind: str
    mode: str
    place_from: str
    place_to: str
    arcs: tuple[int, ...]


def _element_names(net: Any, frm: str, to: str) -> dict[str, str]:
    """``name`` / ``name_zh`` of an element: 'A–B' of a link's places, a terminal's place name."""
    pl = net.place_by_id
    a, b = pl.get(frm), pl.get(to)
    if a is None:
        return {"name": frm, "name_zh": ""}
    if b is None or to in ("", frm):
        return {"name": a.name, "name_zh": a.name_zh}
    zh = f"{a.name_zh}–{b.name_zh}" if a.name_zh and b.name_zh else ""
    return {"name": f"{a.name}–{b.name}", "name_zh": zh}


def elements(run: ModelRun, only: Only | None = None) -> list[Element]:
    """Every link and terminal of a solved model (the handling arc for terminals)."""
    g = run.graph
    out: list[Element] = []
    if only in (None, "rail", "road", "water", "air"):
        for lk in run.net.links:
            if only is not None and lk.mode != only:
                continue
            arcs = tuple(
                int(a) for a in np.flatnonzero((g.kind == LINK) & (np.asarray(g.element) == lk.id))
            )
            out.append(Element(lk.id, "link", lk.mode, lk.from_, lk.to, arcs))
    if only in (None, "terminals"):
        for t in run.net.terminals:
            arcs = (g.handling_arc[t.id],)
            out.append(
                Element(t.id, "terminal", f"{t.from_mode}-{t.to_mode}", t.place, t.place, arcs)
            )
    return out


@dataclass(frozen=True)
class CritTask:
    """One closure to evaluate."""

    source: str
    element: str
    arcs: tuple[int, ...]
    factor: float
    method: Method


@functools.lru_cache(maxsize=4)
def _prepared(source: str) -> Case:
    return load_source(source)


@functools.lru_cache(maxsize=4)
def _graph(source: str) -> Any:
    from freight.model.graph import build_graph

    p = _prepared(source)
    return build_graph(p.net, p.params)


def _mode_tonnes(k: dict[str, float]) -> dict[str, float]:
    return {m: k.get(f"tonnes_{m}", 0.0) for m in MODES}


def evaluate(task: CritTask) -> dict[str, Any]:
    """Re-solve with one element's capacity cut (runs in worker processes)."""
    p = _prepared(task.source)
    g = _graph(task.source)
    cap = g.capacity_t.copy()
    idx = np.asarray(task.arcs, dtype=np.int64)
    # the one capacity rule: keep `factor` of what is left for modelled freight (an unbounded
    # element closes when factor = 0 and stays unbounded when derated)
    cap[idx] = derated_capacity(cap[idx], g.background_t[idx], task.factor)
    run = solve(p.net, p.params, task.method, graph=g, capacity=cap, paths=False)
    k = kpi_dict(run)
    return {
        "status": run.status,
        "objective": run.objective,
        "unserved_rows": run.unserved.tolist(),
        "mode_tonnes": _mode_tonnes(k),
        "co2": k["co2"],
    }


def criticality(
    source: str | Path,
    *,
    only: Only | None = None,
    factor: float = 0.0,
    jobs: int = 1,
    scheduler: Any = None,
    method: Method = "mcf",
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Table, dict[str, Any]]:
    """Rank every element of a network or scenario by the cost of losing it.

    Parameters
    ----------
    source
        Network folder or scenario file.
    only
        Restrict to one mode's links or to terminals.
    factor
        Capacity kept: 0 closes the element (default), e.g. 0.5 derates it to half.

    Returns
    -------
    rows, manifest
        One row per element, ranked by extra generalized cost (CNY per year).
    """
    if method not in CAPACITY_METHODS:
        from freight.errors import DataError, Problem

        raise DataError(
            [
                Problem(
                    "--method",
                    None,
                    "",
                    f"criticality derates capacities: use one of {', '.join(CAPACITY_METHODS)}, "
                    f"not {method!r}",
                )
            ]
        )
    src = str(Path(source).resolve())
    prep = _prepared(src)
    g = _graph(src)
    base = solve(prep.net, prep.params, method, graph=g)
    base_k = kpi_dict(base)
    base_modes = _mode_tonnes(base_k)
    base_co2 = base_k["co2"]
    total = base.flow.sum(axis=0)
    els = elements(base, only)
    tasks: list[CritTask] = []
    task_of: dict[str, int] = {}
    for e in els:
        carries = bool(np.any(total[list(e.arcs)] > 1e-9)) if e.arcs else False
        if carries:
            task_of[e.id] = len(tasks)
            tasks.append(CritTask(src, e.id, e.arcs, factor, method))
    outcomes = map_tasks(evaluate, tasks, jobs=jobs, scheduler=scheduler, progress=progress)
    demand = prep.net.demand
    rows: Table = []
    for e in els:
        flow = float(total[list(e.arcs)].sum()) if e.arcs else 0.0
        row: dict[str, Any] = {
            "element": e.id,
            "kind": e.kind,
            "mode": e.mode,
            "from": e.place_from,
            "to": e.place_to,
            **_element_names(prep.net, e.place_from, e.place_to),
            "base_flow_t": flow,
            "skipped": e.id not in task_of,
        }
        if e.id not in task_of:
            row.update(
                {"status": base.status, "extra_cost_cny": 0.0, "extra_unserved_t": 0.0, "extra_co2_t": 0.0,
                 "ods_cut": 0, "ods_cut_list": ""}
            )  # fmt: skip
            row.update({f"shift_t_{m}": 0.0 for m in MODES})
        else:
            o = outcomes[task_of[e.id]]
            if isinstance(o, Failed):
                row.update({"status": f"error: {o.error}: {o.message}", "extra_cost_cny": math.nan})
            else:
                un = np.asarray(o["unserved_rows"]) - base.unserved
                cut = [i for i in np.flatnonzero(un > 1e-6).tolist()]
                row.update(
                    {
                        "status": o["status"],
                        "extra_cost_cny": o["objective"] - base.objective,
                        "extra_unserved_t": float(un.sum()),
                        "extra_co2_t": o["co2"] - base_co2,
                        "ods_cut": len(cut),
                        "ods_cut_list": "; ".join(
                            f"{demand[i].origin}-{demand[i].destination}:{demand[i].commodity}"
                            for i in cut[:20]
                        ),
                    }
                )
                row.update({f"shift_t_{m}": o["mode_tonnes"][m] - base_modes[m] for m in MODES})
        rows.append(row)
    rows.sort(
        key=lambda r: (
            -(r["extra_cost_cny"] if math.isfinite(r["extra_cost_cny"]) else math.inf),
            r["element"],
        )
    )
    for i, r in enumerate(rows, 1):
        r["rank"] = i
    manifest = {
        "command": "criticality",
        "source": src,
        "only": only,
        "factor": factor,
        "method": method,
        "base_objective_cny": base.objective,
        "elements": len(els),
        "resolved": len(tasks),
        "skipped_no_flow": len(els) - len(tasks),
        "inputs": input_hashes(prep.inputs),
        "versions": versions(),
    }
    return rows, manifest


def criticality_to_folder(out: str | Path, source: str | Path, **kw: Any) -> Table:
    """Run :func:`criticality` and write ``criticality.csv`` atomically (``--out`` checked first)."""
    check_output_folder(out, inputs=(source,))
    rows, manifest = criticality(source, **kw)
    write_result_folder(out, {"criticality.csv": rows}, manifest, inputs=(source,))
    return rows
