"""The capacity-aware model on the hand-drawn network tests/data/tiny, solved by hand.

Generalized cost per tonne A→B (see tests/test_graph.py for the arc data):
- road direct: 10 (entry) + 75 + 0.1 × 3 h = 85.30 (bulk); dg pays cost factor 2 on link rates:
  10 + 150 + 1 × 3 = 163.
- via water (bulk): 10 + (5 + 0.02) + (10 + 0.5) + (7 + 1.3) + (10 + 0.5) + 10 + (10 + 0.04)
  = 64.36; the water link has 80 − 20 = 60 t of capacity, so 60 t go by water, 40 t by road.
- dg may not change mode at P (no dangerous-goods yard), so its 10 t go by road.
Objective = 60 × 64.36 + 40 × 85.30 + 10 × 163 = 8,903.6 CNY/yr; the water link's shadow price
is 85.30 − 64.36 = 20.94 CNY/t.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from cli import main
from freight.data.csvio import load_network
from freight.model.linear import solve_network
from freight.results.tables import kpi_dict
from solvers.check import check_flows
from tests import paths

TINY = paths.DATA / "tiny"


@pytest.mark.parametrize("method", ["mcf", "lp"])
def test_tiny_optimum_by_hand(method: str) -> None:
    """Both methods find the hand-computed optimum, split and shadow price."""
    net = load_network(TINY)
    run = solve_network(net, method=method)  # type: ignore[arg-type]
    assert run.status == "optimal"
    assert run.objective == pytest.approx(8903.6, rel=1e-9)
    g = run.graph
    water = [a for a in range(g.n_arcs) if g.element[a] == "W_PQ" and g.direction[a] == 1][0]
    assert run.flow.sum(axis=0)[water] == pytest.approx(60.0)
    assert run.capacity_dual[water] == pytest.approx(20.94, abs=1e-6)
    assert run.unserved.sum() == pytest.approx(0.0, abs=1e-9)
    chains = {p.tonnes: p for p in run.od_paths[0]}
    assert sorted(chains) == pytest.approx([40.0, 60.0])
    assert len(run.od_paths[1]) == 1 and run.od_paths[1][0].tonnes == pytest.approx(10.0)


def test_check_flows_on_model() -> None:
    """Class flows conserve, respect capacity and meet demand (the one validator)."""
    net = load_network(TINY)
    run = solve_network(net)
    g, d = run.graph, run.demand
    problems = check_flows(
        g.n_nodes, g.tail, g.head, g.capacity_t, run.class_flow,
        d.origin, d.destination, d.tonnes, run.demand_class, run.unserved,
    )  # fmt: skip
    assert problems == []


def test_dual_by_finite_difference(tmp_path: Path) -> None:
    """Raising the water capacity by 5 t lowers the objective by 5 × 20.94."""
    net = load_network(TINY)
    base = solve_network(net).objective
    links = [
        lk.model_copy(update={"capacity_t": 85.0}) if lk.id == "W_PQ" else lk for lk in net.links
    ]
    more = solve_network(net.with_tables(links=tuple(links))).objective
    assert base - more == pytest.approx(5 * 20.94, rel=1e-9)


def test_unserved_when_no_capacity() -> None:
    """Closing the only road to B's side strands dg: reported as unserved at its penalty."""
    net = load_network(TINY)
    links = tuple(lk for lk in net.links if lk.id != "R_AB")
    run = solve_network(net.with_tables(links=links))
    k = kpi_dict(run)
    # dg (10 t) cannot change mode at P, and R_AB is gone: all 10 t unserved at 5,000 CNY/t.
    assert run.unserved.tolist() == pytest.approx([40.0, 10.0])
    assert k["unserved"] == pytest.approx(50.0)
    assert k["unserved_penalty"] == pytest.approx(40 * 1000 + 10 * 5000)


def test_run_writes_same_bytes(tmp_path: Path) -> None:
    """`freight run` writes every result file; a second run writes identical CSV bytes."""
    for out in ("a", "b"):
        assert main(["run", str(TINY), "--out", str(tmp_path / out)]) == 0
    names = ["link_flows.csv", "od_flows.csv", "mode_summary.csv", "terminals.csv", "kpis.csv"]
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "manifest.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folders left
    od = (tmp_path / "a" / "od_flows.csv").read_text().splitlines()
    assert od[1].startswith("A,B,bulk,Alpha,,Beta,,100,100,0,")  # names since issue 14
    assert "road>water>road" in od[1]


