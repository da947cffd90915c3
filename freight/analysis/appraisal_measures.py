"""What the appraisal reads from a solved network, and the annual benefit between two solves.

:func:`run_measures` turns a :class:`~freight.model.linear.ModelRun` of any method into a small
picklable dict (it runs in the worker processes): per demand row its served tonnes and the CNY/yr
of each cost part over its paths (:func:`freight.model.costs.cost_parts`: vehicle distance,
vehicle time, cargo time, handling, tolls), CO2 and tonne-km by mode, the background volume and
time of every link direction, and the behavioural model's logsums where the run has them.

:func:`annual_benefits` compares a without and a with solve, CNY per year at the network's
prices, by user class (the TAG TEE / AMCB layout):

``freight`` (modelled freight)
    Consumer surplus by the **rule of half** on each demand row's generalized cost per tonne,
    part by part: ``½ (T0 + T1) (p0 − p1)`` with ``T`` the served tonnes and ``p`` the part's
    cost per served tonne, so freight that becomes served earns half the cost change and never the
    unserved penalty (a row wholly unserved without the project has no ``p0`` and earns 0 under
    the rule of half). Money parts are split into their resource cost (``/(1 + VAT)``) and the
    VAT; tolls (road tolls, the rail construction fund) are a transfer. With the behavioural
    model the consumer surplus is the change of the logsum ``Σ T (S0 − S1)``, and the component
    ``logsum_adjustment`` holds its difference from the rule of half, so the components still add
    up to the total.
``background`` (traffic not modelled: cars and other trucks on roads, other ships at the locks,
    other trains)
    ``background_t × (t0 − t1) × value`` on every link direction present in both networks, at
    the mode's vehicle time value plus a cargo value of time; links a project adds earn nothing.
``government`` (government and infrastructure operators)
    Minus the tolls and VAT that users save: transfers balance to zero.
``society`` (externalities)
    CO2 avoided (tonnes here, valued by the economics at the year's carbon price), local air
    pollution and accidents avoided (tonne-km by mode × unit values, CNY at the price base).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from freight.data.schema import MODES
from freight.model.costs import cost_parts
from freight.model.graph import LINK
from freight.model.linear import ModelRun
from freight.results.tables import kpi_dict

PARTS: tuple[str, ...] = ("vehicle_distance", "vehicle_time", "cargo_time", "handling", "tolls")
"""The user-cost parts of a demand row (CNY/yr)."""
TAXED: tuple[str, ...] = ("vehicle_distance", "vehicle_time", "handling")
"""Parts whose price includes VAT on transport services."""

USER_CLASSES: tuple[str, ...] = ("freight", "background", "government", "society")
"""The user classes of the benefit tables."""

PRICE_BASE_COMPONENTS: frozenset[str] = frozenset({"local_air", "accidents"})
"""Components already at the price base (unit values of economics.toml); ``co2`` is tonnes."""


def run_measures(run: ModelRun) -> dict[str, Any]:
    """The measures of one solve (module docstring), a dict of plain numbers.

    Returns
    -------
    dict
        ``status``, ``kpis`` (:func:`freight.results.tables.kpi_dict`), ``rows`` (row key ->
        ``[served_t, *parts]``), ``co2_t``, ``tkm`` (mode -> t-km/yr), ``background``
        (``element|direction`` -> ``[background_t, time_h, value CNY/t-h]``), ``logsum`` (row key
        -> ``[tonnes, S]``, behavioural runs only), ``benefit_method``.
    """
    g = run.graph
    parts = cost_parts(run.net, g)
    arrays = {
        "vehicle_distance": parts.distance,
        "tolls": parts.tolls,
        "handling": np.broadcast_to(parts.handling, parts.distance.shape),
        "vehicle_time": np.broadcast_to(parts.vehicle_time_value * g.time_h, parts.distance.shape),
        "cargo_time": parts.cargo_time_value[:, None] * g.time_h[None, :],
    }
    rows: dict[str, list[float]] = {}
    for r, dem in enumerate(run.net.demand):
        k = int(run.demand.commodity[r])
        served = float(run.demand.tonnes[r] - run.unserved[r])
        vals = [0.0] * len(PARTS)
        for p in run.od_paths[r]:
            arcs = np.asarray(p.arcs, dtype=np.int64)
            for j, name in enumerate(PARTS):
                vals[j] += p.tonnes * float(arrays[name][k, arcs].sum())
        key = f"{dem.origin}|{dem.destination}|{dem.commodity}"
        old = rows.get(key)
        rows[key] = (
            [served, *vals]
            if old is None
            else [a + b for a, b in zip(old, [served, *vals], strict=True)]
        )
    total = run.flow.sum(axis=0)
    link = g.kind == LINK
    tkm = {
        m: float((total[link & (g.mode == i)] * g.length_km[link & (g.mode == i)]).sum())
        for i, m in enumerate(MODES)
    }
    background: dict[str, list[float]] = {}
    for a in np.flatnonzero(link & (g.background_t > 0)):
        key = f"{g.element[a]}|{int(g.direction[a])}"
        value = float(parts.vehicle_time_value[a])
        background[key] = [float(g.background_t[a]), float(g.time_h[a]), value]
    out: dict[str, Any] = {
        "status": run.status,
        "kpis": kpi_dict(run),
        "rows": rows,
        "co2_t": float((total * g.co2_kg_per_t).sum() / 1000.0),
        "tkm": tkm,
        "background": background,
        "benefit_method": "rule_of_half",
    }
    sue = getattr(run, "sue", None)
    logsum = getattr(sue, "logsum", None)
    if logsum is not None:
        ls = np.asarray(logsum, dtype=float)
        out["logsum"] = {
            f"{d.origin}|{d.destination}|{d.commodity}": [float(d.tonnes), float(ls[i])]
            for i, d in enumerate(run.net.demand)
            if math.isfinite(float(ls[i]))
        }
        out["benefit_method"] = "logsum"
    return out


def rule_of_half(
    without: Mapping[str, list[float]], with_: Mapping[str, list[float]]
) -> tuple[dict[str, float], float, float]:
    """Rule-of-half benefit by part over the demand rows of two solves.

    Returns
    -------
    by_part, newly_served_t, unvalued_t
        CNY/yr per part of :data:`PARTS`; tonnes served with but not without the project; of
        those, tonnes of rows wholly unserved without it (no cost to compare, valued 0).
    """
    out = dict.fromkeys(PARTS, 0.0)
    newly = unvalued = 0.0
    for key in sorted(set(without) | set(with_)):
        w0 = without.get(key)
        w1 = with_.get(key)
        t0 = w0[0] if w0 else 0.0
        t1 = w1[0] if w1 else 0.0
        newly += max(t1 - t0, 0.0)
        if t0 <= 0 or t1 <= 0 or w0 is None or w1 is None:
            if t1 > t0:
                unvalued += t1 - t0
            continue
        for j, name in enumerate(PARTS):
            out[name] += 0.5 * (t0 + t1) * (w0[j + 1] / t0 - w1[j + 1] / t1)
    return out, newly, unvalued


def annual_benefits(
    without: Mapping[str, Any],
    with_: Mapping[str, Any],
    *,
    vat: float,
    background_cargo_vot: float,
    local_air: Mapping[str, float],
    accidents: Mapping[str, float],
) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
    """Annual benefit of going from ``without`` to ``with_`` (two :func:`run_measures`).

    Returns
    -------
    components, info
        (user class, component) -> CNY/yr at the network's prices, except ``co2`` (tonnes/yr
        avoided) and the components of :data:`PRICE_BASE_COMPONENTS` (CNY/yr at the price base);
        ``info``: ``newly_served_t``, ``unvalued_t``, ``unserved_penalty_avoided_cny``.
    """
    roh, newly, unvalued = rule_of_half(without["rows"], with_["rows"])
    c: dict[tuple[str, str], float] = {}
    for name in PARTS:
        if name == "tolls":
            c[("freight", "transfers_tolls")] = roh[name]
            c[("government", "transfers_tolls")] = -roh[name]
        elif name in TAXED:
            c[("freight", name)] = roh[name] / (1.0 + vat)
        else:
            c[("freight", name)] = roh[name]
    tax = sum(roh[n] for n in TAXED) * vat / (1.0 + vat)
    c[("freight", "transfers_vat")] = tax
    c[("government", "transfers_vat")] = -tax
    if "logsum" in without and "logsum" in with_:
        cs = 0.0
        for key, (t, s1) in with_["logsum"].items():
            if key in without["logsum"]:
                cs += t * (without["logsum"][key][1] - s1)
        c[("freight", "logsum_adjustment")] = cs - sum(roh.values())
    bg = 0.0
    for key, (t_bg, time1, value) in with_["background"].items():
        old = without["background"].get(key)
        if old is None:
            continue
        bg += min(old[0], t_bg) * (old[1] - time1) * (value + background_cargo_vot)
    c[("background", "background_time")] = bg
    c[("society", "co2")] = without["co2_t"] - with_["co2_t"]
    dtkm = {m: without["tkm"].get(m, 0.0) - with_["tkm"].get(m, 0.0) for m in MODES}
    c[("society", "local_air")] = sum(dtkm[m] * local_air.get(m, 0.0) for m in MODES)
    c[("society", "accidents")] = sum(dtkm[m] * accidents.get(m, 0.0) for m in MODES)
    info = {
        "newly_served_t": newly,
        "unvalued_t": unvalued,
        "unserved_penalty_avoided_cny": without["kpis"]["unserved_penalty"]
        - with_["kpis"]["unserved_penalty"],
    }
    return c, info
