"""Project appraisal: every project of a plan, with and without, over the appraisal period.

The method (scenarios/README.md §5, DESIGN "Appraisal"):

* **Futures and modelled years.** The plan scenarios given are grouped into futures by their id
  with the year removed (``plan_2025_central`` and ``plan_2035_central`` are the future
  ``plan_central`` modelled in 2025 and 2035); a future's scenarios must list the same projects.
  Every network variant is solved in every modelled year with the chosen method (any
  :data:`~freight.model.methods.Method`: the linear ``mcf``/``lp``, the equilibrium views, or
  the behavioural ``logit``) and reduced to its measures
  (:func:`freight.analysis.appraisal_measures.run_measures`).
* **Do-minimum.** Projects open before the economics' base year are in the do-minimum: in every
  "without" network, and without cost (:mod:`freight.analysis.economics`).
* **Tests.** ``put_one_in``: the do-minimum plus the project and what it requires, against the
  same without the project. ``take_one_out``: the plan without the projects that require the
  project, with and without it — so a project and the projects that require it are reported
  separately and no benefit is counted twice; ``take_one_out_group`` (only for a project that
  others require): the whole plan against the plan without the project and its dependents.
* **Benefits** by user class and component at each modelled year
  (:func:`freight.analysis.appraisal_measures.annual_benefits`), profiled over the appraisal
  period, valued at the price base (:func:`freight.analysis.economics.benefit_stream`). With the
  behavioural model each comparison is solved as a pair over one choice set
  (:func:`solve_pair`): the side shared by many comparisons (the do-minimum of put-one-in, the
  plan of take-one-out) is solved first, the other side with its paths joined, and the first
  side again with the other's paths — so the two logsums differ only by what the project changes,
  never by which paths each network happened to generate — and the consumer surplus is valued per
  alternative (:func:`freight.analysis.appraisal_measures.logit_surplus`).
* **Costs and indicators**: :func:`freight.analysis.economics.cost_profile` (freight share of a
  mixed-purpose capex, with the full-capex BCR beside) and
  :func:`freight.analysis.economics.indicators`; sensitivity tests from the economics file.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from freight.analysis.appraisal_measures import USER_CLASSES, annual_benefits, run_measures
from freight.analysis.economics import (
    Economics,
    benefit_stream,
    cost_profile,
    indicators,
    is_do_minimum,
    largest,
    load_economics,
    with_sensitivity,
    yearly_total,
)
from freight.analysis.parallel import Failed, map_tasks
from freight.data.network import Network
from freight.errors import FreightError, Problem, ScenarioError
from freight.model.methods import Method, check_finite, solve
from freight.results.folder import check_output_folder
from freight.results.tables import Table, input_hashes, versions, write_result_folder
from freight.scenario.case import load_network_case
from freight.scenario.files import read_scenario_file
from freight.scenario.resolve import (
    ProjectFile,
    Scenario,
    build_scenario_network,
    load_projects,
    projects_dir,
    resolve,
)

log = logging.getLogger(__name__)

ECONOMICS_FILE = "economics/economics.toml"
"""The economics file, relative to the folder that holds a plan's ``projects/``."""

NEUTRAL = Economics(base_year=2023, model_price_year=2023, deflator={2023: 100.0})
"""The economics without an economics file: 8 %, 30 years, 2023 prices and base, no optimism
bias, market prices (tests on hand-drawn networks use it)."""


@dataclass(frozen=True)
class SolveTask:
    """One network to solve: a scenario with a given project set."""

    scenario: str
    projects: tuple[str, ...]
    method: Method = "mcf"


@functools.lru_cache(maxsize=8)
def _base_network(path: str) -> Network:
    """The base data folder of the scenarios, read once per worker process."""
    return load_network_case(Path(path)).net


def explicit_carbon_price(sc: Scenario) -> float | None:
    """The carbon price a scenario file (or one it extends) sets, ``None`` where none does."""
    for f in reversed(sc.chain):  # the scenario itself first, then its ancestors
        price = read_scenario_file(f).parameters.carbon_price
        if price is not None:
            return price
    return None


def explicit_discount_rate(sc: Scenario) -> float | None:
    """The discount rate a scenario file (or one it extends) sets, ``None`` where none does."""
    for f in reversed(sc.chain):
        rate = read_scenario_file(f).parameters.discount_rate
        if rate is not None:
            return rate
    return None


