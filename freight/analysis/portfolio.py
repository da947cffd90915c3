"""Budget-constrained portfolio and phasing of a plan's projects (``freight portfolio``).

Which projects, starting when, with the money there is (docs/portfolio.md)?

* **Programme.** Each candidate (a plan project not in the do-minimum) is either not built or
  starts construction in one year between its earliest start and the last start year; a later
  start shifts its whole construction profile, its opening (same construction length) and its
  operating years, all discounted to the price base
  (:func:`freight.analysis.economics.cost_profile` of the shifted project). Projects already
  under construction at the price base keep their start year.
* **Budget.** The capex of a year (the whole capex at the price base in market prices, by the
  construction profile; sunk years before the price base not counted) may not exceed that year's
  budget; optionally the sum over the years may not exceed a total.
* **Benefits of a programme.** ``b(S, y)`` is the annual benefit in year ``y`` of the network with
  the open set ``S`` against the do-minimum (:func:`freight.analysis.appraisal_measures.
  annual_benefits` at each modelled year, profiled by
  :func:`freight.analysis.economics.component_year_value`). With the programme's distinct
  opening years ``t_1 < … < t_K`` and open sets ``O_1 ⊂ … ⊂ O_K``, the increment
  ``b(O_k) − b(O_{k−1})`` is earned from ``t_k`` for the appraisal period with the economics'
  ramp-up (each increment is appraised over its own period, as each project is in
  ``freight appraise``). The **verified NPV** is the PV of these benefits plus the residual values
  less the PV of the costs; it needs the network solved for every ``O_k`` in every modelled year.
* **Master.** ``b`` is written as a sum over a family of project sets ``F`` (Möbius terms:
  ``m(T) = b(T) − Σ_{S ∈ F, S ⊊ T} m(S)``, sets by increasing size), which is exact on every set
  of ``F``; a term earns its value from the year its last member opens. ``F`` starts with each
  candidate's closure under ``requires`` (and the closure without the project), and the union of
  the closures of every pair of candidates that share a corridor (their edits touch a common
  place): those pair solves estimate the pairwise interactions. The master
  (:func:`solvers.portfolio.solve`, CP-SAT) maximizes the model's NPV.
* **Evaluate and cut.** The chosen programme is verified (its open sets solved, cached by
  ``(set of open projects, modelled year, method)``); its open sets join ``F`` (so the model
  becomes exact on that programme and every programme made of known sets), and the master is
  solved again, until the master's prediction and the verified NPV agree within the tolerance
  (or the iteration limit stops it, said in the output). The greedy programme ("rank by BCR, fill
  the budget") is verified first and joins ``F``, so the optimized programme's verified NPV is at
  least the greedy one's.
* **Marginal value of budget**: the whole search again with one more 亿 CNY in every budget year
  (or in the total), the difference of the verified NPVs.
"""

from __future__ import annotations

import io
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from freight.analysis.appraisal_measures import annual_benefits
from freight.analysis.appraise import (
    SolveTask,
    closure,
    future_id,
    scenario_economics,
    solve_task,
)
from freight.analysis.economics import (
    Economics,
    component_year_value,
    cost_profile,
    is_do_minimum,
)
from freight.analysis.parallel import Failed, map_tasks
from freight.errors import FreightError, Problem, ScenarioError
from freight.model.methods import DEFAULT_METHOD, Method
from freight.results.folder import check_output_folder
from freight.results.tables import Table, input_hashes, versions, write_result_folder
from freight.scenario.case import load_network_case
from freight.scenario.files import PortfolioFile, ProjectFile, read_portfolio_file
from freight.scenario.resolve import Scenario, load_projects, projects_dir, resolve
from solvers import portfolio as master_solver

log = logging.getLogger(__name__)

CNY_100M = 1.0e8
"""One 亿 CNY."""
REL_TOLERANCE = 1e-6
"""Default agreement tolerance of prediction and verified NPV, relative to the programme's PV of
costs (or its |NPV| when larger)."""
MAX_ITERATIONS = 30
SMALL_BATCH = 4
"""Batches of fewer than this many solves per worker run in the calling process."""
"""Default limit of master solves per budget."""

ProjectSet = frozenset[str]
Programme = dict[str, int]
"""Chosen project -> construction start year."""
Oracle = Callable[[Sequence[ProjectSet]], Mapping[ProjectSet, NDArray[np.float64]]]
"""Annual benefit ``b(S, y)`` of open sets against the do-minimum, one value per year of
:attr:`Setup.years` (CNY at the price base, full benefit, no ramp-up)."""


# ----------------------------------------------------------------------------- the problem


@dataclass(frozen=True)
class Option:
    """One start year of a candidate."""

    start: int
    opening: int
    pv_cost: float
    """PV of capex, optimism bias and opex (economic prices, freight share), CNY."""
    pv_residual: float
    """PV of the residual value, CNY."""
    spend: NDArray[np.float64]
    """Capex (whole, market prices, price base) in each budget year, CNY."""

    @property
    def value(self) -> float:
        """The option's own contribution to the NPV: residual less costs."""
        return self.pv_residual - self.pv_cost


@dataclass(frozen=True)
class Candidate:
    """A project the programme may build."""

    id: str
    name: str
    options: tuple[Option, ...]
    requires: tuple[str, ...] = ()
    """Candidates it requires directly (do-minimum projects are always open)."""
    excludes: tuple[str, ...] = ()
    committed: bool = False
    fixed_start: bool = False
    """Under construction at the price base: the start year cannot move."""
    plan_start: int = 0
    plan_opening: int = 0
    capex: float = 0.0
    """Whole capex at the price base, market prices, CNY."""
    earliest: int = 0


@dataclass(frozen=True)
class Setup:
    """Everything the search needs, arrays and numbers only."""

    candidates: tuple[Candidate, ...]
    base_year: int
    years: NDArray[np.int64]
    """Calendar years of the benefit arrays: base year .. last opening + period − 1."""
    discount: NDArray[np.float64]
    """Discount factor of each year of :attr:`years`."""
    ramp: tuple[float, ...]
    period: int
    budget_years: NDArray[np.int64]
    budget: NDArray[np.float64]
    """Cap per budget year, CNY (inf = none)."""
    total_budget: float = math.inf
    corridor_pairs: tuple[tuple[str, str], ...] = ()
    rel_tolerance: float = REL_TOLERANCE

    @property
    def by_id(self) -> dict[str, Candidate]:
        return {c.id: c for c in self.candidates}

    @property
    def periods(self) -> NDArray[np.int64]:
        """Opening years the master knows: base year .. last possible opening."""
        last = max((o.opening for c in self.candidates for o in c.options), default=self.base_year)
        return np.arange(self.base_year, max(last, self.base_year) + 1)

    def ramp_share(self, k: int) -> float:
        """Share of the full benefit in the k-th operating year (0 = opening year)."""
        if k < 0 or k >= self.period:
            return 0.0
        return self.ramp[k] if k < len(self.ramp) else 1.0

    def closure(self, pid: str) -> ProjectSet:
        """A candidate and the candidates it requires, transitively."""
        by = self.by_id
        out: set[str] = set()
        stack = [pid]
        while stack:
            p = stack.pop()
            if p not in out:
                out.add(p)
                stack.extend(by[p].requires)
        return frozenset(out)

    def with_budget(self, budget: NDArray[np.float64], total: float) -> Setup:
        return replace(self, budget=budget, total_budget=total)


