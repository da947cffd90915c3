"""Result tables of a model run (DESIGN §6) and their atomic, byte-stable writing.

Tables are lists of dicts with a fixed column order. Numbers are written with fixed rounding so
that the same inputs give the same bytes; timings go to ``manifest.json`` only.
"""

from __future__ import annotations

import csv
import io
import math
import os
import platform
from collections.abc import Iterable, Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from freight.data.csvio import bulk
from freight.data.schema import MODES
from freight.model.capacity import utilization
from freight.model.graph import KINDS, LINK, TRANSFER
from freight.model.linear import ModelRun
from freight.model.paths import PathTable
from freight.results.declared import (
    DEFAULT_PRECISION,
    format_cell,
    format_column,
    unit_precision,
)
from freight.results.folder import ResultFolder, sha256_file, write_file

Table = list[dict[str, Any]]


def fmt(x: Any) -> str:
    """Format one CSV cell deterministically (floats rounded to 4 decimals, inf as blank).

    The default precision of :func:`freight.results.declared.format_cell`.
    """
    return format_cell(x, DEFAULT_PRECISION)


def csv_text(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """CSV text with a header row and LF line ends."""
    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow([fmt(r.get(c)) for c in cols])
    return buf.getvalue()


def _names(run: ModelRun, place: str) -> tuple[str, str]:
    """English and Chinese name of a place (its id when the network does not know it)."""
    p = run.net.place_by_id.get(place)
    return (p.name, p.name_zh) if p is not None else (place, "")


def _place_names(run: ModelRun) -> dict[str, tuple[str, str]]:
    """English and Chinese name of every place of the network, by id (:func:`_names`)."""
    return {pid: (p.name, p.name_zh) for pid, p in run.net.place_by_id.items()}


def _pair(a: tuple[str, str], b: tuple[str, str]) -> tuple[str, str]:
    """'A–B' names of a link (en dash); the Chinese one blank when either end has none."""
    return f"{a[0]}–{b[0]}", (f"{a[1]}–{b[1]}" if a[1] and b[1] else "")


def teu_per_t(run: ModelRun) -> np.ndarray:
    """Boxes per tonne of each commodity of the run's graph, TEU/t: ``container_share /
    t_per_teu`` of commodities.csv (0 for bulk, without ``t_per_teu``)."""
    comm = run.net.commodity_by_id
    out = np.zeros(len(run.graph.commodities))
    for k, c in enumerate(run.graph.commodities):
        row = comm[c]
        if row.t_per_teu:
            out[k] = row.container_share / row.t_per_teu
    return out


def link_flows(run: ModelRun) -> Table:
    """One row per link direction: flow (total and per commodity), capacity as the data states
    it, background traffic, the capacity left for modelled freight, utilization counting
    background (:mod:`freight.model.capacity`), costs, time, tonne-km, CO2 and the capacity shadow
    price (CNY per tonne of extra capacity; blank where the method has no dual)."""
    g = run.graph
    total = run.flow.sum(axis=0)
    teu = teu_per_t(run) @ run.flow
    util = utilization(total, g.background_t, run.capacity)
    arcs = np.flatnonzero(g.kind == LINK)
    names = _place_names(run)
    link_by_id = run.net.link_by_id
    # per column over the link arcs (numpy scalars where the values are numpy's)
    cols = {
        "length_km": list(g.length_km[arcs]),
        "time_h": list(g.time_h[arcs]),
        "capacity_t": np.asarray(run.capacity, dtype=float)[arcs].tolist(),
        "background_t": list(g.background_t[arcs]),
        "capacity_free_t": list(np.asarray(run.capacity_free)[arcs]),
        "flow_t": list(total[arcs]),
        "utilization": list(util[arcs]),
        "shadow_price_cny_per_t": list(np.asarray(run.capacity_dual)[arcs]),
        "money_cny_per_t": list(g.money_base[arcs] + g.link_rate[arcs]),
        "tonne_km": list(total[arcs] * g.length_km[arcs]),
        "co2_t": list(total[arcs] * g.co2_kg_per_t[arcs] / 1000.0),
        "teu": np.asarray(teu, dtype=float)[arcs].tolist(),
    }
    per_c = [(f"flow_t_{c}", list(run.flow[k, arcs])) for k, c in enumerate(g.commodities)]
    tails = g.tail[arcs].tolist()
    heads = g.head[arcs].tolist()
    modes = g.mode[arcs].tolist()
    forward = (g.direction[arcs] > 0).tolist()
    flow, money = run.flow, g.money
    rows: Table = []
    for i, a in enumerate(arcs.tolist()):
        frm, to = g.node_place[tails[i]], g.node_place[heads[i]]
        name, name_zh = _pair(names.get(frm, (frm, "")), names.get(to, (to, "")))
        element = g.element[a]
        lk = link_by_id.get(element)
        row: dict[str, Any] = {
            "link": element,
            "name": name,
            "name_zh": name_zh,
            "line": (lk.line if lk is not None else "") or "",
            "mode": MODES[modes[i]],
            "from": frm,
            "to": to,
            "direction": "forward" if forward[i] else "reverse",
            "length_km": cols["length_km"][i],
            "time_h": cols["time_h"][i],
            "capacity_t": cols["capacity_t"][i],
            "background_t": cols["background_t"][i],
            "capacity_free_t": cols["capacity_free_t"][i],
            "flow_t": cols["flow_t"][i],
            "utilization": cols["utilization"][i],
            "shadow_price_cny_per_t": cols["shadow_price_cny_per_t"][i],
            "money_cny_per_t": cols["money_cny_per_t"][i],
            "money_cost_cny": float(flow[:, a] @ money[:, a]),
            "tonne_km": cols["tonne_km"][i],
            "co2_t": cols["co2_t"][i],
            "teu": cols["teu"][i],
        }
        for key, values in per_c:
            row[key] = values[i]
        rows.append(row)
    return rows


def terminal_flows(run: ModelRun) -> Table:
    """One row per terminal (transfer or zone access facility): throughput, capacity,
    utilization, shadow price, handling cost and the dangerous-goods tonnes handled."""
    g = run.graph
    net = run.net
    dangerous = np.array([net.commodity_by_id[c].dangerous for c in g.commodities])
    teu = teu_per_t(run) @ run.flow
    rows: Table = []
    for t in net.terminals:
        a = g.handling_arc[t.id]
        thr = float(run.flow[:, a].sum())
        cap = float(run.capacity[a])
        rows.append(
            {
                "terminal": t.id,
                "place": t.place,
                "place_name": _names(run, t.place)[0],
                "place_name_zh": _names(run, t.place)[1],
                "from_mode": t.from_mode,
                "to_mode": t.to_mode,
                "kind": KINDS[g.kind[a]],
                "throughput_t": thr,
                "capacity_t": cap,
                "utilization": thr / cap if math.isfinite(cap) and cap > 0 else None,
                "shadow_price_cny_per_t": run.capacity_dual[a],
                "handling_cost_cny": thr * t.cost_per_t,
                "dangerous_t": float(run.flow[dangerous, a].sum()) if dangerous.any() else 0.0,
                "teu": float(teu[a]),
            }
        )
    return rows


def _pairwise(cols: list[np.ndarray]) -> np.ndarray:
    """Column-wise sums of ``cols`` (one array per position along the paths) in numpy's own
    order of a 1-D float sum (pairwise, 8 accumulators, blocks of 128), so that every path's sum
    has the bits ``values[path].sum()`` would give."""
    n = len(cols)
    if n < 8:
        res: np.ndarray = np.full_like(cols[0], -0.0)
        for c in cols:
            res = res + c
        return res
    if n <= 128:
        r = [cols[j].copy() for j in range(8)]
        i = 8
        while i < n - (n % 8):
            for j in range(8):
                r[j] = r[j] + cols[i + j]
            i += 8
        res = np.asarray(((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])))
        for c in cols[i:]:
            res = res + c
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return np.asarray(_pairwise(cols[:n2]) + _pairwise(cols[n2:]))