def solve_task(task: SolveTask) -> dict[str, Any]:
    """Solve one scenario variant and return its measures (runs in worker processes)."""
    sc = resolve(task.scenario)
    net, _ = build_scenario_network(sc, projects=task.projects, base=_base_network(str(sc.data)))
    return run_measures(solve(net, sc.params, task.method))


@dataclass(frozen=True)
class PairTask:
    """Two variants of one scenario compared over one choice set (the behavioural model).

    ``first`` names the side solved first: the one many comparisons share (its first solve is
    kept by the worker process). The economics' unit values ride along so that the worker
    returns the annual benefits, not the two runs' alternatives.
    """

    scenario: str
    without: tuple[str, ...]
    with_: tuple[str, ...]
    first: str = "without"
    vat: float = 0.0
    background_cargo_vot: float = 0.0
    local_air: tuple[tuple[str, float], ...] = ()
    accidents: tuple[tuple[str, float], ...] = ()


def _variant(scenario: str, projects: tuple[str, ...]) -> tuple[Network, Scenario]:
    sc = resolve(scenario)
    net, _ = build_scenario_network(sc, projects=projects, base=_base_network(str(sc.data)))
    return net, sc


APPRAISAL_GAP = 1e-8
"""Stopping gap (flow and capacity) of the behavioural solves of an appraisal, 10^4 times tighter
than the model's default (:data:`freight.model.behavioural.GAP`, 1e-4): a benefit is a small
difference of two large logsums, and at 1e-4 a project that changes nothing showed tens of CNY/yr
either way (P_YUGUI, no effect before 2045: −63 CNY/yr in 2025 low at 1e-4, −42 CNY/yr in 2035
high at 1e-6, +3 at 1e-8) and small benefits moved by up to a third; the 9-file appraisal
converges in every solve at 1e-8 in at most 9 Newton iterations, at no measurable extra CPU."""


@functools.lru_cache(maxsize=2)
def _first_solve(scenario: str, projects: tuple[str, ...]) -> Any:
    """The behavioural solve of a variant on its own generated choice set (kept per worker:
    consecutive comparisons share it)."""
    from freight.model.behavioural import solve_behavioural

    net, sc = _variant(scenario, projects)
    return solve_behavioural(net, sc.params, gap=APPRAISAL_GAP)


def solve_pair(task: PairTask) -> dict[str, Any]:
    """Solve a comparison with the behavioural model over one choice set and return its annual
    benefits (runs in worker processes).

    The ``first`` side is solved on its own paths; the other side with those joined
    (``include``: shared paths keep the first side's path-size factors); then the first side
    again with the other's paths joined, warm-started. Both sides then choose over the union of
    their generated paths, each where its network has them: the paths only one side has use
    what the project builds (or removes).

    Returns
    -------
    dict
        ``components`` and ``info`` (:func:`freight.analysis.appraisal_measures.annual_benefits`),
        ``status``, ``kpis`` and ``sue`` (iterations, flow gap, capacity gap and target gap of
        the equilibrium) of the without and with solves.
    """
    from freight.model.behavioural import solve_behavioural

    shared, other = (
        (task.without, task.with_) if task.first == "without" else (task.with_, task.without)
    )
    first = _first_solve(task.scenario, shared)
    net_o, sc = _variant(task.scenario, other)
    run_o = solve_behavioural(net_o, sc.params, include=first, gap=APPRAISAL_GAP)
    check_finite(run_o)
    run_s = solve_behavioural(
        first.net, sc.params, choice=first.choice, include=run_o, warm_start=first,
        gap=APPRAISAL_GAP,
    )  # fmt: skip
    check_finite(run_s)
    r0, r1 = (run_s, run_o) if task.first == "without" else (run_o, run_s)
    m0, m1 = run_measures(r0, choice=True), run_measures(r1, choice=True)
    sue = tuple(
        {"status": str(r.status)}
        | {k: r.solver_info[k] for k in ("iterations", "gap", "capacity_gap", "target_gap")}
        for r in (r0, r1)
    )
    comps, info = annual_benefits(
        m0, m1, vat=task.vat, background_cargo_vot=task.background_cargo_vot,
        local_air=dict(task.local_air), accidents=dict(task.accidents),
    )  # fmt: skip
    return {
        "components": comps,
        "info": info,
        "status": (m0["status"], m1["status"]),
        "kpis": (m0["kpis"], m1["kpis"]),
        "benefit_method": m1["benefit_method"],
        "sue": sue,
    }


