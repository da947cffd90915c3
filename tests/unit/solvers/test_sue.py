"""Nested-logit stochastic user equilibrium (solvers.sue).

Known answers: closed-form nested-logit shares and logsums (no congestion), the classic path-size
factor by hand, BPR times with background PCU by hand, a capacity-bound OD solved by hand, the
optimum of the (capacitated) Fisk program solved independently by cvxpy (Clarabel, exponential
and power cones) on three congested networks, and, for an asymmetric two-class case that has no
such program, the root of the path-flow fixed point found by scipy's MINPACK ``fsolve``.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import cvxpy
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import fsolve

from solvers.sue import (
    ConvergenceWarning,
    SUEInputError,
    nested_logit,
    path_size_factor,
    solve,
)

cp: Any = cvxpy  # cvxpy's atoms are not typed

# ---------------------------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------------------------


def closed_form(
    cost: list[float], nest: list[int], theta_r: float, theta_c: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Nested-logit P(p), P(p | nest) and logsum of one OD, written out from the formulas.

    Costs are measured from their minimum ``c*`` (``G_n = c* − ln Σ e^{−θ_r (c − c*)} / θ_r``,
    the same numbers, without underflow when ``θ · c`` is large).
    """
    base = min(cost)
    nests = sorted(set(nest))
    comp = {}
    for n in nests:
        total = sum(
            math.exp(-theta_r * (c - base)) for c, m in zip(cost, nest, strict=True) if m == n
        )
        comp[n] = base - math.log(total) / theta_r
    low = min(comp.values())
    denom = sum(math.exp(-theta_c * (comp[n] - low)) for n in nests)
    logsum = low - math.log(denom) / theta_c
    p_cond = np.array([math.exp(-theta_r * (c - comp[m])) for c, m in zip(cost, nest, strict=True)])
    p_nest = np.array([math.exp(-theta_c * (comp[m] - low)) / denom for m in nest])
    return p_nest * p_cond, p_cond, logsum


@dataclass
class Case:
    """A small network: dense incidence, one or more cost classes, and solver arguments."""

    inc: np.ndarray  # (n_paths, n_arcs)
    path_od: list[int]
    path_nest: list[int]
    demand: list[float]
    theta_route: float | list[float]
    theta_chain: float | list[float]
    c0: np.ndarray  # (n_classes, n_arcs)
    w: np.ndarray  # (n_classes, n_arcs)
    pcu: np.ndarray  # (n_classes, n_arcs)
    fft: np.ndarray
    cap: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    background: np.ndarray
    od_class: list[int] | None = None
    hard: np.ndarray | None = None
    asc: np.ndarray | None = None
    path_size: np.ndarray | None = None
    penalty: float | list[float] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def run(self, **kw: Any) -> Any:
        return solve(
            sp.csr_matrix(self.inc),
            self.path_od,
            self.path_nest,
            self.demand,
            self.theta_route,
            self.theta_chain,
            self.c0,
            od_class=self.od_class,
            time_value=self.w,
            pcu=self.pcu,
            free_flow_time=self.fft,
            capacity=self.cap,
            alpha=self.alpha,
            beta=self.beta,
            background=self.background,
            hard_capacity=self.hard,
            asc=self.asc,
            path_size=self.path_size,
            unserved_penalty=self.penalty,
            **kw,
        )