def path_sums(values: np.ndarray, arc_start: np.ndarray) -> np.ndarray:
    """Sum of ``values`` (one per entry of the paths' arc list) over each path: the same float as
    summing each path's values with numpy, for all paths at once (grouped by length)."""
    lengths = np.diff(arc_start)
    out = np.zeros(len(lengths))
    for n in np.unique(lengths[lengths > 0]).tolist():
        sel = np.flatnonzero(lengths == n)
        block = values[arc_start[sel][:, None] + np.arange(n)[None, :]]
        out[sel] = _pairwise([block[:, j] for j in range(n)])
    return out


def _strings(
    tokens: np.ndarray, keep: np.ndarray, arc_path: np.ndarray, n_paths: int, sep: str
) -> list[str]:
    """Per path, its kept tokens joined by ``sep``: ``keep`` marks entries of the paths' arc
    list, ``tokens`` (an object array of strings) holds the token of each kept entry, in
    order."""
    idx = np.flatnonzero(keep)
    bounds = np.searchsorted(arc_path[idx], np.arange(n_paths + 1)).tolist()
    kept: list[str] = tokens.tolist()
    return [sep.join(kept[bounds[p] : bounds[p + 1]]) for p in range(n_paths)]


def path_stats(run: ModelRun) -> dict[str, Any]:
    """Per path of every demand row (:class:`freight.model.paths.PathTable` order): money and
    generalized cost, time, km and CO2 per tonne, the mode chain (``road>water>road``), the
    elements (links and terminals in order, a link's consecutive arcs once) and the number of
    transfers (handling arcs of transfer terminals), computed over all paths at once."""
    g = run.graph
    pt = PathTable.from_rows(run.od_paths)
    arcs = pt.arcs
    where = pt.arc_path
    k = np.asarray(run.demand.commodity, dtype=np.int64)[pt.path_row][where]
    start = pt.arc_start
    is_link = g.kind[arcs] == LINK
    handling = g.is_handling[arcs]
    # chain: a link's mode unless the previous link arc of the same path has the same mode
    li = np.flatnonzero(is_link)
    mode = g.mode[arcs[li]]
    keep_mode = np.ones(len(li), dtype=bool)
    keep_mode[1:] = ~((where[li][1:] == where[li][:-1]) & (mode[1:] == mode[:-1]))
    chain_keep = np.zeros(len(arcs), dtype=bool)
    chain_keep[li[keep_mode]] = True
    mode_names = np.array(MODES, dtype=object)[mode[keep_mode]]
    chains = _strings(mode_names, chain_keep, where, pt.n_paths, ">")
    # elements: every handling arc; a link unless the previous such entry has the same element
    ei = np.flatnonzero(is_link | handling)
    elem_code = _element_codes(g)[arcs[ei]]
    keep_el = np.ones(len(ei), dtype=bool)
    keep_el[1:] = ~(
        (where[ei][1:] == where[ei][:-1]) & (elem_code[1:] == elem_code[:-1]) & is_link[ei][1:]
    )
    el_keep = np.zeros(len(arcs), dtype=bool)
    el_keep[ei[keep_el]] = True
    elements = np.array(g.element, dtype=object)[arcs[ei[keep_el]]]
    return {
        "money": path_sums(g.money[k, arcs], start),
        "generalized": path_sums(g.generalized[k, arcs], start),
        "time": path_sums(g.time_h[arcs], start),
        "km": path_sums(g.length_km[arcs], start),
        "co2": path_sums(g.co2_kg_per_t[arcs], start),
        "chain": chains,
        "path": _strings(elements, el_keep, where, pt.n_paths, " "),
        "transfers": np.bincount(
            where, weights=((g.kind[arcs] == TRANSFER) & handling), minlength=pt.n_paths
        ).astype(np.int64),
        "table": pt,
    }