def closure(pid: str, projects: dict[str, ProjectFile]) -> set[str]:
    """A project and everything it requires, transitively."""
    out: set[str] = set()
    stack = [pid]
    while stack:
        p = stack.pop()
        if p in out:
            continue
        out.add(p)
        stack.extend(projects[p].requires)
    return out


def dependents(pid: str, projects: dict[str, ProjectFile]) -> set[str]:
    """Projects that require ``pid``, transitively."""
    return {q for q in projects if q != pid and pid in closure(q, projects)}


def future_id(sc: Scenario) -> str:
    """The future a scenario models: its id without the year (``plan_2025_central`` ->
    ``plan_central``)."""
    out = re.sub(r"_?(?<!\d)(19|20)\d\d(?!\d)", "", sc.id).strip("_")
    return out or sc.id


def economics_for(sc: Scenario) -> tuple[Economics, Path | None]:
    """The economics of a plan: ``economics/economics.toml`` beside its ``projects/`` folder, else
    :data:`NEUTRAL`."""
    path = projects_dir(sc).parent / ECONOMICS_FILE
    if path.is_file():
        return load_economics(path), path
    return NEUTRAL, None


Progress = Callable[[int, int], None]
Key = tuple[str, str]

SENSITIVITIES: tuple[str, ...] = (
    "central",
    "capex_high",
    "benefits_low",
    "vot_elasticity",
    "vot_low",
    "carbon_low",
    "carbon_high",
)
"""The sensitivity tests of ``sensitivity.csv`` (their values in the economics file)."""


def _sensitivity(eco: Economics, name: str, sens: Any) -> Economics:
    if name == "capex_high":
        return with_sensitivity(eco, capex_factor=sens.capex_factor)
    if name == "benefits_low":
        return with_sensitivity(eco, benefit_factor=sens.benefit_factor)
    if name == "vot_elasticity":
        return with_sensitivity(eco, vot_elasticity=sens.vot_income_elasticity)
    if name == "vot_low":
        return with_sensitivity(eco, vot_factor=sens.vot_factor)
    if name == "carbon_low":
        return with_sensitivity(eco, carbon_price=min(sens.carbon_price_cny_per_t))
    if name == "carbon_high":
        return with_sensitivity(eco, carbon_price=max(sens.carbon_price_cny_per_t))
    return eco


SHORT: dict[str, str] = {
    "vehicle_distance": "VOC distance",
    "vehicle_time": "VOC time",
    "cargo_time": "cargo time",
    "handling": "handling",
    "logsum_adjustment": "logsum adj.",
    "co2": "CO2",
    "local_air": "air quality",
    "accidents": "accidents",
    "transfers_tolls": "tolls",
    "transfers_vat": "VAT",
    "transfers_carbon": "carbon charge",
    "capacity_rationing": "capacity",
    "new_alternatives": "new routes",
}
"""Short names of the components in ``largest_components``."""


def _fmt_components(values: dict[str, float]) -> str:
    """The three largest components by PV: their share of the PV of benefits when it is
    positive, else their PV in CNY."""
    total = sum(values.values())
    out = []
    for k, v in largest(values, 3):
        if abs(v) < 0.5:
            continue
        text = f"{100 * v / total:.0f} %" if total > 1.0 else f"{v:.3g} CNY"
        out.append(f"{SHORT.get(k, k)} {text}")
    return "; ".join(out)


def scenario_economics(
    sc: Scenario, economics: Economics | str | Path | None, carbon_price: float | None
) -> tuple[Economics, Path | None]:
    """The economics a scenario is appraised with, and the file they came from.

    ``economics`` given as :class:`Economics` is used as it is, as a path it is read, and when
    ``None`` the scenario's own economics file is found (:func:`economics_for`). The scenario's
    explicit discount rate and carbon price (or the caller's ``carbon_price``) then override the
    file's values.
    """
    path: Path | None = None
    if isinstance(economics, Economics):
        eco = economics
    elif economics is not None:
        eco, path = load_economics(economics), Path(economics)
    else:
        eco, path = economics_for(sc)
    rate = explicit_discount_rate(sc)
    stated = carbon_price if carbon_price is not None else explicit_carbon_price(sc)
    eco = with_sensitivity(
        eco,
        discount_rate=rate if rate is not None else eco.discount_rate,
        carbon_price=stated if stated is not None else eco.carbon_price,
    )
    return eco, path