def fisk_oracle(case: Case) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arc tonnes, unserved per OD and capacity duals at the optimum of the Fisk program (cvxpy).

    Valid when ``w[k] = s · pcu[k]`` for a common ``s`` per arc (checked): the potential is then
    ``Σ_a s_a ∫_B^v t_a`` in cost units, plus linear path costs and the nested-logit entropies.
    Flows are solved in units of the largest demand ``Q`` (``f = Q y``, objective ÷ ``Q``; the
    entropy terms then differ by ``(1/θ_c) ln Q · q_o``, a constant), which keeps the conic
    solver accurate.
    """
    n_paths, n_arcs = case.inc.shape
    n_od = len(case.demand)
    big_q = float(max(case.demand))
    ocl = np.zeros(n_od, dtype=int) if case.od_class is None else np.asarray(case.od_class)
    tr = np.broadcast_to(np.asarray(case.theta_route, float), (n_od,))
    tc = np.broadcast_to(np.asarray(case.theta_chain, float), (n_od,))
    with np.errstate(divide="ignore", invalid="ignore"):
        s_ratio = np.where(case.pcu > 0, case.w / case.pcu, 0.0)
    s = s_ratio.max(axis=0)
    assert np.allclose(case.w, s[None, :] * case.pcu), "oracle needs w = s · pcu"
    od = np.asarray(case.path_od)
    k_path = ocl[od]
    asc = np.zeros(n_paths) if case.asc is None else case.asc
    ps = np.ones(n_paths) if case.path_size is None else case.path_size
    lin = np.array(
        [
            case.inc[p] @ case.c0[k_path[p]] + asc[p] - math.log(ps[p]) / tr[od[p]]
            for p in range(n_paths)
        ]
    )
    y = cp.Variable(n_paths)
    cons = []
    obj = lin @ y + cp.sum(cp.multiply(1.0 / tr[od], -cp.entr(y)))
    for n in sorted(set(case.path_nest)):
        members = [p for p in range(n_paths) if case.path_nest[p] == n]
        o = od[members[0]]
        obj += (1.0 / tc[o] - 1.0 / tr[o]) * (-cp.entr(cp.sum(y[members])))
    # class tonnes per arc (in units of Q), PCU volume (in PCU)
    n_classes = case.c0.shape[0]
    xk = [case.inc[k_path == k].T @ y[np.flatnonzero(k_path == k)] for k in range(n_classes)]
    tonnes = sum(xk[1:], xk[0])
    for a in range(n_arcs):
        if s[a] == 0 or case.fft[a] == 0:
            continue
        vol = big_q * sum(case.pcu[k, a] * xk[k][a] for k in range(n_classes))
        vol = vol + case.background[a]
        term = vol
        if case.alpha[a] > 0 and np.isfinite(case.cap[a]):
            b1 = case.beta[a] + 1.0
            term = vol + case.alpha[a] * case.cap[a] / b1 * cp.power(vol / case.cap[a], b1)
        obj += s[a] * case.fft[a] * term / big_q
    unserved = None
    if case.penalty is not None:
        pen = np.broadcast_to(np.asarray(case.penalty, float), (n_od,))
        unserved = cp.Variable(n_od)
        obj += pen @ unserved + cp.sum(cp.multiply(1.0 / tc, -cp.entr(unserved)))
    for o in range(n_od):
        in_od = np.flatnonzero(od == o)
        total = cp.sum(y[in_od]) + (unserved[o] if unserved is not None else 0.0)
        cons.append(total == case.demand[o] / big_q)
    cap_cons = []
    if case.hard is not None:
        for arc_id in np.flatnonzero(np.isfinite(case.hard)):
            row = tonnes[arc_id] <= case.hard[arc_id] / big_q
            cap_cons.append((int(arc_id), row))
            cons.append(row)
    prob = cp.Problem(cp.Minimize(obj), [*cons, y >= 0])
    for eps in (1e-12, 1e-10, 1e-9):  # the tightest tolerances Clarabel certifies as optimal
        with warnings.catch_warnings():  # "may be inaccurate": the status is checked below
            warnings.simplefilter("ignore")
            prob.solve(
                solver="CLARABEL",
                tol_gap_abs=eps,
                tol_gap_rel=eps,
                tol_feas=eps,
                tol_ktratio=100 * eps,
                max_iter=500,
            )
        if prob.status == "optimal":
            break
    assert prob.status == "optimal"
    arc = big_q * np.array(case.inc.T @ y.value)
    duals = np.zeros(n_arcs)
    for a, c in cap_cons:
        duals[a] = float(c.dual_value)  # objective ÷ Q per (tonnes ÷ Q): CNY/t unchanged
    un = np.zeros(n_od) if unserved is None else big_q * np.array(unserved.value)
    return arc, un, duals


def bpr(t0: float, alpha: float, beta: float, cap: float, v: float) -> float:
    """BPR time."""
    return float(t0 * (1.0 + alpha * (v / cap) ** beta))


# ---------------------------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------------------------


def capacity_case() -> Case:
    """Two ODs; a rail terminal (arc 4) whose hard capacity binds; an unserved alternative."""
    inc = np.zeros((5, 5))
    # OD 0: road [0, 1] (nest 0); rail direct [2] and rail via terminal [0, 4] (nest 1)
    inc[0, [0, 1]] = 1
    inc[1, 2] = 1
    inc[2, [0, 4]] = 1
    # OD 1: road [3, 1] (nest 2); rail via terminal [3, 4] (nest 3)
    inc[3, [3, 1]] = 1
    inc[4, [3, 4]] = 1
    return Case(
        inc=inc,
        path_od=[0, 0, 0, 1, 1],
        path_nest=[0, 1, 1, 2, 3],
        demand=[800.0, 500.0],
        theta_route=[0.15, 0.2],
        theta_chain=[0.08, 0.1],
        c0=np.array([[15.0, 20.0, 62.0, 12.0, 25.0]]),
        w=np.array([[2.0, 2.0, 0.0, 2.0, 0.0]]),
        pcu=np.ones((1, 5)),
        fft=np.array([1.0, 2.0, 0.0, 1.5, 0.0]),
        cap=np.array([600.0, 700.0, np.inf, 400.0, np.inf]),
        alpha=np.array([0.15, 0.15, 0.0, 0.5, 0.0]),
        beta=np.array([4.0, 4.0, 0.0, 4.0, 0.0]),
        background=np.array([100.0, 200.0, 0.0, 50.0, 0.0]),
        hard=np.array([np.inf, np.inf, 1000.0, np.inf, 250.0]),
        penalty=[150.0, 120.0],
    )


def two_nest_case() -> Case:
    """Two ODs with two nests each (road with two routes, rail), ASCs and path sizes."""
    inc = np.zeros((6, 6))
    inc[0, [0, 1]] = 1  # OD 0 road via arcs 0, 1
    inc[1, [0, 2]] = 1  # OD 0 road via arcs 0, 2 (overlaps on 0)
    inc[2, 3] = 1  # OD 0 rail
    inc[3, [4, 1]] = 1  # OD 1 road via 4, 1 (shares 1 with OD 0)
    inc[4, [4, 2]] = 1  # OD 1 road via 4, 2
    inc[5, 5] = 1  # OD 1 rail
    lengths = np.array([50.0, 30.0, 40.0, 100.0, 20.0, 90.0])
    return Case(
        inc=inc,
        path_od=[0, 0, 0, 1, 1, 1],
        path_nest=[0, 0, 1, 2, 2, 3],
        demand=[1000.0, 600.0],
        theta_route=0.2,
        theta_chain=0.1,
        c0=np.array([[20.0, 10.0, 12.0, 60.0, 8.0, 55.0]]),
        w=np.array([[3.0, 3.0, 3.0, 0.0, 3.0, 0.0]]),
        pcu=np.ones((1, 6)),
        fft=np.array([1.0, 1.2, 1.5, 0.0, 0.5, 0.0]),
        cap=np.array([700.0, 400.0, 350.0, np.inf, 300.0, np.inf]),
        alpha=np.array([0.15, 0.5, 0.5, 0.0, 0.15, 0.0]),
        beta=np.array([4.0, 4.0, 4.0, 0.0, 4.0, 0.0]),
        background=np.zeros(6),
        asc=np.array([0.0, 0.0, 5.0, 0.0, 0.0, 4.0]),
        path_size=path_size_factor(sp.csr_matrix(inc), lengths, [0, 0, 0, 1, 1, 1]),
    )


def background_case() -> Case:
    """Two cost classes with ``w = 10 · pcu`` (symmetric) on roads carrying heavy background."""
    inc = np.zeros((6, 4))
    inc[0, [0, 1]] = 1  # OD 0 (class 0): road via arc 0 then arc 1
    inc[1, 2] = 1  # OD 0: road bypass
    inc[2, 3] = 1  # OD 0: waterway (no delay)
    inc[3, [0, 1]] = 1  # OD 1 (class 1): same road
    inc[4, 2] = 1
    inc[5, 3] = 1
    pcu = np.array([[0.5, 0.5, 0.5, 0.0], [0.25, 0.25, 0.25, 0.0]])
    return Case(
        inc=inc,
        path_od=[0, 0, 0, 1, 1, 1],
        path_nest=[0, 0, 1, 2, 2, 3],
        demand=[900.0, 1200.0],
        theta_route=[0.3, 0.25],
        theta_chain=[0.1, 0.12],
        od_class=[0, 1],
        c0=np.array([[10.0, 10.0, 26.0, 40.0], [8.0, 8.0, 20.0, 35.0]]),
        w=10.0 * pcu,
        pcu=pcu,
        fft=np.array([1.0, 1.0, 2.5, 0.0]),
        cap=np.array([800.0, 900.0, 500.0, np.inf]),
        alpha=np.array([0.15, 0.15, 0.15, 0.0]),
        beta=np.array([4.0, 4.0, 4.0, 0.0]),
        background=np.array([500.0, 600.0, 100.0, 0.0]),
    )


# ---------------------------------------------------------------------------------------------
# Closed forms without congestion
# ---------------------------------------------------------------------------------------------


def test_closed_form_shares_and_logsum_without_congestion() -> None:
    """Without congestion, path and chain shares and logsums equal the closed form to 1e-9."""
    # OD 0: road routes 100, 104 (nest 0), rail 98 (nest 1); OD 1: MNL (θr = θc), 3 nests
    inc = sp.csr_matrix(np.eye(6))
    c0 = np.array([100.0, 104.0, 98.0, 50.0, 51.0, 55.0])
    res = solve(
        inc, [0, 0, 0, 1, 1, 1], [0, 0, 1, 2, 3, 3], [1000.0, 10.0], [0.2, 0.3], [0.05, 0.3], c0
    )
    assert res.status == "optimal" and res.iterations == 0
    p0, c0_cond, s0 = closed_form([100.0, 104.0, 98.0], [0, 0, 1], 0.2, 0.05)
    p1, c1_cond, s1 = closed_form([50.0, 51.0, 55.0], [2, 3, 3], 0.3, 0.3)
    np.testing.assert_allclose(res.path_share, np.r_[p0, p1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(res.path_share_in_nest, np.r_[c0_cond, c1_cond], atol=1e-9)
    np.testing.assert_allclose(res.path_flow, np.r_[1000 * p0, 10 * p1], rtol=1e-9)
    np.testing.assert_allclose(res.logsum, [s0, s1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(
        res.nest_share, [p0[:2].sum(), p0[2], p1[0], p1[1:].sum()], atol=1e-9
    )
    # the logsum is below the cheapest path (diversity) and OD 0's chain shares by hand:
    # G_road = 100 - ln(1 + e^-0.8)/0.2 = 98.1568..., P(rail) = 1/(1 + e^{-0.05 (G_road - 98)})
    g_road = 100.0 - math.log(1.0 + math.exp(-0.8)) / 0.2
    assert res.nest_cost[0] == pytest.approx(g_road, abs=1e-9)
    assert res.nest_share[1] == pytest.approx(
        1.0 / (1.0 + math.exp(-0.05 * (g_road - 98.0))), abs=1e-9
    )
    assert res.logsum[0] < 98.0 and res.gap < 1e-12
    flows, logsum = nested_logit(
        c0, [0, 0, 0, 1, 1, 1], [0, 0, 1, 2, 3, 3], [1000.0, 10.0], [0.2, 0.3], [0.05, 0.3]
    )
    np.testing.assert_allclose(flows, res.path_flow, rtol=1e-12)
    np.testing.assert_allclose(logsum, res.logsum, rtol=1e-12)


def test_logsum_derivative_is_the_share() -> None:
    """dS/dc_p = P(p) (Williams–Daly–Zachary), by central differences on an ASC, to 1e-7."""
    inc = sp.csr_matrix(np.eye(4))
    c0 = np.array([30.0, 31.0, 29.0, 35.0])
    args = ([0, 0, 0, 0], [0, 0, 1, 1], [1.0], 0.4, 0.15, c0)
    base = solve(inc, *args)
    h = 1e-4
    for p in range(4):
        e = np.zeros(4)
        e[p] = h
        up = solve(inc, *args, asc=e).logsum[0]
        down = solve(inc, *args, asc=-e).logsum[0]
        assert (up - down) / (2 * h) == pytest.approx(base.path_share[p], abs=1e-7)


def test_path_size_factor_by_hand() -> None:
    """PS of two paths sharing a 2 km arc (of 3 km) is 2/3; a disjoint path and another OD get 1."""
    inc = sp.csr_matrix(
        np.array([[1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 0, 1], [1, 1, 0, 0]], dtype=float)
    )
    ps = path_size_factor(inc, [2.0, 1.0, 1.0, 3.0], [0, 0, 0, 1])
    # path 0: (2/3)·(1/2) + (1/3)·1 = 2/3; path 3 is alone in OD 1
    np.testing.assert_allclose(ps, [2 / 3, 2 / 3, 1.0, 1.0], rtol=1e-15)
    # grouped by nest instead (paths 0 and 1 in different nests): no overlap counted
    np.testing.assert_allclose(path_size_factor(inc, [2.0, 1.0, 1.0, 3.0], [0, 1, 2, 3]), 1.0)


def test_path_size_enters_cost_as_log_over_theta() -> None:
    """Two identical overlapping routes with PS = 1/2 each together weigh as one route."""
    # routes 0 and 1 are the same arcs: PS = 1/2 each; route 2 is a distinct route of equal cost
    inc = sp.csr_matrix(np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
    ps = path_size_factor(inc, [1.0, 1.0], [0, 0, 0])
    res = solve(inc, [0, 0, 0], [0, 0, 0], [90.0], 0.5, 0.5, [10.0, 10.0], path_size=ps)
    np.testing.assert_allclose(res.path_flow, [22.5, 22.5, 45.0], rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# BPR with background, by hand
# ---------------------------------------------------------------------------------------------


def test_bpr_with_background_single_route_by_hand() -> None:
    """200 t at 2 PCU/t + 600 PCU background on C = 1000: v/C = 1, t = 1.15 h, delay 78.336."""
    inc = sp.csr_matrix(np.array([[1.0]]))
    res = solve(
        inc,
        [0],
        [0],
        [200.0],
        0.1,
        0.1,
        [5.0],
        time_value=4.0,
        pcu=2.0,
        free_flow_time=[1.0],
        capacity=[1000.0],
        alpha=[0.15],
        beta=[4.0],
        background=[600.0],
    )
    assert res.status == "converged"
    assert res.volume[0] == pytest.approx(1000.0, rel=1e-12)
    assert res.volume_capacity_ratio[0] == pytest.approx(1.0, rel=1e-12)
    assert res.time[0] == pytest.approx(1.15, rel=1e-12)
    # zero freight: 1 + 0.15 · 0.6^4 = 1.01944 h; background delay 600 · (1.15 − 1.01944)
    assert res.time_background_only[0] == pytest.approx(1.01944, rel=1e-12)
    assert res.background_delay[0] == pytest.approx(78.336, rel=1e-10)
    assert res.arc_cost[0, 0] == pytest.approx(5.0 + 4.0 * 1.15, rel=1e-12)
    assert res.path_cost[0] == pytest.approx(9.6, rel=1e-12)


def test_bpr_with_background_two_routes_by_construction() -> None:
    """Road (BPR, background) vs constant route, built so the logit equilibrium is 150 / 50 t."""
    theta, w, pcu, back = 0.2, 6.0, 2.0, 500.0
    t_road = bpr(2.0, 0.15, 4.0, 1000.0, pcu * 150.0 + back)  # 800 PCU: 2·(1 + 0.15·0.8^4)
    assert t_road == pytest.approx(2.12288)
    cost_road = 40.0 + w * t_road
    cost_alt = cost_road + math.log(150.0 / 50.0) / theta  # f_road / f_alt = e^{θ(c_alt − c_road)}
    inc = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0]]))
    res = solve(
        inc,
        [0, 0],
        [0, 0],
        [200.0],
        theta,
        theta,
        [40.0, cost_alt],
        time_value=w,
        pcu=pcu,
        free_flow_time=[2.0, 0.0],
        capacity=[1000.0, np.inf],
        alpha=[0.15, 0.0],
        beta=[4.0, 0.0],
        background=[back, 0.0],
        tol=1e-12,
    )
    np.testing.assert_allclose(res.path_flow, [150.0, 50.0], rtol=1e-10)
    assert res.volume[0] == pytest.approx(800.0, rel=1e-10)
    assert res.background_delay[0] == pytest.approx(
        back * (t_road - bpr(2.0, 0.15, 4.0, 1000.0, back)), rel=1e-9
    )


def test_capacity_bound_single_path_by_hand() -> None:
    """One rail path (cap 300 t) beside an unserved option: flow 300, λ from the logit ratio."""
    inc = sp.csr_matrix(np.array([[1.0]]))
    q, cap, pen, c0, theta = 500.0, 300.0, 200.0, 80.0, 0.05
    res = solve(
        inc, [0], [0], [q], theta, theta, [c0], hard_capacity=[cap], unserved_penalty=pen, tol=1e-10
    )
    assert res.status == "converged"
    assert res.path_flow[0] == pytest.approx(cap, rel=1e-9)
    assert res.unserved[0] == pytest.approx(q - cap, rel=1e-9)
    # f/u = exp(-θ (c0 + λ − pen))  ⇒  λ = pen − c0 − ln(300/200)/θ = 111.890697...
    lam = pen - c0 - math.log(cap / (q - cap)) / theta
    assert res.multiplier[0] == pytest.approx(lam, rel=1e-8)
    assert res.flow[0] + res.unserved[0] == pytest.approx(q, rel=1e-12)


@pytest.mark.parametrize(
    ("caps", "binding"), [((300.0, 300.0), None), ((300.0, 320.0), 0), ((300.0, 299.0), 1)]
)
def test_capacities_in_series_by_hand(caps: tuple[float, float], binding: int | None) -> None:
    """Two capacities on one path (dependent constraints): the tighter one carries λ by hand."""
    inc = sp.csr_matrix(np.array([[1.0, 1.0]]))
    q, pen, c0, theta = 500.0, 200.0, 80.0, 0.05
    res = solve(
        inc,
        [0],
        [0],
        [q],
        theta,
        theta,
        [c0, 0.0],
        hard_capacity=list(caps),
        unserved_penalty=pen,
        tol=1e-10,
    )
    k = min(caps)
    lam = pen - c0 - math.log(k / (q - k)) / theta  # as in the single-arc case, at cap k
    assert res.status == "converged"
    assert res.path_flow[0] == pytest.approx(k, rel=1e-9)
    assert res.multiplier.sum() == pytest.approx(lam, rel=1e-8)
    if binding is None:  # equal capacities: the split is not unique; the solver halves it
        assert res.multiplier[0] == pytest.approx(res.multiplier[1], rel=1e-8)
    else:
        assert res.multiplier[1 - binding] < 1e-8


def test_default_penalty_leaves_slack_demand_served() -> None:
    """With the default unserved penalty and slack capacity, unserved demand is below 1e-6 t."""
    inc = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 1.0]]))
    res = solve(
        inc, [0, 0], [0, 1], [1000.0], 0.2, 0.1, [50.0, 55.0], hard_capacity=[900.0, np.inf]
    )
    assert res.unserved_penalty[0] == pytest.approx(55.0 + 20.0 / 0.1)
    assert res.unserved[0] < 1e-6
    assert res.multiplier[0] == 0.0


# ---------------------------------------------------------------------------------------------
# The Fisk program as oracle
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [capacity_case, two_nest_case, background_case])
def test_agrees_with_fisk_program(make: Any) -> None:
    """Arc flows (and unserved tonnes, capacity multipliers) equal cvxpy's Fisk optimum to 1e-7."""
    case = make()
    res = case.run(tol=1e-10)
    assert res.status == "converged" and res.gap <= 1e-10
    arc, unserved, duals = fisk_oracle(case)
    scale = float(np.max(arc))
    np.testing.assert_allclose(res.flow, arc, rtol=1e-7, atol=1e-7 * scale)
    np.testing.assert_allclose(res.unserved, unserved, rtol=1e-7, atol=1e-7 * scale)
    np.testing.assert_allclose(res.multiplier, duals, rtol=1e-5, atol=1e-6)
    served = np.bincount(case.path_od, weights=res.path_flow) + res.unserved
    np.testing.assert_allclose(served, case.demand, rtol=1e-12)