def _element_codes(g: Any) -> np.ndarray:
    """An integer per arc, equal for arcs of the same element (link or terminal id)."""
    code: dict[str, int] = {}
    return np.fromiter((code.setdefault(e, len(code)) for e in g.element), np.int64, g.n_arcs)


def _row_sums(values: np.ndarray, row_start: np.ndarray) -> np.ndarray:
    """Per demand row, its paths' ``values`` added one by one in path order from 0: the float
    Python's ``sum`` gives over the row's paths, for all rows at once (one step per position)."""
    counts = np.diff(row_start)
    out = np.zeros(len(counts))
    for j in range(int(counts.max(initial=0))):
        rows = np.flatnonzero(counts > j)
        out[rows] += values[row_start[rows] + j]
    return out


def od_flows(run: ModelRun, stats: Mapping[str, Any] | None = None) -> Table:
    """One row per demand row: demand, served, unserved, average money and generalized cost,
    time, distance and CO2 per tonne over its paths, the main path's mode chain and elements, and
    every mode chain used with its tonnes. ``stats``: the run's :func:`path_stats`, when known."""
    st = path_stats(run) if stats is None else stats
    pt: PathTable = st["table"]
    keys = ("money", "generalized", "time", "km", "co2")
    starts = pt.row_start
    counts = np.diff(starts)
    tot = _row_sums(pt.tonnes, starts)
    carried = (tot > 0).tolist()
    avg: dict[str, list[float | None]] = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for key in keys:
            mean = _row_sums(st[key] * pt.tonnes, starts) / tot
            avg[key] = [m if c else None for m, c in zip(mean.tolist(), carried, strict=True)]
    chain, path, transfers = st["chain"], st["path"], st["transfers"].tolist()
    tonnes = pt.tonnes.tolist()
    tonnes_text = format_column(tonnes, DEFAULT_PRECISION)
    n_paths = counts.tolist()
    lows = starts.tolist()
    served_all = (run.demand.tonnes - run.unserved).tolist()
    unserved = run.unserved.tolist()
    names = _place_names(run)
    rows: Table = []
    for r, dem in enumerate(run.net.demand):
        lo, n = lows[r], n_paths[r]
        if n == 1:  # one chain: its tonnes (0 + t)
            mode_chains = f"{chain[lo]} {tonnes_text[lo]}"
        else:
            chains: dict[str, float] = {}
            for p in range(lo, lo + n):
                chains[chain[p]] = chains.get(chain[p], 0.0) + tonnes[p]
            mode_chains = "; ".join(
                f"{c} {fmt(t)}" for c, t in sorted(chains.items(), key=lambda x: (-x[1], x[0]))
            )
        o = names.get(dem.origin, (dem.origin, ""))
        d = names.get(dem.destination, (dem.destination, ""))
        rows.append(
            {
                "origin": dem.origin,
                "destination": dem.destination,
                "commodity": dem.commodity,
                "origin_name": o[0],
                "origin_name_zh": o[1],
                "destination_name": d[0],
                "destination_name_zh": d[1],
                "demand_t": dem.tonnes,
                "served_t": served_all[r],
                "unserved_t": unserved[r],
                "money_cny_per_t": avg["money"][r],
                "generalized_cny_per_t": avg["generalized"][r],
                "time_h": avg["time"][r],
                "distance_km": avg["km"][r],
                "co2_kg_per_t": avg["co2"][r],
                "modes": chain[lo] if n else "",
                "transfers": transfers[lo] if n else None,
                "paths": n,
                "mode_chains": mode_chains,
                "path": path[lo] if n else "",
            }
        )
    return rows