def appraise(
    scenarios: Sequence[str | Path],
    *,
    jobs: int = 1,
    scheduler: Any = None,
    method: Method = "mcf",
    carbon_price: float | None = None,
    economics: str | Path | Economics | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, Table], dict[str, Any]]:
    """Appraise every project of the plan scenarios (grouped into futures by modelled year).

    Parameters
    ----------
    scenarios
        Plan scenario files; those of one future differ only in the year in their id.
    jobs, scheduler
        Parallel solves (:func:`freight.analysis.parallel.map_tasks`).
    method
        The model method of every solve.
    carbon_price
        CO2 value, CNY/t at the price base (default: the scenario's stated price, else the
        economics file's).
    economics
        An economics file or :class:`Economics` (default: ``economics/economics.toml`` beside the plan's
        ``projects/`` folder, else :data:`NEUTRAL`).

    Returns
    -------
    tables, manifest
        ``appraisal.csv``, ``benefits.csv``, ``tee.csv``, ``sensitivity.csv``,
        ``interactions.csv``, ``runs.csv``.
    """
    futures: dict[str, list[tuple[Scenario, dict[str, ProjectFile]]]] = {}
    for s in scenarios:
        sc = resolve(s)
        if not sc.projects:
            raise ScenarioError(
                [Problem(str(s), None, "projects", "an appraisal needs a scenario with projects (the plan)")]
            )  # fmt: skip
        pf = {p.id: p for p in load_projects(list(sc.projects), projects_dir(sc), str(sc.path))}
        futures.setdefault(future_id(sc), []).append((sc, pf))
    eco_path: Path | None = None
    for fut, members in futures.items():
        years = [sc.year for sc, _ in members]
        if len(set(years)) != len(years):
            raise ScenarioError(
                [Problem(str(members[-1][0].path), None, "year",
                         f"future {fut!r} is given twice for the year {members[-1][0].year}")]
            )  # fmt: skip
        if len({tuple(sorted(sc.projects)) for sc, _ in members}) > 1:
            raise ScenarioError(
                [Problem(str(members[-1][0].path), None, "projects",
                         f"the scenarios of future {fut!r} list different projects")]
            )  # fmt: skip
        members.sort(key=lambda m: m[0].year or 0)

    # every comparison (scenario, without set, with set), in the order first needed
    cmp_index: dict[tuple[str, frozenset[str], frozenset[str]], int] = {}
    cmp_list: list[tuple[Scenario, frozenset[str], frozenset[str], str]] = []

    def need(sc: Scenario, without: set[str], with_: set[str], fut: str) -> int:
        key = (str(sc.path), frozenset(without), frozenset(with_))
        if key not in cmp_index:
            cmp_index[key] = len(cmp_list)
            cmp_list.append((sc, key[1], key[2], fut))
        return cmp_index[key]

    # per future: (project, test) -> {year: comparison}
    plans: dict[str, dict[tuple[str, str], dict[int, int]]] = {}
    ecos: dict[str, Economics] = {}
    for fut, members in futures.items():
        sc0, pf = members[0]
        eco, path = scenario_economics(sc0, economics, carbon_price)
        eco_path = path if path is not None else eco_path
        ecos[fut] = eco
        dm: set[str] = set()
        for p in sc0.projects:
            if is_do_minimum(pf[p], eco):
                dm |= closure(p, pf)
        plan = set(sc0.projects)
        rows: dict[tuple[str, str], dict[int, int]] = {}
        for sc, _ in members:
            y = sc.year or eco.model_price_year
            rows.setdefault(("", "plan"), {})[y] = need(sc, dm, plan, fut)
            for p in sc0.projects:
                deps = dependents(p, pf)
                with_ = (dm - deps) | closure(p, pf)
                rows.setdefault((p, "put_one_in"), {})[y] = need(sc, with_ - {p}, with_, fut)
                rest = plan - deps
                rows.setdefault((p, "take_one_out"), {})[y] = need(sc, rest - {p}, rest, fut)
                if deps:
                    rows.setdefault((p, "take_one_out_group"), {})[y] = need(
                        sc, plan - {p} - deps, plan, fut
                    )
        plans[fut] = rows

    results, runs = _solve_comparisons(cmp_list, ecos, method, jobs, scheduler, progress)

    appraisal: Table = []
    benefits: Table = []
    tee: Table = []
    sensitivity: Table = []
    inter: Table = []
    singles: dict[str, float] = {}
    for fut, rows in plans.items():
        eco = ecos[fut]
        members = futures[fut]
        pf = members[0][1]
        sens = _sens_of(eco_path)
        myears = sorted(rows[("", "plan")])
        for (pid, test), by_year in rows.items():
            comps: dict[Key, dict[int, float]] = {}
            co2: dict[Key, dict[int, float]] = {}
            info_y: dict[int, dict[str, float]] = {}
            for y, ci in by_year.items():
                c, info = results[ci]["components"], results[ci]["info"]
                info_y[y] = info
                for key, v in c.items():
                    if key[1] == "co2":
                        co2.setdefault(key, {})[y] = v
                        comps.setdefault(key, {})[y] = 0.0
                    else:
                        comps.setdefault(key, {})[y] = v
            if test == "plan":
                first = info_y[myears[0]]
                total0 = _annual_total(comps, co2, myears[0], eco)
                inter.append({"future": fut, "year": myears[0], "plan_benefit_cny_per_yr": total0,
                              "carbon_price_cny_per_t": eco.carbon_price,
                              "discount_rate": eco.discount_rate,
                              "newly_served_t": first["newly_served_t"]})  # fmt: skip
                continue
            proj = pf[pid]
            method_used = results[by_year[myears[0]]]["benefit_method"]
            stream = benefit_stream(proj, comps, eco, co2)
            totals = yearly_total(stream)
            costs = cost_profile(proj, eco)
            full = cost_profile(proj, eco, full_capex=True)
            first_year = max(proj.opening_year, eco.base_year)
            ind = indicators(totals, costs, eco, first_year)
            ind_full = indicators(totals, full, eco, first_year)
            pv_comp: dict[str, float] = {}
            pv_cell: dict[Key, float] = {}
            for (uc, comp, y), v in sorted(
                stream.items(), key=lambda kv: (kv[0][2], kv[0][0], kv[0][1])
            ):
                d = v * eco.discount(y)
                benefits.append({"future": fut, "project": pid, "test": test, "year": y,
                                 "kind": "benefit", "user_class": uc, "component": comp,
                                 "value_cny": v, "discounted_cny": d,
                                 "price_base_year": eco.base_year})  # fmt: skip
                pv_comp[comp] = pv_comp.get(comp, 0.0) + d
                pv_cell[(uc, comp)] = pv_cell.get((uc, comp), 0.0) + d
            for comp_name, series in (("capex", costs.capex), ("optimism_bias", costs.optimism_bias),
                                      ("opex", costs.opex)):  # fmt: skip
                for y, v in sorted(series.items()):
                    benefits.append({"future": fut, "project": pid, "test": test, "year": y,
                                     "kind": "cost", "user_class": "costs",
                                     "component": comp_name, "value_cny": v,
                                     "discounted_cny": v * eco.discount(y),
                                     "price_base_year": eco.base_year})  # fmt: skip
            if costs.residual and not costs.do_minimum:
                y = costs.residual_year
                benefits.append({"future": fut, "project": pid, "test": test, "year": y,
                                 "kind": "residual", "user_class": "costs",
                                 "component": "residual_value", "value_cny": costs.residual,
                                 "discounted_cny": costs.residual * eco.discount(y),
                                 "price_base_year": eco.base_year})  # fmt: skip
            for comp in sorted({c for (_, c) in pv_cell}):
                cells = {uc: pv_cell.get((uc, comp), 0.0) for uc in USER_CLASSES}
                tee.append({"future": fut, "project": pid, "test": test, "component": comp,
                            **{f"{uc}_cny": v for uc, v in cells.items()},
                            "total_cny": sum(cells.values()), "price_base_year": eco.base_year})  # fmt: skip
            fy = _annual_total(comps, co2, myears[0], eco, year=first_year)
            fy_parts = _annual_parts(comps, co2, myears[0], eco, year=first_year)
            info0 = info_y[myears[0]]
            if test == "put_one_in" and not costs.do_minimum:
                singles[fut] = singles.get(fut, 0.0) + _annual_total(comps, co2, myears[0], eco)
            dep_list = sorted(dependents(pid, pf))
            appraisal.append(
                {
                    "future": fut,
                    "years": " ".join(str(y) for y in myears),
                    "project": pid,
                    "name": proj.name,
                    "test": test,
                    "do_minimum": costs.do_minimum,
                    "dependents": " ".join(dep_list),
                    "benefit_method": method_used,
                    "method": method,
                    "benefit_year": first_year,
                    "benefit_cny_per_yr": fy,
                    "money_saving_cny": fy_parts["money"],
                    "time_saving_cny": fy_parts["time"],
                    "co2_value_cny": fy_parts["co2"],
                    "unserved_penalty_avoided_cny": info0["unserved_penalty_avoided_cny"],
                    "newly_served_t": info0["newly_served_t"],
                    "unvalued_t": info0["unvalued_t"],
                    "capex_cny": proj.capex_cny,
                    "price_year": proj.price_year,
                    "price_base_year": eco.base_year,
                    "capex_base_cny": costs.capex_total,
                    "sunk_capex_cny": costs.sunk,
                    "optimism_bias_rate": costs.ob_rate,
                    "freight_capex_share": proj.freight_capex_share,
                    "opening_year": proj.opening_year,
                    "pv_benefit_cny": ind.pv_benefit,
                    "pv_residual_cny": ind.pv_residual,
                    "pv_capex_cny": ind.pv_capex,
                    "pv_optimism_bias_cny": ind.pv_optimism_bias,
                    "pv_opex_cny": ind.pv_opex,
                    "pv_cost_cny": ind.pv_cost,
                    "npv_cny": ind.npv,
                    "bcr": ind.bcr,
                    "bcr_full_capex": ind_full.bcr,
                    "irr": ind.irr,
                    "fyrr": ind.fyrr,
                    "capex_switch_cny": ind.capex_switch,
                    "benefit_switch_share": ind.benefit_switch,
                    "largest_components": _fmt_components(pv_comp),
                    "status_with": " ".join(
                        str(results[ci]["status"][1]) for ci in by_year.values()
                    ),
                    "status_without": " ".join(
                        str(results[ci]["status"][0]) for ci in by_year.values()
                    ),
                    "rank": None,
                }
            )
            for name in SENSITIVITIES:
                e2 = _sensitivity(eco, name, sens)
                s2 = yearly_total(benefit_stream(proj, comps, e2, co2))
                i2 = indicators(s2, cost_profile(proj, e2), e2, first_year)
                sensitivity.append({"future": fut, "project": pid, "test": test,
                                    "sensitivity": name, "npv_cny": i2.npv, "bcr": i2.bcr})  # fmt: skip
        for r in inter:
            if r["future"] == fut:
                r["sum_of_singles_cny_per_yr"] = singles.get(fut, 0.0)
                r["interaction_cny_per_yr"] = r["plan_benefit_cny_per_yr"] - singles.get(fut, 0.0)
    for fut in plans:
        for test in ("put_one_in", "take_one_out", "take_one_out_group"):
            group = sorted(
                (r for r in appraisal if r["future"] == fut and r["test"] == test and not r["do_minimum"]),
                key=lambda r: (-(r["npv_cny"] if math.isfinite(r["npv_cny"]) else -math.inf), r["project"]),
            )  # fmt: skip
            for i, r in enumerate(group, 1):
                r["rank"] = i
    order = {"put_one_in": 0, "take_one_out": 1, "take_one_out_group": 2}
    appraisal.sort(
        key=lambda r: (r["future"], order[r["test"]], r["rank"] is None, r["rank"] or 0, r["project"])
    )  # fmt: skip
    all_sc = [sc for members in futures.values() for sc, _ in members]
    eco0 = next(iter(ecos.values()))
    manifest = {
        "command": "appraise",
        "scenarios": [str(sc.path) for sc in all_sc],
        "futures": {f: [sc.year for sc, _ in m] for f, m in futures.items()},
        "method": method,
        "solves": len(runs) if method != "logit" else 2 * len(cmp_list),
        "comparisons": len(cmp_list),
        **({"equilibrium": _sue_summary(cmp_list, results)} if method == "logit" else {}),
        "economics": {
            "file": str(eco_path) if eco_path else None,
            "base_year": eco0.base_year,
            "price_base_year": eco0.base_year,
            "discount_rate": eco0.discount_rate,
            "period_years": eco0.period,
            "cap_year": eco0.cap_year,
            "ramp_up": list(eco0.ramp_up),
            "carbon_price_cny_per_t": eco0.carbon_price,
            "vot_income_elasticity": eco0.vot_elasticity,
        },
        "inputs": input_hashes(
            sorted(
                {p for sc in all_sc for p in (sc.data, *sc.chain)}
                | ({eco_path} if eco_path else set()),
                key=str,
            )
        ),  # fmt: skip
        "versions": versions(),
    }
    tables = {
        "appraisal.csv": appraisal,
        "benefits.csv": benefits,
        "tee.csv": tee,
        "sensitivity.csv": sensitivity,
        "interactions.csv": inter,
        "runs.csv": runs,
    }
    return tables, manifest


