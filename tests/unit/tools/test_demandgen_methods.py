"""The demand generator's methods on hand examples: Furness (IPF) balancing, the decay fitted to a
mean haul, the gateway logit and its constants, the road distances, and determinism."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from freight.data.schema import Link
from tests import paths
from tools import demandgen

BASE = paths.ROOT / "network_data" / "chuannan_yuxi"


def test_furness_two_by_two_closed_form() -> None:
    """A uniform 2x2 seed balanced to rows (3, 1), columns (2, 2): IPF keeps the seed's odds
    ratio (a d / b c = 1), so a = b = 1.5, c = d = 0.5."""
    res = demandgen.furness(np.ones((2, 2)), np.array([3.0, 1.0]), np.array([2.0, 2.0]))
    assert res.matrix == pytest.approx(np.array([[1.5, 1.5], [0.5, 0.5]]), abs=1e-9)
    assert res.max_rel_error <= demandgen.FURNESS_TOL


def test_furness_row_and_column_sums_with_structural_zeros() -> None:
    """3x3 with an empty diagonal: every row and column sum is met to the stated tolerance, the
    diagonal stays 0."""
    seed = np.array([[0.0, 2.0, 1.0], [1.0, 0.0, 3.0], [2.0, 1.0, 0.0]])
    rows, cols = np.array([10.0, 20.0, 30.0]), np.array([25.0, 20.0, 15.0])
    res = demandgen.furness(seed, rows, cols)
    assert np.diag(res.matrix) == pytest.approx(np.zeros(3))
    assert res.matrix.sum(axis=1) == pytest.approx(rows, rel=1e-10)
    assert res.matrix.sum(axis=0) == pytest.approx(cols, rel=1e-10)


def test_furness_group_constraint_hand_computed() -> None:
    """Both rows in one group (total 10), columns (4, 6): the column factors are 4/2 and 6/4, so
    [[1, 1], [1, 3]] becomes [[2, 1.5], [2, 4.5]] and the rows keep the seed's split per column."""
    res = demandgen.furness(
        np.array([[1.0, 1.0], [1.0, 3.0]]),
        np.array([10.0]),
        np.array([4.0, 6.0]),
        row_groups=np.array([0, 0]),
    )
    assert res.matrix == pytest.approx(np.array([[2.0, 1.5], [2.0, 4.5]]), rel=1e-12)