def option_of(c: Candidate, start: int) -> Option:
    """The option of a candidate starting in ``start``."""
    for o in c.options:
        if o.start == start:
            return o
    raise KeyError(f"{c.id} has no option starting {start}")


def pulse_weights(setup: Setup, annual: NDArray[np.float64]) -> NDArray[np.float64]:
    """``W(t)`` for each opening year of :attr:`Setup.periods`: the PV of an annual benefit
    earned from ``t`` for the appraisal period with the ramp-up."""
    ramp = np.array([setup.ramp_share(k) for k in range(setup.period)])
    dv = annual * setup.discount
    out = np.zeros(len(setup.periods))
    for i, t in enumerate(setup.periods):
        j = int(t - setup.years[0])
        seg = dv[j : j + setup.period]
        out[i] = float(np.dot(seg, ramp[: len(seg)]))
    return out


def chain(setup: Setup, programme: Programme) -> list[tuple[int, ProjectSet]]:
    """The programme's distinct opening years and the open set from each."""
    by = setup.by_id
    opening = {p: option_of(by[p], s).opening for p, s in programme.items()}
    out: list[tuple[int, ProjectSet]] = []
    for t in sorted(set(opening.values())):
        out.append((t, frozenset(p for p, o in opening.items() if o <= t)))
    return out


@dataclass(frozen=True)
class Valuation:
    """A programme's verified value (CNY at the price base, discounted)."""

    npv: float
    pv_benefit: float
    pv_residual: float
    pv_cost: float
    spend: NDArray[np.float64]

    @property
    def bcr(self) -> float | None:
        return (self.pv_benefit + self.pv_residual) / self.pv_cost if self.pv_cost > 0 else None


def valuation(
    setup: Setup, programme: Programme, benefit: Mapping[ProjectSet, NDArray[np.float64]]
) -> Valuation:
    """The verified value of a programme from the annual benefits of its open sets."""
    by = setup.by_id
    pv_b = 0.0
    prev = np.zeros(len(setup.years))
    for t, s in chain(setup, programme):
        cur = benefit[s]
        pv_b += float(pulse_weights(setup, cur - prev)[int(t - setup.base_year)])
        prev = cur
    opts = [option_of(by[p], s) for p, s in programme.items()]
    pv_c = sum(o.pv_cost for o in opts)
    pv_r = sum(o.pv_residual for o in opts)
    spend = sum((o.spend for o in opts), np.zeros(len(setup.budget_years)))
    return Valuation(pv_b + pv_r - pv_c, pv_b, pv_r, pv_c, spend)


def feasible(setup: Setup, programme: Programme) -> bool:
    """Budget, requires (timing included), excludes, committed projects and start years."""
    by = setup.by_id
    for c in setup.candidates:
        if c.committed and c.id not in programme:
            return False
    for p, s in programme.items():
        c = by[p]
        if s not in {o.start for o in c.options}:
            return False
        o = option_of(c, s).opening
        for r in c.requires:
            if r not in programme or option_of(by[r], programme[r]).opening > o:
                return False
        if any(x in programme for x in c.excludes):
            return False
    spend = sum(
        (option_of(by[p], s).spend for p, s in programme.items()), np.zeros(len(setup.budget_years))
    )
    slack = 1e-9 * max(1.0, float(np.max(spend, initial=0.0)))
    if np.any(spend > setup.budget + slack):
        return False
    return bool(spend.sum() <= setup.total_budget * (1 + 1e-9) + slack)


# ----------------------------------------------------------------------------- the learner


@dataclass
class IterationRow:
    budget: str
    iteration: int
    programme: str
    predicted: float
    verified: float
    new_sets: int
    solves: int
    master_status: str
    master_seconds: float


@dataclass
class Outcome:
    """The result of one search (one budget)."""

    programme: Programme
    value: Valuation
    predicted: float
    converged: bool
    iterations: list[IterationRow]
    message: str