def random_case(seed: int) -> Case:
    """A random symmetric case: 8 arcs, 3 ODs of 2–4 overlapping paths, BPR, background,
    two hard capacities set at 60 % of their free-flow load (binding), and two cost classes with
    ``w = 4 · pcu``."""
    rng = np.random.default_rng(seed)
    n_arcs = 8
    rows, od, nest = [], [], []
    n_nests = 0
    for o in range(3):
        n_p = int(rng.integers(2, 5))
        split = int(rng.integers(1, n_p)) if rng.random() < 0.7 else n_p
        for p in range(n_p):
            arcs = rng.choice(n_arcs, size=int(rng.integers(1, 4)), replace=False)
            row = np.zeros(n_arcs)
            row[arcs] = 1.0
            rows.append(row)
            od.append(o)
            nest.append(n_nests + (0 if p < split else 1))
        n_nests += 1 if split == n_p else 2
    inc = np.array(rows)
    demand = rng.uniform(200.0, 800.0, 3)
    pcu = np.stack([np.full(n_arcs, 0.5), np.full(n_arcs, 1.5)])
    case = Case(
        inc=inc,
        path_od=od,
        path_nest=nest,
        demand=list(demand),
        theta_route=list(rng.uniform(0.15, 0.4, 3)),
        theta_chain=[0.1, 0.1, 0.1],
        od_class=[0, 1, 0],
        c0=np.stack([rng.uniform(5.0, 30.0, n_arcs)] * 2),
        w=4.0 * pcu,
        pcu=pcu,
        fft=rng.uniform(0.5, 2.0, n_arcs),
        cap=rng.uniform(300.0, 900.0, n_arcs),
        alpha=np.where(rng.random(n_arcs) < 0.75, 0.15, 0.0),
        beta=np.full(n_arcs, 4.0),
        background=rng.uniform(0.0, 300.0, n_arcs),
    )
    free = case.run(tol=1e-8).flow  # no hard capacity yet
    case.penalty = 100.0
    hard = np.full(n_arcs, np.inf)
    busiest = np.argsort(free)[::-1][:2]
    hard[busiest] = 0.6 * free[busiest]
    case.hard = hard
    return case


