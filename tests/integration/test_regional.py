"""The built-in regional network end to end: run, results, appraisal, drayage at Luzhou port.

Known answers: every OD of the base network has an allowed path and the penalties exceed every
route, so nothing is unserved; the column-generation default and the monolithic LP agree on the
optimum; flows pass the one validator; reruns give identical bytes.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from cli import main
from freight.data.csvio import load_network
from freight.model.linear import solve_network
from solvers.check import check_flows
from tests import paths

ROOT = paths.ROOT
DATA = ROOT / "network_data" / "chuannan_yuxi"
FILES = ("link_flows.csv", "od_flows.csv", "mode_summary.csv", "terminals.csv", "kpis.csv")


@pytest.fixture(scope="module")
def base_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("regional") / "base"
    assert main(["run", str(DATA), "--method", "mcf", "--out", str(out)]) == 0
    return out


def test_regional_run_writes_every_file_same_bytes(base_run: Path, tmp_path: Path) -> None:
    """`freight run --method mcf` writes every DESIGN §6 file; a second run writes the same bytes
    (the linear model: nothing unserved, as the module docstring's known answers say)."""
    assert main(["run", str(DATA), "--method", "mcf", "--out", str(tmp_path / "again")]) == 0
    for name in FILES:
        assert (base_run / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name
    assert (base_run / "manifest.json").is_file()
    kpis = {r["metric"]: float(r["value"]) for r in csv.DictReader((base_run / "kpis.csv").open())}
    assert kpis["unserved"] == 0.0 and kpis["served"] == kpis["demand"]


def test_regional_flows_valid_and_methods_agree() -> None:
    """check_flows is clean; the default method and the monolithic LP reach the same optimum."""
    net = load_network(DATA)
    run = solve_network(net)
    g, d = run.graph, run.demand
    assert not check_flows(
        g.n_nodes, g.tail, g.head, run.capacity, run.class_flow,
        d.origin, d.destination, d.tonnes, run.demand_class, run.unserved,
    )  # fmt: skip
    lp = solve_network(net, method="lp", graph=g, paths=False)
    assert run.status == lp.status == "optimal"
    assert run.objective == pytest.approx(lp.objective, rel=1e-6)


def test_route_writes_tours_for_luzhou_port(base_run: Path, tmp_path: Path) -> None:
    """`freight route` on the base run writes daily tours for the Luzhou port road–water terminal
    that handles the most (which of its container and bulk rows that is moves with the data)."""
    rows = [
        r
        for r in csv.DictReader((base_run / "terminals.csv").open())
        if r["place"] == "LZP" and r["from_mode"] == "road"
    ]
    busiest = max(rows, key=lambda r: float(r["throughput_t"]))
    assert float(busiest["throughput_t"]) > 0
    out = tmp_path / "route"
    assert main(["route", str(base_run), "--terminal", busiest["terminal"], "--out", str(out)]) == 0
    tours = list(csv.DictReader((out / "tours.csv").open()))
    assert tours and all(t["stop"] != "" for t in tours)
    summary = {r["kind"]: r for r in csv.DictReader((out / "summary.csv").open())}
    assert float(summary["collection"]["tonnes_per_day"]) > 0
    assert float(summary["collection"]["vehicles_per_day"]) >= 1


@pytest.mark.slow
def test_appraise_plan_2025_central(tmp_path: Path) -> None:
    """`freight appraise` writes a row per plan project and test (and a group row for each
    project others require) with finite NPV, and a finite BCR for every project not in the
    do-minimum."""
    from freight.analysis.appraise import dependents
    from freight.scenario.resolve import load_projects, projects_dir, resolve

    plan = ROOT / "scenarios" / "plan_2025_central.toml"
    assert main(["appraise", str(plan), "--out", str(tmp_path / "a"), "--jobs", "2"]) == 0
    rows = list(csv.DictReader((tmp_path / "a" / "appraisal.csv").open()))
    projects = sorted(p.stem for p in (ROOT / "scenarios" / "projects").glob("*.toml"))
    assert sorted({r["project"] for r in rows}) == projects
    sc = resolve(plan)
    pf = {p.id: p for p in load_projects(sc.projects, projects_dir(sc), str(plan))}
    required = [p for p in pf if dependents(p, pf)]
    assert len(rows) == 2 * len(projects) + len(required)
    for r in rows:
        assert math.isfinite(float(r["npv_cny"])), r["project"]
        if r["do_minimum"] == "false":
            assert math.isfinite(float(r["bcr"])), r["project"]
        else:
            assert r["bcr"] == "" and pf[r["project"]].opening_year < 2025
