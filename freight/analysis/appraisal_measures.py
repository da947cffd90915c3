"""What the appraisal reads from a solved network, and the annual benefit between two solves.

:func:`run_measures` turns a :class:`~freight.model.linear.ModelRun` of any method into a small
picklable dict (it runs in the worker processes): per demand row its served tonnes and the CNY/yr
of each cost part over its paths (:func:`freight.model.costs.cost_parts`: vehicle distance,
vehicle time, cargo time, handling, tolls), CO2 and tonne-km by mode, the background volume and
time of every link direction, the behavioural model's logsums where the run has them and, when
asked, its alternatives (:class:`ChoiceTable`).

:func:`annual_benefits` compares a without and a with solve, CNY per year at the network's
prices, by user class (the TAG TEE / AMCB layout):

``freight`` (modelled freight)
    *Linear and equilibrium methods*: consumer surplus by the **rule of half** on each demand
    row's generalized cost per tonne, part by part: ``½ (T0 + T1) (p0 − p1)`` with ``T`` the
    served tonnes and ``p`` the part's cost per served tonne (these methods route each row on its
    cheapest paths, so the row is the alternative), so freight that becomes served earns half the
    cost change and never the unserved penalty (a row wholly unserved without the project has no
    ``p0`` and earns 0 under the rule of half).
    *Behavioural model* (two solves over the same choice set, :func:`logit_surplus`): the
    consumer surplus is the change of the nested-logit logsum, taken **per alternative** (chain ×
    route) — the line integral of each alternative's logit demand along its cost change, which
    splits exactly by cost part and whose two-point trapezoid is the textbook rule of half — with
    the alternatives the project adds valued as the area under their demand curve
    (``new_alternatives``). The capacity multipliers of binding rail lines and terminals are a
    rationing cost borne by users (``capacity_rationing``: regulated tariffs do not rise, nobody
    collects them). ``logsum_adjustment`` holds what is left between the parts and the solvers'
    logsum change (the quadrature's residual, about 1e-9 of it), so the components add up to the
    logsum.
    Money parts are split into their resource cost (``/(1 + VAT)``) and the VAT; tolls (road
    tolls, the rail construction fund) and the carbon price in the behavioural cost are
    transfers.
``background`` (traffic not modelled: cars and other trucks on roads, other ships at the locks,
    other trains)
    ``background_t × (t0 − t1) × value`` on every link direction present in both networks, in
    two components as for freight: ``vehicle_time`` at the mode's vehicle time value and
    ``cargo_time`` at the background's cargo value of time (so each grows with income as its
    freight counterpart does); links a project adds earn nothing.
``government`` (government and infrastructure operators)
    The transfers: with the linear methods minus the tolls and VAT that users save (they balance
    to zero); with the behavioural model the change of the revenue actually collected (path flows
    × tolls, VAT, carbon price, with − without), which differs from the users' saving by the
    revenue of tonnes that move between differently charged alternatives (TAG A1.3's indirect
    tax revenue: the users' perceived surplus plus it is the resource saving).
``society`` (externalities)
    CO2 avoided (tonnes here, valued by the economics at the year's carbon price), local air
    pollution and accidents avoided (tonne-km by mode × unit values, CNY at the price base).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from freight.data.schema import MODES
from freight.model.costs import PARTS as COST_PARTS
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


def run_measures(run: ModelRun, *, choice: bool = False) -> dict[str, Any]:
    """The measures of one solve (module docstring), a dict of plain numbers.

    ``choice`` (behavioural runs only) adds ``choice``: the run's :class:`ChoiceTable`, which
    :func:`annual_benefits` then values per alternative (two runs over the same choice set:
    :func:`freight.analysis.appraise.solve_pair`).

    Returns
    -------
    dict
        ``status``, ``kpis`` (:func:`freight.results.tables.kpi_dict`), ``rows`` (row key ->
        ``[served_t, *parts]``; empty with ``choice``), ``co2_t``, ``tkm`` (mode -> t-km/yr), ``background``
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
    for r, dem in enumerate(() if choice else run.net.demand):  # per alternative instead
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
    # the background's load is valued at the value of time of the modelled freight on the same
    # link direction (its tonne-weighted VOT: coal and bulk at the locks, containers on an
    # expressway), NaN where no modelled freight runs (then the economics file's figure)
    flow_vot = (run.flow * np.asarray(g.vot, dtype=float)[:, None]).sum(axis=0)
    for a in np.flatnonzero(link & (g.background_t > 0)):
        key = f"{g.element[a]}|{int(g.direction[a])}"
        value = float(parts.vehicle_time_value[a])
        mix = float(flow_vot[a] / total[a]) if total[a] > 1e-9 else math.nan
        background[key] = [float(g.background_t[a]), float(g.time_h[a]), value, mix]
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
        if choice:
            out["choice"] = choice_table(run)
            out["benefit_method"] = "logsum_per_alternative"
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