@pytest.mark.parametrize("seed", range(8))
def test_random_cases_agree_with_fisk_program(seed: int) -> None:
    """On 8 random capacitated two-class cases, arc flows equal cvxpy's Fisk optimum to 1e-6."""
    # (this test found a bug: the time cost of a capacitated constant-time arc counted twice)
    case = random_case(seed)
    res = case.run(tol=1e-10)
    assert res.status == "converged"
    # the iteration's own measure agrees with the one recomputed on all arcs
    assert res.history[-1] == pytest.approx(max(res.gap, res.capacity_gap), rel=1e-6, abs=1e-14)
    arc, unserved, duals = fisk_oracle(case)
    scale = float(np.max(arc))
    np.testing.assert_allclose(res.flow, arc, rtol=1e-6, atol=1e-6 * scale)
    # duals to 1e-4: Clarabel's multipliers are less accurate than its primal here
    np.testing.assert_allclose(res.multiplier, duals, rtol=1e-4, atol=1e-5)
    assert res.multiplier.max() > 0  # a capacity binds


def test_capacity_case_binds() -> None:
    """In the capacity case the terminal is full (250 t, λ > 0) and the rail line is slack."""
    res = capacity_case().run(tol=1e-10)
    assert res.flow[4] == pytest.approx(250.0, rel=1e-9)
    assert res.multiplier[4] > 1.0
    # a slack arc keeps a multiplier below capacity_gap / θ* (here ≤ 1e-10 / 0.2)
    assert res.flow[2] < 1000.0 and 0.0 <= res.multiplier[2] <= 1e-9
    assert res.capacity_gap <= 1e-10