def od_paths(run: ModelRun, stats: Mapping[str, Any] | None = None) -> Table:
    """One row per path of each demand row (largest first): its tonnes, mode chain, generalized
    cost and elements (links and terminals in order). ``freight route`` reads it. ``stats``: the
    run's :func:`path_stats`, when known."""
    st = path_stats(run) if stats is None else stats
    pt: PathTable = st["table"]
    tonnes = pt.tonnes.tolist()
    gen = st["generalized"].tolist()
    chain, path = st["chain"], st["path"]
    starts = pt.row_start.tolist()
    place_names = _place_names(run)
    rows: Table = []
    for r, dem in enumerate(run.net.demand):
        if starts[r] == starts[r + 1]:
            continue
        o = place_names.get(dem.origin, (dem.origin, ""))
        d = place_names.get(dem.destination, (dem.destination, ""))
        names = {
            "origin_name": o[0],
            "origin_name_zh": o[1],
            "destination_name": d[0],
            "destination_name_zh": d[1],
        }
        for i, p in enumerate(range(starts[r], starts[r + 1]), 1):
            rows.append(
                {
                    "origin": dem.origin,
                    "destination": dem.destination,
                    "commodity": dem.commodity,
                    **names,
                    "path_no": i,
                    "tonnes_t": tonnes[p],
                    "modes": chain[p],
                    "generalized_cny_per_t": gen[p],
                    "path": path[p],
                }
            )
    return rows