@dataclass
class Learner:
    """The family of known sets with their annual benefits, the oracle that adds to it, and the
    master built from it."""

    setup: Setup
    oracle: Oracle
    benefit: dict[ProjectSet, NDArray[np.float64]] = field(default_factory=dict)
    solves: int = 0

    def ensure(self, sets: Sequence[ProjectSet]) -> int:
        """Evaluate the sets not yet known; the number of new sets."""
        new = sorted({s for s in sets if s and s not in self.benefit}, key=_set_key)
        if new:
            got = self.oracle(new)
            for s in new:
                self.benefit[s] = np.asarray(got[s], dtype=np.float64)
            self.solves += len(new)
        return len(new)

    def terms(self) -> list[tuple[ProjectSet, NDArray[np.float64]]]:
        """Möbius terms of the known sets (smallest first), exact on every known set."""
        order = sorted(self.benefit, key=_set_key)
        m: dict[ProjectSet, NDArray[np.float64]] = {}
        for s in order:
            v = self.benefit[s].copy()
            for t, mt in m.items():
                if t < s:
                    v -= mt
            m[s] = v
        return [(s, m[s]) for s in order]

    def initial_sets(self) -> list[ProjectSet]:
        st = self.setup
        out: list[ProjectSet] = []
        for c in st.candidates:
            cl = st.closure(c.id)
            out += [cl, cl - {c.id}]
        for a, b in st.corridor_pairs:
            u = st.closure(a) | st.closure(b)
            if not _excluded(st, u):
                out.append(u)
        return [s for s in out if s]

    def value(self, programme: Programme) -> Valuation:
        self.ensure([s for _, s in chain(self.setup, programme)])
        return valuation(self.setup, programme, self.benefit)

    def master(self, setup: Setup) -> tuple[Programme, float, str, float]:
        """Solve the master on the known sets: the programme, its predicted NPV, the status."""
        ids = [c.id for c in setup.candidates]
        index = {p: i for i, p in enumerate(ids)}
        periods = setup.periods
        proj, opens, vals, spend, starts = [], [], [], [], []
        for i, c in enumerate(setup.candidates):
            for o in c.options:
                proj.append(i)
                opens.append(int(o.opening - periods[0]))
                vals.append(o.value)
                spend.append(o.spend)
                starts.append(o.start)
        terms = self.terms()
        members = [[index[p] for p in sorted(s)] for s, _ in terms]
        tv = np.array([pulse_weights(setup, m) for _, m in terms]).reshape(len(terms), -1)
        req = [(index[c.id], index[r]) for c in setup.candidates for r in c.requires]
        exc = sorted(
            {tuple(sorted((index[c.id], index[x]))) for c in setup.candidates for x in c.excludes}
        )
        scale = max(
            [abs(v) for v in vals] + [float(np.max(np.abs(tv), initial=0.0)), 1e-300]
        )  # fmt: skip
        unit = 10.0 ** (math.floor(math.log10(scale)) - 10)
        sp = np.array(spend).reshape(len(proj), -1) if proj else np.zeros((0, len(setup.budget)))
        sunit = 10.0 ** (math.floor(math.log10(max(float(np.max(sp, initial=0.0)), 1e-300))) - 9)
        res = master_solver.solve(
            np.array(proj, dtype=np.int64), np.array(opens, dtype=np.int64), np.array(vals),
            sp, setup.budget, n_projects=len(ids), n_periods=len(periods),
            term_members=members, term_value=tv, requires=req or None,
            excludes=[list(e) for e in exc] or None,
            must=[c.committed for c in setup.candidates], total_budget=setup.total_budget,
            money_unit=unit, spend_unit=sunit,
        )  # fmt: skip
        if res.status not in ("optimal", "feasible"):
            return {}, math.nan, res.status, res.seconds
        prog = {ids[i]: starts[int(k)] for i, k in enumerate(res.option) if k >= 0}
        return prog, res.objective, res.status, res.seconds

    def search(
        self, setup: Setup, label: str, *, max_iterations: int = MAX_ITERATIONS,
        known: Sequence[Programme] = (),
    ) -> Outcome:  # fmt: skip
        """Master, verify, learn, until prediction and verified NPV agree."""
        rows: list[IterationRow] = []
        best: tuple[Programme, Valuation] | None = None
        for p in known:
            if feasible(setup, p):
                v = self.value(p)
                if best is None or v.npv > best[1].npv + 1e-9 * abs(v.npv):
                    best = (p, v)
        predicted = math.nan
        for it in range(1, max_iterations + 1):
            prog, predicted, status, secs = self.master(setup)
            if status not in ("optimal", "feasible"):
                raise ScenarioError(
                    [Problem("budget", None, "budget", f"no programme meets the budget ({status}):"
                             " the committed projects need more than it allows")]
                )  # fmt: skip
            new = self.ensure([s for _, s in chain(setup, prog)])
            v = valuation(setup, prog, self.benefit)
            rows.append(
                IterationRow(label, it, programme_text(prog), predicted, v.npv, new, self.solves,
                             status, secs)
            )  # fmt: skip
            log.info(
                "%s master %d (%s, %.2f s): predicted %.6g, verified %.6g CNY, %d new set(s)",
                label, it, status, secs, predicted, v.npv, new,
            )  # fmt: skip
            if best is None or v.npv > best[1].npv:
                best = (prog, v)
            tol = setup.rel_tolerance * max(v.pv_cost, abs(v.npv), 1.0)
            if abs(predicted - v.npv) <= tol:
                msg = (
                    f"converged after {it} master solve(s): predicted and verified NPV agree "
                    f"within {tol:.4g} CNY"
                )
                return Outcome(prog, v, predicted, True, rows, msg)
        assert best is not None
        msg = (
            f"stopped after {max_iterations} master solves without agreement (last prediction "
            f"{rows[-1].predicted:.6g}, verified {rows[-1].verified:.6g} CNY); the best verified "
            "programme is reported"
        )
        return Outcome(best[0], best[1], predicted, False, rows, msg)


def _set_key(s: ProjectSet) -> tuple[int, tuple[str, ...]]:
    return (len(s), tuple(sorted(s)))


def _excluded(setup: Setup, s: ProjectSet) -> bool:
    by = setup.by_id
    return any(x in s for p in s for x in by[p].excludes)


def programme_text(programme: Programme) -> str:
    """``P_A@2026 P_B@2028`` (by start year, then id)."""
    return " ".join(f"{p}@{s}" for p, s in sorted(programme.items(), key=lambda kv: (kv[1], kv[0])))


# ----------------------------------------------------------------------------- greedy


@dataclass(frozen=True)
class Single:
    """A candidate on its own at its earliest start: its increment over what it requires."""

    npv: float
    bcr: float | None


def singles(learner: Learner) -> dict[str, Single]:
    """Each candidate's NPV and BCR at its earliest start (its benefit: b(closure) − b(closure
    without it), as the put-one-in test)."""
    st = learner.setup
    learner.ensure(learner.initial_sets())
    out: dict[str, Single] = {}
    for c in st.candidates:
        cl = st.closure(c.id)
        inc = learner.benefit[cl] - (learner.benefit[cl - {c.id}] if cl - {c.id} else 0.0)
        o = c.options[0]
        pv_b = float(pulse_weights(st, inc)[int(o.opening - st.base_year)])
        bcr = (pv_b + o.pv_residual) / o.pv_cost if o.pv_cost > 0 else None
        out[c.id] = Single(pv_b + o.value, bcr)
    return out


def greedy(setup: Setup, ranks: Mapping[str, Single]) -> Programme:
    """Rank by BCR and fill the budget: the committed projects first, then every candidate with
    a BCR above 1 in order of BCR (ties by id), each at the earliest start year that the budget
    left and its requirements' openings allow; passes repeat until nothing more fits (so a
    project ranked above what it requires can follow it)."""
    by = setup.by_id
    prog: Programme = {}
    spend = np.zeros(len(setup.budget_years))

    def fits(o: Option) -> bool:
        new = spend + o.spend
        slack = 1e-9 * max(1.0, float(np.max(new, initial=0.0)))
        return bool(
            np.all(new <= setup.budget + slack)
            and new.sum() <= setup.total_budget * (1 + 1e-9) + slack
        )

    for c in setup.candidates:
        if c.committed:
            o = c.options[0]
            prog[c.id] = o.start
            spend = spend + o.spend
    order = sorted(
        (c for c in setup.candidates if not c.committed and (ranks[c.id].bcr or 0.0) > 1.0),
        key=lambda c: (-(ranks[c.id].bcr or 0.0), c.id),
    )
    changed = True
    while changed:
        changed = False
        for c in order:
            if c.id in prog or any(x in prog for x in c.excludes):
                continue
            if any(r not in prog for r in c.requires):
                continue
            need = max((option_of(by[r], prog[r]).opening for r in c.requires), default=0)
            for o in c.options:
                if o.opening >= need and fits(o):
                    prog[c.id] = o.start
                    spend = spend + o.spend
                    changed = True
                    break
    return prog


