"""freight.analysis.portfolio on a synthetic plan: the master + evaluate-and-cut loop against
exhaustive enumeration, with hand-set benefits, interactions, a requirement and an exclusion."""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from freight.analysis.portfolio import (
    CNY_100M,
    Candidate,
    Learner,
    Option,
    Setup,
    chain,
    feasible,
    greedy,
    run_portfolio,
    singles,
    valuation,
)

BASE = 2025
PERIOD = 12
RATE = 0.06
RAMP = (0.5,)
STARTS = (2025, 2026, 2027)
YEARS = np.arange(BASE, BASE + 10 + PERIOD)

# project: (capex 亿, construction years, benefit 亿/yr at full opening, growth per year)
PROJECTS: dict[str, tuple[float, int, float, float]] = {
    "A": (40.0, 2, 5.0, 0.02),
    "B": (30.0, 1, 3.2, 0.00),
    "C": (20.0, 2, 2.6, 0.03),
    "D": (10.0, 1, 1.6, 0.00),  # requires C
    "E": (50.0, 3, 6.5, 0.01),  # excludes F (two alignments)
    "F": (35.0, 2, 4.6, 0.01),
    "G": (15.0, 0, 1.4, 0.00),  # opens in the year it starts
    "H": (25.0, 2, 3.0, 0.02),
}
REQUIRES = {"D": ("C",)}
EXCLUDES = {"E": ("F",), "F": ("E",)}
# hand-set interactions, 亿/yr when both (all) are open: corridor pairs (the master estimates
# them from pair solves) and effects it does not know at first (a triple, a non-corridor pair)
PAIRS = {("A", "B"): -1.5, ("A", "H"): 0.8, ("C", "E"): -1.0, ("B", "G"): 0.6}
CORRIDOR = (("A", "B"), ("A", "H"), ("C", "E"), ("B", "G"))
HIDDEN = {("A", "B", "H"): -1.2, ("F", "H"): -0.9, ("D", "G"): -0.4}


def disc(y: int) -> float:
    return (1 + RATE) ** -(y - BASE)


@functools.cache
def true_benefit(s: frozenset[str], y: int, factor: float = 1.0) -> float:
    """Hand-set annual benefit of an open set in year y, CNY (single benefits x factor)."""
    v = sum(factor * PROJECTS[p][2] * (1 + PROJECTS[p][3]) ** (y - BASE) for p in s)
    for group, g in (*PAIRS.items(), *HIDDEN.items()):
        if set(group) <= s:
            v += g
    return v * CNY_100M


def oracle(sets: Sequence[frozenset[str]], factor: float = 1.0) -> dict[frozenset[str], Any]:
    return {s: np.array([true_benefit(s, int(y), factor) for y in YEARS]) for s in sets}


def make_setup(annual: float, *, total: float = math.inf, committed: str | None = None) -> Setup:
    budget_years = np.arange(BASE, max(STARTS) + 4)
    cands = []
    for p, (capex, dur, _, _) in PROJECTS.items():
        starts = STARTS if p != committed else (BASE,)
        opts = []
        for s in starts:
            build = list(range(s, s + dur)) or [s]
            spend = np.zeros(len(budget_years))
            for y in build:
                spend[y - BASE] += capex * CNY_100M / len(build)
            pv = sum(capex * CNY_100M / len(build) * disc(y) for y in build)
            opts.append(
                Option(s, s + dur, pv, 0.1 * pv * disc(s + dur + PERIOD - 1) / disc(s), spend)
            )
        cands.append(
            Candidate(p, p, tuple(opts), REQUIRES.get(p, ()), EXCLUDES.get(p, ()),
                      committed=p == committed, plan_start=BASE, plan_opening=BASE + dur,
                      capex=capex * CNY_100M, earliest=starts[0])
        )  # fmt: skip
    return Setup(
        candidates=tuple(cands), base_year=BASE, years=YEARS,
        discount=np.array([disc(int(y)) for y in YEARS]), ramp=RAMP, period=PERIOD,
        budget_years=budget_years, budget=np.full(len(budget_years), annual * CNY_100M),
        total_budget=total * CNY_100M, corridor_pairs=CORRIDOR,
    )  # fmt: skip


def true_npv(setup: Setup, prog: dict[str, int]) -> float:
    """The definition, summed year by year (independent of the module's pulse weights)."""
    by = setup.by_id
    opening = {p: PROJECTS[p][1] + s for p, s in prog.items()}
    opts = [next(o for o in by[p].options if o.start == s) for p, s in prog.items()]
    v = sum(o.pv_residual - o.pv_cost for o in opts)
    for t in sorted(set(opening.values())):
        now = frozenset(p for p, o in opening.items() if o <= t)
        before = frozenset(p for p, o in opening.items() if o < t)
        for y in range(t, t + PERIOD):
            share = RAMP[y - t] if y - t < len(RAMP) else 1.0
            v += disc(y) * share * (true_benefit(now, y) - true_benefit(before, y))
    return v


def enumerate_best(setup: Setup) -> tuple[float, dict[str, int]]:
    ids = [c.id for c in setup.candidates]
    choices = [[None, *[o.start for o in c.options]] for c in setup.candidates]
    best: tuple[float, dict[str, int]] = (-math.inf, {})
    for combo in itertools.product(*choices):
        prog = {p: s for p, s in zip(ids, combo, strict=True) if s is not None}
        if feasible(setup, prog):
            v = true_npv(setup, prog)
            if v > best[0] + 1e-6:
                best = (v, prog)
    return best