def _background_vot(old: Sequence[float], new: Sequence[float], default: float) -> float:
    """Value of time of a link direction's background load (CNY/t-h): the mean of the modelled
    freight's tonne-weighted VOT there without and with the project (the one side that has
    modelled freight, or ``default`` where neither has)."""
    mixes = [float(m[3]) for m in (old, new) if len(m) > 3 and math.isfinite(float(m[3]))]
    return sum(mixes) / len(mixes) if mixes else default


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
    c: dict[tuple[str, str], float] = {}
    extra: dict[str, float] = {}
    if "choice" in without and "choice" in with_:
        newly, unvalued, extra = _logit_components(c, without["choice"], with_["choice"], vat)
    else:
        newly, unvalued = _roh_components(c, without, with_, vat)
    bg_cargo = bg_vehicle = 0.0
    for key, new in with_["background"].items():
        old = without["background"].get(key)
        if old is None:
            continue
        saved = min(old[0], new[0]) * (old[1] - new[1])
        bg_vehicle += saved * new[2]
        bg_cargo += saved * _background_vot(old, new, background_cargo_vot)
    c[("background", "vehicle_time")] = bg_vehicle
    c[("background", "cargo_time")] = bg_cargo
    c[("society", "co2")] = without["co2_t"] - with_["co2_t"]
    dtkm = {m: without["tkm"].get(m, 0.0) - with_["tkm"].get(m, 0.0) for m in MODES}
    c[("society", "local_air")] = sum(dtkm[m] * local_air.get(m, 0.0) for m in MODES)
    c[("society", "accidents")] = sum(dtkm[m] * accidents.get(m, 0.0) for m in MODES)
    info = {
        "newly_served_t": newly,
        "unvalued_t": unvalued,
        "unserved_penalty_avoided_cny": without["kpis"]["unserved_penalty"]
        - with_["kpis"]["unserved_penalty"],
        **extra,
    }
    return c, info


def _roh_components(
    c: dict[tuple[str, str], float],
    without: Mapping[str, Any],
    with_: Mapping[str, Any],
    vat: float,
) -> tuple[float, float]:
    """The freight and government components by the rule of half per demand row (module
    docstring), into ``c``; returns (newly served t, unvalued t)."""
    roh, newly, unvalued = rule_of_half(without["rows"], with_["rows"])
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
    return newly, unvalued


def _logit_components(
    c: dict[tuple[str, str], float], without: ChoiceTable, with_: ChoiceTable, vat: float
) -> tuple[float, float, dict[str, float]]:
    """The freight and government components per alternative (:func:`logit_surplus`), into
    ``c``; returns (newly served t, unvalued t = 0, diagnostics)."""
    ls = logit_surplus(without, with_)
    part = ls["parts"]
    rev = ls["revenue"]
    for name in TAXED:
        c[("freight", name)] = part[name] / (1.0 + vat)
    c[("freight", "cargo_time")] = part["cargo_time"]
    c[("freight", "transfers_vat")] = sum(part[n] for n in TAXED) * vat / (1.0 + vat)
    c[("government", "transfers_vat")] = sum(rev[n] for n in TAXED) * vat / (1.0 + vat)
    c[("freight", "transfers_tolls")] = part["tolls"]
    c[("government", "transfers_tolls")] = rev["tolls"]
    c[("freight", "transfers_carbon")] = part["co2"]
    c[("government", "transfers_carbon")] = rev["co2"]
    c[("freight", "capacity_rationing")] = part["capacity_price"]
    c[("freight", "new_alternatives")] = ls["new_alternatives"]
    counted = sum(v for (uc, _), v in c.items() if uc == "freight")
    c[("freight", "logsum_adjustment")] = ls["logsum"] - counted
    diag = {
        "logsum_cny": ls["logsum"],
        "rule_of_half_cny": ls["trapezoid"],
        "integrated_cny": ls["integrated"],
        "new_alternative_t": ls["new_tonnes"],
        "quadrature_panels": float(ls["panels"]),
    }
    return ls["newly_served_t"], 0.0, diag