# ----------------------------------------------------------------------------- the regional side


@dataclass
class NetworkOracle:
    """Annual benefits of open sets from network solves, cached by (set, modelled year, method)."""

    scenarios: dict[int, Scenario]
    """Modelled year -> the plan scenario of that year."""
    do_minimum: frozenset[str]
    eco: Economics
    years: NDArray[np.int64]
    method: Method = DEFAULT_METHOD
    jobs: int = 1
    scheduler: Any = None
    progress: Callable[[int, int], None] | None = None
    cache: dict[tuple[ProjectSet, int, str], dict[str, Any]] = field(default_factory=dict)
    order: list[tuple[ProjectSet, int, str]] = field(default_factory=list)
    seconds: float = 0.0
    _components: dict[tuple[ProjectSet, int, str], dict[tuple[str, str], float]] = field(
        default_factory=dict
    )
    _basis: dict[str, dict[int, NDArray[np.float64]] | None] = field(default_factory=dict)

    def _solve(self, keys: list[tuple[ProjectSet, int, str]]) -> None:
        todo = [k for k in dict.fromkeys(keys) if k not in self.cache]
        if not todo:
            return
        tasks = []
        for s, y, m in todo:
            sc = self.scenarios[y]
            keep = s | self.do_minimum
            tasks.append(SolveTask(str(sc.path), tuple(p for p in sc.projects if p in keep), m))  # type: ignore[arg-type]
        t0 = time.perf_counter()
        # a small batch (the open sets of one verified programme) is solved in this process:
        # starting worker processes (imports, the base network) costs more than it saves
        small = self.scheduler is None and len(tasks) < SMALL_BATCH * self.jobs
        outs = map_tasks(solve_task, tasks, jobs=1 if small else self.jobs,
                         scheduler=self.scheduler, progress=self.progress)  # fmt: skip
        self.seconds += time.perf_counter() - t0
        log.info("solved %d network(s) in %.1f s", len(tasks), time.perf_counter() - t0)
        for k, t, o in zip(todo, tasks, outs, strict=True):
            if isinstance(o, Failed):
                raise FreightError(
                    f"solving {t.scenario} with projects {list(t.projects)} failed: "
                    f"{o.error}: {o.message}"
                )
            self.cache[k] = o
            self.order.append(k)

    def components(self, s: ProjectSet, year: int) -> dict[tuple[str, str], float]:
        """The set's benefit components at a modelled year (memoized)."""
        key = (s, year, self.method)
        if key in self._components:
            return self._components[key]
        eco = self.eco
        c, _ = annual_benefits(
            self.cache[(frozenset(), year, self.method)], self.cache[(s, year, self.method)],
            vat=eco.vat_transport, background_cargo_vot=eco.background_cargo_vot,
            local_air=eco.local_air, accidents=eco.accidents,
        )  # fmt: skip
        self._components[key] = c
        return c

    def __call__(self, sets: Sequence[ProjectSet]) -> dict[ProjectSet, NDArray[np.float64]]:
        keys: list[tuple[ProjectSet, int, str]] = [
            (frozenset(), y, self.method) for y in self.scenarios
        ]
        keys += [(s, y, self.method) for s in sets for y in self.scenarios]
        self._solve(keys)
        out: dict[ProjectSet, NDArray[np.float64]] = {}
        for s in sets:
            by_year = {y: self.components(s, y) for y in self.scenarios}
            total = np.zeros(len(self.years))
            for key in sorted({k for c in by_year.values() for k in c}):
                total += self._profile(key[1], {y: c.get(key, 0.0) for y, c in by_year.items()})
            out[s] = total
        return out

    def _direct(self, component: str, modelled: Mapping[int, float]) -> NDArray[np.float64]:
        eco = self.eco
        return np.array(
            [component_year_value(component, modelled, int(t), eco, modelled) for t in self.years]
        )

    def _profile(self, component: str, modelled: Mapping[int, float]) -> NDArray[np.float64]:
        """One component over :attr:`years` (the appraisal's profile, component_year_value).
        The profile of a unit in each modelled year is computed once per component and
        combined, after checking on a test vector that the profile is linear in the modelled
        values (else every year is computed directly)."""
        if component not in self._basis:
            ys = list(self.scenarios)
            basis = {y: self._direct(component, {z: float(z == y) for z in ys}) for y in ys}
            test = {y: 1.5 + 0.75 * i for i, y in enumerate(ys)}
            direct = self._direct(component, test)
            combined = sum((test[y] * basis[y] for y in ys), np.zeros(len(self.years)))
            linear = bool(np.allclose(direct, combined, rtol=1e-9, atol=1e-9))
            self._basis[component] = basis if linear else None
        unit = self._basis[component]
        if unit is None:
            return self._direct(component, modelled)
        return sum((v * unit[y] for y, v in modelled.items()), np.zeros(len(self.years)))

    def annual(self, s: ProjectSet, year: int) -> float:
        """The set's full annual benefit in a calendar year, CNY at the price base: every
        component profiled over the modelled years as the appraisal does."""
        if not s:
            return 0.0
        by_year = {y: self.components(s, y) for y in self.scenarios}
        total = 0.0
        for key in sorted({k for c in by_year.values() for k in c}):
            modelled = {y: c.get(key, 0.0) for y, c in by_year.items()}
            total += component_year_value(key[1], modelled, year, self.eco, modelled)
        return total

    def benefit_at(self, s: ProjectSet, year: int) -> float:
        """The set's annual benefit at a modelled year (CNY/yr at the price base)."""
        return self.annual(s, year)


