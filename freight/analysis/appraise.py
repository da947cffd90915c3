"""Project appraisal: with and without each project, under each future, and what it is worth.

For a plan scenario (a future with the plan's projects) every project is tested two ways:

* **put-one-in**: the base network plus the project (and the projects it requires) against the
  base plus only what it requires;
* **take-one-out**: the full plan against the full plan less the project (and the projects that
  require it).

Annual benefit (CNY per year, at the scenario year's demand) = saving in money cost + saving in
time cost (value of time × tonne-hours) + CO2 avoided × carbon price + unserved-demand penalty
avoided. The benefit is held constant in real terms over the appraisal period (a conservative
choice: demand growth after the scenario year is not credited), with a ramp-up of 50 % in the first
operating year and 75 % in the second.

Economic indicators, at 2023 prices discounted to ``base_year`` at the social discount rate (8 %,
建设项目经济评价方法与参数 3rd ed. [S40]): capex spread evenly over the construction years
``construction_start .. opening_year - 1`` (all in the opening year when they coincide); opex each
operating year; ``period`` operating years (30, [S40]); a straight-line residual value
``capex × (lifetime - period) / lifetime`` at the end when the lifetime is longer. NPV, BCR
(present value of benefits and residual over present value of capex and opex), IRR (the rate where
NPV = 0, blank when NPV does not change sign) and first-year rate of return (first operating
year's benefit / capex). The interaction between projects compares the sum of put-one-in benefits
with the benefit of the whole plan against the base.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scipy.optimize import brentq

from freight.analysis.parallel import Failed, map_tasks
from freight.data.network import Network
from freight.errors import DataError, FreightError, Problem, ScenarioError
from freight.model.linear import LinearMethod, solve_network
from freight.model.methods import LINEAR_METHODS, Method
from freight.results.folder import check_output_folder
from freight.results.tables import Table, input_hashes, kpi_dict, versions, write_result_folder
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

RAMP_UP: tuple[float, ...] = (0.5, 0.75)
"""Share of the full annual benefit in the first operating years (assumption: new freight
services take two years to win their traffic)."""


@dataclass(frozen=True)
class Economics:
    """Discounting conventions."""

    discount_rate: float = 0.08
    base_year: int = 2023
    period: int = 30
    carbon_price: float = 100.0


@dataclass(frozen=True)
class SolveTask:
    """One network to solve: a scenario with a given project set."""

    scenario: str
    projects: tuple[str, ...]
    method: LinearMethod = "mcf"


@functools.lru_cache(maxsize=8)
def _base_network(path: str) -> Network:
    """The base data folder of the scenarios, read once per worker process."""
    return load_network_case(Path(path)).net


def explicit_carbon_price(sc: Scenario) -> float | None:
    """The carbon price a scenario file (or one it extends) sets, ``None`` where none does.

    A scenario's resolved prices default the carbon price to 0 (emissions not priced in the
    route choice); the appraisal values CO2 at :attr:`Economics.carbon_price` unless a scenario
    states a price — and an explicit 0 is a stated price.
    """
    for f in reversed(sc.chain):  # the scenario itself first, then its ancestors
        price = read_scenario_file(f).parameters.carbon_price
        if price is not None:
            return price
    return None


def solve_task(task: SolveTask) -> dict[str, Any]:
    """Solve one scenario variant and return its KPIs (runs in worker processes)."""
    sc = resolve(task.scenario)
    net, _ = build_scenario_network(sc, projects=task.projects, base=_base_network(str(sc.data)))
    run = solve_network(net, sc.params, method=task.method, paths=False)
    return {"status": run.status, **kpi_dict(run)}


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


@dataclass(frozen=True)
class Benefit:
    """Annual benefit components, CNY per year (CO2 in tonnes per year)."""

    money: float
    time: float
    co2_t: float
    co2_value: float
    unserved_penalty: float

    @property
    def total(self) -> float:
        """Total annual benefit, CNY per year."""
        return self.money + self.time + self.co2_value + self.unserved_penalty


def benefit(without: dict[str, Any], with_: dict[str, Any], carbon_price: float) -> Benefit:
    """Benefit of going from ``without`` to ``with_`` (KPI dicts)."""
    co2 = without["co2"] - with_["co2"]
    return Benefit(
        money=without["money_cost"] - with_["money_cost"],
        time=without["time_cost"] - with_["time_cost"],
        co2_t=co2,
        co2_value=co2 * carbon_price,
        unserved_penalty=without["unserved_penalty"] - with_["unserved_penalty"],
    )


def cash_flows(
    project: ProjectFile, annual_benefit: float, eco: Economics
) -> dict[int, tuple[float, float]]:
    """Year -> (benefit, cost) in CNY, before discounting."""
    flows: dict[int, list[float]] = {}
    build_years = list(range(project.construction_start, project.opening_year)) or [
        project.opening_year
    ]
    for y in build_years:
        flows.setdefault(y, [0.0, 0.0])[1] += project.capex_cny / len(build_years)
    for i in range(eco.period):
        y = project.opening_year + i
        ramp = RAMP_UP[i] if i < len(RAMP_UP) else 1.0
        f = flows.setdefault(y, [0.0, 0.0])
        f[0] += annual_benefit * ramp
        f[1] += project.opex_cny_per_year
    if project.lifetime_years > eco.period:
        last = project.opening_year + eco.period - 1
        flows[last][0] += (
            project.capex_cny * (project.lifetime_years - eco.period) / project.lifetime_years
        )
    return {y: (b, c) for y, (b, c) in sorted(flows.items())}


def npv(flows: dict[int, tuple[float, float]], rate: float, base_year: int) -> float:
    """Net present value at ``rate`` discounted to ``base_year``."""
    return sum((b - c) / (1.0 + rate) ** (y - base_year) for y, (b, c) in flows.items())


def indicators(
    project: ProjectFile, annual_benefit: float, eco: Economics
) -> dict[str, float | None]:
    """NPV, BCR, IRR and first-year rate of return of a project."""
    flows = cash_flows(project, annual_benefit, eco)
    r, y0 = eco.discount_rate, eco.base_year
    pv_b = sum(b / (1 + r) ** (y - y0) for y, (b, _) in flows.items())
    pv_c = sum(c / (1 + r) ** (y - y0) for y, (_, c) in flows.items())
    irr: float | None = None
    lo, hi = -0.9, 5.0
    f_lo, f_hi = npv(flows, lo, y0), npv(flows, hi, y0)
    if f_lo * f_hi < 0:
        irr = float(brentq(lambda x: npv(flows, x, y0), lo, hi, xtol=1e-10))
    first = annual_benefit * RAMP_UP[0] if RAMP_UP else annual_benefit
    return {
        "pv_benefit_cny": pv_b,
        "pv_cost_cny": pv_c,
        "npv_cny": pv_b - pv_c,
        "bcr": pv_b / pv_c if pv_c > 0 else None,
        "irr": irr,
        "fyrr": first / project.capex_cny if project.capex_cny > 0 else None,
    }


Progress = Callable[[int, int], None]


def appraise(
    scenarios: Sequence[str | Path],
    *,
    jobs: int = 1,
    scheduler: Any = None,
    method: Method = "mcf",
    carbon_price: float | None = None,
    progress: Progress | None = None,
) -> tuple[dict[str, Table], dict[str, Any]]:
    """Appraise every project of each plan scenario (one scenario per future).

    Returns
    -------
    tables, manifest
        ``appraisal.csv`` (one row per future × project × test), ``interactions.csv`` (per
        future), ``runs.csv`` (the KPIs of every solved variant).
    """
    if method not in LINEAR_METHODS:
        raise DataError(
            [
                Problem(
                    "--method",
                    None,
                    "",
                    f"the appraisal solves the linear model: use one of {', '.join(LINEAR_METHODS)}, "
                    f"not {method!r}",
                )
            ]
        )
    linear: LinearMethod = "lp" if method == "lp" else "mcf"
    resolved: list[tuple[Scenario, dict[str, ProjectFile]]] = []
    for s in scenarios:
        sc = resolve(s)
        if not sc.projects:
            raise ScenarioError(
                [
                    Problem(
                        str(s),
                        None,
                        "projects",
                        "an appraisal needs a scenario with projects (the plan)",
                    )
                ]
            )
        pf = {p.id: p for p in load_projects(list(sc.projects), projects_dir(sc), str(sc.path))}
        resolved.append((sc, pf))

    tasks: list[SolveTask] = []
    index: dict[tuple[str, frozenset[str]], int] = {}

    def need(sc: Scenario, projects: set[str]) -> int:
        key = (str(sc.path), frozenset(projects))
        if key not in index:
            order = tuple(p for p in sc.projects if p in projects)
            index[key] = len(tasks)
            tasks.append(SolveTask(str(sc.path), order, linear))
        return index[key]

    plan_rows: list[tuple[Scenario, str, str, int, int]] = []
    for sc, pf in resolved:
        plan = set(sc.projects)
        base_i, plan_i = need(sc, set()), need(sc, plan)
        plan_rows.append((sc, "", "plan", base_i, plan_i))
        for p in sc.projects:
            cl = closure(p, pf)
            plan_rows.append((sc, p, "put_one_in", need(sc, cl - {p}), need(sc, cl)))
            plan_rows.append(
                (sc, p, "take_one_out", need(sc, plan - {p} - dependents(p, pf)), plan_i)
            )

    outcomes = map_tasks(solve_task, tasks, jobs=jobs, scheduler=scheduler, progress=progress)
    failed = [(t, o) for t, o in zip(tasks, outcomes, strict=True) if isinstance(o, Failed)]
    if failed:
        t, o = failed[0]
        assert isinstance(o, Failed)
        raise FreightError(
            f"solving {t.scenario} with projects {list(t.projects)} failed: {o.error}: {o.message}"
        )
    kpis: list[dict[str, Any]] = [o for o in outcomes if not isinstance(o, Failed)]

    rows: Table = []
    inter: Table = []
    for sc, pf in resolved:
        stated = carbon_price if carbon_price is not None else explicit_carbon_price(sc)
        eco = Economics(
            discount_rate=sc.discount_rate,
            carbon_price=stated if stated is not None else Economics.carbon_price,
        )
        singles = 0.0
        plan_benefit = 0.0
        for sc2, pid, test, wo, wi in plan_rows:
            if sc2 is not sc:
                continue
            b = benefit(kpis[wo], kpis[wi], eco.carbon_price)
            if test == "plan":
                plan_benefit = b.total
                continue
            if test == "put_one_in":
                singles += b.total
            ind = indicators(pf[pid], b.total, eco)
            rows.append(
                {
                    "future": sc.id,
                    "year": sc.year,
                    "project": pid,
                    "name": pf[pid].name,
                    "test": test,
                    "benefit_cny_per_yr": b.total,
                    "money_saving_cny": b.money,
                    "time_saving_cny": b.time,
                    "co2_avoided_t": b.co2_t,
                    "co2_value_cny": b.co2_value,
                    "unserved_penalty_avoided_cny": b.unserved_penalty,
                    "unserved_avoided_t": kpis[wo]["unserved"] - kpis[wi]["unserved"],
                    "capex_cny": pf[pid].capex_cny,
                    "opening_year": pf[pid].opening_year,
                    **ind,
                    "status_with": kpis[wi]["status"],
                    "status_without": kpis[wo]["status"],
                }
            )
        inter.append(
            {
                "future": sc.id,
                "plan_benefit_cny_per_yr": plan_benefit,
                "sum_of_singles_cny_per_yr": singles,
                "interaction_cny_per_yr": plan_benefit - singles,
                "carbon_price_cny_per_t": eco.carbon_price,
                "discount_rate": eco.discount_rate,
            }
        )
    for fut in {r["future"] for r in rows}:
        for test in ("put_one_in", "take_one_out"):
            group = sorted(
                (r for r in rows if r["future"] == fut and r["test"] == test),
                key=lambda r: (
                    -(r["npv_cny"] if math.isfinite(r["npv_cny"]) else -math.inf),
                    r["project"],
                ),
            )
            for i, r in enumerate(group, 1):
                r["rank"] = i
    rows.sort(key=lambda r: (r["future"], r["test"], r["rank"]))
    runs: Table = [
        {"scenario": Path(t.scenario).stem, "projects": " ".join(t.projects) or "(base)", **k}
        for t, k in zip(tasks, kpis, strict=True)
    ]
    manifest = {
        "command": "appraise",
        "scenarios": [str(sc.path) for sc, _ in resolved],
        "method": method,
        "solves": len(tasks),
        "economics": {
            "ramp_up": list(RAMP_UP),
            "period_years": Economics.period,
            "base_year": Economics.base_year,
        },
        "inputs": input_hashes(
            sorted({p for sc, _ in resolved for p in (sc.data, *sc.chain)}, key=str)
        ),
        "versions": versions(),
    }
    return {"appraisal.csv": rows, "interactions.csv": inter, "runs.csv": runs}, manifest


def appraise_to_folder(
    out: str | Path, scenarios: Sequence[str | Path], **kw: Any
) -> dict[str, Table]:
    """Appraise and write the folder atomically (``--out`` is checked before any solve)."""
    check_output_folder(out, inputs=scenarios)
    tables, manifest = appraise(scenarios, **kw)
    write_result_folder(out, tables, manifest, inputs=scenarios)
    return tables