# ----------------------------------------------------------------------------- behavioural model

CHOICE_PARTS: tuple[str, ...] = (*COST_PARTS, "capacity_price", "asc", "path_size")
"""The terms of a behavioural path cost ``g_p`` (CNY/t): the cost parts of
:data:`freight.model.costs.PARTS`, the capacity multipliers on the path, the mode constants and the
path-size term ``−ln(PS_p) / θ_route``; they add up to ``g_p``."""

QUADRATURE_NODES = 5
"""Gauss–Legendre nodes per panel of the line integral (:func:`logit_surplus`)."""
MAX_PANELS = 512
"""Panels at most: the line integral doubles its panels until it matches the logsum change."""
QUADRATURE_RTOL = 1e-9
"""Stop when Σ_rows |integral − logsum change| ≤ this × Σ_rows |logsum change|."""


@dataclass(frozen=True, eq=False)
class ChoiceTable:
    """The alternatives of one behavioural solve, keyed so that two solves can be matched.

    A path is identified by its demand row and the labels of its arcs (element and end nodes),
    which do not depend on the arc numbering of either network.

    Attributes
    ----------
    rows
        Key of each demand row (``origin|destination|commodity``, ``#n`` for a repeated row).
    tonnes, theta_route, theta_chain, penalty, logsum, served
        Per demand row: demand (t/yr), logit scales (1/(CNY/t)), the unserved alternative's cost
        (CNY/t, ``inf`` = none), the solver's logsum (CNY/t) and the served tonnes.
    path_row, path_nest, path_key
        Per path: its row, its nest (mode chain label) and its arc labels.
    cost
        ``g_p`` at the equilibrium (CNY/t).
    parts
        The terms of ``g_p`` (:data:`CHOICE_PARTS`), CNY/t, ``(n_paths, len(CHOICE_PARTS))``.
    flow
        Path flows, t/yr.
    """

    rows: tuple[str, ...]
    tonnes: NDArray[np.float64]
    theta_route: NDArray[np.float64]
    theta_chain: NDArray[np.float64]
    penalty: NDArray[np.float64]
    logsum: NDArray[np.float64]
    served: NDArray[np.float64]
    path_row: NDArray[np.int64]
    path_nest: tuple[str, ...]
    path_key: tuple[tuple[str, ...], ...]
    cost: NDArray[np.float64]
    parts: NDArray[np.float64]
    flow: NDArray[np.float64]