def mode_summary(run: ModelRun) -> Table:
    """Per mode: tonnes lifted (entering the mode), tonne-km, money cost, tonne-hours and CO2,
    with shares of tonnes and tonne-km. Transfers (handling) get their own row."""
    g = run.graph
    total = run.flow.sum(axis=0)
    entering = g.meta["entering_mode"]
    money_arc = (run.flow * g.money).sum(axis=0)
    rows: Table = []
    lifted_all = float(total[entering >= 0].sum())
    tkm_all = float((total * g.length_km)[g.kind == LINK].sum())
    for mi, m in enumerate(MODES):
        link = (g.kind == LINK) & (g.mode == mi)
        enter = entering == mi
        if not link.any():
            continue
        lifted = float(total[enter].sum())
        tkm = float((total * g.length_km)[link].sum())
        rows.append(
            {
                "mode": m,
                "tonnes_lifted": lifted,
                "tonnes_share": lifted / lifted_all if lifted_all > 0 else None,
                "tonne_km": tkm,
                "tonne_km_share": tkm / tkm_all if tkm_all > 0 else None,
                "money_cost_cny": float(money_arc[link | enter].sum()),
                "tonne_hours": float((total * g.time_h)[link].sum()),
                "co2_t": float((total * g.co2_kg_per_t)[link].sum() / 1000.0),
            }
        )
    handling = (g.kind != LINK) & (entering < 0)
    rows.append(
        {
            "mode": "transfer",
            "tonnes_lifted": None,
            "tonnes_share": None,
            "tonne_km": 0.0,
            "tonne_km_share": None,
            "money_cost_cny": float(money_arc[handling].sum()),
            "tonne_hours": float((total * g.time_h)[g.kind != LINK].sum()),
            "co2_t": 0.0,
        }
    )
    return rows


def kpis(run: ModelRun) -> Table:
    """Headline indicators (metric, value, unit), each value rounded to its unit's precision
    (:func:`freight.results.declared.unit_precision`: 1 t, 1 CNY, 4 decimals of a share)."""
    out = _kpis(run)
    for r in out:  # kpis.csv has one value column: round each value to its row's unit
        if isinstance(r["value"], float) and math.isfinite(r["value"]):
            r["value"] = round(r["value"], unit_precision(r["unit"])) + 0.0
    return out