def test_run_bad_method_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown --method is an input error (exit 2) naming the option."""
    assert main(["run", str(TINY), "--out", str(tmp_path / "x"), "--method", "magic"]) == 2
    assert "--method" in capsys.readouterr().err
    assert not np.any([p.exists() for p in [tmp_path / "x"]])


def test_flow_classes_match_row_unique() -> None:
    """One integer key per (commodity, origin) numbers the classes exactly as the row-wise
    ``np.unique(axis=0)`` of the pairs (the reference it replaced)."""
    from freight.model.graph import DemandArrays
    from freight.model.linear import flow_classes, rows_by_class

    rng = np.random.default_rng(7)
    comm = rng.integers(0, 4, 500)
    orig = rng.integers(0, 60, 500)
    z = np.zeros(500)
    d = DemandArrays(orig, rng.integers(0, 60, 500), comm, z, z)
    cc, co, dc = flow_classes(d)
    uniq, inv = np.unique(np.stack([comm, orig], axis=1), axis=0, return_inverse=True)
    assert cc.tolist() == uniq[:, 0].tolist() and co.tolist() == uniq[:, 1].tolist()
    assert dc.tolist() == inv.reshape(-1).tolist()
    groups = rows_by_class(dc, len(cc))
    assert all(g.tolist() == np.flatnonzero(dc == c).tolist() for c, g in enumerate(groups))


def test_path_table_rows_round_trip() -> None:
    """A PathTable reads back the paths it was built from, row by row (empty rows included)."""
    from freight.model.paths import PathFlow, PathTable

    rows = ((PathFlow((0, 3, 5), 60.0), PathFlow((0, 2), 40.0)), (), (PathFlow((7,), 10.0),))
    t = PathTable.from_rows(rows)
    assert len(t) == 3 and t.n_paths == 3
    assert tuple(t) == rows and t[2] == rows[2] and t[-1] == rows[2] and t[0:2] == rows[:2]
    assert t.path_row.tolist() == [0, 0, 2] and t.arc_path.tolist() == [0, 0, 0, 1, 1, 2]
    with pytest.raises(IndexError):
        t[3]
    assert tuple(PathTable.empty(2)) == ((), ())


def test_path_sums_are_numpys_sums() -> None:
    """Summing every path at once gives each path's own ``numpy`` sum bit for bit (so the
    tables' costs do not change with the vectorization), for every length up to 300."""
    from freight.results.tables import path_sums

    rng = np.random.default_rng(3)
    lengths = np.repeat(np.arange(0, 301), 3)
    start = np.concatenate([[0], np.cumsum(lengths)])
    values = rng.standard_normal(int(start[-1])) * 10 ** rng.uniform(-3, 6, int(start[-1]))
    got = path_sums(values, start)
    ref = [values[start[p] : start[p + 1]].sum() for p in range(len(lengths))]
    assert got.tolist() == [float(x) for x in ref]


def test_class_flows_built_from_the_paths() -> None:
    """The linear run keeps class flows as its paths: the dense array (what check_flows
    validates above) has each class's row, the rows add up to the commodity flows, and a run
    solved without paths says so instead of returning zeros."""
    net = load_network(TINY)
    run = solve_network(net)
    dense = np.asarray(run.class_flow)
    assert dense.shape == run.class_flow.shape
    for c in range(dense.shape[0]):
        assert run.class_flow[c].tolist() == dense[c].tolist()
    per_comm = np.zeros_like(run.flow)
    np.add.at(per_comm, np.asarray([run.demand.commodity[run.demand_class == c][0]
                                    for c in range(dense.shape[0])]), dense)  # fmt: skip
    np.testing.assert_allclose(per_comm, run.flow, rtol=1e-12, atol=1e-9)
    bare = solve_network(net, paths=False)
    assert len(bare.od_paths) == len(net.demand) and all(p == () for p in bare.od_paths)
    with pytest.raises(ValueError, match="paths=False"):
        np.asarray(bare.class_flow)


def test_path_table_orders_each_rows_paths() -> None:
    """Solver paths come back per row largest first; equal tonnes are ordered by their arcs."""
    from freight.model.linear import path_table
    from solvers.multicommodity import PathFlows

    pf = PathFlows(
        demand_row=np.array([0, 0, 0, 2]),
        flow=np.array([5.0, 5.0, 7.0, 1.0]),
        arc_ptr=np.array([0, 2, 4, 5, 6]),
        arcs=np.array([4, 9, 3, 9, 8, 1]),
    )
    t = path_table(pf, 3)
    assert [(p.arcs, p.tonnes) for p in t[0]] == [((8,), 7.0), ((3, 9), 5.0), ((4, 9), 5.0)]
    assert t[1] == () and [p.arcs for p in t[2]] == [(1,)]


def test_binding_capacities_count_shadow_prices_shown_as_positive() -> None:
    """binding_capacities counts the arcs whose shadow price is written as positive (>= 0.005
    CNY/t at 2 decimals): the tiny network's water link (20.94), not a solver residue of 1e-6."""
    import dataclasses

    run = solve_network(load_network(TINY))
    assert kpi_dict(run)["binding_capacities"] == 1.0
    dual = run.capacity_dual.copy()
    dual[np.flatnonzero(dual == 0)[:3]] = [1e-6, 0.004, 0.005]
    assert kpi_dict(dataclasses.replace(run, capacity_dual=dual))["binding_capacities"] == 2.0