def choice_table(run: ModelRun) -> ChoiceTable:
    """The :class:`ChoiceTable` of a behavioural run (:class:`~freight.model.behavioural.
    BehaviouralRun`)."""
    from freight.model.behavioural import BehaviouralRun

    if not isinstance(run, BehaviouralRun) or run.choice is None or run.sue is None:
        raise ValueError("choice_table needs a behavioural run (method logit)")
    ch, res = run.choice, run.sue
    g = run.graph
    labels = [g.arc_label(a) for a in range(g.n_arcs)]
    seen: dict[str, int] = {}
    rows: list[str] = []
    for d in run.net.demand:
        key = f"{d.origin}|{d.destination}|{d.commodity}"
        n = seen.get(key, 0)
        seen[key] = n + 1
        rows.append(key if n == 0 else f"{key}#{n}")
    cost = np.asarray(res.path_cost, dtype=float)
    pp = np.asarray(run.path_parts, dtype=float)
    parts = np.column_stack([pp, cost - pp.sum(axis=1)])
    return ChoiceTable(
        rows=tuple(rows),
        tonnes=np.asarray(run.demand.tonnes, dtype=float),
        theta_route=np.asarray(run.theta_route, dtype=float),
        theta_chain=np.asarray(run.theta_chain, dtype=float),
        penalty=np.asarray(res.unserved_penalty, dtype=float),
        logsum=np.asarray(res.logsum, dtype=float),
        served=np.asarray(run.demand.tonnes - run.unserved, dtype=float),
        path_row=np.asarray(ch.path_od, dtype=np.int64),
        path_nest=tuple(ch.nest_label[int(n)] for n in ch.path_nest),
        path_key=tuple(tuple(labels[a] for a in arcs) for arcs in ch.path_arcs),
        cost=cost,
        parts=parts,
        flow=np.asarray(res.path_flow, dtype=float),
    )


@dataclass(frozen=True)
class _Union:
    """The alternatives of two solves on one index, sorted by row and nest (unserved included)."""

    alt_row: NDArray[np.int64]
    alt_nest: NDArray[np.int64]
    nest_start: NDArray[np.int64]
    nest_row: NDArray[np.int64]
    row_start: NDArray[np.int64]
    rows: NDArray[np.int64]
    theta_r: NDArray[np.float64]
    theta_c_nest: NDArray[np.float64]
    theta_c_row: NDArray[np.float64]
    q_row: NDArray[np.float64]