def _kpis(run: ModelRun) -> Table:
    """Headline indicators (metric, value, unit), unrounded."""
    g = run.graph
    d = run.demand
    total_demand = float(d.tonnes.sum())
    unserved = float(run.unserved.sum())
    money = float((run.flow * g.money).sum())
    gen = float((run.flow * g.generalized).sum())
    hours = float((run.flow.sum(axis=0) * g.time_h).sum())
    co2 = float((run.flow.sum(axis=0) * g.co2_kg_per_t).sum() / 1000.0)
    penalty = float((run.unserved * d.penalty).sum())
    # binding: a shadow price that shows as positive at the column's 2 decimals (the behavioural
    # model's multipliers keep residues up to ~1e-5 CNY/t on arcs that do not bind)
    binding = int(np.sum(run.capacity_dual >= 0.005))
    out: Table = [
        {"metric": "demand", "value": total_demand, "unit": "t/yr"},
        {"metric": "served", "value": total_demand - unserved, "unit": "t/yr"},
        {"metric": "unserved", "value": unserved, "unit": "t/yr"},
        {"metric": "generalized_cost", "value": gen, "unit": "CNY/yr"},
        {"metric": "money_cost", "value": money, "unit": "CNY/yr"},
        {
            "metric": "time_cost",
            "value": float((run.flow * (g.vot[:, None] * g.time_h[None, :])).sum()),
            "unit": "CNY/yr",
        },
        {"metric": "tonne_hours", "value": hours, "unit": "t-h/yr"},
        {"metric": "co2", "value": co2, "unit": "t/yr"},
        {"metric": "unserved_penalty", "value": penalty, "unit": "CNY/yr"},
        {"metric": "objective", "value": run.objective, "unit": "CNY/yr"},
        {"metric": "binding_capacities", "value": binding, "unit": "arcs"},
    ]
    for row in mode_summary(run):
        if row["mode"] == "transfer":
            continue
        out.append(
            {"metric": f"tonne_km_{row['mode']}", "value": row["tonne_km"], "unit": "t-km/yr"}
        )
        out.append(
            {"metric": f"tonnes_{row['mode']}", "value": row["tonnes_lifted"], "unit": "t/yr"}
        )
        out.append(
            {
                "metric": f"share_tonnes_{row['mode']}",
                "value": row["tonnes_share"],
                "unit": "fraction",
            }
        )
    return out


def kpi_dict(run: ModelRun) -> dict[str, float]:
    """KPIs as a mapping metric -> value: the rows of ``kpis.csv``, the behavioural model's
    included (logsum, background delays, lock wait and passages), unrounded."""
    from freight.model.behavioural import BehaviouralRun

    rows = _kpis(run)
    if isinstance(run, BehaviouralRun):
        rows += [{"metric": m, "value": v, "unit": u} for m, v, u in _behavioural_kpis(run)]
    return {r["metric"]: float(r["value"]) if r["value"] is not None else math.nan for r in rows}


def _behavioural_kpis(run: Any) -> list[tuple[str, float | None, str]]:
    """The behavioural model's KPIs (metric, unrounded value, unit), in kpis.csv's order."""
    info = run.solver_info
    locks = info["locks"].values()
    passages = sum(v["volume_t"] for v in locks)
    wait = sum(v["volume_t"] * v["wait_h"] for v in locks) / passages if passages > 0 else None
    return [
        ("logsum", info["logsum_total_cny"], "CNY/yr"),
        ("background_delay_road", info["background_delay_road_pcu_h"], "PCU-h/yr"),
        ("background_delay_locks", info["background_delay_lock_t_h"], "t-h/yr"),
        ("lock_wait", wait, "h"),
        ("lock_passages", float(passages), "t/yr"),
    ]


def run_tables(run: ModelRun) -> dict[str, Table]:
    """Every table of a run's result folder, keyed by file name (the behavioural model adds
    ``od_chains.csv`` and its columns of ``link_flows.csv`` and ``od_flows.csv``). The cycle
    collector is paused while the rows are built (:func:`freight.data.csvio.bulk`)."""
    with bulk():
        return _run_tables(run)