def test_background_case_is_congested_and_two_classes_differ() -> None:
    """The background case has V/C above 1 with background and differing class shares."""
    res = background_case().run(tol=1e-10)
    assert res.volume_capacity_ratio[:2].min() > 1.0 and res.background_delay[:3].min() > 0
    share0 = res.path_flow[:3] / 900.0
    share1 = res.path_flow[3:] / 1200.0
    assert abs(share0[2] - share1[2]) > 0.01


# ---------------------------------------------------------------------------------------------
# Asymmetric multi-class: agreement with an independent root finder
# ---------------------------------------------------------------------------------------------


def test_asymmetric_two_classes_agree_with_fsolve() -> None:
    """Class-specific w and pcu (no Fisk program): path flows equal MINPACK's fixed point, 1e-8."""
    inc = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=float)
    od = [0, 0, 0, 1, 1]
    nest = [0, 0, 1, 2, 2]
    q = np.array([600.0, 400.0])
    tr = np.array([0.2, 0.3])
    tc = np.array([0.1, 0.3])
    c0 = np.array([[10.0, 12.0, 30.0], [5.0, 6.0, 99.0]])
    w = np.array([[6.0, 6.0, 0.0], [1.0, 1.0, 0.0]])  # w/pcu = 3 and 0.5: asymmetric
    pcu = np.array([[2.0, 2.0, 0.0], [2.0, 2.0, 0.0]])
    fft = np.array([1.0, 1.5, 0.0])
    cap = np.array([500.0, 600.0, np.inf])
    back = np.array([200.0, 100.0, 0.0])
    k_path = np.array([0, 0, 0, 1, 1])

    def residual(f: np.ndarray) -> np.ndarray:
        vol = back.copy()
        for p in range(5):
            vol += pcu[k_path[p]] * inc[p] * f[p]
        t = np.array([bpr(fft[a], 0.15, 4.0, cap[a], vol[a]) if a < 2 else 0.0 for a in range(3)])
        cost = np.array([inc[p] @ (c0[k_path[p]] + w[k_path[p]] * t) for p in range(5)])
        out = np.empty(5)
        for o in range(2):
            members = [p for p in range(5) if od[p] == o]
            share, _, _ = closed_form(
                [cost[p] for p in members], [nest[p] for p in members], tr[o], tc[o]
            )
            out[members] = f[members] - q[o] * share
        return out

    res = solve(
        sp.csr_matrix(inc),
        od,
        nest,
        q,
        tr,
        tc,
        c0,
        od_class=[0, 1],
        time_value=w,
        pcu=pcu,
        free_flow_time=fft,
        capacity=cap,
        alpha=[0.15, 0.15, 0.0],
        beta=[4.0, 4.0, 0.0],
        background=back,
        tol=1e-12,
    )
    root = fsolve(residual, np.array([200.0, 200.0, 200.0, 200.0, 200.0]), xtol=1e-13)
    assert np.abs(residual(root)).max() < 1e-8
    np.testing.assert_allclose(res.path_flow, root, rtol=1e-8)
    assert res.status == "converged"