@dataclass(frozen=True)
class Budget:
    """The budget as given (amounts in CNY)."""

    annual: float | None = None
    by_year: Mapping[int, float] = field(default_factory=dict)
    total: float | None = None
    last_start: int | None = None
    earliest: Mapping[str, int] = field(default_factory=dict)
    under_construction: str = "committed"
    committed: tuple[str, ...] = ()
    where: str = "--budget"
    file: Path | None = None

    def caps(self, years: NDArray[np.int64]) -> NDArray[np.float64]:
        if self.by_year:
            first, last = min(self.by_year), max(self.by_year)
            if first > years[0]:
                raise ScenarioError(
                    [Problem(self.where, None, "budget_by_year_cny_100m",
                             f"starts in {first}, after the price base year {years[0]}: give "
                             f"every year from {years[0]}")]
                )  # fmt: skip
            out = []
            for y in years:
                ks = [k for k in self.by_year if k <= y]
                out.append(self.by_year[max(ks)] if ks else self.by_year[last])
            return np.array(out, dtype=np.float64)
        if self.annual is not None:
            return np.full(len(years), self.annual)
        return np.full(len(years), math.inf)

    def describe(self) -> str:
        parts = []
        if self.by_year:
            parts.append("by year " + ", ".join(f"{y}: {v / CNY_100M:g}" for y, v in sorted(self.by_year.items())) + " 亿 CNY/yr")  # fmt: skip
        elif self.annual is not None:
            parts.append(f"{self.annual / CNY_100M:g} 亿 CNY/yr")
        if self.total is not None:
            parts.append(f"{self.total / CNY_100M:g} 亿 CNY in total")
        return "; ".join(parts)


def read_budget(
    budget_file: str | Path | None,
    *,
    annual: float | None = None,
    total: float | None = None,
    last_start: int | None = None,
) -> Budget:
    """The budget of the options (亿 CNY) and/or a budget file; options replace the file's."""
    for name, v in (("--budget", annual), ("--total-budget", total)):
        if v is not None and (not math.isfinite(v) or v < 0):
            raise ScenarioError([Problem(name, None, name, f"must be a number ≥ 0, got {v}")])
    f: PortfolioFile | None = read_portfolio_file(Path(budget_file)) if budget_file else None
    if f is None and annual is None and total is None:
        raise ScenarioError(
            [Problem("--budget", None, "--budget",
                     "give --budget AMOUNT (亿 CNY/yr), --total-budget or --budget-file FILE")]
        )  # fmt: skip
    by_year: dict[int, float] = {}
    a = t = None
    if f is not None:
        by_year = {int(k): v * CNY_100M for k, v in f.budget_by_year_cny_100m.items()}
        a = f.annual_budget_cny_100m * CNY_100M if f.annual_budget_cny_100m is not None else None
        t = f.total_budget_cny_100m * CNY_100M if f.total_budget_cny_100m is not None else None
    if annual is not None:
        a, by_year = annual * CNY_100M, {}
    if total is not None:
        t = total * CNY_100M
    return Budget(
        annual=a, by_year=by_year, total=t,
        last_start=last_start if last_start is not None else (f.last_start_year if f else None),
        earliest=dict(f.earliest_start) if f else {},
        under_construction=f.under_construction if f else "committed",
        committed=tuple(f.committed) if f else (),
        where=str(budget_file) if budget_file else "--budget",
        file=Path(budget_file) if budget_file else None,
    )  # fmt: skip