def _solve_comparisons(
    cmp_list: Sequence[tuple[Scenario, frozenset[str], frozenset[str], str]],
    ecos: dict[str, Economics],
    method: Method,
    jobs: int,
    scheduler: Any,
    progress: Progress | None,
) -> tuple[list[dict[str, Any]], Table]:
    """Solve every comparison and return its annual benefits (in ``cmp_list`` order) and the
    rows of ``runs.csv``.

    The linear and equilibrium methods solve every distinct network variant once and compare the
    measures here; the behavioural model solves each comparison as a pair in a worker
    (:func:`solve_pair`), the side that more comparisons share first, the pairs sorted so that
    consecutive ones share it.
    """

    def order(sc: Scenario, projects: frozenset[str]) -> tuple[str, ...]:
        return tuple(p for p in sc.projects if p in projects)

    results: list[dict[str, Any]] = []
    runs: Table = []
    if method != "logit":
        tasks: list[SolveTask] = []
        index: dict[tuple[str, frozenset[str]], int] = {}

        def task(sc: Scenario, projects: frozenset[str]) -> int:
            key = (str(sc.path), projects)
            if key not in index:
                index[key] = len(tasks)
                tasks.append(SolveTask(str(sc.path), order(sc, projects), method))
            return index[key]

        pairs = [(task(sc, wo), task(sc, wi)) for sc, wo, wi, _ in cmp_list]
        outcomes = map_tasks(solve_task, tasks, jobs=jobs, scheduler=scheduler, progress=progress)
        _raise_failed(tasks, outcomes)
        meas: list[dict[str, Any]] = [o for o in outcomes if not isinstance(o, Failed)]
        for (a, b), (_, _, _, fut) in zip(pairs, cmp_list, strict=True):
            eco = ecos[fut]
            c, info = annual_benefits(
                meas[a], meas[b], vat=eco.vat_transport,
                background_cargo_vot=eco.background_cargo_vot,
                local_air=eco.local_air, accidents=eco.accidents,
            )  # fmt: skip
            results.append({"components": c, "info": info, "benefit_method": meas[b]["benefit_method"],
                            "status": (meas[a]["status"], meas[b]["status"])})  # fmt: skip
        runs = [
            {"scenario": Path(t.scenario).stem, "projects": " ".join(t.projects) or "(base)",
             "status": m["status"], **m["kpis"]}
            for t, m in zip(tasks, meas, strict=True)
        ]  # fmt: skip
        return results, runs
    uses: dict[tuple[str, frozenset[str]], int] = {}
    for sc, wo, wi, _ in cmp_list:
        for side in (wo, wi):
            uses[(str(sc.path), side)] = uses.get((str(sc.path), side), 0) + 1
    ptasks: list[PairTask] = []
    for sc, wo, wi, fut in cmp_list:
        eco = ecos[fut]
        first = "with" if uses[(str(sc.path), wi)] > uses[(str(sc.path), wo)] else "without"
        ptasks.append(
            PairTask(str(sc.path), order(sc, wo), order(sc, wi), first, eco.vat_transport,
                     eco.background_cargo_vot, tuple(sorted(eco.local_air.items())),
                     tuple(sorted(eco.accidents.items())))
        )  # fmt: skip

    def shared(i: int) -> tuple[str, tuple[str, ...], str]:
        t = ptasks[i]
        return (t.scenario, t.without if t.first == "without" else t.with_, t.first)

    sequence = sorted(range(len(ptasks)), key=shared)
    outcomes_p = map_tasks(solve_pair, [ptasks[i] for i in sequence], jobs=jobs,
                           scheduler=scheduler, progress=progress)  # fmt: skip
    _raise_failed([ptasks[i] for i in sequence], outcomes_p)
    by_cmp: dict[int, dict[str, Any]] = {}
    for i, o in zip(sequence, outcomes_p, strict=True):
        assert not isinstance(o, Failed)
        by_cmp[i] = o
    results = [by_cmp[i] for i in range(len(ptasks))]
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for t, r in zip(ptasks, results, strict=True):
        for projects, status, kpis in zip(
            (t.without, t.with_), r["status"], r["kpis"], strict=True
        ):
            if (t.scenario, projects) not in seen:
                seen.add((t.scenario, projects))
                runs.append({"scenario": Path(t.scenario).stem,
                             "projects": " ".join(projects) or "(base)", "status": status, **kpis})  # fmt: skip
    return results, runs