def test_warm_start_changes_work_not_answer() -> None:
    """Warm-started from a 10 % lower demand, the capacity case reaches the cold answer (1e-9)."""
    case = capacity_case()
    cold = case.run(tol=1e-10)
    case.demand = [d * 0.9 for d in case.demand]
    near = case.run(tol=1e-10)
    case.demand = [d / 0.9 for d in case.demand]
    warm = case.run(tol=1e-10, warm_start=near)
    np.testing.assert_allclose(warm.path_flow, cold.path_flow, rtol=1e-9)
    np.testing.assert_allclose(warm.multiplier, cold.multiplier, rtol=1e-8, atol=1e-8)
    assert warm.iterations <= cold.iterations
    again = case.run(tol=1e-10, warm_start=cold)
    assert again.iterations == 0 and again.status == "converged"


def test_fixed_point_fallback_converges(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no Newton direction (GMRES returns 0) the damped fixed-point steps reach the SUE."""
    import solvers.sue as sue_module

    case = two_nest_case()
    newton = case.run(tol=1e-9)

    def no_direction(op: Any, b: np.ndarray, **kw: Any) -> tuple[np.ndarray, int]:
        return np.zeros_like(b), 0

    monkeypatch.setattr(sue_module, "gmres", no_direction)
    damped = case.run(tol=1e-9, max_iter=2000)
    assert damped.status == "converged" and damped.iterations > newton.iterations
    np.testing.assert_allclose(damped.flow, newton.flow, rtol=1e-7)


def test_asymmetric_with_capacity_satisfies_kkt() -> None:
    """Asymmetric classes, binding capacity: flows are the written-out logit response to their costs."""
    inc = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 0, 1]], dtype=float)
    od, nest, k_path = [0, 0, 0, 1, 1], [0, 0, 1, 2, 3], [0, 0, 0, 1, 1]
    q, tr, tc = np.array([600.0, 400.0]), np.array([0.2, 0.25]), np.array([0.1, 0.15])
    c0 = np.array([[10.0, 12.0, 14.0], [9.0, 6.0, 5.0]])
    w = np.array([[6.0, 6.0, 0.0], [1.0, 1.0, 0.0]])
    pcu = np.array([[2.0, 2.0, 0.0], [3.0, 3.0, 0.0]])
    fft, cap, back = np.array([1.0, 1.5, 0.0]), np.array([500.0, 600.0, np.inf]), np.zeros(3)
    hard = np.array([np.inf, np.inf, 350.0])  # the rail arc 2, wanted by both ODs
    res = solve(
        sp.csr_matrix(inc),
        od,
        nest,
        q,
        tr,
        tc,
        c0,
        od_class=[0, 1],
        time_value=w,
        pcu=pcu,
        free_flow_time=fft,
        capacity=cap,
        alpha=[0.15, 0.15, 0.0],
        beta=[4.0, 4.0, 0.0],
        background=back,
        hard_capacity=hard,
        unserved_penalty=150.0,
        tol=1e-11,
    )
    assert res.status == "converged"
    vol = back + sum(pcu[k_path[p]] * inc[p] * res.path_flow[p] for p in range(5))
    t = np.array([bpr(fft[a], 0.15, 4.0, cap[a], vol[a]) for a in range(2)] + [0.0])
    cost = [inc[p] @ (c0[k_path[p]] + w[k_path[p]] * t + res.multiplier) for p in range(5)]
    for o, members in ((0, [0, 1, 2]), (1, [3, 4])):
        share, _, _ = closed_form(
            [cost[p] for p in members] + [150.0], [nest[p] for p in members] + [99], tr[o], tc[o]
        )
        np.testing.assert_allclose(res.path_flow[members], q[o] * share[:-1], rtol=1e-9)
        assert res.unserved[o] == pytest.approx(q[o] * share[-1], rel=1e-6, abs=1e-9)
    assert res.flow[2] == pytest.approx(350.0, rel=1e-9) and res.multiplier[2] > 1.0


def test_heavy_congestion_sharp_choice_satisfies_kkt() -> None:
    """V/C ≈ 6, θ = 2 per CNY/t, binding capacities: flows are the logit response to their costs."""
    # (the linear residual forms t − t(v) and K − X stalled on this case)
    rng = np.random.default_rng(3)
    n_arcs = 12
    inc = np.zeros((18, n_arcs))
    for p in range(18):
        inc[p, rng.choice(n_arcs, 3, replace=False)] = 1.0
    od = [p // 3 for p in range(18)]
    nest = [2 * (p // 3) + (p % 3 > 0) for p in range(18)]
    q = rng.uniform(500.0, 1500.0, 6)
    hard = np.full(n_arcs, np.inf)
    hard[[0, 1]] = [300.0, 400.0]
    theta, pen = 2.0, 5000.0
    res = solve(
        sp.csr_matrix(inc),
        od,
        nest,
        q,
        theta,
        theta / 2,
        np.full(n_arcs, 8.0),
        time_value=10.0,
        free_flow_time=np.ones(n_arcs),
        capacity=np.full(n_arcs, 150.0),
        alpha=0.15,
        beta=4.0,
        background=np.full(n_arcs, 50.0),
        hard_capacity=hard,
        unserved_penalty=pen,
        tol=1e-8,
    )
    assert res.status == "converged" and res.volume_capacity_ratio.max() > 5.0
    t = np.array([bpr(1.0, 0.15, 4.0, 150.0, v) for v in res.volume])
    cost = inc @ (8.0 + 10.0 * t + res.multiplier)
    for o in range(6):
        m = [3 * o, 3 * o + 1, 3 * o + 2]
        share, _, _ = closed_form([cost[p] for p in m] + [pen], [0, 1, 1, 2], theta, theta / 2)
        np.testing.assert_allclose(res.path_flow[m], q[o] * share[:3], rtol=1e-6, atol=1e-6)
    assert np.all(res.flow[:2] <= hard[:2] * (1 + 1e-8)) and res.multiplier[:2].min() > 0


# ---------------------------------------------------------------------------------------------
# Status and input errors
# ---------------------------------------------------------------------------------------------


def test_not_converged_is_reported_and_warned() -> None:
    """A one-iteration budget on a congested case ends 'not_converged' with a warning."""
    with pytest.warns(ConvergenceWarning, match="not converged after 1 iterations"):
        res = two_nest_case().run(tol=1e-14, max_iter=1)
    assert res.status == "not_converged" and res.iterations == 1 and res.gap > 1e-14


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"theta_chain": 0.5, "theta_route": 0.2}, "theta_chain must not exceed theta_route"),
        ({"theta_route": 0.0}, "theta_route must be finite and > 0"),
        ({"demand": [-1.0]}, "demand must be finite and >= 0"),
        ({"path_od": [0, 1]}, r"path_od must lie in 0\.\.0"),
        ({"path_nest": [0, 0], "path_od": [0, 0], "demand": [1.0, 1.0]}, ""),
        ({"hard_capacity": [0.0, np.inf]}, "drop the paths through a closed arc"),
        ({"path_size": [1.5, 1.0]}, r"path_size must lie in \(0, 1\]"),
        ({"arc_cost": [1.0, 2.0, 3.0]}, r"arc_cost must be \(2,\) or \(n_classes, 2\)"),
        ({"time_value": -1.0}, "time_value must be finite and >= 0"),
        ({"capacity": [0.0, 1.0]}, "capacity must be > 0"),
    ],
)
def test_invalid_input_raises(change: dict[str, Any], message: str) -> None:
    """Each invalid input raises SUEInputError naming the problem."""
    args: dict[str, Any] = {
        "incidence": sp.csr_matrix(np.eye(2)),
        "path_od": [0, 0],
        "path_nest": [0, 1],
        "demand": [1.0],
        "theta_route": 0.2,
        "theta_chain": 0.1,
        "arc_cost": [1.0, 2.0],
    }
    args.update(change)
    if not message:  # a nest shared by two OD-classes
        args["path_od"] = [0, 1]
        message = "nest 0 has paths of more than one OD-class"
    with pytest.raises(SUEInputError, match=message):
        solve(**args)


def test_od_without_alternative_raises() -> None:
    """An OD-class with demand, no path and no unserved alternative is an input error."""
    with pytest.raises(SUEInputError, match="OD-class 1 has demand but no path"):
        solve(sp.csr_matrix(np.eye(1)), [0], [0], [1.0, 2.0], 0.2, 0.2, [1.0])
