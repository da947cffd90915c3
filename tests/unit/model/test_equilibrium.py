"""`freight run --method ue|so` on the hand-drawn network.

Without congestion on the chosen routes (road has no capacity, water's BPR alpha is 0) the user
equilibrium is all-or-nothing on the cheapest path: bulk 100 t by water at 64.36 CNY/t (the
capacity wall of the linear model does not exist here), dg 10 t by road at 163 CNY/t:
100 × 64.36 + 10 × 163 = 8,066 CNY/yr.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli import main
from freight.data.csvio import load_network
from freight.model.equilibrium import solve_equilibrium
from solvers.check import check_flows
from tests import paths

TINY = paths.DATA / "tiny"


@pytest.mark.parametrize("objective", ["ue", "so"])
def test_uncongested_equilibrium_is_all_or_nothing(objective: str) -> None:
    """Constant times: UE = SO = cheapest path per OD (8,066 CNY/yr)."""
    run = solve_equilibrium(load_network(TINY), objective=objective)
    assert run.status in ("optimal", "converged")
    assert run.objective == pytest.approx(8066.0, rel=1e-9)
    assert [p.tonnes for p in run.od_paths[0]] == pytest.approx([100.0])
    g, d = run.graph, run.demand
    assert not check_flows(
        g.n_nodes, g.tail, g.head, [float("inf")] * g.n_arcs, run.class_flow,
        d.origin, d.destination, d.tonnes, run.demand_class, run.unserved,
    )  # fmt: skip


def test_congested_road_spreads_flow(tmp_path: Path) -> None:
    """With BPR on a capacitated road A–B and water unattractive, UE equalizes route costs."""
    net = load_network(TINY)
    # make water slow for bulk-like freight with a high value of time, so road is preferred,
    # then congest the direct road: at equilibrium the two used routes cost the same.
    comms = tuple(c.model_copy(update={"value_of_time_cny_per_t_h": 20.0}) for c in net.commodities)
    links = tuple(
        lk.model_copy(update={"capacity_t": 20.0}) if lk.id == "R_AB" else lk for lk in net.links
    )
    run = solve_equilibrium(
        net.with_tables(commodities=comms, links=links), objective="ue", gap=1e-8
    )
    assert run.solver_info["relative_gap"] <= 1e-8
    bulk = run.od_paths[0]
    assert len(bulk) == 2  # both routes used
    k = run.graph.commodity_index["bulk"]
    costs = [float(run.graph.generalized[k, list(p.arcs)].sum()) for p in bulk]
    assert costs[0] == pytest.approx(costs[1], rel=1e-5)


def test_run_method_ue_cli(tmp_path: Path) -> None:
    """`freight run --method ue` writes the result folder and says which method produced it."""
    assert main(["run", str(TINY), "--out", str(tmp_path / "ue"), "--method", "ue"]) == 0
    manifest = (tmp_path / "ue" / "manifest.json").read_text()
    assert '"method": "ue"' in manifest and '"relative_gap"' in manifest
    assert main(["run", str(TINY), "--out", str(tmp_path / "lp"), "--method", "lp"]) == 0
    assert (
        main(["compare", str(tmp_path / "lp"), str(tmp_path / "ue"), "--out", str(tmp_path / "c")])
        == 0
    )
    text = (tmp_path / "c" / "kpi_comparison.csv").read_text()
    # kpis.csv rounds CNY to 1 CNY (8,903.6 CNY/yr unrounded; the UE side is 8,066 by hand)
    assert "generalized_cost,CNY/yr,8904,8066," in text