def _sue_summary(
    cmp_list: Sequence[tuple[Scenario, frozenset[str], frozenset[str], str]],
    results: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """Convergence of the behavioural solves (manifest ``equilibrium``): per scenario the
    solves, how many did not converge (stopped at the iteration limit above the target gap), and
    the largest iterations, flow gap and capacity gap."""
    out: dict[str, Any] = {}
    for (sc, _, _, _), r in zip(cmp_list, results, strict=True):
        s = out.setdefault(
            sc.id,
            {"solves": 0, "not_converged": 0, "max_iterations": 0, "max_gap": 0.0,
             "max_capacity_gap": 0.0},
        )  # fmt: skip
        for info in r.get("sue", ()):
            s["solves"] += 1
            gap, cgap = float(info["gap"]), float(info["capacity_gap"])
            s["not_converged"] += int(info["status"] not in ("converged", "optimal"))
            s["max_iterations"] = max(s["max_iterations"], int(info["iterations"]))
            s["max_gap"] = max(s["max_gap"], gap)
            s["max_capacity_gap"] = max(s["max_capacity_gap"], cgap)
    return dict(sorted(out.items()))


def _raise_failed(tasks: Sequence[Any], outcomes: Sequence[Any]) -> None:
    """A :class:`FreightError` naming the first task that failed."""
    for t, o in zip(tasks, outcomes, strict=True):
        if isinstance(o, Failed):
            projects = getattr(t, "projects", None) or getattr(t, "with_", None) or ()
            raise FreightError(
                f"solving {t.scenario} with projects {list(projects)} failed: "
                f"{o.error}: {o.message}"
            )


def _sens_of(path: Path | None) -> Any:
    from freight.scenario.files import Sensitivity, read_economics_file

    return read_economics_file(path).sensitivity if path else Sensitivity()


def _annual_parts(
    comps: dict[Key, dict[int, float]],
    co2: dict[Key, dict[int, float]],
    modelled_year: int,
    eco: Economics,
    *,
    year: int | None = None,
) -> dict[str, float]:
    """Full (no ramp-up) annual benefit in ``year`` by group: money (vehicle operating costs,
    handling, transfers), time (cargo time, and the background traffic's time), co2, other
    externalities; CNY at the price base."""
    from freight.analysis.economics import component_year_value

    y = modelled_year if year is None else year
    out = {"money": 0.0, "time": 0.0, "co2": 0.0, "other": 0.0}
    for key, modelled in comps.items():
        v = component_year_value(key[1], modelled, y, eco, co2.get(key))
        if key[1] == "co2":
            out["co2"] += v
        elif key[1] == "cargo_time" or key[0] == "background":
            out["time"] += v
        elif key[1] in ("local_air", "accidents"):
            out["other"] += v
        else:
            out["money"] += v
    return out


def _annual_total(
    comps: dict[Key, dict[int, float]],
    co2: dict[Key, dict[int, float]],
    modelled_year: int,
    eco: Economics,
    *,
    year: int | None = None,
) -> float:
    return sum(_annual_parts(comps, co2, modelled_year, eco, year=year).values())


def appraise_to_folder(
    out: str | Path, scenarios: Sequence[str | Path], **kw: Any
) -> dict[str, Table]:
    """Appraise and write the folder atomically (``--out`` is checked before any solve)."""
    check_output_folder(out, inputs=scenarios)
    tables, manifest = appraise(scenarios, **kw)
    write_result_folder(out, tables, manifest, inputs=scenarios)
    return tables