def _nested_logit(
    u: _Union, g: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Shares of every alternative and the logsum of every row at costs ``g`` (``inf`` = not
    available), the formulas of :mod:`solvers.sue`."""
    fin = np.isfinite(g)
    gz = np.where(fin, g, 0.0)
    gmin = np.minimum.reduceat(np.where(fin, g, np.inf), u.nest_start)
    base = np.where(np.isfinite(gmin), gmin, 0.0)
    e = np.where(fin, np.exp(-u.theta_r * np.where(fin, gz - base[u.alt_nest], 0.0)), 0.0)
    sn = np.add.reduceat(e, u.nest_start)
    ok = sn > 0
    tr_n = u.theta_r[u.nest_start]
    nest_cost = np.where(ok, base - np.log(np.where(ok, sn, 1.0)) / tr_n, np.inf)
    fin_n = np.isfinite(nest_cost)
    cz = np.where(fin_n, nest_cost, 0.0)
    cmin = np.minimum.reduceat(np.where(fin_n, nest_cost, np.inf), u.row_start)
    cbase = np.where(np.isfinite(cmin), cmin, 0.0)
    en = np.where(
        fin_n, np.exp(-u.theta_c_nest * np.where(fin_n, cz - cbase[u.nest_row], 0.0)), 0.0
    )
    so = np.add.reduceat(en, u.row_start)
    okr = so > 0
    logsum = np.where(okr, cbase - np.log(np.where(okr, so, 1.0)) / u.theta_c_row, np.inf)
    p_nest = en / np.where(okr, so, 1.0)[u.nest_row]
    p_cond = e / np.where(ok, sn, 1.0)[u.alt_nest]
    return p_nest[u.alt_nest] * p_cond, logsum


def logit_surplus(without: ChoiceTable, with_: ChoiceTable) -> dict[str, Any]:
    """Consumer surplus of going from ``without`` to ``with_`` per alternative, by cost part.

    The alternatives (paths, and each row's unserved alternative at its penalty) of the two
    solves are matched by row and arc labels: *common* ones exist in both, *new* ones only with
    the project (they use what it builds), *removed* ones only without it. The change of the
    nested-logit logsum ``Σ_rows q (S0 − S1)`` is taken in three steps, each exact:

    1. the new alternatives enter at their with-project costs, every other at its without-project
       cost: ``q (S0 − S_A)``, the area under the new alternatives' logit demand curve from their
       cost up to infinity (a logit alternative's demand reaches 0 only at an infinite cost, so
       this is the rule of half's triangle with the "choke" cost of a logit demand);
    2. the costs of the common alternatives move from without to with along the straight line
       ``g(s) = g_A + s (g_B − g_A)``: ``Σ_p w_p (g0_p − g1_p)`` with ``w_p = q ∫_0^1 P_p(g(s)) ds``
       (the line integral of the logit demand, Williams 1977; the rule of half is its two-point
       trapezoid ``w_p ≈ ½ (T0_p + T1_p)``). Being a sum over the terms of ``g_p`` it splits
       exactly by part (:data:`CHOICE_PARTS`); composite Gauss–Legendre quadrature, panels
       doubled until it matches ``q (S_A − S_B)`` to :data:`QUADRATURE_RTOL`;
    3. the removed alternatives leave: ``q (S_B − S1)``.

    Returns
    -------
    dict
        ``parts`` (part -> CNY/yr of step 2), ``new_alternatives`` (steps 1 + 3, CNY/yr),
        ``logsum`` (the solvers' ``Σ q (S0 − S1)``), ``evaluated`` (the same from the matched
        costs), ``quadrature_residual`` (step 2's exact change − its integral), ``trapezoid``
        (the textbook rule of half per alternative over the common ones, ``½ (T0 + T1)(g0 − g1)``
        with the solves' path flows, plus steps 1 and 3), ``revenue`` (part -> path flows × the
        part, with − without, CNY/yr), ``newly_served_t``, counts ``common``, ``new``,
        ``removed``, ``new_tonnes`` (with-project tonnes on new alternatives), ``panels``.
    """
    if without.rows != with_.rows:
        raise ValueError("the two solves have different demand rows")
    if not (
        np.allclose(without.theta_route, with_.theta_route, rtol=1e-12)
        and np.allclose(without.theta_chain, with_.theta_chain, rtol=1e-12)
    ):
        raise ValueError("the two solves have different logit scales: their logsums do not compare")
    n_rows = len(without.rows)
    tabs = (without, with_)
    index: list[dict[tuple[int, tuple[str, ...]], int]] = [
        {(int(r), k): i for i, (r, k) in enumerate(zip(t.path_row, t.path_key, strict=True))}
        for t in tabs
    ]
    nest_of: dict[tuple[int, tuple[str, ...]], str] = {}
    for t, idx in zip(tabs, index, strict=True):
        for key, i in idx.items():
            nest_of.setdefault(key, t.path_nest[i])
    pen = np.where(np.isfinite(without.penalty), without.penalty, with_.penalty)
    unserved_key = ("~unserved",)  # sorts after every arc label: the unserved nest of a row
    for r in np.flatnonzero(np.isfinite(pen)).tolist():
        nest_of[(r, unserved_key)] = unserved_key[0]
    keys = sorted(set(index[0]) | set(index[1]) | {k for k in nest_of if k[1] == unserved_key},
                  key=lambda k: (k[0], nest_of[k], k[1]))  # fmt: skip
    n = len(keys)
    n_parts = len(CHOICE_PARTS)
    alt_row = np.fromiter((k[0] for k in keys), np.int64, n)
    un = np.fromiter((k[1] == unserved_key for k in keys), bool, n)
    g = [np.full(n, np.inf), np.full(n, np.inf)]
    parts = [np.zeros((n, n_parts)), np.zeros((n, n_parts))]
    flow = [np.zeros(n), np.zeros(n)]
    present = [un.copy(), un.copy()]
    for side, (t, idx) in enumerate(zip(tabs, index, strict=True)):
        pos = np.fromiter((idx.get(k, -1) for k in keys), np.int64, n)
        have = pos >= 0
        present[side] |= have
        g[side][have] = t.cost[pos[have]]
        parts[side][have] = t.parts[pos[have]]
        flow[side][have] = t.flow[pos[have]]
        g[side][un] = np.where(np.isfinite(t.penalty), t.penalty, pen)[alt_row[un]]
    labels = [nest_of[k] for k in keys]
    new_nest = np.ones(n, dtype=bool)
    new_nest[1:] = (alt_row[1:] != alt_row[:-1]) | np.array(
        [a != b for a, b in zip(labels[1:], labels[:-1], strict=True)], dtype=bool
    )
    alt_nest = np.cumsum(new_nest) - 1
    nest_start = np.flatnonzero(new_nest)
    nest_row = alt_row[nest_start]
    new_row = np.ones(nest_start.size, dtype=bool)
    new_row[1:] = nest_row[1:] != nest_row[:-1]
    row_start = np.flatnonzero(new_row)
    rows = nest_row[row_start]
    theta_r = with_.theta_route[alt_row]
    u = _Union(
        alt_row=alt_row,
        alt_nest=alt_nest,
        nest_start=nest_start,
        nest_row=nest_row,
        row_start=row_start,
        rows=rows,
        theta_r=theta_r,
        theta_c_nest=with_.theta_chain[nest_row],
        theta_c_row=with_.theta_chain[rows],
        q_row=with_.tonnes[rows],
    )
    common = present[0] & present[1] & ~un
    new = present[1] & ~present[0]
    removed = present[0] & ~present[1]
    g_a = np.where(new, g[1], g[0])
    g_b = np.where(common | new, g[1], g[0])
    q = u.q_row
    _, s0 = _nested_logit(u, g[0])
    _, s_a = _nested_logit(u, g_a)
    _, s_b = _nested_logit(u, g_b)
    _, s1 = _nested_logit(u, g[1])

    def total(s_from: NDArray[np.float64], s_to: NDArray[np.float64]) -> NDArray[np.float64]:
        both = np.isfinite(s_from) & np.isfinite(s_to)
        return np.where(both, q * (np.where(both, s_from, 0.0) - np.where(both, s_to, 0.0)), 0.0)

    step1, exact2, step3 = total(s0, s_a), total(s_a, s_b), total(s_b, s1)
    dg = np.where(common, g_a - g_b, 0.0)
    xs, ws = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
    panels = 2
    row_of_alt = np.searchsorted(rows, alt_row)
    scale = float(np.abs(exact2).sum())
    while True:
        weight = np.zeros(n)
        for j in range(panels):
            for x, w in zip(xs, ws, strict=True):
                s = (j + (x + 1.0) / 2.0) / panels
                p, _ = _nested_logit(u, g_a + s * (g_b - g_a))
                weight += (w / 2.0 / panels) * p
        weight *= q[row_of_alt]
        per_row = np.bincount(row_of_alt, weights=weight * dg, minlength=rows.size)
        err = float(np.abs(per_row - exact2).sum())
        if err <= QUADRATURE_RTOL * scale or panels >= MAX_PANELS:
            break
        panels *= 2
    dparts = np.where(common[:, None], parts[0] - parts[1], 0.0)
    by_part = {name: float(weight @ dparts[:, j]) for j, name in enumerate(CHOICE_PARTS)}
    trapezoid = float((0.5 * (flow[0] + flow[1]) * dg).sum())
    revenue = {
        name: float(flow[1] @ parts[1][:, j] - flow[0] @ parts[0][:, j])
        for j, name in enumerate(CHOICE_PARTS)
    }
    solver_logsum = float(np.nansum(with_.tonnes * (without.logsum - with_.logsum)))
    new_alts = float(step1.sum() + step3.sum())
    return {
        "parts": by_part,
        "new_alternatives": new_alts,
        "logsum": solver_logsum,
        "evaluated": float((step1 + exact2 + step3).sum()),
        "quadrature_residual": float((exact2 - per_row).sum()),
        "trapezoid": trapezoid + new_alts,
        "integrated": float(per_row.sum()) + new_alts,
        "revenue": revenue,
        "newly_served_t": float(np.maximum(with_.served - without.served, 0.0).sum()),
        "common": int(common.sum()),
        "new": int(new.sum()),
        "removed": int(removed.sum()),
        "new_tonnes": float(flow[1][new].sum()),
        "panels": panels,
        "rows": n_rows,
    }
