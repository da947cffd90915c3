"""Criticality, sweeps (local processes and Dask) and robust ranking on the hand-drawn network.

Closing R_AP, W_PQ, T_P or T_Q sends the 60 t of bulk on water back to road: +60 × 20.94 =
1,256.4 CNY/yr. Closing R_AB strands 40 t of bulk (1,000 CNY/t) and 10 t of dg (5,000 CNY/t):
+40 × (1,000 − 85.30) + 10 × (5,000 − 163) = 84,958 CNY/yr.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

import freight.analysis.sweep as sw
from cli import main
from freight.analysis.criticality import criticality
from freight.analysis.robust import robust_ranking
from freight.data.csvio import load_network, write_network
from freight.errors import FreightError
from freight.model.linear import solve_network
from freight.scenario.resolve import build_scenario_network, resolve
from tests import paths

ROOT = paths.ROOT
DATA = paths.DATA
TINY = DATA / "tiny"
PLAN = DATA / "scenarios" / "plan.toml"


def test_criticality_by_hand() -> None:
    """Extra costs match the hand computation for every element."""
    rows, manifest = criticality(TINY)
    got = {r["element"]: r["extra_cost_cny"] for r in rows}
    assert got["R_AB"] == pytest.approx(84958.0)
    for e in ("R_AP", "W_PQ", "T_P", "T_Q", "R_QB"):
        assert got[e] == pytest.approx(1256.4)
    assert rows[0]["element"] == "R_AB" and rows[0]["extra_unserved_t"] == pytest.approx(50.0)
    assert manifest["resolved"] == 6


@pytest.mark.parametrize("element", ["W_PQ", "R_AB", "T_P"])
def test_criticality_equals_closed_run(element: str, tmp_path: Path) -> None:
    """A criticality row equals a run of a scenario that closes the element all year."""
    f = tmp_path / "closed.toml"
    f.write_text(
        f'id = "closed"\ndata = "{TINY.as_posix()}"\n[[disruptions]]\nelement = "{element}"\n',
        encoding="utf-8",
    )
    net, _ = build_scenario_network(resolve(f), check=False)
    closed = solve_network(net).objective
    base = solve_network(load_network(TINY)).objective
    rows, _ = criticality(TINY)
    row = [r for r in rows if r["element"] == element][0]
    assert row["extra_cost_cny"] == pytest.approx(closed - base, rel=1e-9)


def test_unused_element_skipped_exactly(tmp_path: Path) -> None:
    """A link without flow is skipped, and closing it really changes nothing."""
    net = load_network(TINY)
    extra = net.links[0].model_copy(
        update={"id": "R_PQ", "from_": "P", "to": "Q", "length_km": 500.0}
    )
    folder = tmp_path / "tiny_plus"
    write_network(net.with_tables(links=(*net.links, extra)), folder)
    rows, manifest = criticality(folder, only="road")
    row = [r for r in rows if r["element"] == "R_PQ"][0]
    assert row["skipped"] and row["extra_cost_cny"] == 0.0
    assert manifest["skipped_no_flow"] == 1
    with_link = solve_network(load_network(folder)).objective
    assert with_link == pytest.approx(solve_network(net).objective, rel=1e-12)


def test_criticality_cli(tmp_path: Path) -> None:
    """`freight criticality --only terminals` writes a ranked CSV of the two terminals."""
    assert (
        main(["criticality", str(TINY), "--out", str(tmp_path / "c"), "--only", "terminals"]) == 0
    )
    rows = list(csv.DictReader((tmp_path / "c" / "criticality.csv").open()))
    assert [r["element"] for r in rows] == ["T_P", "T_Q"]
    assert main(["criticality", str(TINY), "--out", str(tmp_path / "d"), "--only", "ships"]) == 2


def _sweep_rows(folder: Path) -> list[dict[str, str]]:
    return list(csv.DictReader((folder / "sweep.csv").open(encoding="utf-8")))


def test_sweep_grid_local_processes(tmp_path: Path) -> None:
    """A 2 × 2 grid on 2 processes: carbon price raises the generalized cost, tariffs apply."""
    cases = sw.grid_cases(PLAN, {"carbon_price": [0.0, 1000.0], "tariff_road": [1.0, 2.0]})
    rows = sw.run_sweep(cases, tmp_path / "s", jobs=2)
    assert len(rows) == 4 and all(r["status"] == "optimal" for r in rows)
    by = {(r["carbon_price"], r["tariff_road"]): r["objective"] for r in rows}
    # plan optimum 7,492 at no carbon price and road tariff 1 (tests/test_scenario.py)
    assert by[(0.0, 1.0)] == pytest.approx(7492.0)
    assert by[(1000.0, 1.0)] > by[(0.0, 1.0)]
    assert by[(0.0, 2.0)] > by[(0.0, 1.0)]


def test_sweep_failing_case_does_not_lose_others(tmp_path: Path) -> None:
    """A scenario that raises records its error; the others complete."""
    broken = DATA / "scenarios" / "broken" / "unknown_project.toml"
    cases = sw.file_cases([PLAN, broken, DATA / "scenarios" / "base.toml"])
    rows = sw.run_sweep(cases, tmp_path / "s")
    status = {r["scenario"]: r["status"] for r in rows}
    assert status == {
        "plan.toml": "optimal",
        "unknown_project.toml": "error",
        "base.toml": "optimal",
    }
    err = [r for r in rows if r["status"] == "error"][0]["error"]
    assert "unknown project 'P_NOPE'" in err


def test_sweep_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An interrupted sweep resumes: only the missing case is solved again."""
    cases = sw.lhs_cases(PLAN, {"carbon_price": (0.0, 500.0)}, n=3, seed=1)
    out = tmp_path / "s"
    first = sw.run_sweep(cases, out)
    (out / "cases" / f"{cases[1].case_id}.json").unlink()  # as if stopped before this case
    solved: list[str] = []
    real = sw.run_case

    def counting(args):  # type: ignore[no-untyped-def]
        solved.append(args[0].case_id)
        return real(args)

    monkeypatch.setattr(sw, "run_case", counting)
    again = sw.run_sweep(cases, out)
    assert solved == [cases[1].case_id]
    assert again == first
    assert (out / "sweep.csv").read_text().count("\n") == 4