def test_furness_refuses_what_it_cannot_meet() -> None:
    """A positive target on an all-zero row, different totals, an infeasible pattern."""
    with pytest.raises(ValueError, match="row group 1 has a positive target and no cells"):
        demandgen.furness(np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([1.0, 1.0]), np.ones(2))
    with pytest.raises(ValueError, match="row targets sum to 3"):
        demandgen.furness(np.ones((2, 2)), np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    # row 0 may only go to column 0, which needs 1 but row 0 has 2
    with pytest.raises(ValueError, match="did not converge"):
        demandgen.furness(
            np.array([[1.0, 0.0], [1.0, 1.0]]),
            np.array([2.0, 1.0]),
            np.array([1.0, 2.0]),
            max_iter=200,
        )


def _ipf(seed: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """An independent plain Furness (no groups) for the synthetic decay test."""
    t = seed.copy()
    for _ in range(10000):
        t *= (rows / t.sum(axis=1))[:, None]
        t *= (cols / t.sum(axis=0))[None, :]
        if np.allclose(t.sum(axis=1), rows, rtol=1e-13, atol=0):
            break
    return t


def test_decay_fit_recovers_a_known_length_scale() -> None:
    """Mean haul from a doubly constrained gravity model at L = 75 km on six zones along a line
    (computed here by an independent Furness); fit_decay recovers L within 2 % (in fact 1e-5)."""
    x = np.array([0.0, 40.0, 90.0, 150.0, 230.0, 320.0])
    dist = np.abs(x[:, None] - x[None, :])
    w = np.array([3.0, 1.0, 2.0, 5.0, 1.0, 2.0])
    v = np.array([1.0, 4.0, 2.0, 1.0, 3.0, 2.0])
    rows, cols = 100 * w / w.sum(), 100 * v / v.sum()
    mass = np.outer(w, v)
    np.fill_diagonal(mass, 0.0)
    t = _ipf(mass * np.exp(-dist / 75.0), rows, cols)
    target = float((t * dist).sum() / t.sum())
    fit = demandgen.fit_decay(mass, dist, rows, cols, target)
    assert fit.length_km == pytest.approx(75.0, rel=0.02)
    assert fit.length_km == pytest.approx(75.0, rel=1e-5)
    assert fit.mean_haul_km == pytest.approx(target, rel=1e-8)


def test_decay_fit_refuses_an_unreachable_mean_haul() -> None:
    """Two zones only: the haul is their distance whatever L; another target is an error."""
    dist = np.array([[0.0, 50.0], [50.0, 0.0]])
    mass = np.array([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="outside the reachable"):
        demandgen.fit_decay(mass, dist, np.ones(2), np.ones(2), 80.0)


def test_logit_shares_closed_form() -> None:
    """P(east) = 1 / (1 + exp((α_s − α_e) − λ (c_s − c_e))) with α_e = 0, α_s = 0.3, λ = 0.01,
    costs 500 and 420 CNY/t: 1 / (1 + e^(0.3 + 0.8)) = 0.24974."""
    p = demandgen.logit_shares({"east": 0.0, "south": 0.3}, 0.01, {"east": 500.0, "south": 420.0})
    assert p["east"] == pytest.approx(1 / (1 + math.exp(1.1)), rel=1e-12)
    assert p["east"] + p["south"] == pytest.approx(1.0, abs=1e-15)
    three = demandgen.logit_shares({}, 0.02, {"a": 100.0, "b": 110.0, "c": 130.0})
    den = 1 + math.exp(-0.2) + math.exp(-0.6)
    assert [three[k] for k in "abc"] == pytest.approx(
        [1 / den, math.exp(-0.2) / den, math.exp(-0.6) / den], rel=1e-12
    )


def test_gateway_constants_closed_form_and_aggregate() -> None:
    """One zone: α_south − α_east = ln(s_s / s_e) + λ (c_s − c_e) reproduces the target share.
    Two zones: the constants reproduce the aggregate; the zone nearer the south ships more south."""
    lam = 0.004
    one = demandgen.fit_constants(
        {"A": 1.0}, {"A": {"east": 600.0, "south": 450.0}}, lam, {"east": 0.7, "south": 0.3}
    )
    assert one["east"] == 0.0
    assert one["south"] == pytest.approx(math.log(0.3 / 0.7) + lam * (450 - 600), abs=1e-10)
    cost = {"A": {"east": 600.0, "south": 450.0}, "B": {"east": 500.0, "south": 700.0}}
    weights = {"A": 0.4, "B": 0.6}
    alpha = demandgen.fit_constants(weights, cost, lam, {"east": 0.7, "south": 0.3})
    p = {z: demandgen.logit_shares(alpha, lam, cost[z]) for z in cost}
    assert sum(weights[z] * p[z]["south"] for z in cost) == pytest.approx(0.3, abs=1e-10)
    assert p["A"]["south"] > 0.3 > p["B"]["south"]
    # the odds ratio between the zones is the cost difference alone: ln OR = λ (Δc_A − Δc_B)
    odds = {z: p[z]["south"] / p[z]["east"] for z in cost}
    assert math.log(odds["A"] / odds["B"]) == pytest.approx(lam * (150 + 200), rel=1e-9)


def test_road_km_shortest_paths_by_hand() -> None:
    """A-B 10, B-C 15, A-C 40 (road), A-C 5 (rail, ignored): A-C = 25 km both ways; D unreachable."""

    def link(i: str, a: str, b: str, mode: str, km: float) -> Link:
        return Link.model_validate(
            {"id": i, "from": a, "to": b, "mode": mode, "length_km": km, "source": "test"}
        )

    links = [
        link("E1", "A", "B", "road", 10),
        link("E2", "B", "C", "road", 15),
        link("E3", "A", "C", "road", 40),
        link("R1", "A", "C", "rail", 5),
    ]
    d = demandgen.road_km(links, ["A", "C", "D"])
    assert d[0, 1] == d[1, 0] == 25.0
    assert d[0, 0] == 0.0
    assert math.isinf(d[0, 2])


def _fake_logsums(
    rows: Sequence[demandgen.DemandRow],
) -> dict[tuple[str, str, str], tuple[float, float]]:
    """Deterministic stand-in for the behavioural model: cost grows with the name lengths."""
    return {
        (r.origin, r.destination, r.commodity): (
            300.0 + 7 * len(r.origin) + 11 * len(r.destination) + len(r.commodity),
            500.0,
        )
        for r in rows
    }


def test_generation_is_deterministic_with_given_logsums() -> None:
    """Two generations with the same logsums give the same bytes; the gateway pools keep their
    §7.3 split (general cargo east 7.5 % + 6.5 %, south 3 % + 1.8 %, west 0.6 % + 0.4 % of 125 Mt)."""
    a = demandgen.generate_full(BASE, logsums=_fake_logsums, rounds=2)
    b = demandgen.generate_full(BASE, logsums=_fake_logsums, rounds=2)
    assert demandgen.render_csv(a.rows) == demandgen.render_csv(b.rows)
    gc = [r for r in a.rows if r.commodity == "general_containers"]
    by_seg: dict[str, int] = {}
    for r in gc:
        by_seg[r.segment] = by_seg.get(r.segment, 0) + r.tonnes
    assert by_seg["Eo"] == 9_375_000 and by_seg["Ei"] == 8_125_000
    assert by_seg["Bo"] == 3_750_000 and by_seg["Bi"] == 2_250_000
    assert by_seg["Xo"] == 750_000 and by_seg["Xi"] == 500_000
    assert a.share_change == pytest.approx(0.0, abs=1e-9)  # fixed logsums: a fixed point


def test_gateway_pool_follows_the_logsums() -> None:
    """With logsums cheaper to the south from Luzhou than from Yibin, Luzhou's south share is
    higher, and the pool total by gateway stays at the target."""
    spec = demandgen.SPECS["general_containers"]
    direction, total, target = demandgen._pools("general_containers", spec)[0]
    ls = {}
    for z in demandgen.REGION:
        for d in ("WH", "NJG", "SH", "QZP", "ALS"):
            south = 400.0 if z == "LZ" else 600.0
            ls[(z, d, "general_containers")] = (south if d == "QZP" else 500.0, 500.0)
    pool = demandgen.gateway_pool(
        "general_containers", spec, direction, total, target, ls, chain_scale=4.0
    )
    assert pool.scale == pytest.approx(0.5 * 4 / 500.0)
    assert pool.shares["LZ"]["south"] > target["south"] > pool.shares["YB"]["south"]
    w = demandgen._normalized(demandgen.GDP_2023)
    agg = sum(w[z] * pool.shares[z]["south"] for z in w)
    assert agg == pytest.approx(target["south"], abs=1e-10)


def test_main_reports_bad_input_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder without links.csv: exit 2, the message names the file, no traceback."""
    import shutil

    folder = tmp_path / "net"
    shutil.copytree(BASE, folder)
    (folder / "links.csv").unlink()
    assert demandgen.main([str(folder)]) == 2
    err = capsys.readouterr().err
    assert "links.csv" in err and "Traceback" not in err


def test_pivot_keeps_constants_and_follows_a_cost_change() -> None:
    """Against a base generation, logsums 50 CNY/t cheaper to the Beibu Gulf (QZP) with the
    base's constants kept: general cargo's southbound segment grows above 125 Mt x 3 %, the
    eastbound one shrinks, the pool (and the commodity) keep their totals."""

    def cheaper_south(
        rows: Sequence[demandgen.DemandRow],
    ) -> dict[tuple[str, str, str], tuple[float, float]]:
        base = _fake_logsums(rows)
        return {k: (v[0] - 50.0 if "QZP" in k[:2] else v[0], v[1]) for k, v in base.items()}

    base = demandgen.generate_full(BASE, logsums=_fake_logsums, rounds=1)
    moved = demandgen.generate_full(BASE, logsums=cheaper_south, rounds=1, pivot=base)

    def seg_total(gen: demandgen.Generation, seg: str) -> int:
        return sum(
            r.tonnes for r in gen.rows if r.commodity == "general_containers" and r.segment == seg
        )

    assert seg_total(base, "Bo") == 3_750_000
    assert seg_total(moved, "Bo") > 3_750_000
    assert seg_total(moved, "Eo") < seg_total(base, "Eo")
    pool = sum(seg_total(moved, s) for s in ("Eo", "Bo", "Xo"))
    assert pool == pytest.approx(125e6 * (0.075 + 0.03 + 0.006), abs=3)
    total = sum(r.tonnes for r in moved.rows if r.commodity == "general_containers")
    assert total == pytest.approx(
        sum(r.tonnes for r in base.rows if r.commodity == "general_containers"), abs=5
    )