def _run_tables(run: ModelRun) -> dict[str, Table]:
    """The tables of :func:`run_tables`."""
    stats = path_stats(run)  # shared by od_flows.csv and od_paths.csv
    tables = {
        "link_flows.csv": link_flows(run),
        "od_flows.csv": od_flows(run, stats),
        "mode_summary.csv": mode_summary(run),
        "terminals.csv": terminal_flows(run),
        "od_paths.csv": od_paths(run, stats),
        "kpis.csv": kpis(run),
    }
    from freight.model.behavioural import BehaviouralRun

    if isinstance(run, BehaviouralRun):
        _add_behavioural(run, tables)
    return tables


def _add_behavioural(run: Any, tables: dict[str, Table]) -> None:
    """Add the behavioural model's columns and its ``od_chains.csv`` to a run's tables."""
    from freight.model.behavioural import link_behaviour, od_chain_rows

    extra = link_behaviour(run)
    arcs = np.flatnonzero(run.graph.kind == LINK).tolist()
    for row, a in zip(tables["link_flows.csv"], arcs, strict=True):
        per_c = {k: v for k, v in row.items() if k.startswith("flow_t_")}
        for k in per_c:
            del row[k]
        row.update(extra[a])
        row.update(per_c)
    for row, s in zip(tables["od_flows.csv"], run.sue.logsum.tolist(), strict=True):
        row["logsum_cny_per_t"] = s
    tables["od_chains.csv"] = od_chain_rows(run)
    for metric, value, unit in _behavioural_kpis(run):
        if isinstance(value, float) and math.isfinite(value):
            value = round(value, unit_precision(unit)) + 0.0
        tables["kpis.csv"].append({"metric": metric, "value": value, "unit": unit})


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes."""
    return sha256_file(path)


def input_hashes(paths: Iterable[str | os.PathLike[str]]) -> dict[str, str]:
    """SHA-256 of every input file (folders: every file inside, sorted)."""
    out: dict[str, str] = {}
    for p in paths:
        path = Path(p)
        files = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
        for f in files:
            out[f.as_posix()] = file_sha256(f)
    return out


def versions() -> dict[str, str]:
    """Versions of freight, Python and the numerical libraries."""
    out = {"python": platform.python_version()}
    for pkg in ("freight", "numpy", "scipy", "ortools", "highspy", "networkx", "pydantic"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def write_file_atomic(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write one file atomically (a hidden temporary file in the target's folder, then a rename).

    Text is written as UTF-8 with the line ends given; the file gets the usual permissions. The
    file may not be a folder, one of ``inputs`` or a file a result folder's manifest lists (see
    :func:`freight.results.folder.write_file`).

    Raises
    ------
    freight.results.folder.OutputError
        If the file may not or cannot be written.
    """
    return write_file(path, data, inputs=inputs)


def write_result_folder(
    out: str | os.PathLike[str],
    tables: Mapping[str, Sequence[Mapping[str, Any]]],
    manifest: Mapping[str, Any],
    *,
    extra_files: Mapping[str, str | bytes] | None = None,
    inputs: Iterable[str | os.PathLike[str]] = (),
) -> Path:
    """Write a result folder atomically (see :meth:`freight.results.folder.ResultFolder.write`).

    An interrupted run leaves either the previous folder or the new one, never a half-written
    one. The manifest lists the files written with their SHA-256. Every table must be declared in
    :mod:`freight.results.declared` for the manifest's ``command``.

    Raises
    ------
    freight.results.folder.OutputError
        If ``out`` may not or cannot be written (an input, a folder of other files …).
    freight.results.declared.UndeclaredError
        If a table or column is not declared.
    """
    return ResultFolder.write(out, tables, manifest, inputs=inputs, extra_files=extra_files).path