def test_lhs_same_seed_same_cases() -> None:
    """Latin hypercube samples are reproducible and stratified (one per interval)."""
    a = sw.lhs_cases(PLAN, {"growth": (0.0, 0.1)}, n=5, seed=7)
    b = sw.lhs_cases(PLAN, {"growth": (0.0, 0.1)}, n=5, seed=7)
    assert a == b
    strata = sorted(int(dict(c.values)["growth"] / 0.02) for c in a)
    assert strata == [0, 1, 2, 3, 4]


def test_sweep_bad_parameter() -> None:
    """Sweeping an unknown parameter is an input error naming it."""
    from freight.errors import FreightError

    with pytest.raises(FreightError, match="cannot sweep 'speed'"):
        sw.grid_cases(PLAN, {"speed": [1.0]})


def test_sweep_dask_local_cluster_equals_processes(tmp_path: Path) -> None:
    """The same sweep on a dask.distributed LocalCluster gives the same table as processes."""
    distributed = pytest.importorskip("dask.distributed")
    cases = sw.grid_cases(PLAN, {"carbon_price": [0.0, 250.0, 500.0]})
    local = sw.run_sweep(cases, tmp_path / "local", jobs=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        remote = sw.run_sweep(cases, tmp_path / "dask", scheduler=client)
    assert remote == local
    a = (tmp_path / "local" / "sweep.csv").read_bytes()
    b = (tmp_path / "dask" / "sweep.csv").read_bytes()
    assert a.replace(b"local", b"") == b.replace(b"dask", b"")


def test_robust_ranking_by_hand() -> None:
    """Regret = best NPV in the future − NPV; P(top 1) counts the futures a project wins."""
    rows = [
        {"future": "f1", "project": "A", "test": "put_one_in", "npv_cny": 10.0, "bcr": 2.0},
        {"future": "f1", "project": "B", "test": "put_one_in", "npv_cny": 4.0, "bcr": 1.5},
        {"future": "f2", "project": "A", "test": "put_one_in", "npv_cny": -2.0, "bcr": 0.8},
        {"future": "f2", "project": "B", "test": "put_one_in", "npv_cny": 5.0, "bcr": 1.6},
    ]
    summary, regret = robust_ranking(rows, top_k=1)
    s = {r["project"]: r for r in summary}
    assert s["A"]["regret_max_cny"] == 7.0 and s["B"]["regret_max_cny"] == 6.0
    assert s["A"]["p_top_1"] == 0.5 and s["B"]["p_top_1"] == 0.5
    assert s["A"]["npv_mean_cny"] == 4.0
    assert [r["project"] for r in summary] == ["B", "A"]  # smaller maximum regret first
    assert len(regret) == 4


def test_robust_sweep_cli(tmp_path: Path) -> None:
    """`freight sweep --appraise` writes a robust ranking of the plan's projects."""
    code = main(["sweep", str(PLAN), "--out", str(tmp_path / "r"), "--grid", "tariff_water=1,3",
                 "--appraise", "--top", "1"])  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader((tmp_path / "r" / "robust_ranking.csv").open()))
    assert {r["project"] for r in rows} == {"P_WCAP", "P_YARD"}
    shutil.rmtree(tmp_path / "r")