def test_valuation_is_the_definition() -> None:
    """The module's verified NPV (pulse weights over the open-set chain) equals the year-by-year
    sum of the definition, for phased programmes."""
    st = make_setup(1e6)
    for prog in ({"A": 2025, "B": 2027, "H": 2026}, {"C": 2025, "D": 2027, "G": 2026}, {"E": 2026}):
        sets = [s for _, s in chain(st, prog)]
        v = valuation(st, prog, oracle(sets))
        assert v.npv == pytest.approx(true_npv(st, prog), rel=1e-12)


@pytest.mark.parametrize("annual", [25.0, 40.0, 60.0])
def test_master_and_loop_equal_exhaustive_enumeration(annual: float) -> None:
    """Under tight and loose annual budgets the optimized programme's verified NPV equals the
    best of every feasible (subset, start years) programme, and the loop says it converged."""
    st = make_setup(annual)
    best, _ = enumerate_best(st)
    res = run_portfolio(st, oracle)
    assert res.optimized.converged
    assert feasible(st, res.optimized.programme)
    assert res.optimized.value.npv == pytest.approx(best, rel=1e-9)
    assert res.optimized.value.npv == pytest.approx(true_npv(st, res.optimized.programme), rel=1e-9)
    assert res.optimized.value.npv >= res.greedy_value.npv - 1e-6
    # one more 亿 per year never loses (the old programme stays feasible and known)
    assert res.plus.value.npv >= res.optimized.value.npv - 1e-6


def test_total_budget_and_committed_project_equal_enumeration() -> None:
    st = make_setup(1e6, total=90.0, committed="H")
    best, prog = enumerate_best(st)
    res = run_portfolio(st, oracle)
    assert "H" in res.optimized.programme and res.optimized.programme["H"] == BASE
    assert res.optimized.value.npv == pytest.approx(best, rel=1e-9)
    assert float(res.optimized.value.spend.sum()) <= 90.0 * CNY_100M * (1 + 1e-9)


def test_hidden_interactions_are_learned() -> None:
    """The interactions the pair solves do not show (a triple, a non-corridor pair) make the
    first prediction wrong; the loop learns them (more than one master solve) and then agrees."""
    st = make_setup(1e6)
    res = run_portfolio(st, oracle)
    first = res.optimized.iterations[0]
    assert abs(first.predicted - first.verified) > 1e6
    last = res.optimized.iterations[-1]
    assert abs(last.predicted - last.verified) <= 1e-6 * max(abs(last.verified), 1.0)


def test_budget_allowing_everything_or_nothing() -> None:
    """No budget limit and every project worth its cost: every project that can be built is
    built (one of the exclusive pair E/F); a zero budget: nothing."""
    st = make_setup(1e6)
    res = run_portfolio(st, lambda sets: oracle(sets, 4.0))
    chosen = set(res.optimized.programme)
    assert chosen == set(PROJECTS) - {"F"} or chosen == set(PROJECTS) - {"E"}
    zero = run_portfolio(make_setup(0.0), oracle)
    assert zero.optimized.programme == {} and zero.greedy == {}
    assert zero.optimized.value.npv == 0.0


def test_requires_and_excludes_hold() -> None:
    for annual in (10.0, 20.0, 30.0, 45.0):
        st = make_setup(annual)
        res = run_portfolio(st, oracle)
        p = res.optimized.programme
        assert not ("E" in p and "F" in p)
        if "D" in p:
            assert "C" in p and PROJECTS["C"][1] + p["C"] <= PROJECTS["D"][1] + p["D"]
        assert feasible(st, res.greedy)


def test_greedy_ranks_by_bcr_and_fills() -> None:
    """Greedy by hand: the projects by single BCR, each at the first start the budget allows."""
    st = make_setup(30.0)
    learner = Learner(st, oracle)
    ranks = singles(learner)
    g = greedy(st, ranks)
    order = sorted(
        (p for p in PROJECTS if (ranks[p].bcr or 0) > 1), key=lambda p: (-(ranks[p].bcr or 0.0), p)
    )
    first = next(p for p in order if p not in REQUIRES)
    assert g[first] == BASE  # the best ratio (of those needing nothing) gets the first year
    assert set(g) <= set(order)  # nothing with a BCR at or below 1
    spend = sum((next(o for o in st.by_id[p].options if o.start == s).spend for p, s in g.items()))
    assert np.all(spend <= 30.0 * CNY_100M * (1 + 1e-9))


def test_docs_list_every_budget_file_key() -> None:
    """docs/portfolio.md's key table names every key of the budget file model."""
    from freight.scenario.files import PortfolioFile
    from tests import paths

    text = (paths.ROOT / "docs" / "portfolio.md").read_text(encoding="utf-8")
    missing = [k for k in PortfolioFile.model_fields if f"| `{k}` |" not in text]
    assert missing == []


def test_network_oracle_profiles_equal_direct_values() -> None:
    """The network oracle's benefit arrays (unit profiles combined) equal the appraisal's
    profile computed year by year, and a set's benefit is the appraisal's against the
    do-minimum (0 for the empty set)."""
    from freight.analysis.portfolio import NetworkOracle, build_setup, read_budget
    from tests import paths

    st, by_year, dm, eco, _, _ = build_setup(
        [paths.DATA / "scenarios" / "plan.toml"], read_budget(None, annual=1.0)
    )
    oracle = NetworkOracle(by_year, dm, eco, st.years, method="mcf")
    sets = [frozenset({"P_WCAP"}), frozenset({"P_WCAP", "P_YARD"})]
    got = oracle(sets)
    for s in sets:
        assert got[s] == pytest.approx([oracle.annual(s, int(y)) for y in st.years], rel=1e-12)
    assert oracle.annual(frozenset(), BASE) == 0.0
    assert np.any(got[sets[0]] != 0.0)
