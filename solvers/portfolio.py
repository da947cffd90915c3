"""Budget-constrained project portfolio and phasing: an exact CP-SAT master (OR-Tools).

Problem
-------
``n`` projects; project ``i`` has a list of *options* (one per start year), each with an opening
period ``open[k]`` in ``0..n_periods-1``, a value ``value[k]`` (typically minus the present value
of the option's costs) and a spend ``spend[k, y]`` in each budget year ``y``. Choose at most one
option per project (none = the project is not built) to maximize

    sum_k value[k] x[k]  +  sum_T  W_T( max_{i in T} open_i )        (T over the terms)

where a *term* ``T`` is a set of projects with a value ``W_T(t)`` earned when the last of its
members opens in period ``t`` (nothing when a member is not built). Single-project benefits are
terms of one member; pairwise (or higher) interactions are terms of several. Subject to

* **budget**: ``sum_k spend[k, y] x[k] <= budget[y]`` in every year (``inf`` = no cap) and
  ``sum_k sum_y spend[k, y] x[k] <= total_budget``;
* **requires** ``(i, j)``: ``i`` only if ``j``, and ``j`` opens no later than ``i``;
* **excludes** ``(i, j)``: not both;
* **must**: the project is built.

Formulation
-----------
``x[k]`` boolean per option; ``o[i, t] = sum_{k of i, open[k] <= t} x[k]`` (``i`` open by period
``t``, 0/1, non-decreasing in ``t``). A term of one effective member is linear in ``x``. A term
of several members gets ``z[T, t] = AND_i o[i, t]`` (``z <= o[i, t]``, ``z >= sum_i o[i, t] -
(|T| - 1)``, exact whichever the sign of its value) and earns ``sum_t z[T, t] (W_T(t) -
W_T(t + 1))`` (``W_T(n_periods) = 0``): the telescoping sum is ``W_T`` at the first period in
which every member is open. Members implied by another member through ``requires`` are dropped
(``o`` of the dependent is never above that of its requirement). ``requires (i, j)`` is
``o[i, t] <= o[j, t]`` for every ``t``.

Integer scaling (CP-SAT is integer only)
----------------------------------------
Values and term values are divided by ``money_unit`` and rounded to the nearest integer; spends
and budgets by ``spend_unit`` (spends rounded to the nearest unit, budgets rounded *down* after a
relative tolerance of 1e-9, so a budget that equals a spend exactly is met). The rounding moves
the objective by at most ``0.5 * money_unit`` per coefficient used; the reported ``objective`` is
recomputed in float64 from the unrounded inputs (:func:`evaluate`). An overflow guard refuses
coefficients beyond ``2**53``.

One search worker by default, so the same inputs give the same answer (ties included).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

MAX_INT = 2**53
"""Largest scaled coefficient accepted (float64 holds every integer up to it exactly)."""


class PortfolioInputError(ValueError):
    """Inconsistent arrays given to :func:`solve`."""


@dataclass(frozen=True)
class PortfolioResult:
    """The master's answer.

    Attributes
    ----------
    status
        ``"optimal"``, ``"feasible"`` (time limit reached with a solution), ``"infeasible"``,
        ``"time_limit"`` (no solution found in time) or ``"error"``.
    objective
        Value of the chosen options, recomputed in float64 from the unrounded inputs
        (``nan`` without a solution).
    bound
        CP-SAT's best bound, unscaled (``nan`` without a solution).
    option
        ``(n_projects,)`` the chosen option index of each project, ``-1`` = not built.
    spend
        ``(n_years,)`` spend of the chosen options per budget year.
    seconds
        Wall time of the solve.
    """

    status: str
    objective: float
    bound: float
    option: NDArray[np.int64]
    spend: NDArray[np.float64]
    seconds: float

    @property
    def chosen(self) -> NDArray[np.bool_]:
        """``(n_projects,)`` whether each project is built."""
        return self.option >= 0


def _pairs(a: ArrayLike | None, n: int, name: str) -> NDArray[np.int64]:
    if a is None:
        return np.zeros((0, 2), dtype=np.int64)
    arr = np.asarray(a, dtype=np.int64).reshape(-1, 2)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise PortfolioInputError(f"{name}: project index outside 0..{n - 1}")
    if arr.size and np.any(arr[:, 0] == arr[:, 1]):
        raise PortfolioInputError(f"{name}: a project paired with itself")
    return arr


def _closure(requires: NDArray[np.int64], n: int) -> list[set[int]]:
    """``out[i]``: every project ``i`` requires, transitively (``i`` excluded)."""
    direct: list[set[int]] = [set() for _ in range(n)]
    for i, j in requires:
        direct[int(i)].add(int(j))
    out: list[set[int]] = []
    for i in range(n):
        seen: set[int] = set()
        stack = list(direct[i])
        while stack:
            j = stack.pop()
            if j in seen:
                continue
            seen.add(j)
            stack.extend(direct[j])
        if i in seen:
            raise PortfolioInputError(f"requires: project {i} requires itself (a cycle)")
        out.append(seen)
    return out


def effective_members(members: Sequence[int], closure: Sequence[set[int]]) -> list[int]:
    """The members of a term that are not required by another member (their opening is implied)."""
    ms = sorted(set(int(m) for m in members))
    return [m for m in ms if not any(m in closure[o] for o in ms if o != m)]


def evaluate(
    option: ArrayLike,
    option_project: ArrayLike,
    option_open: ArrayLike,
    option_value: ArrayLike,
    term_members: Sequence[Sequence[int]] = (),
    term_value: ArrayLike | None = None,
) -> float:
    """The objective of a choice (``option[i]`` per project, ``-1`` = not built), float64."""
    opt = np.asarray(option, dtype=np.int64)
    proj = np.asarray(option_project, dtype=np.int64)
    opens = np.asarray(option_open, dtype=np.int64)
    vals = np.asarray(option_value, dtype=np.float64)
    total = 0.0
    for i, k in enumerate(opt):
        if k >= 0:
            if proj[k] != i:
                raise PortfolioInputError(f"option {k} is not an option of project {i}")
            total += float(vals[k])
    if term_members:
        tv = np.asarray(term_value, dtype=np.float64)
        for t, members in enumerate(term_members):
            ks = [int(opt[m]) for m in members]
            if all(k >= 0 for k in ks):
                total += float(tv[t, max(int(opens[k]) for k in ks)])
    return total


def solve(
    option_project: ArrayLike,
    option_open: ArrayLike,
    option_value: ArrayLike,
    option_spend: ArrayLike,
    budget: ArrayLike,
    *,
    n_projects: int,
    n_periods: int,
    term_members: Sequence[Sequence[int]] = (),
    term_value: ArrayLike | None = None,
    requires: ArrayLike | None = None,
    excludes: ArrayLike | None = None,
    must: ArrayLike | None = None,
    total_budget: float = math.inf,
    money_unit: float = 1.0,
    spend_unit: float = 1.0,
    time_limit_s: float = 60.0,
    workers: int = 1,
) -> PortfolioResult:
    """Choose each project's option (or none) to maximize the value (module docstring).

    Parameters
    ----------
    option_project, option_open, option_value
        ``(n_options,)`` the project of each option, its opening period (``0..n_periods-1``)
        and its own value.
    option_spend
        ``(n_options, n_years)`` spend of each option in each budget year (≥ 0).
    budget
        ``(n_years,)`` cap per budget year (``inf`` = none; ≥ 0).
    n_projects, n_periods
        Number of projects and of opening periods.
    term_members, term_value
        One sequence of project indices per term, and ``(n_terms, n_periods)`` the term's value
        when its last member opens in each period.
    requires, excludes
        ``(m, 2)`` project index pairs (``requires (i, j)``: ``i`` needs ``j`` open no later).
    must
        ``(n_projects,)`` booleans: projects that must be built.
    total_budget
        Cap on the spend summed over the budget years.
    money_unit, spend_unit
        Integer scaling of values and of spends (module docstring).
    time_limit_s, workers
        CP-SAT search limits (one worker: deterministic).

    Raises
    ------
    PortfolioInputError
        Shapes, indices, signs or a ``requires`` cycle are wrong, or a scaled coefficient
        overflows.
    """
    from ortools.sat.python import cp_model

    t0 = time.perf_counter()
    proj = np.asarray(option_project, dtype=np.int64)
    opens = np.asarray(option_open, dtype=np.int64)
    vals = np.asarray(option_value, dtype=np.float64)
    n_opt = proj.shape[0]
    cap = np.asarray(budget, dtype=np.float64).reshape(-1)
    spend = np.asarray(option_spend, dtype=np.float64)
    spend = spend.reshape(n_opt, -1) if spend.size else np.zeros((n_opt, cap.shape[0]))
    n_years = spend.shape[1]
    if opens.shape != (n_opt,) or vals.shape != (n_opt,):
        raise PortfolioInputError("option arrays differ in length")
    if cap.shape != (n_years,):
        raise PortfolioInputError(f"budget has {cap.shape[0]} years, option_spend {n_years}")
    if n_opt and (proj.min() < 0 or proj.max() >= n_projects):
        raise PortfolioInputError("option_project outside 0..n_projects-1")
    if n_opt and (opens.min() < 0 or opens.max() >= n_periods):
        raise PortfolioInputError("option_open outside 0..n_periods-1")
    if not np.all(np.isfinite(vals)) or not np.all(np.isfinite(spend)) or np.any(spend < 0):
        raise PortfolioInputError("option values and spends must be finite, spends >= 0")
    if np.any(np.isnan(cap)) or np.any(cap < 0) or math.isnan(total_budget) or total_budget < 0:
        raise PortfolioInputError("budgets must be >= 0 (inf = no cap)")
    if money_unit <= 0 or spend_unit <= 0:
        raise PortfolioInputError("money_unit and spend_unit must be > 0")
    req = _pairs(requires, n_projects, "requires")
    exc = _pairs(excludes, n_projects, "excludes")
    closure = _closure(req, n_projects)
    must_arr = np.zeros(n_projects, dtype=bool) if must is None else np.asarray(must, dtype=bool)
    tv = (
        np.zeros((0, n_periods))
        if not term_members
        else np.asarray(term_value, dtype=np.float64).reshape(len(term_members), n_periods)
    )
    if not np.all(np.isfinite(tv)):
        raise PortfolioInputError("term values must be finite")

    def scaled(x: float, unit: float) -> int:
        v = round(x / unit)
        if abs(v) > MAX_INT:
            raise PortfolioInputError(f"{x} / {unit} overflows the integer scaling")
        return int(v)

    m = cp_model.CpModel()
    x = [m.new_bool_var(f"x{k}") for k in range(n_opt)]
    by_project: list[list[int]] = [[] for _ in range(n_projects)]
    for k in range(n_opt):
        by_project[int(proj[k])].append(k)
    for i, ks in enumerate(by_project):
        if ks:
            if must_arr[i]:
                m.add_exactly_one(x[k] for k in ks)
            else:
                m.add_at_most_one(x[k] for k in ks)
        elif must_arr[i]:
            return _none("infeasible", n_projects, n_years, t0)

    def open_by(i: int, t: int) -> list[int]:
        return [k for k in by_project[i] if opens[k] <= t]

    for i, j in req:
        for t in range(n_periods):
            m.add(sum(x[k] for k in open_by(int(i), t)) <= sum(x[k] for k in open_by(int(j), t)))
    for i, j in exc:
        m.add(sum(x[k] for k in by_project[int(i)]) + sum(x[k] for k in by_project[int(j)]) <= 1)
    for y in range(n_years):
        if math.isinf(cap[y]):
            continue
        limit = math.floor(cap[y] / spend_unit * (1 + 1e-9) + 1e-9)
        terms = [(scaled(spend[k, y], spend_unit), k) for k in range(n_opt) if spend[k, y] > 0]
        if terms:
            m.add(sum(c * x[k] for c, k in terms) <= limit)
    if not math.isinf(total_budget):
        limit = math.floor(total_budget / spend_unit * (1 + 1e-9) + 1e-9)
        tot = spend.sum(axis=1)
        m.add(sum(scaled(tot[k], spend_unit) * x[k] for k in range(n_opt) if tot[k] > 0) <= limit)

    coef = [scaled(vals[k], money_unit) for k in range(n_opt)]
    extra: list[tuple[int, Any]] = []
    for t_i, members in enumerate(term_members):
        eff = effective_members(members, closure)
        w = np.append(tv[t_i], 0.0)
        if len(eff) == 1:
            for k in by_project[eff[0]]:
                coef[k] += scaled(w[int(opens[k])], money_unit)
            continue
        for t in range(n_periods):
            c = scaled(w[t] - w[t + 1], money_unit)
            if c == 0:
                continue
            z = m.new_bool_var(f"z{t_i}_{t}")
            os_ = [sum(x[k] for k in open_by(i, t)) for i in eff]
            for o in os_:
                m.add(z <= o)
            m.add(z >= sum(os_) - (len(eff) - 1))
            extra.append((c, z))
    m.maximize(sum(c * x[k] for k, c in enumerate(coef) if c) + sum(c * z for c, z in extra))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_search_workers = int(workers)
    solver.parameters.random_seed = 0
    code = solver.solve(m)
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        status = {cp_model.INFEASIBLE: "infeasible", cp_model.UNKNOWN: "time_limit"}.get(
            code, "error"
        )
        return _none(status, n_projects, n_years, t0)
    option = np.full(n_projects, -1, dtype=np.int64)
    for k in range(n_opt):
        if solver.value(x[k]):
            option[int(proj[k])] = k
    used = option[option >= 0]
    return PortfolioResult(
        status="optimal" if code == cp_model.OPTIMAL else "feasible",
        objective=evaluate(option, proj, opens, vals, term_members, tv),
        bound=float(solver.best_objective_bound) * money_unit,
        option=option,
        spend=spend[used].sum(axis=0) if used.size else np.zeros(n_years),
        seconds=time.perf_counter() - t0,
    )


def _none(status: str, n: int, n_years: int, t0: float) -> PortfolioResult:
    return PortfolioResult(
        status, math.nan, math.nan, np.full(n, -1, dtype=np.int64), np.zeros(n_years),
        time.perf_counter() - t0,
    )  # fmt: skip


__all__ = ["PortfolioInputError", "PortfolioResult", "effective_members", "evaluate", "solve"]