def _copy_scenarios(tmp_path: Path) -> Path:
    """A writable copy of the test scenarios next to a copy of the tiny network."""
    root = tmp_path / "sc"
    shutil.copytree(DATA / "scenarios", root / "scenarios")
    shutil.copytree(DATA / "tiny", root / "tiny")
    return root / "scenarios"


def test_sweep_reruns_a_case_whose_parent_changed(tmp_path: Path) -> None:
    """Editing the parent scenario changes the cases' content keys: they are solved again."""
    scen = _copy_scenarios(tmp_path)
    plan = scen / "plan.toml"
    cases = sw.grid_cases(plan, {"tariff_road": [1.0]})
    out = tmp_path / "s"
    first = sw.run_sweep(cases, out)
    assert first[0]["objective"] == pytest.approx(7492.0)
    plan.write_text(plan.read_text(encoding="utf-8").replace('"P_WCAP", "P_YARD"', '"P_YARD"'))
    again = sw.run_sweep(sw.grid_cases(plan, {"tariff_road": [1.0]}), out)
    assert again[0]["key"] != first[0]["key"]
    assert again[0]["objective"] != pytest.approx(7492.0)


def test_sweep_reruns_for_another_method_and_retries_failures(tmp_path: Path) -> None:
    """A finished case is not reused for another method; a failed case is tried again."""
    scen = _copy_scenarios(tmp_path)
    out = tmp_path / "s"
    bad = scen / "broken" / "unknown_project.toml"
    rows = sw.run_sweep(sw.file_cases([scen / "plan.toml", bad]), out)
    assert [r["status"] for r in rows] == ["optimal", "error"]
    lp = sw.run_sweep(sw.file_cases([scen / "plan.toml"], method="lp"), out)
    assert lp[0]["method"] == "lp" and lp[0]["key"] != rows[0]["key"]
    fixed_text = (scen / "plan.toml").read_text(encoding="utf-8").replace("tiny_plan", "fixed")
    bad.write_text(fixed_text.replace('extends = "base.toml"', 'extends = "../base.toml"'))
    fixed = sw.run_sweep(sw.file_cases([scen / "plan.toml", bad]), out)
    assert [r["status"] for r in fixed] == ["optimal", "optimal"]


def test_same_file_name_in_two_folders_gives_two_cases(tmp_path: Path) -> None:
    """Two scenario files of the same name in different folders are two cases, two rows."""
    scen = _copy_scenarios(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "plan.toml").write_text(
        (scen / "base.toml")
        .read_text(encoding="utf-8")
        .replace('data = "../tiny"', f'data = "{(scen.parent / "tiny").as_posix()}"')
    )
    cases = sw.file_cases([scen / "plan.toml", other / "plan.toml"])
    assert cases[0].case_id != cases[1].case_id
    rows = sw.run_sweep(cases, tmp_path / "s")
    assert len(rows) == 2 and rows[0]["objective"] != rows[1]["objective"]


def test_grid_on_an_inert_key_is_an_error(tmp_path: Path) -> None:
    """--grid growth on a scenario whose every commodity has its own growth rate exits 2."""
    code = main(["sweep", str(ROOT / "scenarios" / "future_2025_central.toml"), "--out",
                 str(tmp_path / "s"), "--grid", "growth=0.01,0.02"])  # fmt: skip
    assert code == 2
    with pytest.raises(FreightError, match=r"growth: does not change future_2025_central\.toml"):
        sw.grid_cases(ROOT / "scenarios" / "future_2025_central.toml", {"growth": [0.01]})


def test_sweep_refuses_a_folder_of_other_files(tmp_path: Path) -> None:
    """--out naming a folder of unrelated files exits 2 and leaves the files as they were."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    code = main(["sweep", str(PLAN), "--out", str(out)])
    assert code == 2
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_robust_sweep_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second `sweep --appraise` reuses every future's appraisal: nothing is solved again."""
    import freight.analysis.robust as rb

    cases = sw.grid_cases(PLAN, {"tariff_water": [1.0, 3.0]})
    first, _ = rb.robust_to_folder(cases, tmp_path / "r", top_k=1)
    calls: list[object] = []

    def no_appraisal(*args: object, **kw: object) -> None:
        calls.append(args)
        raise AssertionError("appraised again")

    monkeypatch.setattr(rb, "appraise", no_appraisal)
    again, _ = rb.robust_to_folder(cases, tmp_path / "r", top_k=1)
    assert calls == [] and again == first