def _requires_cycle(pf: Mapping[str, ProjectFile]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(p: str) -> list[str] | None:
        state[p] = 1
        path.append(p)
        for r in pf[p].requires:
            if r not in pf:
                continue
            if state.get(r) == 1:
                return path[path.index(r) :] + [r]
            if r not in state:
                found = visit(r)
                if found:
                    return found
        state[p] = 2
        path.pop()
        return None

    for p in pf:
        if p not in state:
            found = visit(p)
            if found:
                return found
    return None


def _touched_places(p: ProjectFile, where: Mapping[str, set[str]]) -> set[str]:
    out: set[str] = set()
    for row in p.add_places:
        out.add(str(row.get("id", "")))
    for row in p.add_links:
        out |= {str(row.get("from", "")), str(row.get("to", ""))}
    for row in p.add_terminals:
        out.add(str(row.get("place", "")))
    for m in (*p.modify_links, *p.modify_terminals, *p.modify_places):
        out |= where.get(m.id, {m.id})
    for i in (*p.remove_links, *p.remove_terminals):
        out |= where.get(i, set())
    return out - {""}


def corridor_pairs(
    candidates: Sequence[str], pf: Mapping[str, ProjectFile], sc: Scenario
) -> list[tuple[str, str]]:
    """Pairs of candidates whose edits touch a common place (link ends, terminal places)."""
    net = load_network_case(sc.data).net
    where: dict[str, set[str]] = {lk.id: {lk.from_, lk.to} for lk in net.links}
    where.update({t.id: {t.place} for t in net.terminals})
    for p in pf.values():
        for row in p.add_links:
            where[str(row.get("id"))] = {str(row.get("from")), str(row.get("to"))}
        for row in p.add_terminals:
            where[str(row.get("id"))] = {str(row.get("place"))}
    places = {c: _touched_places(pf[c], where) for c in candidates}
    out = []
    for i, a in enumerate(candidates):
        for b in candidates[i + 1 :]:
            if places[a] & places[b] and b not in pf[a].excludes and a not in pf[b].excludes:
                out.append((a, b))
    return out


def build_setup(
    scenarios: Sequence[str | Path],
    budget: Budget,
    *,
    economics: str | Path | Economics | None = None,
    carbon_price: float | None = None,
    rel_tolerance: float = REL_TOLERANCE,
) -> tuple[
    Setup, dict[int, Scenario], frozenset[str], Economics, dict[str, ProjectFile], Path | None
]:
    """The portfolio problem of one future's plan scenarios (checks every input)."""
    scs = [resolve(s) for s in scenarios]
    for arg, sc in zip(scenarios, scs, strict=True):
        if not sc.projects:
            raise ScenarioError(
                [Problem(str(arg), None, "projects", "a portfolio needs a plan scenario with projects")]
            )  # fmt: skip
    futs = {future_id(sc) for sc in scs}
    if len(futs) > 1:
        raise ScenarioError(
            [Problem(str(scs[-1].path), None, "id", f"give one future's scenarios (got {sorted(futs)})")]
        )  # fmt: skip
    if len({tuple(sorted(sc.projects)) for sc in scs}) > 1:
        raise ScenarioError(
            [Problem(str(scs[-1].path), None, "projects", "the scenarios list different projects")]
        )  # fmt: skip
    sc0 = scs[0]
    folder = projects_dir(sc0)
    pf = {p.id: p for p in load_projects(list(sc0.projects), folder, str(sc0.path))}
    eco, eco_path = scenario_economics(sc0, economics, carbon_price)
    by_year: dict[int, Scenario] = {}
    for sc in scs:
        y = sc.year or eco.model_price_year
        if y in by_year:
            raise ScenarioError(
                [Problem(str(sc.path), None, "year", f"the year {y} is given twice")]
            )
        by_year[y] = sc
    by_year = dict(sorted(by_year.items()))

    problems: list[Problem] = []
    known = {x.stem for x in folder.glob("*.toml")}
    for pj in pf.values():
        src = str(folder / f"{pj.id}.toml")
        for x in pj.excludes:
            if x not in known:
                problems.append(Problem(src, None, "excludes", f"unknown project {x!r}"))
            elif x == pj.id:
                problems.append(Problem(src, None, "excludes", "a project cannot exclude itself"))
        for r in pj.requires:
            if r not in pf:
                problems.append(
                    Problem(src, None, "requires", f"requires {r!r}, which is not in the plan {sc0.path.name}")
                )  # fmt: skip
    cyc = _requires_cycle(pf)
    if cyc:
        problems.append(
            Problem(str(folder / f"{cyc[0]}.toml"), None, "requires", "a cycle: " + " -> ".join(cyc))
        )  # fmt: skip
    if problems:
        raise ScenarioError(problems)
    for pj in pf.values():
        cl = closure(pj.id, pf)
        excl = {x for q in cl for x in pf[q].excludes} | {
            q2 for q2 in pf if any(x in cl for x in pf[q2].excludes)
        }
        bad = sorted(cl & excl)
        if bad:
            problems.append(
                Problem(str(folder / f"{pj.id}.toml"), None, "excludes",
                        f"{pj.id} requires {', '.join(bad)}, which it (or what it requires) excludes")
            )  # fmt: skip
    dm: set[str] = set()
    for p in sc0.projects:
        if is_do_minimum(pf[p], eco):
            dm |= closure(p, pf)
    cand_ids = [p for p in sc0.projects if p not in dm]
    base = eco.base_year
    last_model = max(by_year)
    plan_last_start = max((pf[p].construction_start for p in cand_ids), default=base)
    last_start = (
        budget.last_start if budget.last_start is not None else max(last_model, plan_last_start)
    )
    where = budget.where
    for p, y in budget.earliest.items():
        if p not in pf:
            problems.append(Problem(where, None, f"earliest_start.{p}", f"unknown project {p!r} (not in the plan)"))  # fmt: skip
        elif p in dm:
            problems.append(Problem(where, None, f"earliest_start.{p}", f"{p} is in the do-minimum (open before {base})"))  # fmt: skip
        elif pf[p].construction_start < base and y != pf[p].construction_start:
            problems.append(Problem(where, None, f"earliest_start.{p}",
                                    f"{p} is under construction since {pf[p].construction_start}: its start cannot move"))  # fmt: skip
        elif y < base and pf[p].construction_start >= base:
            problems.append(Problem(where, None, f"earliest_start.{p}", f"{y} is before the price base year {base}"))  # fmt: skip
        elif y > last_start:
            problems.append(Problem(where, None, f"earliest_start.{p}",
                                    f"impossible: {y} is after the last start year {last_start}"))  # fmt: skip
    for p in budget.committed:
        if p not in pf:
            problems.append(
                Problem(where, None, "committed", f"unknown project {p!r} (not in the plan)")
            )
    if budget.last_start is not None and budget.last_start < base:
        problems.append(Problem(where, None, "last_start_year", f"{budget.last_start} is before the price base year {base}"))  # fmt: skip
    if problems:
        raise ScenarioError(problems)

    # options
    proto: list[tuple[str, list[tuple[int, int, Any]], bool, bool, int]] = []
    max_spend_year = base
    max_open = base
    for p in cand_ids:
        f = pf[p]
        dur = f.opening_year - f.construction_start
        fixed = f.construction_start < base
        if fixed:
            starts = [f.construction_start]
        else:
            first = max(budget.earliest.get(p, f.construction_start), base)
            starts = list(range(first, last_start + 1))
        if not starts:
            problems.append(Problem(str(folder / f"{p}.toml"), None, "construction_start",
                                    f"impossible: the earliest start {first} is after the last start year {last_start}"))  # fmt: skip
            continue
        opts = []
        for s in starts:
            shifted = (
                f
                if fixed
                else f.model_copy(update={"construction_start": s, "opening_year": s + dur})
            )
            build = list(range(s, s + dur)) or [s + dur]
            max_spend_year = max(max_spend_year, build[-1])
            max_open = max(max_open, s + dur)
            opts.append((s, s + dur, shifted))
        committed = p in budget.committed or (fixed and budget.under_construction == "committed")
        proto.append((p, opts, committed, fixed, starts[0]))
    if problems:
        raise ScenarioError(problems)
    budget_years = np.arange(base, max_spend_year + 1)
    years = np.arange(base, max_open + eco.period)
    candidates = []
    for p, opts, committed, fixed, earliest in proto:
        f = pf[p]
        capex = f.capex_cny * eco.price_index(f.price_year)
        options = []
        for s, o, shifted in opts:
            costs = cost_profile(shifted, eco)
            pv_cost = sum(
                v * eco.discount(y)
                for d in (costs.capex, costs.optimism_bias, costs.opex) for y, v in d.items()
            )  # fmt: skip
            pv_res = costs.residual * eco.discount(costs.residual_year)
            spend = np.zeros(len(budget_years))
            build = list(range(shifted.construction_start, shifted.opening_year)) or [
                shifted.opening_year
            ]
            shares = list(shifted.construction_profile) or [1.0 / len(build)] * len(build)
            for y, sh in zip(build, shares, strict=True):
                if y >= base:
                    spend[y - base] += capex * sh
            options.append(Option(s, o, float(pv_cost), float(pv_res), spend))
        candidates.append(
            Candidate(
                id=p, name=f.name, options=tuple(options),
                requires=tuple(r for r in f.requires if r in cand_ids),
                excludes=tuple(sorted({x for x in f.excludes if x in cand_ids}
                                      | {q for q in cand_ids if p in pf[q].excludes})),
                committed=committed, fixed_start=fixed, plan_start=f.construction_start,
                plan_opening=f.opening_year, capex=capex, earliest=earliest,
            )
        )  # fmt: skip
    for c in candidates:
        for x in c.excludes:
            if c.committed and next(d for d in candidates if d.id == x).committed:
                problems.append(Problem(where, None, "committed", f"{c.id} and {x} exclude each other but both are committed"))  # fmt: skip
    if problems:
        raise ScenarioError(problems)
    caps = budget.caps(budget_years)
    setup = Setup(
        candidates=tuple(candidates), base_year=base, years=years,
        discount=np.array([eco.discount(int(y)) for y in years]),
        ramp=tuple(eco.ramp_up), period=eco.period, budget_years=budget_years, budget=caps,
        total_budget=budget.total if budget.total is not None else math.inf,
        corridor_pairs=tuple(corridor_pairs(cand_ids, pf, sc0)), rel_tolerance=rel_tolerance,
    )  # fmt: skip
    for p in cand_ids:
        if pf[p].ramp_up is not None:
            log.warning("%s: its own ramp_up is not used by the portfolio (the economics' is)", p)
    _check_committed(setup, where)
    return setup, by_year, frozenset(dm), eco, pf, eco_path


def _check_committed(setup: Setup, where: str) -> None:
    spend = sum((c.options[0].spend for c in setup.candidates if c.committed),
                np.zeros(len(setup.budget_years)))  # fmt: skip
    over = [(int(y), s, b) for y, s, b in zip(setup.budget_years, spend, setup.budget, strict=True)
            if s > b * (1 + 1e-9) + 1e-6]  # fmt: skip
    if over:
        y, s, b = over[0]
        raise ScenarioError(
            [Problem(where, None, "budget",
                     f"the committed projects need {s / CNY_100M:.2f} 亿 CNY in {y}, more than the "
                     f"budget's {b / CNY_100M:.2f} 亿 ({len(over)} year(s) over)")]
        )  # fmt: skip
    if spend.sum() > setup.total_budget * (1 + 1e-9) + 1e-6:
        raise ScenarioError(
            [Problem(where, None, "total_budget_cny_100m",
                     f"the committed projects need {spend.sum() / CNY_100M:.2f} 亿 CNY, more than the total budget")]
        )  # fmt: skip


# ----------------------------------------------------------------------------- the command


@dataclass
class PortfolioResult:
    """Everything ``freight portfolio`` reports."""

    setup: Setup
    optimized: Outcome
    greedy: Programme
    greedy_value: Valuation
    plus: Outcome
    plus_setup: Setup
    singles: dict[str, Single]
    learner: Learner
    seconds: float
    budget_change: str


def run_portfolio(
    setup: Setup, oracle: Oracle, *, max_iterations: int = MAX_ITERATIONS
) -> PortfolioResult:
    """Greedy, optimized and one-more-亿 programmes on a set-up (any oracle)."""
    t0 = time.perf_counter()
    learner = Learner(setup, oracle)
    ranks = singles(learner)
    g = greedy(setup, ranks)
    gv = learner.value(g)
    opt = learner.search(setup, "budget", max_iterations=max_iterations, known=[g])
    if np.isfinite(setup.budget).any():
        more = np.where(np.isfinite(setup.budget), setup.budget + CNY_100M, setup.budget)
        tot = setup.total_budget + CNY_100M * len(setup.budget) if math.isfinite(setup.total_budget) else math.inf  # fmt: skip
        change = "+1 亿 CNY in every budget year"
    else:
        more, tot = setup.budget, setup.total_budget + CNY_100M
        change = "+1 亿 CNY on the total"
    plus_setup = setup.with_budget(more, tot)
    plus = learner.search(
        plus_setup, "budget_plus_1", max_iterations=max_iterations, known=[opt.programme, g]
    )
    return PortfolioResult(setup, opt, g, gv, plus, plus_setup, ranks, learner,
                           time.perf_counter() - t0, change)  # fmt: skip


def portfolio(
    scenarios: Sequence[str | Path],
    *,
    budget: Budget,
    jobs: int = 1,
    scheduler: Any = None,
    method: Method = DEFAULT_METHOD,
    economics: str | Path | Economics | None = None,
    carbon_price: float | None = None,
    rel_tolerance: float = REL_TOLERANCE,
    max_iterations: int = MAX_ITERATIONS,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[dict[str, Table], dict[str, Any], dict[str, bytes], PortfolioResult]:
    """Optimize the plan's programme under the budget: tables, manifest, the PNG and the result."""
    t0 = time.perf_counter()
    setup, by_year, dm, eco, pf, eco_path = build_setup(
        scenarios, budget, economics=economics, carbon_price=carbon_price,
        rel_tolerance=rel_tolerance,
    )  # fmt: skip
    oracle = NetworkOracle(by_year, dm, eco, setup.years, method, jobs, scheduler, progress)
    res = run_portfolio(setup, oracle, max_iterations=max_iterations)
    tables = result_tables(res, budget, oracle, method)
    iterations = res.optimized.iterations + res.plus.iterations
    scs = list(by_year.values())
    inputs = sorted(
        {p for sc in scs for p in (sc.data, *sc.chain)}
        | {projects_dir(scs[0]) / f"{p}.toml" for p in scs[0].projects}
        | ({eco_path} if eco_path else set()) | ({budget.file} if budget.file else set()),
        key=str,
    )  # fmt: skip
    manifest = {
        "command": "portfolio",
        "scenarios": [str(sc.path) for sc in scs],
        "modelled_years": list(by_year),
        "method": method,
        "budget": budget.describe(),
        "budget_file": str(budget.file) if budget.file else None,
        "price_base_year": eco.base_year,
        "discount_rate": eco.discount_rate,
        "do_minimum": sorted(dm),
        "corridor_pairs": [list(p) for p in setup.corridor_pairs],
        "tolerance_relative": rel_tolerance,
        "converged": res.optimized.converged,
        "message": res.optimized.message,
        "network_solves": len(oracle.cache),
        "sets_evaluated": len(res.learner.benefit),
        "inputs": input_hashes(inputs),
        "versions": versions(),
        "timings_s": {
            "total": time.perf_counter() - t0,
            "network_solves": oracle.seconds,
            "master_solves": sum(r.master_seconds for r in iterations),
        },
    }
    png = chart_png(res)
    return tables, manifest, {"programme.png": png}, res


def result_tables(res: PortfolioResult, budget: Budget, oracle: NetworkOracle | None,
                  method: str) -> dict[str, Table]:  # fmt: skip
    """programme.csv, summary.csv, spend.csv, iterations.csv, solves.csv."""
    st = res.setup
    opt, g = res.optimized.programme, res.greedy
    prog: Table = []
    for c in st.candidates:
        s = opt.get(c.id)
        o = option_of(c, s) if s is not None else None
        gs = g.get(c.id)
        prog.append({
            "project": c.id, "name": c.name, "chosen": s is not None, "committed": c.committed,
            "start_year": s, "opening_year": o.opening if o else None,
            "delay_years": (s - c.plan_start) if s is not None else None,
            "plan_construction_start": c.plan_start, "plan_opening_year": c.plan_opening,
            "earliest_start": c.earliest, "capex_cny": c.capex,
            "spend_counted_cny": float(o.spend.sum()) if o else None,
            "pv_cost_cny": o.pv_cost if o else None,
            "single_npv_cny": res.singles[c.id].npv, "single_bcr": res.singles[c.id].bcr,
            "greedy_chosen": gs is not None, "greedy_start_year": gs,
            "requires": " ".join(c.requires), "excludes": " ".join(c.excludes),
        })  # fmt: skip
    ov, gv, pv = res.optimized.value, res.greedy_value, res.plus.value
    marginal = pv.npv - ov.npv
    summary: Table = []
    for name, p, v, pred, conv, msg, b in (
        ("optimized", opt, ov, res.optimized.predicted, res.optimized.converged, res.optimized.message, budget.describe()),
        ("greedy", g, gv, None, None, "rank by BCR (> 1) and fill the budget", budget.describe()),
        ("optimized_budget_plus_1", res.plus.programme, pv, res.plus.predicted, res.plus.converged,
         res.plus.message, f"{budget.describe()}; {res.budget_change}"),
    ):  # fmt: skip
        summary.append({
            "programme": name, "budget": b, "projects": len(p), "programme_text": programme_text(p),
            "verified_npv_cny": v.npv, "predicted_npv_cny": pred, "pv_benefit_cny": v.pv_benefit,
            "pv_residual_cny": v.pv_residual, "pv_cost_cny": v.pv_cost, "bcr": v.bcr,
            "spend_cny": float(v.spend.sum()),
            "marginal_npv_per_100m_cny": marginal if name == "optimized" else None,
            "converged": conv, "note": msg,
        })  # fmt: skip
    spend: Table = []
    for i, y in enumerate(st.budget_years):
        b = st.budget[i]
        spend.append({
            "year": int(y), "budget_cny": b if math.isfinite(b) else None,
            "spend_cny": float(ov.spend[i]), "greedy_spend_cny": float(gv.spend[i]),
            "committed_spend_cny": float(sum(c.options[0].spend[i] for c in st.candidates if c.committed)),
            "unused_cny": (b - float(ov.spend[i])) if math.isfinite(b) else None,
        })  # fmt: skip
    iters: Table = [
        {"budget": r.budget, "iteration": r.iteration, "programme": r.programme,
         "predicted_npv_cny": r.predicted, "verified_npv_cny": r.verified,
         "difference_cny": r.predicted - r.verified, "new_sets": r.new_sets,
         "sets_known": r.solves, "master_status": r.master_status}
        for r in res.optimized.iterations + res.plus.iterations
    ]  # fmt: skip
    solves: Table = []
    if oracle is not None:
        for key in oracle.order:
            ps, y, m = key
            meas = oracle.cache[key]
            solves.append({
                "projects": " ".join(sorted(ps)) or "(do-minimum)", "n_projects": len(ps),
                "year": y, "method": m, "status": meas["status"],
                "benefit_cny_per_yr": oracle.benefit_at(ps, y),
            })  # fmt: skip
    return {"programme.csv": prog, "summary.csv": summary, "spend.csv": spend,
            "iterations.csv": iters, "solves.csv": solves}  # fmt: skip


def chart_png(res: PortfolioResult) -> bytes:
    """Gantt of the optimized and the greedy programme (construction bars, opening marks) above
    the annual spend of both against the budget. Reproducible bytes (no metadata)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    st = res.setup
    ids = [c.id for c in st.candidates]
    fig, (ax, bx) = plt.subplots(
        2, 1, figsize=(11, 4 + 0.32 * len(ids)), dpi=100,
        gridspec_kw={"height_ratios": [max(len(ids), 4), 6]},
    )  # fmt: skip
    by = st.by_id
    for row, pid in enumerate(ids):
        for prog, dy, colour, label in ((res.optimized.programme, -0.17, "tab:blue", "optimized"),
                                        (res.greedy, 0.17, "tab:orange", "greedy")):  # fmt: skip
            if pid in prog:
                o = option_of(by[pid], prog[pid])
                width = max(o.opening - o.start, 0.3)
                ax.barh(row + dy, width, left=o.start, height=0.3, color=colour,
                        label=label if row == 0 or pid == next(p for p in ids if p in prog) else None)  # fmt: skip
                ax.plot([o.opening], [row + dy], marker="|", color="black", markersize=8)
    handles, labels = ax.get_legend_handles_labels()
    uniq = dict(zip(labels, handles, strict=False))
    ax.legend(uniq.values(), uniq.keys(), loc="lower right", fontsize=8)
    ax.set_yticks(range(len(ids)))
    ax.set_yticklabels(ids, fontsize=7)
    ax.invert_yaxis()
    ax.set_title("Construction (bars) and opening (|) by programme", fontsize=9)
    years = st.budget_years
    ax.set_xlim(years[0] - 0.5, max(years[-1], max(st.periods)) + 1.5)
    w = 0.4
    bx.bar(
        years - w / 2,
        res.optimized.value.spend / CNY_100M,
        width=w,
        color="tab:blue",
        label="optimized",
    )
    bx.bar(
        years + w / 2,
        res.greedy_value.spend / CNY_100M,
        width=w,
        color="tab:orange",
        label="greedy",
    )
    if np.isfinite(st.budget).any():
        bx.step(years, np.where(np.isfinite(st.budget), st.budget, np.nan) / CNY_100M,
                where="mid", color="black", label="budget")  # fmt: skip
    bx.set_xlim(ax.get_xlim())
    from matplotlib.ticker import MaxNLocator

    for a in (ax, bx):
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    bx.set_ylabel("capex, 100M CNY/yr", fontsize=8)
    bx.legend(fontsize=8)
    bx.set_title(
        f"Annual spend at {st.base_year} prices: optimized NPV {res.optimized.value.npv / CNY_100M:.2f}, "
        f"greedy {res.greedy_value.npv / CNY_100M:.2f} (100M CNY)", fontsize=9,
    )  # fmt: skip
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def portfolio_to_folder(
    out: str | Path, scenarios: Sequence[str | Path], **kw: Any
) -> tuple[dict[str, Table], PortfolioResult]:
    """Run :func:`portfolio` and write the folder atomically (``--out`` checked first)."""
    budget: Budget = kw["budget"]
    inputs = [*scenarios, *([budget.file] if budget.file else [])]
    check_output_folder(out, inputs=inputs)
    tables, manifest, extra, res = portfolio(scenarios, **kw)
    write_result_folder(out, tables, manifest, inputs=inputs, extra_files=extra)
    return tables, res


__all__ = [
    "Budget", "Candidate", "Learner", "Option", "Outcome", "PortfolioResult", "Setup",
    "build_setup", "chain", "feasible", "greedy", "portfolio", "portfolio_to_folder",
    "programme_text", "pulse_weights", "read_budget", "run_portfolio", "singles", "valuation",
]  # fmt: skip
