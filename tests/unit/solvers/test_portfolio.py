"""solvers.portfolio: the CP-SAT master against hand-computed answers and brute force."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from solvers import portfolio as pf


def brute(
    n: int, proj: list[int], opens: list[int], vals: list[float], spend: Any,
    budget: list[float], members: Any = (), tv: Any = None, requires: Any = (),
    excludes: Any = (), total: float = math.inf, must: Any = (),
) -> float:  # fmt: skip
    """Best objective over every choice (each project: none or one of its options)."""
    by = [[k for k in range(len(proj)) if proj[k] == i] for i in range(n)]
    best = -math.inf
    for combo in itertools.product(*[[-1, *ks] for ks in by]):
        opt = np.array(combo)
        if any(opt[i] < 0 for i in must):
            continue
        if any(opt[i] >= 0 and opt[j] >= 0 for i, j in excludes):
            continue
        if any(opt[i] >= 0 and (opt[j] < 0 or opens[opt[j]] > opens[opt[i]]) for i, j in requires):
            continue
        used = [k for k in opt if k >= 0]
        s = np.array(spend)[used].sum(axis=0) if used else np.zeros(len(budget))
        if np.any(s > np.array(budget) + 1e-9) or s.sum() > total + 1e-9:
            continue
        best = max(best, pf.evaluate(opt, proj, opens, vals, list(members), tv))
    return best


def test_knapsack_by_hand() -> None:
    """Three projects, one year, budget 10: values 6 (cost 5), 5 (cost 4), 8 (cost 9): the best
    is the first two (11), not the single best project (8)."""
    res = pf.solve(
        [0, 1, 2], [0, 0, 0], [6.0, 5.0, 8.0], [[5.0], [4.0], [9.0]], [10.0],
        n_projects=3, n_periods=1,
    )  # fmt: skip
    assert res.status == "optimal"
    assert res.option.tolist() == [0, 1, -1]
    assert res.objective == 11.0
    assert res.spend.tolist() == [9.0]


def test_term_earns_from_its_last_opening() -> None:
    """A pair term is earned at the later opening of its two members; alone each is worth
    nothing, together 10 when both open in period 0, 4 when the later opens in period 1; an
    option costs 1 in period 0, 1.5 in period 1. Budget 1 in period 0 allows one start then:
    one opens in 0, the other in 1 -> 4 − 1 − 1.5 = 1.5 (both in 1 would give 1)."""
    proj = [0, 0, 1, 1]
    opens = [0, 1, 0, 1]
    vals = [-1.0, -1.5, -1.0, -1.5]
    spend = [[1, 0], [0, 1], [1, 0], [0, 1]]
    tv = np.array([[10.0, 4.0]])
    res = pf.solve(proj, opens, vals, spend, [1.0, 5.0], n_projects=2, n_periods=2,
                   term_members=[[0, 1]], term_value=tv)  # fmt: skip
    assert res.objective == pytest.approx(1.5)
    assert sorted(opens[k] for k in res.option) == [0, 1]
    both = pf.solve(proj, opens, vals, spend, [2.0, 5.0], n_projects=2, n_periods=2,
                    term_members=[[0, 1]], term_value=tv)  # fmt: skip
    assert both.objective == pytest.approx(8.0)  # both in period 0
    neg = pf.solve(proj, opens, vals, spend, [2.0, 5.0], n_projects=2, n_periods=2,
                   term_members=[[0, 1]], term_value=-tv)  # fmt: skip
    assert neg.objective == 0.0 and neg.option.tolist() == [-1, -1]


def test_requires_timing_excludes_must() -> None:
    """Project 1 requires 0 (opening no earlier); 2 excludes 3; 3 must be built."""
    proj = [0, 0, 1, 1, 2, 3]
    opens = [0, 2, 0, 2, 1, 1]
    vals = [-3.0, -2.0, 10.0, 6.0, 9.0, -1.0]
    spend = [[3, 0, 0], [0, 0, 3], [1, 0, 0], [0, 0, 1], [1, 1, 0], [0, 1, 0]]
    budget = [3.0, 5.0, 3.0]
    res = pf.solve(proj, opens, vals, spend, budget, n_projects=4, n_periods=3,
                   requires=[[1, 0]], excludes=[[2, 3]], must=[False, False, False, True])  # fmt: skip
    want = brute(4, proj, opens, vals, spend, budget, requires=[(1, 0)], excludes=[(2, 3)],
                 must=[3])  # fmt: skip
    assert res.objective == pytest.approx(want)
    assert res.option[3] >= 0 and res.option[2] < 0
    assert res.option[1] < 0 or opens[res.option[0]] <= opens[res.option[1]]


def test_total_budget_and_infeasible() -> None:
    res = pf.solve([0, 1], [0, 0], [5.0, 4.0], [[2, 2], [1, 1]], [math.inf, math.inf],
                   n_projects=2, n_periods=1, total_budget=3.0)  # fmt: skip
    assert res.option.tolist() == [-1, 1] and res.objective == 4.0
    bad = pf.solve([0], [0], [1.0], [[5.0]], [1.0], n_projects=1, n_periods=1, must=[True])
    assert bad.status == "infeasible" and math.isnan(bad.objective)


@pytest.mark.parametrize("seed", range(6))
def test_random_instances_equal_brute_force(seed: int) -> None:
    """Random instances with options, terms of 2–3 members, requires and excludes: CP-SAT's
    objective equals brute force over every choice."""
    rng = np.random.default_rng(seed)
    n, periods, years = 5, 3, 3
    proj, opens, vals, spend = [], [], [], []
    for i in range(n):
        for t in range(periods):
            proj.append(i)
            opens.append(t)
            vals.append(float(rng.integers(-20, 5)))
            row = np.zeros(years)
            row[t] = float(rng.integers(1, 6))
            spend.append(row)
    members = [[0, 1], [1, 2, 3], [2, 4]]
    tv = rng.integers(-10, 15, size=(3, periods)).astype(float)
    for i in range(n):
        members.append([i])
    tv = np.vstack([tv, rng.integers(5, 25, size=(n, periods)).astype(float)])
    budget = [6.0, 5.0, 7.0]
    req, exc = [(3, 1)], [(0, 4)]
    res = pf.solve(proj, opens, vals, spend, budget, n_projects=n, n_periods=periods,
                   term_members=members, term_value=tv, requires=req, excludes=exc)  # fmt: skip
    want = brute(n, proj, opens, vals, spend, budget, members, tv, req, exc)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(want)


def test_scaling_keeps_the_optimum() -> None:
    """Values in CNY around 1e10 with a coarse unit: the choice is the exact one and the
    objective is recomputed from the unrounded values."""
    vals = [3.3e10 + 0.4, 3.3e10 + 0.6]
    res = pf.solve([0, 1], [0, 0], vals, [[1.0], [1.0]], [1.0], n_projects=2, n_periods=1,
                   money_unit=0.1)  # fmt: skip
    assert res.option.tolist() == [-1, 1]
    assert res.objective == vals[1]


def test_input_errors() -> None:
    with pytest.raises(pf.PortfolioInputError, match="cycle"):
        pf.solve([0, 1], [0, 0], [1.0, 1.0], [[0.0], [0.0]], [1.0], n_projects=2, n_periods=1,
                 requires=[[0, 1], [1, 0]])  # fmt: skip
    with pytest.raises(pf.PortfolioInputError, match="budgets"):
        pf.solve([0], [0], [1.0], [[0.0]], [-1.0], n_projects=1, n_periods=1)
    with pytest.raises(pf.PortfolioInputError, match="option_open"):
        pf.solve([0], [3], [1.0], [[0.0]], [1.0], n_projects=1, n_periods=1)
